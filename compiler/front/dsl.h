/* dsl.h - the selector DSL (flex + bison, grammar in grammar/selector.y).
 *
 * Contract: dsl__parse() parses one boolean expression and returns its AST,
 * or NULL after reporting every syntax error it could find (the parser
 * recovers at ')' , ']' and '&&'/'||' boundaries). Diagnostic spans are in
 * source-file coordinates: byte i of text lives at file offset offmap[i]
 * if offmap is given (YAML quoted/folded scalars), else at base + i.
 * offmap, when given, has len + 1 entries (the last one for end of input).
 * Names are not checked here (that is sema's job); only syntax.
 * Nesting deeper than DSL_MAX_DEPTH is an error, never a stack overflow.
 *
 * AST conventions (docs/dsl.md has the language):
 *  - a condition is always EXPR_CMP or EXPR_IN with an EXPR_FIELD on the
 *    left; the right side is a literal (EXPR_INT/STR/CIDR/BOOL) or, for
 *    EXPR_IN, an EXPR_LIST of literals (possibly empty);
 *  - an all-capitals constant (CAP_SYS_ADMIN, AF_INET) is an EXPR_STR of
 *    the same text, exactly as if it had been quoted;
 *  - every address is EXPR_CIDR with its text as written (already checked
 *    with inet_pton; no '/' means a single address);
 *  - EXPR_INT holds values above INT64_MAX as their bits, so -1 and
 *    0xffffffffffffffff are the same ival: a literal written with a
 *    leading '-' is the negative one (the first byte of its span);
 *  - parentheses leave no node; spans of EXPR_NOT start at the '!'.
 */
#ifndef TPC_DSL_H
#define TPC_DSL_H

#include "front/ast.h"
#include "base/diag.h"

#define DSL_MAX_DEPTH 64
#define DSL_MAX_LEN (64 * 1024)

struct ast_expr *dsl__parse(struct arena *a, struct diag_sink *d, const char *text, size_t len,
			    uint32_t file, const uint32_t *offmap, uint32_t base);

#endif
