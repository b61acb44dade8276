/* dsl_fields.h - the fields a selector DSL expression may name, with the
 * kind of value each holds. The parser does not use this table (it only
 * checks syntax); sema resolves every EXPR_FIELD through it and uses
 * dsl_field_names for "did you mean".
 *
 * Contract: dsl_field__resolve() accepts exactly the spellings listed in
 * docs/dsl.md (keep the two in sync): fixed names ("pid", "ns.mnt",
 * "pod.labels"), hook arguments "arg0".."arg15" and "args.<label>", and the
 * socket sub-fields "<arg>.saddr|daddr|sport|dport|family|protocol" of
 * either argument spelling. Patterns resolve to a shared table entry plus
 * the argument index or label in the ref. Everything returned is static.
 */
#ifndef TPC_DSL_FIELDS_H
#define TPC_DSL_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#define DSL_MAX_ARGS 16

enum dsl_field_kind {
	DSL_FIELD_INT,	  /* signed integer (ret) */
	DSL_FIELD_UINT,	  /* unsigned integer (ids, inode numbers, family) */
	DSL_FIELD_STRING, /* byte string (comm, pod.name) */
	DSL_FIELD_PATH,	  /* file path (binary) */
	DSL_FIELD_ADDR,	  /* IPv4/IPv6 address; compared with CIDRs */
	DSL_FIELD_PORT,	  /* 16-bit port */
	DSL_FIELD_CAPS,	  /* capability set; 'contains CAP_X' */
	DSL_FIELD_LABELS, /* string map; needs a ["key"] subscript */
	DSL_FIELD_ARG,	  /* hook argument: kind comes from the hook's arg type */
};

struct dsl_field {
	const char *name; /* spelling; patterns: "argN", "args.LABEL", "ARG.daddr" */
	enum dsl_field_kind kind;
	bool keyed;	    /* must be written name["key"] */
	int sub;	    /* enum ns_kind for ns.*, enum cap_type for caps.*, else -1 */
	const char *consts; /* prefix of symbolic constants accepted as values */
	const char *doc;
};

struct dsl_field_ref {
	const struct dsl_field *f;
	int arg_index;	   /* argN: N; -1 otherwise */
	const char *label; /* args.<label>: points into the name; else NULL */
	size_t label_len;
};

/* 0 and *ref filled, or -ENOENT. */
int dsl_field__resolve(const char *name, struct dsl_field_ref *ref);
/* Shortcut: the table entry, or NULL. */
const struct dsl_field *dsl_field__lookup(const char *name);
const char *dsl_field_kind__name(enum dsl_field_kind k);

/* Fixed field names plus "arg0" and "args.<label>"-less examples of the
 * patterns, NULL-terminated, for diag_suggest(). */
extern const char *const dsl_field_names[];
/* The whole table (fixed names first, then the pattern entries). */
extern const struct dsl_field dsl_fields[];
extern const size_t dsl_fields_count;

#endif
