/* ast.c - small helpers over ast.h */
#include "front/ast.h"

#include "base/enforce.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct ast_str ast_str__make(struct arena *a, const char *s, size_t len, struct span sp)
{
	return (struct ast_str){ arena__strndup(a, s, len), len, sp, true };
}

bool ast_hook__at_return(const struct ast_hook *h)
{
	if (h->ret.v)
		return true;
	for (size_t i = 0; i < h->args.n; i++)
		if (h->args.v[i].return_copy.present && h->args.v[i].return_copy.v)
			return true;
	return false;
}

bool ast_hook__override_at_lsm(const struct ast_hook *h)
{
	bool override = false;

	if (!h->call.present || strncmp(h->call.s, "security_", 9))
		return false;
	for (size_t i = 0; i < h->args.n; i++)
		if (h->args.v[i].return_copy.present && h->args.v[i].return_copy.v)
			return false;
	for (size_t i = 0; i < h->selectors.n; i++)
		for (size_t k = 0; k < h->selectors.v[i].match_actions.n; k++)
			override |= h->selectors.v[i].match_actions.v[k].action == ACT_OVERRIDE;
	return override;
}

bool ast_str__eq(const struct ast_str *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->present && s->len == n && !memcmp(s->s, lit, n);
}

bool ast_policy__binaries_by_inode(const struct ast_policy *p)
{
	for (size_t i = 0; p && i < p->options.n; i++)
		if (ast_str__eq(&p->options.v[i].name, AST_OPT_MATCH_BINARIES))
			return ast_str__eq(&p->options.v[i].value, "inode");
	return false;
}

struct ast_expr *ast_expr__new(struct arena *a, enum expr_kind k, struct span sp)
{
	struct ast_expr *e = arena__alloc(a, sizeof(*e));

	e->kind = k;
	e->span = sp;
	return e;
}

const char *hook_kind__name(enum hook_kind k)
{
	static const char *const names[] = { "kprobe", "fentry", "tracepoint", "uprobe",
					     "lsm",    "usdt",	 "exec",       "network" };

	return k <= HOOK_NET ? names[k] : "?";
}

struct dumpbuf {
	char *p;
	size_t left;
};

static void put(struct dumpbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (!b->left)
		return;
	if (n >= b->left)
		n = b->left - 1;
	memcpy(b->p, s, n);
	b->p += n;
	b->left -= n;
	*b->p = '\0';
}

static const char *cmp_name(enum expr_cmp c)
{
	static const char *const n[] = { "==", "!=", "<", "<=", ">", ">=",
					 "startswith", "endswith", "contains", "&" };

	return n[c];
}

static void dump(const struct ast_expr *e, struct dumpbuf *b)
{
	char tmp[64];

	if (!e) {
		put(b, "<null>");
		return;
	}
	switch (e->kind) {
	case EXPR_AND:
	case EXPR_OR:
		put(b, "(");
		dump(e->bin.l, b);
		put(b, e->kind == EXPR_AND ? " && " : " || ");
		dump(e->bin.r, b);
		put(b, ")");
		break;
	case EXPR_NOT:
		put(b, "!");
		dump(e->sub, b);
		break;
	case EXPR_CMP:
		put(b, "(");
		dump(e->cmp.lhs, b);
		put(b, " ");
		put(b, cmp_name(e->cmp.op));
		put(b, " ");
		dump(e->cmp.rhs, b);
		put(b, ")");
		break;
	case EXPR_IN:
		put(b, "(");
		dump(e->in.lhs, b);
		put(b, e->in.negated ? " not in " : " in ");
		dump(e->in.list, b);
		put(b, ")");
		break;
	case EXPR_FIELD:
		put(b, e->field.name);
		if (e->field.key.present) {
			put(b, "[\"");
			put(b, e->field.key.s);
			put(b, "\"]");
		}
		break;
	case EXPR_INT:
		snprintf(tmp, sizeof(tmp), "%" PRId64, e->ival);
		put(b, tmp);
		break;
	case EXPR_BOOL:
		put(b, e->bval ? "true" : "false");
		break;
	case EXPR_STR:
		put(b, "\"");
		put(b, e->sval.s);
		put(b, "\"");
		break;
	case EXPR_CIDR:
		put(b, e->sval.s);
		break;
	case EXPR_LIST:
		put(b, "[");
		for (size_t i = 0; i < e->list.n; i++) {
			if (i)
				put(b, ", ");
			dump(e->list.items[i], b);
		}
		put(b, "]");
		break;
	}
}

void ast_expr__dump(const struct ast_expr *e, char *buf, size_t size)
{
	struct dumpbuf b = { buf, size };

	if (size)
		buf[0] = '\0';
	dump(e, &b);
}

int ast_policy__each_enforcer_call(const struct ast_policy *p, ast_enforcer_fn fn, void *ctx)
{
	for (size_t i = 0; i < p->enforcers.n; i++)
		for (size_t j = 0; j < p->enforcers.v[i].n; j++) {
			const struct ast_str *v = &p->enforcers.v[i].v[j];
			const struct ast_list *l = NULL;
			int r;

			if (strncmp(v->s, "list:", 5)) {
				if ((r = fn(v, NULL, v->s, ctx)))
					return r;
				continue;
			}
			for (size_t k = 0; k < p->lists.n; k++)
				if (p->lists.v[k].name.len == v->len - 5 &&
				    !memcmp(p->lists.v[k].name.s, v->s + 5, v->len - 5))
					l = &p->lists.v[k];
			if (!l || !ast_str__eq(&l->type, "syscalls")) {
				if ((r = fn(v, l, NULL, ctx)))
					return r;
				continue;
			}
			for (size_t k = 0; k < l->values.n; k++) {
				const char *n = l->values.v[k].s, *slash = strchr(n, '/');

				if ((r = fn(&l->values.v[k], l, slash ? slash + 1 : n, ctx)))
					return r;
			}
		}
	return 0;
}

static int call_denies(const struct ast_str *v, const struct ast_list *l, const char *name,
		       void *ctx)
{
	(void)v;
	(void)l;
	(void)ctx;
	return !name || !syscall__lsm_hooks(name);
}

bool ast_policy__enforcers_deny(const struct ast_policy *p)
{
	return p->enforcers.n && !ast_policy__each_enforcer_call(p, call_denies, NULL);
}
