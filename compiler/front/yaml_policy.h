/* yaml_policy.h - TracingPolicy YAML (libyaml) -> AST.
 *
 * Contract: yaml_policy__parse() reads every YAML document of one source
 * file (already in the srcmap) and appends one struct ast_policy per
 * document to the bundle. It validates structure only: known keys, scalar
 * types, enums (with "did you mean"), duplicate keys, CRD defaults
 * (syscall: true, arg type auto, capabilities type Effective). Selector
 * `match:` strings are handed to dsl__parse() with an offset map so DSL
 * errors point into the YAML file. The seed shorthand
 * (spec.selectors.matchBinary + spec.action) is desugared to a HOOK_EXEC
 * hook with matchBinaries In and the given action.
 * Returns 0 when no error was reported, -EINVAL otherwise (the bundle may
 * then hold partial policies, good for further diagnostics only).
 * Limits (depth, document count, scalar size) are enforced with errors.
 */
#ifndef TPC_YAML_POLICY_H
#define TPC_YAML_POLICY_H

#include "front/ast.h"
#include "base/diag.h"

int yaml_policy__parse(struct arena *a, struct srcmap *m, struct diag_sink *d, uint32_t file,
		       struct ast_bundle *out);

#endif
