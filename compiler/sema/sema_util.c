/* sema_util.c - helpers every sema phase uses: the target kernel's BTF
 * (opened on first use), policy lists, Kubernetes label syntax, the
 * label selectors, the "not supported" message. Nothing here calls a phase, so the phases form
 * one direction: sema.c (policy) -> sema_scope.c, sema_hooks.c (hook) ->
 * sema_selectors.c (selector) -> sema_dsl.c (expression), all -> here.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "sema/sema_int.h"
#include "base/syscalls.h"
#include "tpc_abi.h"

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

/* ---- label selectors (podSelector, containerSelector, nodeSelector, matchWorkloads) ---- */

static void check_key(struct sema *s, const struct ast_str *k, bool containers,
		      const char *yaml)
{
	static const char *const cfields[] = { "name", "repo", NULL };

	if (!k->present)
		return;
	if (containers) {
		const char *sug;

		if (ast_str__eq(k, "name") || ast_str__eq(k, "repo"))
			return;
		sug = diag_suggest(k->s, cfields);
		diag__error(s->d, k->span, "selector-key",
			    "%s selects on container fields 'name' and 'repo', not '%s'%s%s%s",
			    yaml, diag_quote(k->s, k->len), sug ? "; did you mean '" : "",
			    sug ? sug : "", sug ? "'?" : "");
		return;
	}
	if (ast_str__eq(k, TPC_SCOPE_NS_KEY) || sema_label_key_ok(k))
		return;
	diag__error(s->d, k->span, "selector-key",
		    "'%s' is not a valid label key (an optional DNS subdomain prefix and '/', then "
		    "at most 63 characters of [A-Za-z0-9._-] that begin and end alphanumeric)",
		    diag_quote(k->s, k->len));
}

static void check_value(struct sema *s, const struct ast_str *v, bool containers)
{
	/* container names and image repositories are not label values */
	if (containers || !v->present || sema_label_value_ok(v->s, v->len))
		return;
	diag__error(s->d, v->span, "selector-value",
		    "'%s' is not a valid label value (at most 63 characters of [A-Za-z0-9._-] that "
		    "begin and end alphanumeric)",
		    diag_quote(v->s, v->len));
}

void sema_check_label_selector(struct sema *s, const struct ast_label_selector *ls,
			       bool containers, const char *yaml)
{
	if (!ls->present || ls->is_null)
		return;
	for (size_t i = 0; i < ls->label_keys.n; i++) {
		check_key(s, &ls->label_keys.v[i], containers, yaml);
		check_value(s, &ls->label_values.v[i], containers);
	}
	for (size_t i = 0; i < ls->exprs.n; i++) {
		const struct ast_label_req *r = &ls->exprs.v[i];
		bool sets = ast_str__eq(&r->op_name, "In") || ast_str__eq(&r->op_name, "NotIn");

		check_key(s, &r->key, containers, yaml);
		if (!r->op_name.present)
			continue; /* the parser reported it */
		if (sets && !r->values.n)
			diag__error(s->d, r->op_name.span, "selector-values",
				    "operator %s needs at least one value in 'values'",
				    diag_quote(r->op_name.s, r->op_name.len));
		else if (!sets && r->values.n)
			diag__error(s->d, r->values.v[0].span, "selector-values",
				    "operator %s takes no values (it tests whether the key is set)",
				    diag_quote(r->op_name.s, r->op_name.len));
		for (size_t k = 0; sets && k < r->values.n; k++)
			check_value(s, &r->values.v[k], containers);
	}
}

/* Tetragon takes hostSelector null (no host process) or {} (every host
 * process); labels would need host labels, which neither has. */
void sema_check_host_selector(struct sema *s, const struct ast_label_selector *ls,
			      const char *yaml)
{
	struct span at;

	if (!ls->present || ls->is_null || (!ls->label_keys.n && !ls->exprs.n))
		return;
	at = ls->label_keys.n ? ls->label_keys.v[0].span : ls->exprs.v[0].span;
	diag__error(s->d, at, "host-selector-labels",
		    "%s is null (no host process) or {} (every host process): host processes "
		    "have no labels to select on (Tetragon accepts only these two forms too)",
		    yaml);
}

