/* yaml_tree.h - internal to the YAML front end: a YAML document as a tree
 * of arena nodes with byte spans, built from libyaml events.
 *
 * Contract: yaml_tree__load_all() feeds every document of one source file
 * to a callback, one fully built tree at a time. Anchors resolve to the
 * same node (an alias is a second edge, never a copy), and an anchor is
 * registered only once its node is complete, so cycles cannot exist.
 * Limits (nesting depth, documents, nodes, scalar bytes) and every libyaml
 * error (syntax, invalid UTF-8, control bytes) are reported as diagnostics
 * at their position; after a libyaml error the stream ends (libyaml cannot
 * resume) but documents already complete have been delivered.
 * yaml_tree__offmap() maps the bytes of a scalar's value back to file
 * offsets for quoted, escaped and block scalars, so the DSL parser can
 * point into the YAML file.
 */
#ifndef TPC_YAML_TREE_H
#define TPC_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/srcmap.h"

#define YAML_MAX_DEPTH 64
#define YAML_MAX_DOCS 256
#define YAML_MAX_NODES 1000000u
#define YAML_MAX_SCALAR (64u * 1024)
/* Nodes a reader may visit per file: aliases let a few nodes stand for
 * many, so the budget follows the real size of the file (a node reached
 * through eight aliases is fine, an exponential fan-out is not). */
#define YAML_WALK_PER_NODE 8u
#define YAML_WALK_BASE 100000u

enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP };

enum yscalar_style { YS_PLAIN, YS_SINGLE, YS_DOUBLE, YS_LITERAL, YS_FOLDED };

struct ynode {
	enum ynode_kind kind;
	struct span span;
	/* scalar */
	const char *s; /* NUL-terminated, may hold NULs: len is authoritative */
	size_t len;
	enum yscalar_style style;
	/* sequence: items[n]; mapping: keys[n] -> vals[n] */
	struct ynode **items, **keys, **vals;
	size_t n, cap;
};

struct ydoc {
	struct ynode *root; /* NULL for an empty document */
	struct span span;
	unsigned index;	    /* 0-based document number in the file */
	size_t nodes_total; /* nodes built so far in this file, this one included */
};

typedef void (*ydoc_fn)(void *ctx, const struct ydoc *doc);

/* Returns the number of documents delivered, or -EINVAL after a reported
 * error that stopped the stream. */
int yaml_tree__load_all(struct arena *a, const struct srcmap *m, struct diag_sink *d,
			uint32_t file, ydoc_fn fn, void *ctx);

/* Offset map for a scalar: len + 1 entries, entry i = file offset of value
 * byte i (last entry: end of the scalar). Bytes that cannot be located
 * exactly map to the scalar's first byte. */
uint32_t *yaml_tree__offmap(struct arena *a, const struct srcmap *m, const struct ynode *n);

/* Plain null: ~, null, Null, NULL or nothing at all. */
bool ynode__is_null(const struct ynode *n);

#endif
