/* krun.h - the compiled object against the reference: `tpc test --kernel`.
 *
 * Contract:
 *  - krun__open() emits the object's C with the test entries
 *    (emit_opts.testrun: one SEC("raw_tp") tpc_pN_test per prog whose
 *    context and argument reads come from a case map and whose rules
 *    record their decision; runtime/include/tpc_test_abi.h), builds it with
 *    clang (driver.h) in a private temporary directory, loads only the test
 *    entries into this kernel (root) and fills the object's set maps as the
 *    loader would (binary values also under their canonical form, from the
 *    caller's resolve). Production objects are not involved: `tpc build`
 *    never emits a test entry. Returns 0, or -errno with a reason in err.
 *  - krun__case() writes one case (process, per-slot argument values,
 *    workload-scope and followForks bits the caller computed) for prog p,
 *    runs its test entry once with BPF_PROG_TEST_RUN and returns the rules
 *    that decided with their action flags and return value.
 *  - Everything it creates (temporary files, BPF objects) is released by
 *    krun__free(), NULL-safe.
 */
#ifndef TPC_KRUN_H
#define TPC_KRUN_H

#include "eval/eval.h"

struct krun;

struct krun_dec {
	int rule;
	unsigned action; /* TPC_ACT_* */
	int ret;
};

#define KRUN_MAX_DEC 64

int krun__open(const struct ir_object *o, const struct srcmap *m,
	       const char *(*resolve)(void *ctx, const char *path), void *ctx,
	       struct krun **out, char *err, size_t errlen);
/* vals/have: per slot of p (have[i]: the case gives a value). */
int krun__case(struct krun *k, const struct ir_prog *p, const struct eval_proc *proc,
	       const struct eval_val *vals, const bool *have, uint64_t scope_bits,
	       uint64_t follow_bits, struct krun_dec *dec, size_t *ndec, char *err,
	       size_t errlen);
void krun__free(struct krun *k);

/* The TPC_ACT_* flags and return value the compiled rule r of prog p must
 * record when it decides (from the IR action: what emit.c promises). */
void krun__expected_flags(const struct ir_prog *p, const struct ir_rule *r, unsigned *action,
			  int *ret);

#endif
