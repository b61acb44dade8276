/* sema.c - semantic checks: policy-level fields, lists, macros, options;
 * hooks live in sema_hooks.c, selectors in sema_selectors.c, DSL
 * expressions in sema_dsl.c. */
#include "sema/sema.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sema/sema_int.h"
#include "sema/support.h"
#include "base/enforce.h"

/* ---- lists ---- */

static void check_lists(struct sema *s)
{
	struct ast_policy *p = s->pol;

	for (size_t i = 0; i < p->lists.n; i++) {
		struct ast_list *l = &p->lists.v[i];

		if (!l->name.present || !l->name.len) {
			diag__error(s->d, l->span, "list-name", "list has no 'name'");
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			if (p->lists.v[j].name.len == l->name.len &&
			    !memcmp(p->lists.v[j].name.s, l->name.s, l->name.len)) {
				diag__error(s->d, l->name.span, "list-duplicate",
					    "list '%s' is defined twice",
					    diag_quote(l->name.s, l->name.len));
				diag__note(s->d, p->lists.v[j].name.span, "first defined here");
			}
		}
		if (l->type.present && !ast_str__eq(&l->type, "syscalls") &&
		    !ast_str__eq(&l->type, "generated_syscalls") &&
		    !ast_str__eq(&l->type, "generated_ftrace")) {
			static const char *const types[] = { "syscalls", "generated_syscalls",
							     "generated_ftrace", NULL };
			const char *sug = diag_suggest(l->type.s, types);

			diag__error(s->d, l->type.span, "list-type",
				    "unknown list type '%s'%s%s%s",
				    diag_quote(l->type.s, l->type.len),
				    sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
			continue;
		}
		if (ast_str__eq(&l->type, "generated_syscalls") ||
		    ast_str__eq(&l->type, "generated_ftrace")) {
			if (l->values.n)
				diag__warning(s->d, l->values.v[0].span, "list-values-ignored",
					      "values of a '%s' list are ignored", l->type.s);
			if (l->pattern.present && ast_str__eq(&l->type, "generated_syscalls"))
				diag__warning(s->d, l->pattern.span, "list-pattern-ignored",
					      "'pattern' applies only to 'generated_ftrace' lists");
			sema_expand_list(s, l);
			continue;
		}
		if (!l->values.n)
			diag__error(s->d, l->span, "list-empty", "list '%s' has no values",
				    diag_quote(l->name.s, l->name.len));
		if (l->pattern.present)
			diag__warning(s->d, l->pattern.span, "list-pattern-ignored",
				      "'pattern' applies only to 'generated_ftrace' lists");
		/* syscall names are checked against BTF where the list is used */
	}
}

/* ---- macros ---- */

/* Selector fields as (yaml name, has-content) pairs, for macro merging. */
#define SEL_VEC_FIELDS(X)                                                      \
	X(match_pids, "matchPIDs")                                             \
	X(match_args, "matchArgs")                                             \
	X(match_data, "matchData")                                             \
	X(match_return_args, "matchReturnArgs")                                \
	X(match_binaries, "matchBinaries")                                     \
	X(match_parent_binaries, "matchParentBinaries")                        \
	X(match_namespaces, "matchNamespaces")                                 \
	X(match_namespace_changes, "matchNamespaceChanges")                    \
	X(match_capabilities, "matchCapabilities")                             \
	X(match_capability_changes, "matchCapabilityChanges")                  \
	X(match_actions, "matchActions")                                       \
	X(match_return_actions, "matchReturnActions")

static const struct ast_macro *find_macro(struct sema *s, const struct ast_str *name)
{
	for (size_t i = 0; i < s->pol->macros.n; i++) {
		const struct ast_macro *m = &s->pol->macros.v[i];

		if (m->name.len == name->len && !memcmp(m->name.s, name->s, name->len))
			return m;
	}
	return NULL;
}

static void merge_conflict(struct sema *s, const struct ast_str *ref, const char *field,
			   const struct ast_macro *m)
{
	diag__error(s->d, ref->span, "macro-conflict",
		    "'%s' is defined both in this selector and in macro '%s'", field,
		    diag_quote(m->name.s, m->name.len));
	diag__note(s->d, m->span, "macro '%s' is defined here", diag_quote(m->name.s, m->name.len));
}

static void expand_macros(struct sema *s, struct ast_selector *sel)
{
	for (size_t k = 0; k < sel->macros.n; k++) {
		const struct ast_str *ref = &sel->macros.v[k];
		const struct ast_macro *m = find_macro(s, ref);

		if (!m) {
			const char **names = arena__calloc(s->a, s->pol->macros.n + 1,
							   sizeof(*names));
			const char *sug;

			for (size_t i = 0; i < s->pol->macros.n; i++)
				names[i] = s->pol->macros.v[i].name.s;
			sug = diag_suggest(ref->s, names);
			if (sug)
				diag__error(s->d, ref->span, "macro-unknown",
					    "unknown selector macro '%s'; did you mean '%s'?",
					    diag_quote(ref->s, ref->len), sug);
			else
				diag__error(s->d, ref->span, "macro-unknown",
					    "unknown selector macro '%s'",
					    diag_quote(ref->s, ref->len));
			continue;
		}
#define X(f, yaml)                                                             \
	if (m->sel.f.n) {                                                      \
		if (sel->f.n)                                                  \
			merge_conflict(s, ref, yaml, m);                       \
		else                                                           \
			sel->f = m->sel.f;                                     \
	}
		SEL_VEC_FIELDS(X)
#undef X
		if (m->sel.match_src.present) {
			if (sel->match_src.present)
				merge_conflict(s, ref, "match", m);
			else {
				sel->match_src = m->sel.match_src;
				sel->match = m->sel.match;
			}
		}
		if (m->sel.has_match_workloads) {
			if (sel->has_match_workloads)
				merge_conflict(s, ref, "matchWorkloads", m);
			else {
				sel->has_match_workloads = true;
				sel->wl_pod = m->sel.wl_pod;
				sel->wl_container = m->sel.wl_container;
				sel->wl_host = m->sel.wl_host;
			}
		}
	}
	/* expanded: later phases see plain selectors */
	sel->macros.n = 0;
}

static void check_macros(struct sema *s)
{
	struct ast_policy *p = s->pol;

	for (size_t i = 0; i < p->macros.n; i++) {
		struct ast_macro *m = &p->macros.v[i];

		if (m->sel.macros.n)
			diag__error(s->d, m->sel.macros.v[0].span, "macro-nested",
				    "selector macros cannot use other macros ('%s' uses '%s')",
				    diag_quote(m->name.s, m->name.len),
				    diag_quote(m->sel.macros.v[0].s, m->sel.macros.v[0].len));
		for (size_t j = 0; j < i; j++)
			if (p->macros.v[j].name.len == m->name.len &&
			    !memcmp(p->macros.v[j].name.s, m->name.s, m->name.len))
				diag__error(s->d, m->name.span, "macro-duplicate",
					    "selector macro '%s' is defined twice",
					    diag_quote(m->name.s, m->name.len));
		/* a nested reference must not be expanded later */
		m->sel.macros.n = 0;
	}
	for (size_t i = 0; i < p->hooks.n; i++)
		for (size_t j = 0; j < p->hooks.v[i].selectors.n; j++)
			expand_macros(s, &p->hooks.v[i].selectors.v[j]);
}

/* ---- enforcers (NotifyEnforcer) ---- */

/* One enforcer call: a syscall of the target kernel (name NULL: an
 * unknown list or one not of type 'syscalls'). */
static int check_enforcer_call(const struct ast_str *v, const struct ast_list *l, const char *name,
			       void *ctx)
{
	struct sema *s = ctx;
	struct btf_info *bi;
	const char *const *hooks;
	char wrapper[128];

	if (!name && !l) {
		diag__error(s->d, v->span, "list-unknown", "unknown list '%s'",
			    diag_quote(v->s + 5, v->len - 5));
		return 0;
	}
	if (!name) {
		diag__error(s->d, v->span, "enforcer-call",
			    "enforcer calls take a list of type 'syscalls'; '%s' is '%s'",
			    diag_quote(v->s + 5, v->len - 5),
			    l->type.present ? l->type.s : "(no type)");
		return 0;
	}
	bi = sema_btf(s, v->span);
	if (bi && btf_info__syscall(bi, name, wrapper, sizeof(wrapper))) {
		diag__error(s->d, v->span, "enforcer-call",
			    "enforcer call '%s' is not a syscall in kernel BTF%s",
			    diag_quote(v->s, v->len), btf_info__where(bi));
		return 0;
	}
	/* its deny runs at BPF LSM hooks: they must load on this kernel */
	hooks = bi ? syscall__lsm_hooks(name) : NULL;
	for (size_t i = 0; hooks && hooks[i]; i++) {
		struct btf_func_info fi;

		if (!btf_info__lsm_hook(bi, hooks[i], &fi) &&
		    !sema_check_trampoline_args(s, v->span, bi, "LSM hook", hooks[i], &fi))
			diag__note(s->d, v->span,
				   "the enforcer denies '%s' at the LSM hook '%s'",
				   diag_quote(v->s, v->len), hooks[i]);
	}
	return 0;
}

/* Tetragon's enforcer programs act when the notified thread next enters one
 * of `calls`. tpc sends NotifyEnforcer's signal in the notifying hook
 * itself and carries out its argError at the calls' LSM hooks
 * (sema_selectors.c, runtime/tpc_enforce.bpf.h); here the calls are
 * checked: syscalls of the target, or a 'syscalls' list of them. */
static void check_enforcers(struct sema *s)
{
	struct ast_policy *p = s->pol;
	bool notified = false;

	for (size_t i = 0; i < p->hooks.n; i++)
		for (size_t j = 0; j < p->hooks.v[i].selectors.n; j++) {
			const struct ast_selector *sel = &p->hooks.v[i].selectors.v[j];

			for (size_t k = 0; k < sel->match_actions.n; k++)
				notified |= sel->match_actions.v[k].action == ACT_NOTIFY_ENFORCER;
		}
	ast_policy__each_enforcer_call(p, check_enforcer_call, s);
	if (p->enforcers.n && !notified)
		diag__warning(s->d, p->enforcers.v[0].n ? p->enforcers.v[0].v[0].span : p->span,
			      "enforcer-unused",
			      "no selector of this policy has a NotifyEnforcer action: the "
			      "'enforcers' section does nothing");
}

/* ---- spec-level fields ---- */

/* disable-kprobe-multi / disable-uprobe-multi: Tetragon's switch between
 * one multi-attach link for all calls of a policy and one link per call.
 * tpc has no such choice to make (every attach point is its own fused
 * program and link), so the option is accepted with one note per policy;
 * its value is still checked the way Tetragon parses it
 * (strconv.ParseBool). */
static void check_multi_option(struct sema *s, const struct ast_option *o, bool *noted)
{
	static const char *const bools[] = { "1", "t", "T", "TRUE", "true", "True",
					     "0", "f", "F", "FALSE", "false", "False", NULL };
	const char *v = o->value.present ? o->value.s : "";
	bool ok = false;

	for (int i = 0; bools[i]; i++)
		ok |= ast_str__eq(&o->value, bools[i]);
	if (!ok) {
		diag__error(s->d, o->value.present ? o->value.span : o->span, "option-value",
			    "option '%s' takes a boolean string ('true', 'false', '1', '0', ...), "
			    "not '%s'",
			    o->name.s, diag_quote(v, strlen(v)));
		return;
	}
	if (*noted)
		return;
	*noted = true;
	diag__note(s->d, o->name.span,
		   "option '%s' has no effect in tpc: tpc fuses the calls of every policy into "
		   "one program per hook and attaches each with its own link, never a "
		   "kprobe/uprobe multi link",
		   o->name.s);
}

/* spec.options tpc-match-binaries: path (the default) or inode, once. */
static void check_binaries_option(struct sema *s, size_t i)
{
	const struct ast_option *o = &s->pol->options.v[i];
	static const char *const modes[] = { "path", "inode", NULL };
	const char *v = o->value.present ? o->value.s : "";
	const char *sug;

	for (size_t k = 0; k < i; k++)
		if (ast_str__eq(&s->pol->options.v[k].name, AST_OPT_MATCH_BINARIES)) {
			diag__error(s->d, o->name.span, "duplicate-option",
				    "option '" AST_OPT_MATCH_BINARIES "' is given twice");
			diag__note(s->d, s->pol->options.v[k].name.span, "first given here");
			return;
		}
	if (ast_str__eq(&o->value, "path") || ast_str__eq(&o->value, "inode"))
		return;
	sug = diag_suggest(v, modes);
	diag__error(s->d, o->value.present ? o->value.span : o->span, "option-value",
		    AST_OPT_MATCH_BINARIES " must be 'path' or 'inode', not '%s'%s%s%s",
		    diag_quote(v, strlen(v)), sug ? "; did you mean '" : "", sug ? sug : "",
		    sug ? "'?" : "");
}

static void check_spec(struct sema *s)
{
	struct ast_policy *p = s->pol;
	const char *why;
	bool multi_noted = false;

	sema_loader_sensor(s);
	check_enforcers(s);
	for (size_t i = 0; i < p->options.n; i++) {
		const struct ast_option *o = &p->options.v[i];
		const char *oname = o->name.present ? o->name.s : "";

		why = support__option(oname);
		if (why) {
			static const char *const known[] = { "policy-mode", "disable-kprobe-multi",
							     "disable-uprobe-multi", NULL };
			const char *sug = diag_suggest(oname, known);

			diag__error(s->d, o->name.present ? o->name.span : o->span,
				    "unsupported-option", "option '%s' is not supported by tpc: %s%s%s%s",
				    diag_quote(oname, strlen(oname)), why,
				    sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
			continue;
		}
		if (ast_str__eq(&o->name, AST_OPT_MATCH_BINARIES)) {
			check_binaries_option(s, i);
			continue;
		}
		if (!ast_str__eq(&o->name, "policy-mode")) {
			check_multi_option(s, o, &multi_noted);
			continue;
		}
		if (!ast_str__eq(&o->value, "enforce") && !ast_str__eq(&o->value, "monitor")) {
			static const char *const modes[] = { "enforce", "monitor", NULL };
			const char *v = o->value.present ? o->value.s : "";
			const char *sug = diag_suggest(v, modes);

			diag__error(s->d, o->value.present ? o->value.span : o->span,
				    "option-value",
				    "policy-mode must be 'enforce' or 'monitor', not '%s'%s%s%s",
				    diag_quote(v, strlen(v)), sug ? "; did you mean '" : "",
				    sug ? sug : "", sug ? "'?" : "");
		}
	}
	sema_check_scope(s);
}

int sema__check(struct arena *a, struct diag_sink *d, struct ast_bundle *b,
		const struct sema_opts *opts)
{
	static const struct sema_opts defaults = { 0 };
	struct sema s = { .a = a, .d = d, .opts = opts ? opts : &defaults };
	unsigned before = diag_sink__errors(d);

	sema_check_cli_namespace(&s);
	for (size_t i = 0; i < b->policies.n; i++) {
		s.pol = b->policies.v[i];
		check_spec(&s);
		check_lists(&s);
		check_macros(&s);
		for (size_t j = 0; j < s.pol->hooks.n; j++)
			sema_check_hook(&s, &s.pol->hooks.v[j]);
	}
	sema_check_node_selectors(&s, b);
	if (s.bi != s.opts->btf)
		btf_info__free(s.bi);
	return diag_sink__errors(d) > before ? -EINVAL : 0;
}
