/* fuzz_sema.c - libFuzzer target for semantic analysis: YAML front end,
 * then sema against the host's BTF (opened once) when the file parsed.
 * Any input must end in diagnostics, never a crash, leak or hang. */
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "kernel/btf_info.h"
#include "base/diag.h"
#include "sema/sema.h"
#include "base/srcmap.h"
#include "front/yaml_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct btf_info *bi;
	static bool tried;
	struct arena *a = arena__new();
	struct srcmap *m = srcmap__new();
	struct diag_sink *d = diag_sink__new(m);
	struct ast_bundle b = { 0 };
	struct sema_opts opts = { 0 };
	uint32_t id;
	int err;

	if (!tried) {
		tried = true;
		bi = btf_info__open(NULL, NULL, &err); /* NULL: sema runs without BTF */
	}
	opts.btf = bi;
	opts.no_btf = !bi;
	if (m && d) {
		id = srcmap__add(m, "fuzz.yaml", (const char *)data, size);
		if (!yaml_policy__parse(a, m, d, id, &b) && !diag_sink__errors(d))
			sema__check(a, d, &b, &opts);
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
