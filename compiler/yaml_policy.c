/* yaml_policy.c - placeholder until the YAML front end lands */
#include "yaml_policy.h"

#include <errno.h>

int yaml_policy__parse(struct arena *a, struct srcmap *m, struct diag_sink *d, uint32_t file,
		       struct ast_bundle *out)
{
	diag__error(d, (struct span){ file, 0, 0 }, "yaml", "YAML front end not implemented yet");
	return -EINVAL;
}
