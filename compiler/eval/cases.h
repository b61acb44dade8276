/* cases.h - `tpc test` cases files: events with the decision a policy is
 * expected to take (docs/testing-policies.md).
 *
 * Contract:
 *  - cases__load() reads one YAML file (front/yaml_tree.h) into cases with
 *    spans; shape errors (unknown keys with "did you mean", wrong types,
 *    bad numbers, capabilities, namespaces) are reported at their
 *    line:col and make it return -EINVAL. Nothing is checked against the
 *    policies yet.
 *  - cases__run() checks one case against the IR: the hook must be one a
 *    policy hooks, every argument the case gives must exist on every
 *    matching hook entry (by position or label), the policies named in
 *    `expect` must exist; then it evaluates (eval.h), parsing each
 *    argument's value for the kind the program reads it as, and compares
 *    the decisions with `expect`. Returns 1 when the case holds, 0 when
 *    it fails (res and why filled), -EINVAL/-EOPNOTSUPP after reporting an
 *    error in the case.
 */
#ifndef TPC_CASES_H
#define TPC_CASES_H

#include "eval/eval.h"
#include "front/yaml_tree.h"

struct case_expect {
	struct span span;
	const char *policy;
	struct span policy_span;
	VEC(const char *) actions; /* each must be among the decided ones */
	bool none;		   /* action: none: the policy takes no decision */
	int64_t selector;	   /* -2: any; -1: the hook's implicit rule */
};

struct tcase {
	struct span span, name_span;
	const char *name;
	const char *hook;
	struct span hook_span;
	const struct ynode *args;  /* sequence (by position) or mapping (by label) */
	const struct ynode *retv;  /* return value (a return probe's event) */
	struct eval_proc proc;
	struct span expect_span;
	bool expect_none;	   /* expect: none */
	bool expect_exact;	   /* expect: [...]: exactly these policies decide */
	VEC(struct case_expect) expect;
	bool bad; /* reported while loading: not run */
};

struct case_file {
	const char *name;
	VEC(struct tcase) cases;
	VEC(const char *) link_from; /* links: the node's symlinks */
	VEC(const char *) link_to;
	bool differential;
};

/* differential: `expect` is optional and ignored by cases__run (the case
 * only has to agree between the evaluator and the kernel). */
int cases__load(struct arena *a, struct srcmap *m, struct diag_sink *d, const char *path,
		bool differential, struct case_file *out);

struct case_outcome {
	struct eval_result res;
	char why[512]; /* failing: what was expected and what was not decided */
	char kernel[256]; /* --kernel: what the compiled object decided */
};

int cases__run(struct arena *a, const struct srcmap *m, struct diag_sink *d,
	       const struct ir_object *o, const struct case_file *cf, const struct tcase *c,
	       struct case_outcome *out);

/* For the kernel run: the values case c gives for prog p's slots, as every
 * hook entry of p that answers to the case's hook reads them (have[slot]
 * false: not given). -EEXIST when two entries read one slot from two
 * different values of the case; -EINVAL after reporting a bad value. */
int cases__slot_values(struct arena *a, const struct srcmap *m, struct diag_sink *d,
		       const struct ir_object *o, const struct case_file *cf,
		       const struct tcase *c, const struct ir_prog *p, struct eval_val *vals,
		       bool *have);
/* The node's canonical form of a path, from the file's links (NULL: none). */
const char *cases__resolve(void *cf, const char *path);

#endif
