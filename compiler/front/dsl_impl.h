/* dsl_impl.h - state shared by dsl.c, the flex scanner and the bison parser
 * of the selector DSL. Private to those three files.
 *
 * Contract: one struct dsl_state lives on dsl__parse()'s stack for one
 * parse. Positions inside the scanner and parser are byte offsets into
 * `text` (struct dsl_loc); they become file spans only through
 * dsl_state__span(), which applies the offset map. Everything the scanner
 * and parser allocate for the AST comes from the arena; the only malloc'd
 * memory is flex's buffer and bison's stacks, both released before
 * dsl__parse() returns. `errors` counts every error this parse reported,
 * so dsl__parse() returns NULL when it is non-zero.
 */
#ifndef TPC_DSL_IMPL_H
#define TPC_DSL_IMPL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "front/ast.h"
#include "base/diag.h"
#include "front/dsl.h"

/* Byte offsets into the DSL text: [start, end). Also bison's YYLTYPE. */
struct dsl_loc {
	uint32_t start, end;
};

struct dsl_state {
	struct arena *a;
	struct diag_sink *d;
	const char *text;
	uint32_t len;
	uint32_t file;
	const uint32_t *offmap;
	uint32_t base;

	uint32_t pos;	   /* scanner: offset of the next unread byte */
	unsigned ntokens;  /* tokens returned so far (0: empty input) */
	unsigned depth;	   /* open '(' and pending '!' (see selector.y) */
	unsigned errors;   /* errors reported by this parse */
	unsigned nparens;  /* open '(' (a subset of depth), for "to match this '('" */
	struct dsl_loc parens[DSL_MAX_DEPTH];
	struct ast_expr *result;
};

struct span dsl_state__span(const struct dsl_state *st, struct dsl_loc loc);
void dsl_state__error(struct dsl_state *st, struct dsl_loc loc, const char *code, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));
void dsl_state__note(struct dsl_state *st, struct dsl_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
