/* emit.h - IR -> BPF C.
 *
 * Contract: emit__c() prints one self-contained C translation unit for the
 * whole ir_object to `out`: thin code over the hand-written runtime/
 * headers (maps, the binary-set evaluator, one inline body per prog and
 * one SEC() entry point per variant). Output is deterministic: it depends
 * only on the IR, never on time, paths of temporary files or pointers.
 * Policy strings never appear in the C as string literals: they become
 * 64-bit integer constants (word compares) or go to maps filled by the
 * loader from metadata; names in comments pass through tpl__comment()
 * so no byte sequence can end a comment or start a directive.
 * The skeletons come from ../templates/ (tpl.h). Returns 0, -EIO, or
 * -EINVAL/-ENOMEM when a template could not be filled (internal error).
 */
#ifndef TPC_EMIT_H
#define TPC_EMIT_H

#include <stdio.h>

#include "ir/ir.h"

struct emit_opts {
	const char *const *sources; /* input file names for the banner */
	int nsources;
	/* tpc test --kernel: add a raw_tp test entry per prog whose reads come
	 * from a case map and whose rules record their decision
	 * (runtime/include/tpc_test_abi.h); without it nothing changes */
	bool testrun;
};

int emit__c(const struct ir_object *o, const struct srcmap *m, const struct emit_opts *opts,
	    FILE *out);

#endif
