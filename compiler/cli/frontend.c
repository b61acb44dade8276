/* frontend.c - see frontend.h */
#include "cli/frontend.h"

#include <errno.h>
#include <string.h>

#include "front/yaml_policy.h"

int frontend__run(struct arena *a, struct srcmap *m, struct diag_sink *d, char **files,
		  int nfiles, const struct frontend_opts *opts, struct ast_bundle *out)
{
	int err = 0;

	for (int i = 0; i < nfiles; i++) {
		uint32_t id = srcmap__add_file(m, files[i], TPC_MAX_INPUT_BYTES);

		if (!id) {
			if (errno == EFBIG)
				diag__error(d, SPAN_NONE, "input-too-large",
					    "%s: file is larger than %u bytes", files[i],
					    TPC_MAX_INPUT_BYTES);
			else
				diag__error(d, SPAN_NONE, "io", "%s: %s", files[i],
					    strerror(errno));
			err = -EINVAL;
			continue;
		}
		if (yaml_policy__parse(a, m, d, id, out))
			err = -EINVAL;
	}
	/* Semantic checks need a structurally valid AST. */
	if (err || diag_sink__errors(d))
		return -EINVAL;
	if (sema__check(a, d, out, &opts->sema))
		return -EINVAL;
	return diag_sink__errors(d) ? -EINVAL : 0;
}
