/* sema.h - semantic checks of a parsed bundle.
 *
 * Contract: sema__check() reports every semantic problem of the bundle:
 * names against kernel BTF (kprobe/fentry functions, LSM hooks, tracepoint
 * events and fields, argument indexes and types against prototypes),
 * operators against argument types, values (ints by width, CIDRs, ports,
 * capability/signal/errno names), actions against hooks (Override only
 * where a real deny exists), limits, macros and lists; and warnings where a
 * policy likely does not do what its author thinks. It also fills the
 * derived fields later phases rely on (resolved arg types for `auto`,
 * macros expanded into selectors). It never rejects a construct silently:
 * anything the back end does not support is an error naming it and why.
 * Returns 0 if no error was reported, -EINVAL otherwise.
 * BTF comes from opts->btf_path (default /sys/kernel/btf/vmlinux); with
 * no BTF available, kernel-name checks are skipped with one note.
 */
#ifndef TPC_SEMA_H
#define TPC_SEMA_H

#include "front/ast.h"
#include "base/diag.h"

struct btf_info;

struct sema_opts {
	const char *btf_path;	 /* NULL: /sys/kernel/btf/vmlinux */
	const char *tracefs;	 /* NULL: /sys/kernel/tracing */
	bool no_btf;		 /* skip kernel-name checks */
	/* --namespace NS: what a TracingPolicyNamespaced without
	 * metadata.namespace gets, as `kubectl apply -n NS` gives it; NULL:
	 * "default" */
	const char *namespace_;
	/* optional, opened by the caller (btf_info__open) and kept across
	 * calls (fuzzing, batch validation); sema does not free it */
	struct btf_info *btf;
};

int sema__check(struct arena *a, struct diag_sink *d, struct ast_bundle *b,
		const struct sema_opts *opts);

#endif
