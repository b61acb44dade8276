/* frontend.h - run the front end (read files, YAML+DSL parse, sema) and
 * lowering for one compilation; shared by `tpc validate`, `tpc build` and
 * `tpc explain`.
 *
 * Contract: frontend__run() owns nothing; the caller creates and frees the
 * arena, srcmap and diag sink. Returns 0 if the bundle is valid (warnings
 * allowed), -EINVAL if errors were reported, other -errno for I/O
 * failures (also reported as diagnostics).
 *
 * frontend__compile() also lowers to IR. Without opts->kernels it checks
 * and lowers against one kernel (opts->sema: --btf FILE, else this
 * machine). With kernels (--kernel, repeated), it runs the whole front end
 * and lowering once per kernel, each against that kernel's BTF and
 * tracepoint formats, plus once without any kernel, and merges the
 * diagnostics into d (diag_sink__merge): a problem only some kernels have
 * is reported once, tagged "[5.10, 6.1]". out->ir[k] is kernel k's IR (the
 * object is CO-RE: the caller checks they agree, ir_object__kernel_diff).
 * -EIO: a kernel's BTF could not be read (reported). frontend_out__release()
 * frees the kernels' BTF, which the IR may point into.
 */
#ifndef TPC_FRONTEND_H
#define TPC_FRONTEND_H

#include "front/ast.h"
#include "base/diag.h"
#include "cli/ktarget.h"
#include "ir/ir.h"
#include "sema/sema.h"

#define TPC_MAX_INPUT_BYTES (4u * 1024 * 1024)

struct frontend_opts {
	struct sema_opts sema;
	const struct ktarget *kernels; /* --kernel targets, in the order given */
	int nkernels;
};

struct frontend_out {
	struct ir_object *ir; /* [n], from the arena */
	int n;		      /* nkernels, or 1 */
	struct btf_info **bi; /* [n], owned */
};

int frontend__run(struct arena *a, struct srcmap *m, struct diag_sink *d, char **files,
		  int nfiles, const struct frontend_opts *opts, struct ast_bundle *out);
int frontend__compile(struct arena *a, struct srcmap *m, struct diag_sink *d, char **files,
		      int nfiles, const struct frontend_opts *opts, struct frontend_out *out);
void frontend_out__release(struct frontend_out *out);

#endif
