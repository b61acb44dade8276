/* fuzz_dsl.c - libFuzzer target for the selector DSL (dsl__parse).
 *
 * Each input is parsed twice: once with a plain base offset and once
 * through an offset map shaped like a YAML escaped scalar (every byte
 * takes two file bytes), so span mapping is exercised too. Every
 * diagnostic span must stay inside the file, and diagnostics of short
 * inputs are rendered as text. Success must
 * mean "no errors", failure must mean "at least one error", and the dump
 * of a parsed tree must parse again to the same dump.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/dsl.h"

static void check(const uint8_t *data, size_t size, bool mapped)
{
	struct arena *a = arena__new();
	struct srcmap *m = srcmap__new();
	struct diag_sink *d = diag_sink__new(m);
	size_t flen = mapped ? 2 * size + 2 : size;
	char *file = malloc(flen + 1);
	uint32_t *map = NULL, id;
	struct ast_expr *e;
	static FILE *devnull;

	if (mapped) {
		map = malloc((size + 1) * sizeof(*map));
		memset(file, ' ', flen);
		for (size_t i = 0; i <= size; i++)
			map[i] = (uint32_t)(1 + 2 * i);
	} else {
		memcpy(file, data, size);
	}
	file[flen] = '\0';
	id = srcmap__add(m, "fuzz", file, flen);
	e = dsl__parse(a, d, (const char *)data, size, id, map, 0);
	if (!e != !!diag_sink__errors(d))
		abort();
	for (size_t i = 0; i < diag_sink__count(d); i++) {
		const struct diag *g = diag_sink__get(d, i);

		if (g->span.start > flen || g->span.end > flen || g->span.end < g->span.start)
			abort();
	}
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	/* rendering prints the whole source line per diagnostic: keep it to
	 * short inputs so the campaign spends its time in the parser */
	if (devnull && size <= 512)
		diag__render(d, DIAG_FMT_TEXT, devnull);
	if (e && !mapped) {
		static char d1[1 << 17], d2[1 << 17];
		struct ast_expr *e2;

		size_t nest = 0;

		ast_expr__dump(e, d1, sizeof(d1));
		for (const char *p = d1; *p; p++)
			nest += *p == '(' || *p == '!';
		/* The dump does not escape strings and parenthesizes every
		 * operator, so round-trip only inputs without escapes or raw
		 * NULs whose dump stays within the nesting and length limits. */
		if (!memchr(data, '\\', size) && !memchr(data, '\0', size) &&
		    nest <= DSL_MAX_DEPTH && strlen(d1) <= DSL_MAX_LEN) {
			e2 = dsl__parse(a, d, d1, strlen(d1), id, NULL, 0);
			if (!e2)
				abort();
			ast_expr__dump(e2, d2, sizeof(d2));
			if (strcmp(d1, d2))
				abort();
		}
	}
	diag_sink__free(d);
	srcmap__free(m);
	arena__free(a);
	free(file);
	free(map);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > DSL_MAX_LEN + 16)
		return 0;
	check(data, size, false);
	check(data, size, true);
	return 0;
}
