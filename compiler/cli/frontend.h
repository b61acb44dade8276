/* frontend.h - run the front end (read files, YAML+DSL parse, sema) for
 * one compilation; shared by `tpc validate`, `tpc build` and `tpc explain`.
 *
 * Contract: frontend__run() owns nothing; the caller creates and frees the
 * arena, srcmap and diag sink. Returns 0 if the bundle is valid (warnings
 * allowed), -EINVAL if errors were reported, other -errno for I/O
 * failures (also reported as diagnostics).
 */
#ifndef TPC_FRONTEND_H
#define TPC_FRONTEND_H

#include "front/ast.h"
#include "base/diag.h"
#include "sema/sema.h"

#define TPC_MAX_INPUT_BYTES (4u * 1024 * 1024)

struct frontend_opts {
	struct sema_opts sema;
};

int frontend__run(struct arena *a, struct srcmap *m, struct diag_sink *d, char **files,
		  int nfiles, const struct frontend_opts *opts, struct ast_bundle *out);

#endif
