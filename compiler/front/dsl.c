/* dsl.c - entry point of the selector DSL: runs the flex scanner and the
 * bison parser of grammar/ over one expression, and maps their byte
 * offsets to file spans (dsl.h has the contract). */
#include "front/dsl.h"

#include <stdarg.h>
#include <stdio.h>

#include "front/dsl_impl.h"
#include "selector.tab.h"

struct span dsl_state__span(const struct dsl_state *st, struct dsl_loc loc)
{
	uint32_t s = loc.start <= st->len ? loc.start : st->len;
	uint32_t e = loc.end <= st->len ? loc.end : st->len;
	struct span sp = { st->file, 0, 0 };

	if (e < s)
		e = s;
	if (st->offmap) {
		sp.start = st->offmap[s];
		sp.end = st->offmap[e];
	} else {
		sp.start = st->base + s;
		sp.end = st->base + e;
	}
	if (sp.end < sp.start)
		sp.end = sp.start;
	return sp;
}

void dsl_state__error(struct dsl_state *st, struct dsl_loc loc, const char *code, const char *fmt,
		      ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	st->errors++;
	diag__error(st->d, dsl_state__span(st, loc), code, "%s", msg);
}

void dsl_state__note(struct dsl_state *st, struct dsl_loc loc, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag__note(st->d, dsl_state__span(st, loc), "%s", msg);
}

struct ast_expr *dsl__parse(struct arena *a, struct diag_sink *d, const char *text, size_t len,
			    uint32_t file, const uint32_t *offmap, uint32_t base)
{
	struct dsl_state st = {
		.a = a,
		.d = d,
		.text = text ? text : "",
		.len = text ? (uint32_t)len : 0,
		.file = file,
		.offmap = offmap,
		.base = base,
	};
	struct yy_buffer_state *buf;
	yyscan_t scanner;
	int rc;

	if (!text)
		len = 0;
	if (len > DSL_MAX_LEN) {
		st.len = DSL_MAX_LEN;
		dsl_state__error(&st, (struct dsl_loc){ 0, 1 }, "dsl-length",
				 "selector expression is too long (%zu bytes; the limit is %d)",
				 len, DSL_MAX_LEN);
		return NULL;
	}
	if (tpc_yylex_init_extra(&st, &scanner)) {
		dsl_state__error(&st, (struct dsl_loc){ 0, 0 }, "dsl-internal",
				 "cannot start the selector scanner: out of memory");
		return NULL;
	}
	buf = tpc_yy_scan_bytes(st.text, (int)len, scanner);
	rc = tpc_yyparse(scanner, &st);
	tpc_yy_delete_buffer(buf, scanner);
	tpc_yylex_destroy(scanner);
	return rc || st.errors ? NULL : st.result;
}
