/* sema.c - placeholder until semantic analysis lands */
#include "sema.h"

int sema__check(struct arena *a, struct diag_sink *d, struct ast_bundle *b,
		const struct sema_opts *opts)
{
	return 0;
}
