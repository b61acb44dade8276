/* dsl_lower.h - lowering of selector DSL expressions (ast_expr) into IR
 * predicate trees; called by lower.c for a selector's `match:`.
 *
 * Contract: dsl__lower() returns a predicate tree equivalent to the
 * expression, or NULL after reporting (and counting in C->errors) each
 * construct it cannot lower. Binary tests become matchBinaries sets (so
 * `binary in [...]` costs one cached bit per event, like matchBinaries).
 * Workload fields (pod.*, container.*) are only lowered as conjuncts of the
 * top-level '&&' chain (sema refuses them elsewhere): they are collected
 * in wl_pods/wl_containers instead of becoming leaves.
 */
#ifndef TPC_DSL_LOWER_H
#define TPC_DSL_LOWER_H

#include "ir/ir.h"

struct lower_ctx {
	struct arena *a;
	struct diag_sink *d;
	struct ir_object *o;
	struct ir_prog *prog;
	const struct ast_hook *hook;
	const int *slots; /* hook arg position -> prog slot (-1 if unusable) */
	int errors;
	/* out: pod.* / container.* conjuncts of the top-level '&&' chain as
	 * label selector requirements (In/NotIn); each lowers to true, and
	 * lower.c makes them the selector's workload scope map */
	VEC(struct ast_label_req) wl_pods, wl_containers;
};

struct ir_pred *dsl__lower(struct lower_ctx *C, const struct ast_expr *e);

#endif
