/* tpl.c - fill a template (see tpl.h). */
#include "emit/tpl.h"

#include <errno.h>
#include <string.h>

void tpl__comment(FILE *out, const char *s)
{
	char prev = 0;

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c > 0x7e || (prev == '*' && c == '/'))
			c = '?';
		fputc(c, out);
		prev = (char)c;
	}
}

void tpl__cstring(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '?')
			fprintf(out, "\\%03o", c);
		else
			fputc(c, out);
	}
}

static bool is_ident(const char *s, size_t len)
{
	if (!len || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* identifiers separated by single spaces: "u64", "struct bpf_sock_addr" */
static bool is_type(const char *s)
{
	const char *sp;

	while ((sp = strchr(s, ' '))) {
		if (!is_ident(s, (size_t)(sp - s)))
			return false;
		s = sp + 1;
	}
	return is_ident(s, strlen(s));
}

static const struct tpl_val *lookup(const char *tpl, const char *name, size_t len,
				    const struct tpl_slot *slots, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct tpl_val *v = slots[i].val;

		if (strlen(slots[i].name) != len || memcmp(slots[i].name, name, len))
			continue;
		if (v->kind != slots[i].kind) {
			fprintf(stderr, "tpc: internal error: %s: @%s@ %s\n", tpl, slots[i].name,
				v->kind == TPL_UNSET ? "not filled" : "filled with the wrong kind");
			return NULL;
		}
		if ((v->kind == TPL_IDENT && !(v->s && is_ident(v->s, strlen(v->s)))) ||
		    (v->kind == TPL_TYPE && !(v->s && is_type(v->s)))) {
			fprintf(stderr, "tpc: internal error: %s: @%s@ is not a C %s\n", tpl,
				slots[i].name, v->kind == TPL_TYPE ? "type" : "identifier");
			return NULL;
		}
		return v;
	}
	fprintf(stderr, "tpc: internal error: %s: @%.*s@ has no slot\n", tpl, (int)len, name);
	return NULL;
}

static void put(FILE *out, const struct tpl_val *v)
{
	switch (v->kind) {
	case TPL_NUM:
		fprintf(out, "%lld", v->n);
		break;
	case TPL_STR:
		tpl__cstring(out, v->s);
		break;
	case TPL_COMMENT:
		tpl__comment(out, v->s);
		break;
	default:
		fputs(v->s, out);
	}
}

/* Two passes: check every placeholder first, so a bad value writes
 * nothing; then write. */
static int render(FILE *out, const char *tpl, const char *text, const struct tpl_slot *slots,
		  size_t n, bool write)
{
	const char *p = text;
	bool bol = true;

	while (*p) {
		const char *at = *p == '@' ? strchr(p + 1, '@') : NULL;
		const struct tpl_val *v;
		bool flag;

		if (!at) {
			if (write)
				fputc(*p, out);
			bol = *p == '\n';
			p++;
			continue;
		}
		flag = p[1] == '?';
		v = lookup(tpl, p + 1 + flag, (size_t)(at - p - 1 - flag), slots, n);
		if (!v || flag != (v->kind == TPL_FLAG) || (flag && !bol)) {
			if (v)
				fprintf(stderr, "tpc: internal error: %s: misplaced flag\n", tpl);
			return -EINVAL;
		}
		p = at + 1;
		if (flag) {
			if (!v->n)
				p += strcspn(p, "\n") + (strchr(p, '\n') != NULL);
			continue;
		}
		if (write)
			put(out, v);
		bol = false;
	}
	return 0;
}

int tpl__render(FILE *out, const char *tpl, const char *text, const struct tpl_slot *slots,
		size_t n)
{
	int err = render(out, tpl, text, slots, n, false);

	return err ? err : render(out, tpl, text, slots, n, true);
}
