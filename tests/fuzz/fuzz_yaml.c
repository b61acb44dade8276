/* fuzz_yaml.c - libFuzzer target for the TracingPolicy YAML front end.
 * Any input must end in diagnostics, never a crash, leak or hang. */
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/srcmap.h"
#include "front/yaml_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena__new();
	struct srcmap *m = srcmap__new();
	struct diag_sink *d = diag_sink__new(m);
	struct ast_bundle b = { 0 };
	uint32_t id;

	if (m && d) {
		id = srcmap__add(m, "fuzz.yaml", (const char *)data, size);
		yaml_policy__parse(a, m, d, id, &b);
		/* rendering touches every span: it must stay inside the text */
		for (size_t i = 0; i < diag_sink__count(d); i++) {
			const struct diag *g = diag_sink__get(d, i);
			unsigned line, col;
			size_t len;

			if (g->span.file) {
				srcmap__linecol(m, g->span.file, g->span.start, &line, &col);
				srcmap__line(m, g->span.file, g->span.start, &len);
			}
		}
	}
	diag_sink__free(d);
	srcmap__free(m);
	arena__free(a);
	return 0;
}
