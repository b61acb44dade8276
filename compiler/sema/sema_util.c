/* sema_util.c - helpers every sema phase uses: the target kernel's BTF
 * (opened on first use), policy lists, Kubernetes label syntax, the
 * "not supported" message. Nothing here calls a phase, so the phases form
 * one direction: sema.c (policy) -> sema_scope.c, sema_hooks.c (hook) ->
 * sema_selectors.c (selector) -> sema_dsl.c (expression), all -> here.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "sema/sema_int.h"
#include "base/syscalls.h"

struct btf_info *sema_btf(struct sema *s, struct span where)
{
	int err = 0;

	if (s->bi || s->btf_tried)
		return s->bi;
	s->btf_tried = true;
	if (s->opts && s->opts->btf && !s->opts->no_btf) {
		s->bi = s->opts->btf;
		return s->bi;
	}
	if (s->opts && s->opts->no_btf) {
		s->btf_noted = true;
		return NULL;
	}
	s->bi = btf_info__open(s->opts ? s->opts->btf_path : NULL,
			       s->opts ? s->opts->tracefs : NULL, &err);
	if (!s->bi && !s->btf_noted) {
		s->btf_noted = true;
		diag__note(s->d, SPAN_NONE,
			   "kernel BTF not readable at '%s' (%s); kernel function, LSM hook, "
			   "tracepoint and argument type checks are skipped (use --btf FILE)",
			   s->opts && s->opts->btf_path ? s->opts->btf_path
							: "/sys/kernel/btf/vmlinux",
			   strerror(-err));
	}
	(void)where;
	return s->bi;
}

/* A trampoline program (fentry, fexit, BPF LSM) on a function with a
 * struct argument by value: kernels before 6.1 refuse to load it, so the
 * object is refused for such a target here, at the hook, instead of at
 * load time on the node. what: "LSM hook", "kernel function". */
bool sema_check_trampoline_args(struct sema *s, struct span sp, struct btf_info *bi,
				const char *what, const char *name,
				const struct btf_func_info *fi)
{
	int i = btf_func_info__struct_param(fi);

	if (i < 0 || btf_info__trampoline_struct_args(bi))
		return true;
	diag__error(s->d, sp, "trampoline-struct-arg",
		    "%s '%s' takes argument %d ('%s%s%s') by value, a struct: BPF trampolines "
		    "of this kernel%s refuse struct arguments (Linux 6.1 added them), so its "
		    "BPF program cannot load",
		    what, name, i, fi->params[i].desc, *fi->param_names[i] ? " " : "",
		    fi->param_names[i], btf_info__where(bi));
	return false;
}

void sema_unsupported(struct sema *s, struct span sp, const char *what, const char *why)
{
	diag__error(s->d, sp, "unsupported", "'%s' is not supported by tpc: %s", what, why);
}

bool sema_is_list_ref(const struct ast_str *v)
{
	return v->present && v->len > 5 && !strncmp(v->s, "list:", 5);
}

const struct ast_list *sema_find_list(struct sema *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->pol->lists.n; i++) {
		const struct ast_list *l = &s->pol->lists.v[i];

		if (l->name.len == len && !memcmp(l->name.s, name, len))
			return l;
	}
	return NULL;
}

void sema_syscall_list_ids(struct sema *s, const struct ast_list *l)
{
	for (int i = 0; i < s->nids_checked; i++)
		if (s->ids_checked[i] == l)
			return;
	if (s->nids_checked < (int)(sizeof(s->ids_checked) / sizeof(s->ids_checked[0])))
		s->ids_checked[s->nids_checked++] = l;
	for (size_t i = 0; i < l->values.n; i++) {
		const struct ast_str *v = &l->values.v[i];
		const char *why, *sug;
		int64_t id;

		if (syscall__parse(v->s, &id, &why, &sug) == 0)
			continue;
		diag__error(s->d, v->span, "syscall-unknown", "unknown syscall '%s' in list '%s': %s%s%s%s",
			    diag_quote(v->s, v->len), diag_quote(l->name.s, l->name.len), why,
			    sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
	}
}

void sema_dns_name_value(struct sema *s, const char *v, size_t len, struct span sp)
{
	for (size_t i = 0; i < len; i++)
		if (v[i] >= 'A' && v[i] <= 'Z') {
			diag__warning(s->d, sp, "dns-name-case",
				      "'%s' has upper-case letters; DNS names are matched in lower "
				      "case (as decoded from the query), so this value never matches",
				      diag_quote(v, len));
			return;
		}
}

/* DNS-1123 label-ish name part (also the form of a label value) of a label key or a label value: at most
 * 63 bytes of [A-Za-z0-9._-], beginning and ending with [A-Za-z0-9]. */
bool sema_label_value_ok(const char *s, size_t n)
{
	if (n > 63)
		return false;
	if (!n)
		return true;
	if (!isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* DNS-1123 label (a namespace name): at most 63 bytes of [a-z0-9-],
 * beginning and ending with [a-z0-9]. */
bool sema_dns_label_ok(const char *s, size_t n)
{
	if (!n || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

/* prefix/name with a DNS-1123 subdomain prefix of at most 253 bytes */
bool sema_label_key_ok(const struct ast_str *k)
{
	const char *slash = memchr(k->s, '/', k->len);
	size_t plen;

	if (!k->len)
		return false;
	if (!slash)
		return sema_label_value_ok(k->s, k->len);
	plen = (size_t)(slash - k->s);
	if (!plen || plen > 253 || plen + 1 == k->len)
		return false;
	for (size_t i = 0; i < plen; i++) {
		char c = k->s[i];

		if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-' || c == '.'))
			return false;
	}
	if (!isalnum((unsigned char)k->s[0]) || !isalnum((unsigned char)k->s[plen - 1]))
		return false;
	return sema_label_value_ok(slash + 1, k->len - plen - 1);
}

struct ast_arg *hook_arg_by_index(struct ast_hook *h, int64_t index)
{
	for (size_t i = 0; i < h->args.n; i++) {
		int64_t ai = h->args.v[i].index.present ? h->args.v[i].index.v : 0;

		if (ai == index)
			return &h->args.v[i];
	}
	return NULL;
}
