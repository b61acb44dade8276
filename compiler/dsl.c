/* dsl.c - placeholder until the DSL lands */
#include "dsl.h"

struct ast_expr *dsl__parse(struct arena *a, struct diag_sink *d, const char *text, size_t len,
			    uint32_t file, const uint32_t *offmap, uint32_t base)
{
	diag__error(d, (struct span){ file, base, base + (uint32_t)len }, "dsl",
		    "selector DSL not implemented yet");
	return NULL;
}
