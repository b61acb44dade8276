/* yaml_read.c - reading YAML nodes as schema values (see yaml_read.h). */
#include "front/yaml_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

bool yr__visit(struct yp *c, const struct ynode *n)
{
	if (c->over_budget)
		return false;
	if (++c->visits > c->budget) {
		c->over_budget = true;
		diag__error(c->d, n->span, "yaml-limit",
			    "policy expands to too many YAML nodes through aliases (more than "
			    "%zu visited)",
			    c->budget);
		return false;
	}
	return true;
}

const char *yr__q(const struct ynode *n)
{
	return diag_quote(n->s, n->len);
}

static bool looks_int(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || *s == 'x' || *s == 'X' ||
		      (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F') || *s == 'o'))
			return false;
	return true;
}

const char *yr__kind_desc(const struct ynode *n)
{
	if (ynode__is_null(n))
		return "null";
	switch (n->kind) {
	case YN_SEQ: return "a list";
	case YN_MAP: return "a mapping";
	default:
		if (n->style != YS_PLAIN)
			return "a string";
		if (!strcmp(n->s, "true") || !strcmp(n->s, "false"))
			return "a boolean";
		if (looks_int(n->s) && n->s[strspn(n->s, "+-0123456789")] == '\0')
			return "an integer";
		return "a string";
	}
}

struct span yr__key_span(const struct ynode *n)
{
	/* the first line of a node: enough for a caret */
	struct span s = n->span;

	if (n->kind == YN_MAP && n->n)
		s.end = n->keys[0]->span.end;
	else if (n->kind == YN_SEQ && n->n)
		s.end = s.start + 1;
	return s;
}

bool yr__want_map(struct yp *c, const struct ynode *n, const char *what)
{
	if (!n || !yr__visit(c, n))
		return false;
	if (n->kind == YN_MAP)
		return true;
	if (!ynode__is_null(n))
		diag__error(c->d, n->span, "wrong-type", "expected a mapping for %s, got %s", what,
			    yr__kind_desc(n));
	return false;
}

bool yr__want_seq(struct yp *c, const struct ynode *n, const char *what)
{
	if (!n || !yr__visit(c, n))
		return false;
	if (n->kind == YN_SEQ)
		return true;
	if (!ynode__is_null(n))
		diag__error(c->d, n->span, "wrong-type", "expected a list for %s, got %s", what,
			    yr__kind_desc(n));
	return false;
}

bool yr__want_scalar(struct yp *c, const struct ynode *n, const char *what)
{
	if (!n || !yr__visit(c, n))
		return false;
	if (n->kind == YN_SCALAR)
		return !ynode__is_null(n);
	diag__error(c->d, n->span, "wrong-type", "expected a scalar for %s, got %s", what,
		    yr__kind_desc(n));
	return false;
}

/* Check the keys of mapping n against keys[] and return the value (and
 * key) node of each known key; NULL when absent. */
bool yr__fields(struct yp *c, const struct ynode *n, const char *what, const char *const *keys,
		struct ynode **vals, struct ynode **knodes)
{
	const struct ynode *first[MAX_FIELDS] = { 0 };
	size_t nk = 0;

	while (keys[nk])
		nk++;
	memset(vals, 0, nk * sizeof(*vals));
	if (knodes)
		memset(knodes, 0, nk * sizeof(*knodes));
	if (!yr__want_map(c, n, what))
		return false;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *k = n->keys[i];
		const char *s;
		size_t j;

		if (!yr__visit(c, k))
			return false;
		if (k->kind != YN_SCALAR) {
			diag__error(c->d, k->span, "wrong-type",
				    "keys in %s must be strings, got %s", what, yr__kind_desc(k));
			continue;
		}
		for (j = 0; j < nk; j++)
			if (strlen(keys[j]) == k->len && !memcmp(keys[j], k->s, k->len))
				break;
		if (j == nk) {
			s = diag_suggest(k->s, keys);
			if (s)
				diag__error(c->d, k->span, "unknown-key",
					    "unknown key '%s' in %s; did you mean '%s'?", yr__q(k),
					    what, s);
			else
				diag__error(c->d, k->span, "unknown-key", "unknown key '%s' in %s",
					    yr__q(k), what);
			continue;
		}
		/* duplicates: the first definition wins, later ones are errors */
		if (first[j]) {
			diag__error(c->d, k->span, "duplicate-key", "duplicate key '%s' in %s",
				    yr__q(k), what);
			diag__note(c->d, first[j]->span, "'%s' first defined here", yr__q(k));
			continue;
		}
		first[j] = k;
		vals[j] = n->vals[i];
		if (knodes)
			knodes[j] = n->keys[i];
	}
	return true;
}

static int key_cmp(const void *a, const void *b, void *keys)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct ynode *kx = ((struct ynode **)keys)[x], *ky = ((struct ynode **)keys)[y];
	size_t lx = kx->kind == YN_SCALAR ? kx->len : 0, ly = ky->kind == YN_SCALAR ? ky->len : 0;
	int r;

	if (lx != ly)
		return lx < ly ? -1 : 1;
	r = lx ? memcmp(kx->s, ky->s, lx) : 0;
	if (r)
		return r;
	return x < y ? -1 : x > y;
}

/* Free-form keys (macro names, label keys): mark every key equal to an
 * earlier one and report it, in O(n log n) since such maps can be large.
 * Returns an array of n flags (true = duplicate, skip it). */
bool *yr__dup_keys(struct yp *c, const struct ynode *n, const char *what)
{
	bool *dup = arena__calloc(c->a, n->n ? n->n : 1, sizeof(*dup));
	size_t *idx = arena__calloc(c->a, n->n ? n->n : 1, sizeof(*idx));

	for (size_t i = 0; i < n->n; i++)
		idx[i] = i;
	qsort_r(idx, n->n, sizeof(*idx), key_cmp, n->keys);
	for (size_t i = 1; i < n->n; i++) {
		const struct ynode *a = n->keys[idx[i - 1]], *b = n->keys[idx[i]];
		size_t first = idx[i - 1];

		if (a->kind != YN_SCALAR || b->kind != YN_SCALAR || a->len != b->len ||
		    memcmp(a->s, b->s, a->len))
			continue;
		/* walk back to the first of the run for the note */
		for (size_t k = i - 1; k > 0 && dup[idx[k]]; k--)
			first = idx[k - 1];
		dup[idx[i]] = true;
		diag__error(c->d, b->span, "duplicate-key", "duplicate key '%s' in %s", yr__q(b),
			    what);
		diag__note(c->d, n->keys[first]->span, "'%s' first defined here", yr__q(b));
	}
	return dup;
}

void yr__missing(struct yp *c, const struct ynode *n, const char *what, const char *key)
{
	const char *const one[] = { key, NULL };

	for (size_t i = 0; n->kind == YN_MAP && i < n->n; i++) {
		const struct ynode *k = n->keys[i];

		if (k->kind == YN_SCALAR && k->len == strlen(key) && !memcmp(k->s, key, k->len)) {
			diag__error(c->d, k->span, "missing-key", "'%s' in %s must not be empty",
				    key, what);
			return;
		}
	}

	/* a misspelt key was already reported with this very suggestion */
	for (size_t i = 0; n->kind == YN_MAP && i < n->n; i++) {
		const struct ynode *k = n->keys[i];

		if (k->kind == YN_SCALAR && diag_suggest(k->s, one))
			return;
	}
	diag__error(c->d, yr__key_span(n), "missing-key", "%s is missing required key '%s'", what,
		    key);
}

struct ast_str yr__mkstr(struct yp *c, const struct ynode *n)
{
	return ast_str__make(c->a, n->s, n->len, n->span);
}

void yr__get_str(struct yp *c, const struct ynode *v, struct ast_str *o, const char *what)
{
	if (!yr__want_scalar(c, v, what))
		return;
	*o = yr__mkstr(c, v);
}

/* YAML 1.1 integers as Go's yaml reads them: decimal, 0x hex, 0o / leading
 * 0 octal, 0b binary, optional sign. Unsigned values above INT64_MAX are
 * kept as their bit pattern (addresses). */
static int parse_int(const char *s, int64_t *out)
{
	bool neg = false;
	int base = 10;
	unsigned long long v;
	char *end;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
		base = 8;
		s += 2;
	} else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
		base = 2;
		s += 2;
	} else if (s[0] == '0' && s[1]) {
		base = 8;
	}
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return -EINVAL;
	if (neg) {
		if (v > (unsigned long long)INT64_MAX + 1)
			return -ERANGE;
		*out = (int64_t)(0 - v);
	} else {
		*out = (int64_t)v;
	}
	return 0;
}

bool yr__get_int(struct yp *c, const struct ynode *v, struct ast_int *o, const char *what,
		 bool allow_negative)
{
	int64_t x;

	if (!yr__want_scalar(c, v, what))
		return false;
	if (v->style != YS_PLAIN || strlen(v->s) != v->len || parse_int(v->s, &x)) {
		diag__error(c->d, v->span, "wrong-type", "expected an integer for %s, got %s '%s'",
			    what, yr__kind_desc(v), yr__q(v));
		return false;
	}
	if (!allow_negative && x < 0 && v->s[0] == '-') {
		diag__error(c->d, v->span, "bad-value", "%s must not be negative, got %s", what,
			    yr__q(v));
		return false;
	}
	*o = (struct ast_int){ x, v->span, true };
	return true;
}

bool yr__get_bool(struct yp *c, const struct ynode *v, struct ast_bool *o, const char *what)
{
	if (!yr__want_scalar(c, v, what))
		return false;
	if (v->style == YS_PLAIN && !strcmp(v->s, "true")) {
		*o = (struct ast_bool){ true, v->span, true };
		return true;
	}
	if (v->style == YS_PLAIN && !strcmp(v->s, "false")) {
		*o = (struct ast_bool){ false, v->span, true };
		return true;
	}
	diag__error(c->d, v->span, "wrong-type", "expected true or false for %s, got %s '%s'", what,
		    yr__kind_desc(v), yr__q(v));
	return false;
}

/* A list of scalars kept as text (numbers included: sema parses them by
 * the type they are compared with). */
void yr__get_strvec(struct yp *c, const struct ynode *v, ast_strvec *o, const char *what)
{
	if (!yr__want_seq(c, v, what))
		return;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *it = v->items[i];

		if (!yr__visit(c, it))
			return;
		if (it->kind != YN_SCALAR) {
			diag__error(c->d, it->span, "wrong-type", "expected a scalar in %s, got %s",
				    what, yr__kind_desc(it));
			continue;
		}
		VEC_PUSH(c->a, *o, yr__mkstr(c, it));
	}
}

struct ast_int *yr__get_intlist(struct yp *c, const struct ynode *v, const char *what, size_t *n)
{
	struct ast_int *arr;

	*n = 0;
	if (!yr__want_seq(c, v, what))
		return NULL;
	arr = arena__calloc(c->a, v->n ? v->n : 1, sizeof(*arr));
	for (size_t i = 0; i < v->n; i++)
		if (yr__get_int(c, v->items[i], &arr[*n], what, false))
			(*n)++;
	return arr;
}

/* Closed value sets: resolve the name or report it with a suggestion. */

int yr__lk_op(const char *s, int *o)
{
	enum op x;
	int r = op__lookup(s, &x);

	*o = (int)x;
	return r;
}

int yr__lk_action(const char *s, int *o)
{
	enum action x;
	int r = action__lookup(s, &x);

	*o = (int)x;
	return r;
}

int yr__lk_type(const char *s, int *o)
{
	enum arg_type x;
	int r = arg_type__lookup(s, &x);

	*o = (int)x;
	return r;
}

int yr__lk_ns(const char *s, int *o)
{
	enum ns_kind x;
	int r = ns_kind__lookup(s, &x);

	*o = (int)x;
	return r;
}

int yr__lk_captype(const char *s, int *o)
{
	enum cap_type x;
	int r = cap_type__lookup(s, &x);

	*o = (int)x;
	return r;
}

/* Unknown name in a closed set: suggest the nearest, or list a short set. */
void yr__bad_enum(struct yp *c, const struct ynode *v, const char *what, const char *const *names)
{
	const char *s = diag_suggest(v->s, names);
	char list[256];
	size_t n = 0, len = 0;

	if (s) {
		diag__error(c->d, v->span, "unknown-enum", "unknown %s '%s'; did you mean '%s'?",
			    what, yr__q(v), s);
		return;
	}
	while (names[n])
		n++;
	if (n > 12) {
		diag__error(c->d, v->span, "unknown-enum", "unknown %s '%s'", what, yr__q(v));
		return;
	}
	list[0] = '\0';
	for (size_t i = 0; i < n && len < sizeof(list) - 40; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? (i + 1 == n ? " or " : ", ") : "", names[i]);
	diag__error(c->d, v->span, "unknown-enum", "unknown %s '%s'; expected %s", what, yr__q(v),
		    list);
}

bool yr__get_enum(struct yp *c, const struct ynode *v, struct ast_str *o, const char *what,
		  lookup_fn fn, const char *const *names, int *out)
{
	if (!yr__want_scalar(c, v, what))
		return false;
	*o = yr__mkstr(c, v);
	if (strlen(v->s) == v->len && !fn(v->s, out))
		return true;
	yr__bad_enum(c, v, what, names);
	return false;
}

/* A string from a small closed set (case-sensitive, as in the CRD). */
bool yr__get_oneof(struct yp *c, const struct ynode *v, struct ast_str *o, const char *what,
		   const char *const *names)
{
	if (!yr__want_scalar(c, v, what))
		return false;
	*o = yr__mkstr(c, v);
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == v->len && !memcmp(names[i], v->s, v->len))
			return true;
	yr__bad_enum(c, v, what, names);
	return false;
}

/* The CRD narrows the operator enum per selector kind. */
void yr__check_op_in(struct yp *c, const struct ast_str *name, enum op op, const char *where,
		     const enum op *allowed, size_t n)
{
	char buf[160] = "";
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		if (allowed[i] == op)
			return;
	for (size_t i = 0; i < n && len < sizeof(buf) - 20; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
					i ? (i + 1 == n ? " or " : ", ") : "",
					op__name(allowed[i]));
	diag__error(c->d, name->span, "bad-operator",
		    "operator '%s' is not valid in %s; expected %s", diag_quote(name->s, name->len),
		    where, buf);
}
