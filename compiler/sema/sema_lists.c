/* sema_lists.c - generated lists: `spec.lists` of type generated_syscalls
 * and generated_ftrace, expanded against the target kernel at build time.
 *
 * Tetragon expands these on the node when the policy is loaded. tpc builds
 * one program per attach point ahead of time, so it expands them here,
 * against the kernel it compiles for, and the object then says exactly
 * what it attaches to (its programs; `tpc explain` prints the list):
 *   - generated_syscalls: every syscall wrapper in BTF (`__x64_sys_*`, the
 *     kernel's arch prefix), as `sys_NAME` values of a syscalls list;
 *   - generated_ftrace: every BTF function whose name matches `pattern`, a
 *     POSIX extended regular expression searched anywhere in the name (as
 *     Tetragon's Go regexp.MatchString does; RE2-only syntax such as \d or
 *     (?i) is refused by regcomp, at the pattern).
 * Both are intersected with tracefs available_filter_functions when it is
 * readable (what ftrace cannot attach to, kprobes and fentry cannot
 * either); when it is not (not root, a recorded kernel) the expansion is
 * BTF's and a note says so. At most SEMA_GENERATED_MAX entries are kept
 * (each is a program of its own, compiled and verified), with a warning
 * naming how many were left out. The values replace the list's (they were
 * ignored, as in Tetragon) and l->generated is set: lowering marks the
 * programs optional, so the loader skips the ones this node cannot attach
 * (a syscall without an entry tracepoint, a function inlined away) with one
 * summary warning instead of refusing the object.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "sema/sema_int.h"

struct gen {
	struct sema *s;
	struct ast_list *l;
	const char *sys_prefix; /* generated_syscalls */
	size_t plen;
	regex_t re; /* generated_ftrace */
	bool use_re;
	bool ftrace_unknown;
	size_t total; /* matches before the cap */
};

static int gen_one(const char *name, void *ctx)
{
	struct gen *g = ctx;
	struct sema *s = g->s;
	const char *value = name;
	int in_ftrace;

	if (g->sys_prefix) {
		if (strncmp(name, g->sys_prefix, g->plen) || !name[g->plen])
			return 0;
		/* the stub behind unassigned syscall numbers is no syscall */
		if (!strcmp(name + g->plen, "ni_syscall"))
			return 0;
	} else if (regexec(&g->re, name, 0, NULL, 0)) {
		return 0;
	}
	in_ftrace = btf_info__ftrace_has(s->bi, name);
	if (in_ftrace == 0)
		return 0;
	if (++g->total > SEMA_GENERATED_MAX)
		return 0;
	if (g->sys_prefix)
		value = arena__sprintf(s->a, "sys_%s", name + g->plen);
	VEC_PUSH(s->a, g->l->values,
		 ast_str__make(s->a, value, strlen(value), g->l->type.span));
	return 0;
}

void sema_expand_list(struct sema *s, struct ast_list *l)
{
	struct gen g = { .s = s, .l = l };
	bool syscalls = ast_str__eq(&l->type, "generated_syscalls");
	const char *lname = diag_quote(l->name.s, l->name.len);
	int r;

	if (!syscalls) {
		if (!l->pattern.present || !l->pattern.len) {
			diag__error(s->d, l->type.span, "list-pattern",
				    "a 'generated_ftrace' list needs a 'pattern' (a regular "
				    "expression over kernel function names)");
			return;
		}
		r = regcomp(&g.re, l->pattern.s, REG_EXTENDED | REG_NOSUB);
		if (r) {
			char msg[128];

			regerror(r, &g.re, msg, sizeof(msg));
			diag__error(s->d, l->pattern.span, "list-pattern",
				    "'%s' is not a POSIX extended regular expression: %s",
				    diag_quote(l->pattern.s, l->pattern.len), msg);
			return;
		}
		g.use_re = true;
	}
	if (!sema_btf(s, l->type.span)) {
		diag__error(s->d, l->type.span, "list-generated",
			    "list '%s' of type '%s' is expanded against the target kernel's BTF, "
			    "which is not available (use --btf FILE or --kernel K)",
			    lname, l->type.s);
		goto cleanup;
	}
	if (syscalls) {
		g.sys_prefix = btf_info__syscall_prefix(s->bi);
		if (!g.sys_prefix) {
			diag__error(s->d, l->type.span, "list-generated",
				    "the target kernel's BTF has no syscall wrappers "
				    "(__x64_sys_read or similar): cannot generate list '%s'",
				    lname);
			goto cleanup;
		}
		g.plen = strlen(g.sys_prefix);
	}
	g.ftrace_unknown = btf_info__ftrace_has(s->bi, "") < 0;
	l->values.n = 0; /* a generated list's own values are ignored (warned) */
	btf_info__each_func(s->bi, gen_one, &g);
	l->generated = true;
	if (!g.total) {
		diag__error(s->d, syscalls ? l->type.span : l->pattern.span, "list-empty",
			    "list '%s' matches no kernel function of the target kernel%s", lname,
			    g.ftrace_unknown ? "" : " that ftrace can attach to");
		goto cleanup;
	}
	if (g.total > SEMA_GENERATED_MAX)
		diag__warning(s->d, syscalls ? l->type.span : l->pattern.span, "list-capped",
			      "list '%s' matches %zu kernel functions; tpc keeps the first %d "
			      "(by name), one program each, and leaves out %zu",
			      lname, g.total, SEMA_GENERATED_MAX, g.total - SEMA_GENERATED_MAX);
	if (g.ftrace_unknown)
		diag__note(s->d, l->type.span,
			   "list '%s': %zu functions from BTF; tracefs "
			   "available_filter_functions is not readable, so functions ftrace "
			   "cannot attach to are not left out (tpc-loader skips what does not "
			   "attach)",
			   lname, l->values.n);
cleanup:
	if (g.use_re)
		regfree(&g.re);
}
