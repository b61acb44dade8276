/* sema_int.h - state shared by the sema_*.c files (not a public API).
 *
 * Contract: one struct sema per sema__check() call; one struct hook_ctx per
 * hook while it is checked. The hook context knows what each argument slot
 * is in the kernel (from BTF or the tracepoint format) so the selector and
 * DSL checks can ask about a declared arg without going back to BTF.
 */
#ifndef TPC_SEMA_INT_H
#define TPC_SEMA_INT_H

#include "front/ast.h"
#include "kernel/btf_info.h"
#include "base/diag.h"
#include "sema/sema.h"

struct sema {
	struct arena *a;
	struct diag_sink *d;
	const struct sema_opts *opts;
	struct btf_info *bi; /* NULL: no BTF (noted once) */
	bool btf_tried;
	bool btf_noted;
	struct ast_policy *pol;
	/* syscall lists whose values were checked as ids (once per list) */
	const struct ast_list *ids_checked[16];
	int nids_checked;
};

/* What the kernel says a hook argument slot is. */
struct slot {
	bool known;
	struct btf_tinfo ti;
	const char *name;	      /* parameter or field name, may be "" */
	const struct tp_field *field; /* tracepoints (format) */
	const char *via;	      /* the member `resolve` reached, for messages */
};

struct hook_ctx {
	struct ast_hook *h;
	const char *what; /* "kprobe 'x'", for messages */
	char what_buf[160];
	const char *func; /* kernel function for kprobe/fentry/lsm (resolved) */
	char func_buf[160];
	bool have_proto;
	struct btf_func_info proto;
	bool have_tp;
	struct tp_format tp;
	bool syscall_abi;  /* kprobe/fentry with syscall: true */
	bool syscall_entry; /* the hook fires at a syscall's entry */
	const char *syscall_name; /* "openat" */
	char syscall_buf[96];
	bool security_fn; /* kprobe/fentry on security_* */
	bool warned_sigkill;
	bool noted_fmodret;
	bool noted_enforcer;
	bool noted_enforcer_sig;
	bool noted_request;
};

/* Phases, in the one direction they call each other:
 *   sema.c (policy) -> sema_scope.c (workload scope), sema_lists.c
 *                      (generated lists), sema_loader.c (loader sensor)
 *                   -> sema_hooks.c (hook) -> sema_selectors.c (selector)
 *                                          -> sema_dsl.c (expression)
 * and every phase -> sema_util.c. No phase calls one above it. */

/* sema_util.c: shared helpers */
struct btf_info *sema_btf(struct sema *s, struct span where);
const struct ast_list *sema_find_list(struct sema *s, const char *name, size_t len);
/* Check once that every value of syscall list l names a syscall of the
 * target ABI (base/syscalls.h), with "did you mean" for a typo. */
void sema_syscall_list_ids(struct sema *s, const struct ast_list *l);
bool sema_is_list_ref(const struct ast_str *v);
void sema_unsupported(struct sema *s, struct span sp, const char *what, const char *why);
bool sema_check_trampoline_args(struct sema *s, struct span sp, struct btf_info *bi,
				const char *what, const char *name,
				const struct btf_func_info *fi);
/* A value compared with a dns hook's `name`: names are decoded lowercased
 * in BPF, so a value with an upper-case letter is warned about (it never
 * matches). */
void sema_dns_name_value(struct sema *s, const char *v, size_t len, struct span sp);
/* Kubernetes label syntax: key = [DNS subdomain '/'] name; a value (and a
 * key's name part) is at most 63 of [A-Za-z0-9._-], alphanumeric at both
 * ends, or empty. */
bool sema_label_key_ok(const struct ast_str *k);
bool sema_label_value_ok(const char *s, size_t n);
bool sema_dns_label_ok(const char *s, size_t n);
/* A podSelector/containerSelector-like label selector (containers: keys
 * are the container fields name and repo); yaml names it in messages. */
void sema_check_label_selector(struct sema *s, const struct ast_label_selector *ls,
			       bool containers, const char *yaml);
/* hostSelector: null or {} only (a located error otherwise). */
void sema_check_host_selector(struct sema *s, const struct ast_label_selector *ls,
			      const char *yaml);
/* The declared arg a matchArgs entry or DSL argN refers to (Tetragon:
 * the args[] entry whose index equals N), or NULL. */
struct ast_arg *hook_arg_by_index(struct ast_hook *h, int64_t index);

/* sema_scope.c: podSelector, containerSelector, namespaced policies */
void sema_check_scope(struct sema *s);
/* sema_lists.c: generated_syscalls / generated_ftrace expansion */
#define SEMA_GENERATED_MAX 1024 /* every syscall of a kernel fits (593 on 6.1) */
void sema_expand_list(struct sema *s, struct ast_list *l);
/* sema_loader.c: spec.loader: true adds its mmap hook to the policy */
void sema_loader_sensor(struct sema *s);
void sema_check_cli_namespace(struct sema *s);
void sema_check_node_selectors(struct sema *s, const struct ast_bundle *b);

/* sema_hooks.c */
void sema_check_hook(struct sema *s, struct ast_hook *h);

/* sema_selectors.c */
void sema_check_selector(struct sema *s, struct hook_ctx *hc, struct ast_selector *sel);

/* sema_dsl.c */
void sema_check_expr(struct sema *s, struct hook_ctx *hc, struct ast_expr *e);
/* matchArgs CelExpr entries rewritten into sel->match (ANDed), removed from
 * match_args; 0 or -EINVAL after reporting */
int sema_lower_cel(struct sema *s, struct hook_ctx *hc, struct ast_selector *sel);

#endif
