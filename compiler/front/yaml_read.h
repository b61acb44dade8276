/* yaml_read.h - internal to the YAML front end: reading YAML tree nodes
 * as the values of a schema, with diagnostics.
 *
 * Contract: every reader takes the node (NULL = key absent) and reports
 * its own problems: wrong shape ("expected a list for 'args', got a
 * mapping"), bad scalar ("expected an integer"), unknown name in a closed
 * set (with "did you mean"). yr__fields() checks one mapping against the
 * keys valid at that place (unknown and duplicate keys are errors) and
 * returns the value of each known key. Null values count as absent.
 * Every visit is charged to a per-file walk budget (aliases can make a
 * small tree look huge); once it is spent every reader returns false.
 */
#ifndef TPC_YAML_READ_H
#define TPC_YAML_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "front/ast.h"
#include "base/diag.h"
#include "front/yaml_tree.h"

#define MAX_FIELDS 40

struct yp {
	struct arena *a;
	const struct srcmap *m;
	struct diag_sink *d;
	uint32_t file;
	struct ast_bundle *out;
	/* schema walk budget: aliases can make a small tree look huge */
	size_t visits, budget;
	bool over_budget;
	unsigned policies;
	/* documents of another kind (a Pod next to the policy): noted, or an
	 * error when the file holds no policy at all (yaml_policy.c) */
	VEC(struct yskipped {
		struct span span;
		const char *kind;
		size_t len;
	}) skipped;
};

/* present and not null */
#define HAS(node) ((node) && !ynode__is_null(node))

#define SET_INTVEC(vec, arr, cnt)                                              \
	do {                                                                   \
		(vec).v = (arr);                                               \
		(vec).n = (vec).cap = (cnt);                                   \
	} while (0)

/* Parse every item of a list into a fresh element of vec. */
#define PARSE_LIST(c, node, what, vec, ...)                                    \
	do {                                                                   \
		if (yr__want_seq((c), (node), (what))) {                       \
			for (size_t i_ = 0; i_ < (node)->n; i_++) {            \
				__typeof__(*(vec).v) it_;                      \
				memset(&it_, 0, sizeof(it_));                  \
				__VA_ARGS__;                                   \
				VEC_PUSH((c)->a, (vec), it_);                  \
			}                                                      \
		}                                                              \
	} while (0)

typedef int (*lookup_fn)(const char *name, int *out);

bool yr__visit(struct yp *c, const struct ynode *n);
const char *yr__q(const struct ynode *n);
const char *yr__kind_desc(const struct ynode *n);
struct span yr__key_span(const struct ynode *n);
bool yr__want_map(struct yp *c, const struct ynode *n, const char *what);
bool yr__want_seq(struct yp *c, const struct ynode *n, const char *what);
bool yr__want_scalar(struct yp *c, const struct ynode *n, const char *what);
bool yr__fields(struct yp *c, const struct ynode *n, const char *what, const char *const *keys,
		struct ynode **vals, struct ynode **knodes);
bool *yr__dup_keys(struct yp *c, const struct ynode *n, const char *what);
void yr__missing(struct yp *c, const struct ynode *n, const char *what, const char *key);
struct ast_str yr__mkstr(struct yp *c, const struct ynode *n);
void yr__get_str(struct yp *c, const struct ynode *v, struct ast_str *o, const char *what);
bool yr__get_int(struct yp *c, const struct ynode *v, struct ast_int *o, const char *what,
		 bool allow_negative);
bool yr__get_bool(struct yp *c, const struct ynode *v, struct ast_bool *o, const char *what);
void yr__get_strvec(struct yp *c, const struct ynode *v, ast_strvec *o, const char *what);
struct ast_int *yr__get_intlist(struct yp *c, const struct ynode *v, const char *what, size_t *n);
int yr__lk_op(const char *s, int *o);
int yr__lk_action(const char *s, int *o);
int yr__lk_type(const char *s, int *o);
int yr__lk_ns(const char *s, int *o);
int yr__lk_captype(const char *s, int *o);
void yr__bad_enum(struct yp *c, const struct ynode *v, const char *what, const char *const *names);
bool yr__get_enum(struct yp *c, const struct ynode *v, struct ast_str *o, const char *what,
		  lookup_fn fn, const char *const *names, int *out);
bool yr__get_oneof(struct yp *c, const struct ynode *v, struct ast_str *o, const char *what,
		   const char *const *names);
void yr__check_op_in(struct yp *c, const struct ast_str *name, enum op op, const char *where,
		     const enum op *allowed, size_t n);

#endif
