/* emit_meta.h - object metadata (.tpc.meta JSON, docs/object-format.md).
 *
 * Contract: meta__json() returns a malloc'd, NUL-terminated JSON text that
 * describes the object built from `o` (the caller frees it), or NULL on
 * allocation failure. Key order and content depend only on the IR and the
 * inputs, so builds are byte-reproducible. Policy strings are JSON-escaped
 * (and non-ASCII \u-escaped), never interpreted.
 */
#ifndef TPC_EMIT_META_H
#define TPC_EMIT_META_H

#include "ir/ir.h"

struct meta_opts {
	const char *const *sources;
	const char *const *sha256; /* hex digest of each source */
	int nsources;
};

char *meta__json(const struct ir_object *o, const struct meta_opts *opts);

#endif
