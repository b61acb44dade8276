/* sema_selectors.c - selectors: filters, their operators and values, and
 * actions against the hook they run on. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sema/sema_int.h"
#include "base/enforce.h"

/* Messages are cut to fit their buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "sema/support.h"
#include "base/values.h"

#define MAX_STRING_VALUE 4095 /* PATH_MAX - 1: no kernel string is longer */

static const char *q(const struct ast_str *s)
{
	return s->present ? diag_quote(s->s, s->len) : "";
}

static struct span op_span(const struct ast_str *op_name, struct span fallback)
{
	return op_name->present ? op_name->span : fallback;
}

/* ---- operator classes ---- */

enum tclass { TC_INT, TC_CAPSET, TC_STRING, TC_PATH, TC_FILEPATH, TC_NET, TC_SOCKADDR,
	      TC_SOCKADDR_UN, TC_SYSCALL, TC_OTHER };

static enum tclass type_class(enum arg_type t)
{
	switch (t) {
	case ARG_KERNEL_CAP_T:
	case ARG_CAP_INHERITABLE:
	case ARG_CAP_PERMITTED:
	case ARG_CAP_EFFECTIVE:
		return TC_CAPSET;
	case ARG_SYSCALL64:
		return TC_SYSCALL;
	case ARG_FILE:
	case ARG_PATH:
	case ARG_LINUX_BINPRM:
		return TC_FILEPATH;
	case ARG_FD:
	case ARG_DENTRY:
	case ARG_KIOCB:
		return TC_PATH;
	case ARG_SOCKADDR:
		return TC_SOCKADDR;
	case ARG_SOCKADDR_UN:
		return TC_SOCKADDR_UN;
	case ARG_NET_DEVICE:
		return TC_STRING; /* its name */
	case ARG_SOCK:
	case ARG_SOCKET:
	case ARG_SKB:
		return TC_NET;
	case ARG_IOV_ITER: /* the bytes of its segments, as char_buf */
		return TC_STRING;
	default:
		if (arg_type__is_string(t))
			return TC_STRING;
		if (arg_type__is_int(t))
			return TC_INT;
		return TC_OTHER;
	}
}

static bool is_string_op(enum op o)
{
	return o == OP_EQUAL || o == OP_NOT_EQUAL || o == OP_PREFIX || o == OP_NOT_PREFIX ||
	       o == OP_POSTFIX || o == OP_NOT_POSTFIX || o == OP_SUBSTRING ||
	       o == OP_SUBSTRING_IGNCASE;
}

static bool op_fits(enum op o, enum tclass c)
{
	switch (c) {
	case TC_INT:
		return o == OP_EQUAL || o == OP_NOT_EQUAL || o == OP_GT || o == OP_LT ||
		       o == OP_MASK || o == OP_IN_MAP || o == OP_NOT_IN_MAP || o == OP_IN_RANGE ||
		       o == OP_NOT_IN_RANGE;
	case TC_CAPSET:
		return o == OP_EQUAL || o == OP_NOT_EQUAL || o == OP_MASK || o == OP_IN_MAP ||
		       o == OP_NOT_IN_MAP || o == OP_CAPS_GAINED;
	case TC_SYSCALL:
		return o == OP_EQUAL || o == OP_NOT_EQUAL || o == OP_IN_MAP || o == OP_NOT_IN_MAP;
	case TC_STRING:
	case TC_PATH:
		return is_string_op(o);
	case TC_FILEPATH:
		return is_string_op(o) || o == OP_FILE_TYPE || o == OP_NOT_FILE_TYPE ||
		       o == OP_UNLINKED || o == OP_NOT_UNLINKED;
	case TC_NET:
		return (o >= OP_SPORT && o <= OP_NOT_DADDR) || o == OP_PROTOCOL ||
		       o == OP_FAMILY || o == OP_STATE;
	case TC_SOCKADDR:
		/* a sockaddr holds one address: S* and D* both test it (Tetragon
		 * accepts only the S* spelling; a connect's destination reads
		 * better as DAddr/DPort) */
		return (o >= OP_SPORT && o <= OP_NOT_DADDR) || o == OP_FAMILY;
	case TC_SOCKADDR_UN:
		return o == OP_EQUAL || o == OP_NOT_EQUAL || o == OP_PREFIX ||
		       o == OP_NOT_PREFIX || o == OP_SUBSTRING || o == OP_FAMILY;
	default:
		return false;
	}
}

static const char *class_ops(enum tclass c)
{
	switch (c) {
	case TC_INT:
		return "Equal, NotEqual, GT, LT, Mask, InMap, NotInMap, InRange, NotInRange";
	case TC_CAPSET:
		return "Equal, NotEqual, Mask, InMap, NotInMap, CapabilitiesGained";
	case TC_SYSCALL:
		return "Equal, NotEqual, InMap, NotInMap";
	case TC_STRING:
	case TC_PATH:
		return "Equal, NotEqual, Prefix, NotPrefix, Postfix, NotPostfix";
	case TC_FILEPATH:
		return "Equal, NotEqual, Prefix, NotPrefix, Postfix, NotPostfix, FileType, "
		       "NotFileType, Unlinked, NotUnlinked";
	case TC_NET:
		return "SAddr, DAddr, SPort, DPort, their Not and Priv forms, Protocol, Family, "
		       "State";
	case TC_SOCKADDR:
		return "SAddr, DAddr, SPort, DPort, their Not and Priv forms (one address: S and D "
		       "are the same), Family";
	case TC_SOCKADDR_UN:
		return "Equal, NotEqual, Prefix, NotPrefix, Family";
	default:
		return "none";
	}
}

static bool takes_no_values(enum op o)
{
	return o == OP_SPORT_PRIV || o == OP_NOT_SPORT_PRIV || o == OP_DPORT_PRIV ||
	       o == OP_NOT_DPORT_PRIV || o == OP_UNLINKED || o == OP_NOT_UNLINKED;
}

/* ---- values ---- */

static void bad_value(struct sema *s, const struct ast_str *v, const char *what, const char *why)
{
	diag__error(s->d, v->span, "bad-value", "invalid %s '%s': %s", what, q(v), why);
}

static bool cap_value(struct sema *s, const struct ast_str *v)
{
	char buf[64];
	const char *p = v->s;
	uint64_t u;
	const char *why;
	int cap;

	if (!value__parse_u64(v->s, &u, &why))
		return true;
	/* "CAP_SYS_ADMIN,CAP_NET_RAW" */
	while (*p) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);

		if (n >= sizeof(buf) || !n) {
			bad_value(s, v, "capability", "not a capability name");
			return false;
		}
		memcpy(buf, p, n);
		buf[n] = '\0';
		if (capability__lookup(buf, &cap)) {
			const char *sug = diag_suggest(buf, capability__names());

			diag__error(s->d, v->span, "bad-value", "unknown capability '%s'%s%s%s",
				    diag_quote(buf, n), sug ? "; did you mean '" : "",
				    sug ? sug : "", sug ? "'?" : "");
			return false;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return true;
}

static void check_list_value(struct sema *s, struct hook_ctx *hc, const struct ast_str *v,
			     enum arg_type t)
{
	const struct ast_list *l = sema_find_list(s, v->s + 5, v->len - 5);

	if (!l) {
		const char **names = arena__calloc(s->a, s->pol->lists.n + 1, sizeof(*names));
		const char *sug;

		for (size_t i = 0; i < s->pol->lists.n; i++)
			names[i] = s->pol->lists.v[i].name.s;
		sug = diag_suggest(v->s + 5, names);
		diag__error(s->d, v->span, "list-unknown", "unknown list '%s'%s%s%s",
			    diag_quote(v->s + 5, v->len - 5), sug ? "; did you mean '" : "",
			    sug ? sug : "", sug ? "'?" : "");
		return;
	}
	if (!(ast_str__eq(&l->type, "syscalls") || ast_str__eq(&l->type, "generated_syscalls")))
		return;
	if (t != ARG_SYSCALL64 && t != ARG_AUTO) {
		/* Tetragon compares list values as syscall64 ids. A 64-bit
		 * integer on raw_syscalls' id holds the same number for x86-64
		 * syscalls (Tetragon before 1.0 accepted it, and its
		 * list-syscalls-tracepoint example still says uint64): tpc
		 * compares the raw number and says what that misses. */
		bool raw_id = hc->h->kind == HOOK_TRACEPOINT &&
			      ast_str__eq(&hc->h->subsystem, "raw_syscalls") &&
			      arg_type__int_size(t) == 8;

		if (!raw_id) {
			diag__error(s->d, v->span, "list-type",
				    "syscall list '%s' holds syscall ids; the argument must have "
				    "type 'syscall64', not '%s'",
				    diag_quote(v->s + 5, v->len - 5), arg_type__name(t));
			return;
		}
		diag__warning(s->d, v->span, "list-type",
			      "syscall list '%s' holds syscall64 ids, and Tetragon requires type "
			      "'syscall64' here; with '%s' tpc compares the raw syscall number, "
			      "which never matches an i386 value; declare 'syscall64'",
			      diag_quote(v->s + 5, v->len - 5), arg_type__name(t));
	}
	if (ast_str__eq(&l->type, "syscalls"))
		sema_syscall_list_ids(s, l);
}

static void check_value(struct sema *s, struct hook_ctx *hc, enum op o, enum arg_type t,
			const struct ast_str *v)
{
	enum tclass c = type_class(t);
	const char *why = NULL;
	int64_t lo, hi;
	uint16_t plo, phi;
	struct value_cidr cidr;
	unsigned ft;
	int n;

	switch (o) {
	case OP_EQUAL:
	case OP_NOT_EQUAL:
	case OP_GT:
	case OP_LT:
	case OP_MASK:
		if (c == TC_CAPSET) {
			cap_value(s, v);
		} else if (c == TC_INT || c == TC_SYSCALL) {
			if (value__parse_int(v->s, t, &lo, &why))
				bad_value(s, v, arg_type__name(t), why);
		} else if (v->len > MAX_STRING_VALUE) {
			diag__error(s->d, v->span, "value-too-long",
				    "value is %zu bytes; tpc matches strings up to %d bytes",
				    v->len, MAX_STRING_VALUE);
		} else if ((c == TC_PATH || c == TC_FILEPATH) && v->len && v->s[0] != '/') {
			diag__warning(s->d, v->span, "path-not-absolute",
				      "'%s' is not an absolute path; a '%s' argument is matched "
				      "against the resolved absolute path, so this never matches",
				      q(v), arg_type__name(t));
		}
		break;
	case OP_PREFIX:
	case OP_NOT_PREFIX:
	case OP_POSTFIX:
	case OP_NOT_POSTFIX:
		if (v->len > MAX_STRING_VALUE)
			diag__error(s->d, v->span, "value-too-long",
				    "value is %zu bytes; tpc matches strings up to %d bytes",
				    v->len, MAX_STRING_VALUE);
		else if (!v->len)
			diag__warning(s->d, v->span, "empty-value",
				      "an empty %s value matches every string",
				      op__name(o));
		else if ((o == OP_PREFIX || o == OP_NOT_PREFIX) &&
			 (c == TC_PATH || c == TC_FILEPATH) && v->s[0] != '/')
			diag__warning(s->d, v->span, "path-not-absolute",
				      "'%s' is not an absolute path; a '%s' argument is matched "
				      "against the resolved absolute path, so this never matches",
				      q(v), arg_type__name(t));
		break;
	case OP_IN_MAP:
	case OP_NOT_IN_MAP:
		if (sema_is_list_ref(v))
			check_list_value(s, hc, v, t);
		else if (c == TC_CAPSET)
			cap_value(s, v);
		else if (value__parse_int_range(v->s, t, &lo, &hi, &why))
			bad_value(s, v, arg_type__name(t), why);
		break;
	case OP_IN_RANGE:
	case OP_NOT_IN_RANGE:
		if (value__parse_int_range(v->s, t, &lo, &hi, &why))
			bad_value(s, v, "range", why);
		break;
	case OP_SADDR:
	case OP_NOT_SADDR:
	case OP_DADDR:
	case OP_NOT_DADDR:
		if (value__parse_cidr(v->s, &cidr, &why))
			bad_value(s, v, "address", why);
		break;
	case OP_SPORT:
	case OP_NOT_SPORT:
	case OP_DPORT:
	case OP_NOT_DPORT:
		if (value__parse_port_range(v->s, &plo, &phi, &why))
			bad_value(s, v, "port", why);
		break;
	case OP_PROTOCOL:
		if (value__parse_protocol(v->s, &n, &why))
			bad_value(s, v, "protocol", why);
		break;
	case OP_FAMILY:
		if (value__parse_family(v->s, &n, &why))
			bad_value(s, v, "address family", why);
		break;
	case OP_STATE:
		if (value__parse_tcp_state(v->s, &n, &why))
			bad_value(s, v, "TCP state", why);
		break;
	case OP_FILE_TYPE:
	case OP_NOT_FILE_TYPE:
		if (value__parse_file_type(v->s, &ft, &why)) {
			const char *sug = diag_suggest(v->s, value__file_type_names());

			diag__error(s->d, v->span, "bad-value", "invalid file type '%s': %s%s%s%s",
				    q(v), why, sug ? "; did you mean '" : "", sug ? sug : "",
				    sug ? "'?" : "");
		}
		break;
	default:
		break;
	}
	(void)hc;
}

/* What a matchArgs, matchReturnArgs or matchData entry tests. */
enum match_on { MATCH_ARGS, MATCH_RETURN, MATCH_DATA };

/* The declared arg a matchArgs entry targets, or NULL after a diagnostic.
 * matchData's index is a position in 'data' (Tetragon: the data entries'
 * own index is not looked at). */
static struct ast_arg *match_target(struct sema *s, struct hook_ctx *hc, struct ast_match_arg *m,
				    enum match_on on)
{
	struct ast_hook *h = hc->h;

	if (on == MATCH_RETURN)
		return h->has_return_arg ? &h->return_arg : NULL;
	if (on == MATCH_DATA) {
		int64_t k = m->args.n ? m->args.v[0].v : m->index.present ? m->index.v : 0;
		struct span sp = m->args.n ? m->args.v[0].span
				 : m->index.present ? m->index.span
						    : m->span;

		if (k < 0 || (size_t)k >= h->data.n) {
			diag__error(s->d, sp, "match-data-unknown",
				    "matchData index %lld is out of range: the hook declares %zu "
				    "data entr%s (positions 0 to %zu)",
				    (long long)k, h->data.n, h->data.n == 1 ? "y" : "ies",
				    h->data.n ? h->data.n - 1 : 0);
			return NULL;
		}
		return &h->data.v[k];
	}
	if (m->args.n) {
		int64_t k = m->args.v[0].v;

		if (m->args.n > 1 && m->op != OP_CAPS_GAINED)
			diag__error(s->d, m->args.v[1].span, "match-args",
				    "'args' takes one position (two for CapabilitiesGained)");
		if (k < 0 || (size_t)k >= h->args.n) {
			diag__error(s->d, m->args.v[0].span, "match-arg-unknown",
				    "'args: [%lld]' is out of range: the hook declares %zu argument%s "
				    "(positions 0 to %zu)",
				    (long long)k, h->args.n, h->args.n == 1 ? "" : "s",
				    h->args.n ? h->args.n - 1 : 0);
			return NULL;
		}
		if (m->index.present)
			diag__warning(s->d, m->index.span, "match-args-index",
				      "'index' is ignored because 'args' is given");
		return &h->args.v[k];
	}
	{
		int64_t idx = m->index.present ? m->index.v : 0;
		struct ast_arg *a = hook_arg_by_index(h, idx);

		/* Tetragon rewrites tracepoint matchArgs whose index names a
		 * declared field; any other index is then a position in args.
		 * Normalize to the field index so later phases see one rule. */
		if (!a && h->kind == HOOK_TRACEPOINT && idx >= 0 && (size_t)idx < h->args.n) {
			a = &h->args.v[idx];
			m->index.v = a->index.v;
			m->index.present = true;
		}
		if (!a) {
			char buf[128];
			size_t off = 0;

			buf[0] = '\0';
			for (size_t i = 0; i < h->args.n && off < sizeof(buf) - 16; i++)
				off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%lld",
							i ? ", " : "",
							(long long)h->args.v[i].index.v);
			diag__error(s->d, m->index.present ? m->index.span : m->span,
				    "match-arg-unknown",
				    "matchArgs index %lld refers to no declared argument (it matches "
				    "an 'args' entry by its 'index'%s%s%s)",
				    (long long)idx,
				    h->kind == HOOK_TRACEPOINT ? ", or on a tracepoint a position in "
								 "'args'"
							       : "",
				    h->args.n ? "; declared: " : "; none declared", buf);
		}
		return a;
	}
}

static bool is_open_like(const char *name)
{
	static const char *const calls[] = { "open",   "creat",	 "exec",   "unlink", "rename",
					     "link",   "mkdir",	 "rmdir",  "chmod",  "chown",
					     "stat",   "access", "truncate", "mknod", "mount",
					     "chdir",  "chroot", "utime",  "xattr",  NULL };

	for (int i = 0; calls[i]; i++)
		if (strstr(name, calls[i]))
			return true;
	return false;
}

/* CapabilitiesGained (Tetragon): 'args: [OLD, NEW]', two positions in
 * 'args', both capability sets; true when NEW has a bit OLD lacks. Values
 * are not read. */
static void check_caps_gained(struct sema *s, struct hook_ctx *hc, struct ast_match_arg *m,
			      enum match_on on)
{
	struct ast_hook *h = hc->h;

	if (on != MATCH_ARGS) {
		diag__error(s->d, op_span(&m->op_name, m->span), "op-type",
			    "CapabilitiesGained compares two arguments: it is a matchArgs "
			    "operator, not one of %s",
			    on == MATCH_DATA ? "matchData" : "matchReturnArgs");
		return;
	}
	if (m->args.n != 2) {
		diag__error(s->d, m->args.n ? m->args.v[0].span : op_span(&m->op_name, m->span),
			    "match-args",
			    "CapabilitiesGained needs 'args: [OLD, NEW]': two positions in 'args' "
			    "(the set before and the set after), %zu given",
			    m->args.n);
		return;
	}
	if (m->index.present)
		diag__warning(s->d, m->index.span, "match-args-index",
			      "'index' is ignored because 'args' is given");
	for (size_t i = 0; i < 2; i++) {
		int64_t k = m->args.v[i].v;
		enum arg_type t;

		if (k < 0 || (size_t)k >= h->args.n) {
			diag__error(s->d, m->args.v[i].span, "match-arg-unknown",
				    "'args' position %lld is out of range: the hook declares %zu "
				    "argument%s (positions 0 to %zu)",
				    (long long)k, h->args.n, h->args.n == 1 ? "" : "s",
				    h->args.n ? h->args.n - 1 : 0);
			continue;
		}
		t = h->args.v[k].type_id;
		if (type_class(t) != TC_CAPSET)
			diag__error(s->d, m->args.v[i].span, "op-type",
				    "CapabilitiesGained compares capability sets; 'args' position "
				    "%lld (the %s set) has type '%s' (declare kernel_cap_t, "
				    "cap_effective, cap_inheritable or cap_permitted)",
				    (long long)k, i ? "new" : "old", arg_type__name(t));
	}
	if (m->args.n == 2 && m->args.v[0].v == m->args.v[1].v)
		diag__warning(s->d, m->args.v[1].span, "never-matches",
			      "CapabilitiesGained of a set against itself never matches");
	if (m->values.n)
		diag__warning(s->d, m->values.v[0].span, "values-ignored",
			      "CapabilitiesGained takes no values (any capability gained "
			      "matches, as in Tetragon); they are ignored");
}

static void check_match_arg(struct sema *s, struct hook_ctx *hc, struct ast_match_arg *m,
			    enum match_on on)
{
	struct ast_arg *a;
	enum arg_type t;
	enum tclass c;
	const char *why;

	if (m->op == OP_CAPS_GAINED) {
		check_caps_gained(s, hc, m, on);
		return;
	}
	a = match_target(s, hc, m, on);
	if ((why = support__op(m->op))) {
		sema_unsupported(s, op_span(&m->op_name, m->span), op__name(m->op), why);
		return;
	}
	if (!a)
		return;
	t = a->type_id;
	c = type_class(t);
	if (t == ARG_NOP) {
		diag__error(s->d, m->span, "op-type",
			    "argument %lld has type 'nop': it is not read, so it cannot be matched",
			    (long long)a->index.v);
		return;
	}
	if (t != ARG_AUTO && !op_fits(m->op, c)) {
		if (m->op == OP_IN || m->op == OP_NOT_IN)
			diag__error(s->d, op_span(&m->op_name, m->span), "op-type",
				    "operator '%s' is for matchPIDs, matchBinaries, "
				    "matchNamespaces and matchCapabilities; use '%s' for an "
				    "argument",
				    op__name(m->op), m->op == OP_IN ? "Equal" : "NotEqual");
		else
			diag__error(s->d, op_span(&m->op_name, m->span), "op-type",
				    "operator '%s' does not apply to an argument of type '%s' (valid: %s)",
				    op__name(m->op), arg_type__name(t), class_ops(c));
		return;
	}
	if (takes_no_values(m->op)) {
		if (m->values.n)
			diag__warning(s->d, m->values.v[0].span, "values-ignored",
				      "operator '%s' takes no values; they are ignored",
				      op__name(m->op));
		return;
	}
	if (!m->values.n) {
		diag__error(s->d, m->span, "values-empty",
			    "operator '%s' needs at least one value", op__name(m->op));
		return;
	}
	for (size_t i = 0; i < m->values.n; i++) {
		check_value(s, hc, m->op, t, &m->values.v[i]);
		if (hc->h->kind == HOOK_NET && hc->h->proto == NET_DNS && a->index.v == 0)
			sema_dns_name_value(s, m->values.v[i].s, m->values.v[i].len,
					    m->values.v[i].span);
	}
	/* the raw path string a syscall receives is not the file it opens */
	if (hc->syscall_entry && on == MATCH_ARGS && (t == ARG_STRING || t == ARG_FILENAME) &&
	    m->op != OP_NOT_EQUAL && is_string_op(m->op) && m->values.v[0].len &&
	    m->values.v[0].s[0] == '/' && (!hc->syscall_name || is_open_like(hc->syscall_name))) {
		diag__warning(s->d, m->values.v[0].span, "raw-path-match",
			      "matching the raw path string passed to %s is bypassable: relative "
			      "paths ('cd /etc; cat shadow'), '//' and '..' spellings, and "
			      "symlinks reach the same file with a different string",
			      hc->what);
		diag__note(s->d, m->values.v[0].span,
			   "match the resolved path instead: an lsmhooks entry 'file_open' with a "
			   "'file' argument, or a kprobe on 'security_file_open' (syscall: false)");
	}
}

/* ---- selectors that can never match ---- */

static bool same_str(const struct ast_str *a, const struct ast_str *b)
{
	return a->len == b->len && !memcmp(a->s, b->s, a->len);
}

static bool all_in(const ast_strvec *a, const ast_strvec *b)
{
	for (size_t i = 0; i < a->n; i++) {
		bool found = false;

		for (size_t j = 0; j < b->n && !found; j++)
			found = same_str(&a->v[i], &b->v[j]);
		if (!found)
			return false;
	}
	return a->n > 0;
}

static void never_matches(struct sema *s, struct span sp, const char *why)
{
	diag__warning(s->d, sp, "never-matches", "this selector can never match: %s", why);
}

static bool int_extreme(const struct ast_match_arg *m, enum arg_type t, bool want_min, int64_t *out)
{
	bool have = false, uns = !arg_type__is_signed(t);

	for (size_t i = 0; i < m->values.n; i++) {
		int64_t v;
		const char *why;

		if (value__parse_int(m->values.v[i].s, t, &v, &why))
			return false;
		if (!have || (uns ? (want_min ? (uint64_t)v < (uint64_t)*out
					      : (uint64_t)v > (uint64_t)*out)
				  : (want_min ? v < *out : v > *out)))
			*out = v;
		have = true;
	}
	return have;
}

static void check_contradictions(struct sema *s, struct hook_ctx *hc, struct ast_selector *sel)
{
	struct ast_hook *h = hc->h;

	for (size_t i = 0; i < sel->match_args.n; i++) {
		struct ast_match_arg *x = &sel->match_args.v[i];
		struct ast_arg *ax = x->args.n ? ((size_t)x->args.v[0].v < h->args.n &&
						  x->args.v[0].v >= 0
							  ? &h->args.v[x->args.v[0].v]
							  : NULL)
					       : hook_arg_by_index(h, x->index.v);

		if (!ax)
			continue;
		for (size_t j = i + 1; j < sel->match_args.n; j++) {
			struct ast_match_arg *y = &sel->match_args.v[j];
			struct ast_arg *ay = y->args.n ? ((size_t)y->args.v[0].v < h->args.n &&
							  y->args.v[0].v >= 0
								  ? &h->args.v[y->args.v[0].v]
								  : NULL)
						       : hook_arg_by_index(h, y->index.v);
			enum arg_type t = ax->type_id;

			if (ax != ay)
				continue;
			if (x->op == OP_EQUAL && y->op == OP_EQUAL && x->values.n == 1 &&
			    y->values.n == 1 && !same_str(&x->values.v[0], &y->values.v[0])) {
				never_matches(s, y->span,
					      "the same argument must Equal two different values");
			} else if ((x->op == OP_EQUAL && y->op == OP_NOT_EQUAL &&
				    all_in(&x->values, &y->values)) ||
				   (y->op == OP_EQUAL && x->op == OP_NOT_EQUAL &&
				    all_in(&y->values, &x->values))) {
				never_matches(s, y->span,
					      "every Equal value is excluded by NotEqual");
			} else if (arg_type__is_int(t) &&
				   ((x->op == OP_GT && y->op == OP_LT) ||
				    (x->op == OP_LT && y->op == OP_GT))) {
				struct ast_match_arg *gt = x->op == OP_GT ? x : y;
				struct ast_match_arg *lt = x->op == OP_GT ? y : x;
				int64_t lo, hi;
				bool uns = !arg_type__is_signed(t);

				/* values OR: the loosest bounds are the smallest GT
				 * and the largest LT */
				if (int_extreme(gt, t, true, &lo) && int_extreme(lt, t, false, &hi) &&
				    (uns ? (uint64_t)lo >= (uint64_t)hi || (uint64_t)lo + 1 == (uint64_t)hi
					 : lo >= hi || lo + 1 == hi)) {
					char why[160];

					snprintf(why, sizeof(why),
						 "no integer is greater than %lld and less than %lld",
						 (long long)lo, (long long)hi);
					never_matches(s, y->span, why);
				}
			}
		}
	}
	for (size_t i = 0; i < sel->match_pids.n; i++)
		for (size_t j = i + 1; j < sel->match_pids.n; j++) {
			struct ast_match_pids *x = &sel->match_pids.v[i], *y = &sel->match_pids.v[j];

			/* a namespace pid or a followed ancestor is another value */
			if (x->is_namespace_pid.v != y->is_namespace_pid.v ||
			    x->follow_forks.v != y->follow_forks.v)
				continue;
			if ((x->op == OP_IN && y->op == OP_NOT_IN && all_in(&x->values, &y->values)) ||
			    (y->op == OP_IN && x->op == OP_NOT_IN && all_in(&y->values, &x->values)))
				never_matches(s, y->span, "every In pid is excluded by NotIn");
		}
	for (size_t i = 0; i < sel->match_binaries.n; i++)
		for (size_t j = i + 1; j < sel->match_binaries.n; j++) {
			struct ast_match_binaries *x = &sel->match_binaries.v[i],
						  *y = &sel->match_binaries.v[j];

			if ((x->op == OP_IN && y->op == OP_NOT_IN && all_in(&x->values, &y->values)) ||
			    (y->op == OP_IN && x->op == OP_NOT_IN && all_in(&y->values, &x->values)))
				never_matches(s, y->span, "every In binary is excluded by NotIn");
		}
}

/* ---- process filters ---- */

static void check_pids(struct sema *s, struct ast_match_pids *m)
{
	if (m->op != OP_IN && m->op != OP_NOT_IN)
		diag__error(s->d, op_span(&m->op_name, m->span), "op-type",
			    "matchPIDs takes 'In' or 'NotIn', not '%s'", op__name(m->op));
	if (!m->values.n)
		diag__error(s->d, m->span, "values-empty", "matchPIDs needs at least one value");
	for (size_t i = 0; i < m->values.n; i++) {
		uint64_t v;
		const char *why;

		if (value__parse_u64(m->values.v[i].s, &v, &why))
			bad_value(s, &m->values.v[i], "pid", why);
		else if (v > UINT32_MAX)
			bad_value(s, &m->values.v[i], "pid", "above 4294967295");
	}
}

/* tpc-match-binaries: inode compares (device, inode) pairs: a prefix or a
 * suffix of a path names no file, so only In and NotIn have a meaning. */
static void check_binaries_inode(struct sema *s, const struct ast_match_binaries *m)
{
	if (m->op == OP_IN || m->op == OP_NOT_IN || !ast_policy__binaries_by_inode(s->pol))
		return;
	diag__error(s->d, op_span(&m->op_name, m->span), "op-type",
		    "matchBinaries '%s' compares paths; with option " AST_OPT_MATCH_BINARIES
		    ": inode only In and NotIn work (they compare the listed files' device "
		    "and inode)",
		    op__name(m->op));
}

static void check_binaries(struct sema *s, struct ast_match_binaries *m)
{
	check_binaries_inode(s, m);
	if (m->op != OP_IN && m->op != OP_NOT_IN && m->op != OP_PREFIX &&
	    m->op != OP_NOT_PREFIX && m->op != OP_POSTFIX && m->op != OP_NOT_POSTFIX) {
		diag__error(s->d, op_span(&m->op_name, m->span), "op-type",
			    "matchBinaries takes In, NotIn, Prefix, NotPrefix, Postfix or "
			    "NotPostfix, not '%s'",
			    op__name(m->op));
		return;
	}
	if (m->follow_children.present && m->follow_children.v && m->op != OP_IN &&
	    m->op != OP_NOT_IN)
		diag__error(s->d, m->follow_children.span, "follow-children",
			    "'followChildren' works only with In and NotIn");
	if (!m->values.n)
		diag__error(s->d, m->span, "values-empty", "matchBinaries needs at least one value");
	for (size_t i = 0; i < m->values.n; i++) {
		const struct ast_str *v = &m->values.v[i];

		if (v->len > MAX_STRING_VALUE)
			diag__error(s->d, v->span, "value-too-long",
				    "binary path is %zu bytes; the limit is %d", v->len,
				    MAX_STRING_VALUE);
		else if (!v->len)
			diag__error(s->d, v->span, "bad-value", "empty binary path");
		else if (m->op != OP_POSTFIX && m->op != OP_NOT_POSTFIX && v->s[0] != '/')
			diag__warning(s->d, v->span, "binary-not-absolute",
				      "matchBinaries compares canonical absolute paths; '%s' never "
				      "matches",
				      q(v));
	}
}

static void check_namespaces(struct sema *s, struct ast_match_ns *m)
{
	if (m->op != OP_IN && m->op != OP_NOT_IN)
		diag__error(s->d, op_span(&m->op_name, m->span), "op-type",
			    "matchNamespaces takes 'In' or 'NotIn', not '%s'", op__name(m->op));
	if (!m->values.n)
		diag__error(s->d, m->span, "values-empty",
			    "matchNamespaces needs at least one value");
	for (size_t i = 0; i < m->values.n; i++) {
		const struct ast_str *v = &m->values.v[i];
		uint64_t u;
		const char *why;

		if (ast_str__eq(v, "host_ns"))
			continue;
		if (value__parse_u64(v->s, &u, &why) || u > UINT32_MAX)
			diag__error(s->d, v->span, "bad-value",
				    "invalid namespace '%s': expected an inode number or 'host_ns'",
				    q(v));
	}
}

static void check_caps(struct sema *s, struct ast_match_caps *m, const char *field)
{
	if (m->op != OP_IN && m->op != OP_NOT_IN)
		diag__error(s->d, op_span(&m->op_name, m->span), "op-type",
			    "%s takes 'In' or 'NotIn', not '%s'", field, op__name(m->op));
	if (!m->values.n)
		diag__error(s->d, m->span, "values-empty", "%s needs at least one value", field);
	for (size_t i = 0; i < m->values.n; i++) {
		const struct ast_str *v = &m->values.v[i];
		int cap;

		if (capability__lookup(v->s, &cap)) {
			const char *sug = diag_suggest(v->s, capability__names());

			diag__error(s->d, v->span, "bad-value", "unknown capability '%s'%s%s%s", q(v),
				    sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
		}
	}
}

/* matchNamespaceChanges: one entry (Tetragon's limit: a second one would
 * be ignored there, so it is refused here); In needs a namespace to watch,
 * NotIn must leave one out (NotIn with no values: any namespace). */
static void check_ns_changes(struct sema *s, struct ast_selector *sel)
{
	const struct ast_match_ns_changes *m;
	uint32_t seen = 0;

	if (!sel->match_namespace_changes.n)
		return;
	m = &sel->match_namespace_changes.v[0];
	if (sel->match_namespace_changes.n > 1)
		diag__error(s->d, sel->match_namespace_changes.v[1].span, "too-many",
			    "matchNamespaceChanges takes one entry per selector (list the "
			    "namespaces in its values); use another selector for another test");
	if (m->op == OP_IN && !m->values.n)
		diag__error(s->d, m->span, "values-empty",
			    "matchNamespaceChanges 'In' needs at least one namespace");
	for (size_t i = 0; i < m->values.n; i++) {
		enum ns_kind k;

		if (ns_kind__lookup(m->values.v[i].s, &k))
			continue; /* the front end said so */
		if (seen & (1u << k))
			diag__warning(s->d, m->values.v[i].span, "duplicate-value",
				      "namespace '%s' is listed twice", q(&m->values.v[i]));
		seen |= 1u << k;
	}
	if (m->op == OP_NOT_IN && seen == (1u << NS__COUNT) - 1)
		diag__error(s->d, m->span, "never-matches",
			    "matchNamespaceChanges 'NotIn' lists every namespace, so no change "
			    "can match; NotIn matches a change of a namespace it does not list");
}

/* ---- actions ---- */

/* Override on a syscall kprobe: the syscall is denied at the BPF LSM hook
 * it passes through (base/enforce.c, runtime/tpc_enforce.bpf.h): the rule
 * matches at the syscall's entry and records the request, the hook's
 * enforcer program returns the errno. Said in a note, once per hook. */
static bool override_at_lsm(struct sema *s, struct hook_ctx *hc, struct ast_action *act)
{
	const char *const *hooks = syscall__lsm_hooks(hc->syscall_name);
	struct btf_info *bi = sema_btf(s, act->name.span);
	char list[128] = "";
	size_t n = 0;

	if (!hooks || !bi)
		return false;
	for (const char *const *hk = hooks; *hk; hk++) {
		struct btf_func_info fi;

		if (btf_info__lsm_hook(bi, *hk, &fi))
			return false;
		n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s'%s'",
				      hk == hooks ? "" : " and ", *hk);
	}
	if (!hc->noted_fmodret) {
		hc->noted_fmodret = true;
		diag__note(s->d, act->name.span,
			   "Override on %s is carried out at the BPF LSM hook%s %s of the same "
			   "syscall (no CONFIG_FUNCTION_ERROR_INJECTION on the target kernels): "
			   "the syscall fails there with the errno; one that fails earlier "
			   "returns its own error; the object needs BPF LSM on the node and is "
			   "refused where it is missing",
			   hc->what, hooks[1] ? "s" : "", list);
	}
	return true;
}

static void override_where(struct sema *s, struct hook_ctx *hc, struct ast_action *act)
{
	struct ast_hook *h = hc->h;

	/* a void hook's return value is ignored by the kernel */
	if ((h->kind == HOOK_LSM || (hc->security_fn && h->kind != HOOK_TRACEPOINT)) &&
	    hc->have_proto && hc->proto.ret.cls == BTFT_VOID) {
		diag__error(s->d, act->name.span, "override-hook",
			    "Override cannot deny on %s: it returns void, so its return value is "
			    "ignored",
			    hc->what);
		return;
	}

	switch (h->kind) {
	case HOOK_LSM:
		return;
	case HOOK_KPROBE:
	case HOOK_FENTRY:
		if (hc->security_fn) {
			if (!hc->noted_fmodret) {
				hc->noted_fmodret = true;
				diag__note(s->d, act->name.span,
					   "Override on '%s' is compiled as the BPF LSM hook '%s', "
					   "which needs BPF LSM on the node (kernels without it "
					   "refuse the object instead of not enforcing)",
					   q(&h->call), h->call.len > 9 ? diag_quote(h->call.s + 9, h->call.len - 9) : "");
			}
			return;
		}
		if (hc->syscall_abi && !h->ret.v && override_at_lsm(s, hc, act))
			return;
		diag__error(s->d, act->name.span, "override-hook",
			    "Override on %s needs bpf_override_return, which requires "
			    "CONFIG_FUNCTION_ERROR_INJECTION, not set in Debian's 5.10, 6.1 and "
			    "6.12 kernels%s",
			    hc->what,
			    hc->syscall_abi ? ", and tpc knows no LSM hook that denies this syscall"
					    : "");
		diag__note(s->d, act->name.span,
			   "deny through an lsmhooks entry (e.g. 'file_open', 'bprm_check_security', "
			   "'socket_connect') or a kprobe on a security_* function, or use Sigkill");
		return;
	case HOOK_TRACEPOINT:
		diag__error(s->d, act->name.span, "override-hook",
			    "Override cannot apply to %s: a tracepoint observes and cannot change "
			    "the operation's result",
			    hc->what);
		diag__note(s->d, act->name.span, "deny through an lsmhooks entry, or use Sigkill");
		return;
	case HOOK_UPROBE:
		diag__error(s->d, act->name.span, "override-hook",
			    "Override on a uprobe needs Linux 6.18+ and is not implemented by tpc");
		return;
	case HOOK_EXEC:
		diag__error(s->d, act->name.span, "override-hook",
			    "use 'Block' to deny an exec");
		return;
	case HOOK_NET:
		diag__error(s->d, act->name.span, "override-hook",
			    "Override does not apply to %s; use 'Block' (tcp: connect() fails "
			    "with EPERM)",
			    hc->what);
		return;
	default:
		return;
	}
}

/* The first enforcer call without an LSM hook that denies it. */
static int first_undeniable(const struct ast_str *v, const struct ast_list *l, const char *name,
			    void *ctx)
{
	(void)l;
	if (name && syscall__lsm_hooks(name))
		return 0;
	*(const struct ast_str **)ctx = v;
	return 1;
}

/* NotifyEnforcer: Tetragon's hook records "deny with argError, kill with
 * argSig" and an enforcer program on the thread's next enforcer call
 * (bpf_override_return on the syscall) carries it out. Denying a syscall
 * from its entry needs bpf_override_return or fmod_ret on it, and both
 * need CONFIG_FUNCTION_ERROR_INJECTION, which Debian's 5.10, 6.1 and 6.12
 * kernels leave unset. So: argSig is sent by this hook itself
 * (bpf_send_signal, every kernel); argError is carried out at the BPF LSM
 * hook each enforcer call passes through (base/enforce.c) when every call
 * has one; otherwise it is accepted only with SIGKILL, whose target never
 * returns to user space to see a result (a warning: the syscall runs). */
static void check_notify_enforcer(struct sema *s, struct hook_ctx *hc, struct ast_action *act)
{
	const struct ast_str *bad = NULL;
	int sig = 0, err;

	if (!s->pol->enforcers.n)
		diag__error(s->d, act->name.span, "enforcer-missing",
			    "NotifyEnforcer needs the policy's 'enforcers' section (the calls "
			    "the notification applies to)");
	if (hc->h->kind == HOOK_NET) {
		diag__error(s->d, act->name.span, "signal-hook",
			    "NotifyEnforcer is not available on %s; use Block or Sigkill",
			    hc->what);
		return;
	}
	if (!act->arg_sig.present && !act->arg_error.present) {
		diag__error(s->d, act->name.span, "action-arg",
			    "NotifyEnforcer needs 'argSig' (a signal to send) or 'argError' (an "
			    "errno)");
		return;
	}
	if (act->arg_sig.present && signal__lookup(act->arg_sig.s, &sig)) {
		bad_value(s, &act->arg_sig, "signal",
			  "expected a signal name (SIGKILL, SIGTERM, ...) or 1-64");
		return;
	}
	if (act->arg_error.present && errno__lookup(act->arg_error.s, &err)) {
		bad_value(s, &act->arg_error, "argError",
			  "expected an errno name (EPERM, EACCES, ...) or a negative number");
		return;
	}
	if (act->arg_error.present && ast_policy__enforcers_deny(s->pol)) {
		if (!hc->noted_enforcer) {
			hc->noted_enforcer = true;
			diag__note(s->d, act->arg_error.span,
				   "argError is carried out at the BPF LSM hook of each enforcer "
				   "call (linkat: path_link, ...): the thread's next enforced "
				   "syscall fails there; the object needs BPF LSM on the node and "
				   "is refused where it is missing");
		}
	} else if (act->arg_error.present && sig != 9) {
		ast_policy__each_enforcer_call(s->pol, first_undeniable, &bad);
		diag__error(s->d, act->arg_error.span, "enforcer-deny",
			    "NotifyEnforcer cannot make %s%s%s fail with argError: denying a "
			    "syscall from its entry needs bpf_override_return or fmod_ret, which "
			    "require CONFIG_FUNCTION_ERROR_INJECTION, not set in Debian's 5.10, "
			    "6.1 and 6.12 kernels, and tpc knows no LSM hook that denies it",
			    bad ? "'" : "every call", bad ? diag_quote(bad->s, bad->len) : "",
			    bad ? "'" : "");
		diag__note(s->d, act->arg_error.span,
			   "add 'argSig: 9' to kill the caller instead, or deny the operation in "
			   "an lsmhooks entry with Override");
		return;
	} else if (act->arg_error.present) {
		diag__warning(s->d, act->arg_error.span, "enforcer-errno",
			      "argError is not applied (no CONFIG_FUNCTION_ERROR_INJECTION on the "
			      "target kernels, and not every enforcer call has an LSM hook that "
			      "denies it): the caller is killed by argSig 9 before it returns to "
			      "user space, so it never sees the syscall's result");
	}
	if (sig == 9 && hc->syscall_entry && !hc->h->ret.v && !hc->warned_sigkill) {
		hc->warned_sigkill = true;
		diag__warning(s->d, act->name.span, "sigkill-syscall-entry",
			      "SIGKILL at syscall entry does not undo the syscall: %s still runs "
			      "to completion before the process dies",
			      hc->what);
	}
	if (sig && !hc->syscall_entry && !hc->noted_enforcer_sig) {
		hc->noted_enforcer_sig = true;
		diag__note(s->d, act->name.span,
			   "tpc sends the signal in this hook, when it matches, not when the "
			   "thread next enters one of the enforcer's calls");
	}
}

/* GetUrl, DnsLookup: performed by tpc-loader in a worker thread, off the
 * event path, only for destinations the loader is started with
 * (--allow-url PREFIX, --allow-dns NAME), rate-limited; the value is
 * checked here so the loader gets a plain http(s) URL or host name. It
 * reaches the loader as metadata (JSON), never as C. */
static void check_request(struct sema *s, struct hook_ctx *hc, struct ast_action *act)
{
	bool url = act->action == ACT_GETURL;
	const struct ast_str *v = url ? &act->arg_url : &act->arg_fqdn;
	const char *field = url ? "argUrl" : "argFqdn";
	size_t i = 0;

	if (!v->present || !v->len) {
		diag__error(s->d, act->name.span, "action-arg", "%s needs '%s' (%s)",
			    action__name(act->action), field,
			    url ? "an http:// or https:// URL" : "a host name");
		return;
	}
	if (url) {
		if (!strncmp(v->s, "http://", 7))
			i = 7;
		else if (!strncmp(v->s, "https://", 8))
			i = 8;
		if (!i || i == v->len || v->s[i] == '/') {
			bad_value(s, v, "argUrl", "expected an http:// or https:// URL with a host");
			return;
		}
		for (; i < v->len; i++)
			if ((unsigned char)v->s[i] <= ' ' || v->s[i] == 0x7f) {
				bad_value(s, v, "argUrl",
					  "a URL has no spaces or control characters");
				return;
			}
	} else {
		if (v->len > 253) {
			bad_value(s, v, "argFqdn", "a host name is at most 253 characters");
			return;
		}
		for (; i < v->len; i++) {
			char c = v->s[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')) {
				bad_value(s, v, "argFqdn",
					  "a host name has only letters, digits, '-', '_' and '.'");
				return;
			}
		}
	}
	if (!hc->noted_request) {
		hc->noted_request = true;
		diag__note(s->d, act->name.span,
			   "%s is performed by tpc-loader, off by default: only with %s, "
			   "rate-limited by --request-rate; without it the loader says once "
			   "that it skips the request",
			   action__name(act->action),
			   url ? "--allow-url PREFIX matching the URL"
			       : "--allow-dns NAME naming the host");
	}
}

/* kernelStackTrace/userStackTrace: Post only, and only where the event
 * has the fields: Tetragon's ProcessKprobe carries kernel_stack_trace and
 * user_stack_trace; its tracepoint, uprobe, USDT and LSM events do not. */
static void check_stack_traces(struct sema *s, const struct ast_hook *h,
			       const struct ast_action *act)
{
	const struct ast_bool *bs[2] = { &act->kernel_stack_trace, &act->user_stack_trace };
	const char *names[2] = { "kernelStackTrace", "userStackTrace" };

	for (int i = 0; i < 2; i++) {
		if (!bs[i]->present || !bs[i]->v)
			continue;
		if (act->action != ACT_POST)
			diag__error(s->d, bs[i]->span, "action-arg",
				    "'%s' applies only to the Post action", names[i]);
		else if ((h->kind != HOOK_KPROBE && h->kind != HOOK_FENTRY) || h->loader_sensor)
			diag__error(s->d, bs[i]->span, "action-arg",
				    "'%s' applies only to kprobes: the events of %s hooks have no "
				    "stack trace field in Tetragon's schema (only process_kprobe "
				    "has one)",
				    names[i], h->loader_sensor ? "loader" : hook_kind__name(h->kind));
	}
}

/* imaHash (Post): the LSM hooks where a sleepable program may call
 * bpf_ima_file_hash() on a file the hook has (the kernel's sleepable set;
 * Tetragon's list). bprm_* hash bprm->file, the others their first
 * argument. */
static const char *const ima_hooks[] = {
	"bprm_check_security", "bprm_committed_creds", "bprm_committing_creds",
	"bprm_creds_for_exec", "bprm_creds_from_file", "file_ioctl",
	"file_lock", "file_open", "file_post_open", "file_receive",
	"mmap_file", NULL,
};

static void check_ima_hash(struct sema *s, struct hook_ctx *hc, struct ast_action *act)
{
	struct ast_hook *h = hc->h;
	struct btf_info *bi;
	size_t i;

	if (act->action != ACT_POST) {
		diag__error(s->d, act->ima_hash.span, "action-arg",
			    "'imaHash' applies only to the Post action");
		return;
	}
	if (h->kind != HOOK_LSM) {
		diag__error(s->d, act->ima_hash.span, "ima-hook",
			    "'imaHash' needs an lsmhooks entry (the hash is taken by a sleepable "
			    "BPF LSM program); %s is not one",
			    hc->what);
		return;
	}
	for (i = 0; ima_hooks[i] && strcmp(ima_hooks[i], h->call.s); i++)
		;
	if (!ima_hooks[i]) {
		diag__error(s->d, act->ima_hash.span, "ima-hook",
			    "'imaHash' is not available on LSM hook '%s': the kernel lets a "
			    "program hash a file only in the sleepable hooks that have one "
			    "(bprm_check_security, bprm_committed_creds, bprm_committing_creds, "
			    "bprm_creds_for_exec, bprm_creds_from_file, file_ioctl, file_lock, "
			    "file_open, file_post_open, file_receive, mmap_file)",
			    diag_quote(h->call.s, strlen(h->call.s)));
		return;
	}
	/* do_dentry_open() sets FMODE_CAN_READ only after security_file_open(),
	 * so IMA cannot read the file there (seen on 6.1: no hash) */
	if (!strcmp(h->call.s, "file_open"))
		diag__warning(s->d, act->ima_hash.span, "ima-unreadable",
			      "at 'file_open' the file is not readable yet, so the kernel cannot "
			      "hash it: the event has no ima_hash unless IMA measured the file "
			      "before; 'file_post_open' (Linux 6.9+) or 'mmap_file' hash it");
	bi = sema_btf(s, act->ima_hash.span);
	if (bi && !btf_info__has_enum_value(bi, "bpf_func_id", "BPF_FUNC_ima_file_hash")) {
		diag__error(s->d, act->ima_hash.span, "kernel-feature",
			    "'imaHash' needs the bpf_ima_file_hash() helper, which the target "
			    "kernel does not have%s: it came with Linux 5.18 (Debian's 6.1 and "
			    "6.12 have it, with IMA built in; 5.10 does not)",
			    btf_info__where(bi));
		return;
	}
}

/* Set (Tetragon: USDT only): write argValue into argument argIndex. */
static void check_set(struct sema *s, struct hook_ctx *hc, struct ast_action *act)
{
	if (hc->h->kind != HOOK_USDT) {
		diag__error(s->d, act->name.span, "set-hook",
			    "'Set' writes a USDT argument in the traced process's memory: only "
			    "usdts hooks have it; %s is not one",
			    hc->what);
		return;
	}
	if (!act->arg_index.present)
		diag__error(s->d, act->name.span, "action-arg",
			    "Set needs 'argIndex' (the USDT argument to write, 0-11)");
	else if (act->arg_index.v < 0 || act->arg_index.v > 11)
		diag__error(s->d, act->arg_index.span, "bad-value",
			    "argIndex %lld is not a USDT argument: a probe has at most 12 (0-11)",
			    (long long)act->arg_index.v);
	if (!act->arg_value.present)
		diag__error(s->d, act->name.span, "action-arg",
			    "Set needs 'argValue' (the value to write)");
}

static void check_action(struct sema *s, struct hook_ctx *hc, struct ast_action *act)
{
	struct ast_hook *h = hc->h;
	const char *why;
	int n;

	if ((why = support__action(act->action))) {
		sema_unsupported(s, act->name.present ? act->name.span : act->span,
				 action__name(act->action), why);
		return;
	}
	if (act->rate_limit.present && act->action != ACT_POST)
		diag__error(s->d, act->rate_limit.span, "action-arg",
			    "'rateLimit' applies only to the Post action");
	if (act->rate_limit_scope.present && !act->rate_limit.present)
		diag__warning(s->d, act->rate_limit_scope.span, "action-arg",
			      "'rateLimitScope' is ignored without 'rateLimit'");
	check_stack_traces(s, h, act);
	if (act->ima_hash.present && act->ima_hash.v)
		check_ima_hash(s, hc, act);
	if (act->arg_error.present && act->action != ACT_OVERRIDE &&
	    act->action != ACT_NOTIFY_ENFORCER)
		diag__warning(s->d, act->arg_error.span, "action-arg",
			      "'argError' is ignored by '%s'", action__name(act->action));
	if (act->arg_sig.present && act->action != ACT_SIGNAL &&
	    act->action != ACT_NOTIFY_ENFORCER)
		diag__warning(s->d, act->arg_sig.span, "action-arg", "'argSig' is ignored by '%s'",
			      action__name(act->action));
	if (act->arg_regs.n || act->arg_new_symbol.present || act->arg_new_addr.present ||
	    act->arg_new_offset.present)
		sema_unsupported(s, act->span, "argRegs/argNewSymbol",
				 "uprobe register overrides are not implemented");
	switch (act->action) {
	case ACT_POST:
		if (act->rate_limit.present) {
			uint64_t ms;

			if (value__parse_duration_ms(act->rate_limit.s, &ms, &why))
				bad_value(s, &act->rate_limit, "rateLimit", why);
		}
		if (act->rate_limit_scope.present && !ast_str__eq(&act->rate_limit_scope, "thread") &&
		    !ast_str__eq(&act->rate_limit_scope, "process") &&
		    !ast_str__eq(&act->rate_limit_scope, "global")) {
			static const char *const scopes[] = { "thread", "process", "global", NULL };
			const char *sug = diag_suggest(act->rate_limit_scope.s, scopes);

			diag__error(s->d, act->rate_limit_scope.span, "bad-value",
				    "invalid rateLimitScope '%s': expected thread, process or "
				    "global%s%s%s",
				    q(&act->rate_limit_scope), sug ? "; did you mean '" : "",
				    sug ? sug : "", sug ? "'?" : "");
		}
		break;
	case ACT_SIGNAL:
		if (h->kind == HOOK_NET) {
			diag__error(s->d, act->name.span, "signal-hook",
				    "Signal is not available on %s; use Sigkill", hc->what);
			break;
		}
		if (!act->arg_sig.present) {
			diag__error(s->d, act->name.span, "action-arg",
				    "Signal needs 'argSig' (a signal name or number)");
			break;
		}
		if (signal__lookup(act->arg_sig.s, &n)) {
			bad_value(s, &act->arg_sig, "signal",
				  "expected a signal name (SIGKILL, SIGTERM, ...) or 1-64");
			break;
		}
		if (n == 9 && hc->syscall_entry && !hc->h->ret.v && !hc->warned_sigkill) {
			hc->warned_sigkill = true;
			diag__warning(s->d, act->name.span, "sigkill-syscall-entry",
				      "SIGKILL at syscall entry does not undo the syscall: %s still "
				      "runs to completion before the process dies",
				      hc->what);
		}
		break;
	case ACT_SIGKILL:
		if (hc->syscall_entry && !hc->h->ret.v && !hc->warned_sigkill) {
			hc->warned_sigkill = true;
			diag__warning(s->d, act->name.span, "sigkill-syscall-entry",
				      "Sigkill at syscall entry does not undo the syscall: %s still "
				      "runs to completion before the process dies",
				      hc->what);
			diag__note(s->d, act->name.span,
				   "to prevent the operation, deny it in an lsmhooks entry with "
				   "Override");
		}
		break;
	case ACT_NOTIFY_ENFORCER:
		check_notify_enforcer(s, hc, act);
		break;
	case ACT_GETURL:
	case ACT_DNSLOOKUP:
		check_request(s, hc, act);
		break;
	case ACT_TRACKSOCK:
	case ACT_UNTRACKSOCK: {
		/* argSock: the index of a declared sock argument (default 0) */
		int64_t idx = act->arg_sock.present ? act->arg_sock.v : 0;
		const struct ast_arg *a = hook_arg_by_index(h, idx);

		if (!a || a->type_id != ARG_SOCK)
			diag__error(s->d, act->arg_sock.present ? act->arg_sock.span : act->name.span,
				    "action-arg",
				    "%s needs 'argSock' to be the index of a 'sock' argument of the "
				    "hook; argument %lld is %s",
				    action__name(act->action), (long long)idx,
				    a ? "not of type 'sock'" : "not declared");
		break;
	}
	case ACT_SET:
		check_set(s, hc, act);
		break;
	case ACT_CLEANUP_ENFORCER:
		diag__note(s->d, act->name.span,
			   "CleanupEnforcerNotification does nothing in tpc: NotifyEnforcer acts in "
			   "its own hook, so no notification is left pending");
		break;
	case ACT_OVERRIDE:
		if (!act->arg_error.present) {
			diag__error(s->d, act->name.span, "action-arg",
				    "Override needs 'argError' (an errno such as -1 or EPERM)");
		} else if (errno__lookup(act->arg_error.s, &n)) {
			bad_value(s, &act->arg_error, "argError",
				  "expected an errno name (EPERM, EACCES, ...) or a negative number");
		}
		override_where(s, hc, act);
		break;
	case ACT_BLOCK:
		if (h->kind == HOOK_NET && h->proto == NET_HTTP)
			diag__error(s->d, act->name.span, "block-hook",
				    "'Block' cannot deny an HTTP request: the request is already on the "
				    "wire when it is parsed; use Sigkill, or Block the connect on a tcp "
				    "entry");
		else if (h->kind != HOOK_EXEC && h->kind != HOOK_NET)
			diag__error(s->d, act->name.span, "block-hook",
				    "'Block' is tpc's shorthand for denying an exec; on %s use "
				    "Override (lsmhooks) or Sigkill",
				    hc->what);
		break;
	default:
		break;
	}
}

/* ---- selectors ---- */

/* matchWorkloads: the spec-level selectors' rules (Tetragon's
 * WorkloadsSelector), for this selector alone. A hostSelector in a
 * namespaced policy is accepted, as Tetragon does, but can never hold: the
 * policy's own scope is its namespace's pods. */
static void check_workloads(struct sema *s, const struct ast_selector *sel)
{
	const struct ast_label_selector *host = &sel->wl_host;

	if (!sel->has_match_workloads)
		return;
	sema_check_label_selector(s, &sel->wl_pod, false, "matchWorkloads.podSelector");
	sema_check_label_selector(s, &sel->wl_container, true, "matchWorkloads.containerSelector");
	sema_check_host_selector(s, host, "matchWorkloads.hostSelector");
	if (s->pol->kind == POLICY_NAMESPACED && host->present && !host->is_null)
		diag__warning(s->d, host->span, "host-selector-namespaced",
			      "this hostSelector selects no process: a TracingPolicyNamespaced "
			      "applies only to pods of namespace '%s'",
			      s->pol->namespace_.s ? diag_quote(s->pol->namespace_.s,
								s->pol->namespace_.len)
						   : "default");
}

void sema_check_selector(struct sema *s, struct hook_ctx *hc, struct ast_selector *sel)
{
	struct ast_hook *h = hc->h;

	check_ns_changes(s, sel);
	if (sel->match_return_actions.n && !h->ret.v) {
		diag__error(s->d, sel->match_return_actions.v[0].span, "return-actions",
			    "matchReturnActions run when the function returns; %s needs "
			    "'return: true'",
			    hc->what);
	} else if (sel->match_return_actions.n) {
		/* a return probe's whole selector is evaluated at the return
		 * (fexit, kretprobe, uretprobe), matchActions included: the
		 * return actions join them there */
		diag__note(s->d, sel->match_return_actions.v[0].span,
			   "matchReturnActions are performed at the return with this selector's "
			   "matchActions: tpc evaluates a return probe's whole selector, "
			   "matchArgs included, when the function returns");
		for (size_t i = 0; i < sel->match_return_actions.n; i++)
			VEC_PUSH(s->a, sel->match_actions, sel->match_return_actions.v[i]);
		sel->match_return_actions.n = 0;
	}
	check_workloads(s, sel);

	for (size_t i = 0; i < sel->match_pids.n; i++)
		check_pids(s, &sel->match_pids.v[i]);
	for (size_t i = 0; i < sel->match_binaries.n; i++)
		check_binaries(s, &sel->match_binaries.v[i]);
	for (size_t i = 0; i < sel->match_parent_binaries.n; i++)
		check_binaries_inode(s, &sel->match_parent_binaries.v[i]);
	for (size_t i = 0; i < sel->match_namespaces.n; i++)
		check_namespaces(s, &sel->match_namespaces.v[i]);
	for (size_t i = 0; i < sel->match_capabilities.n; i++)
		check_caps(s, &sel->match_capabilities.v[i], "matchCapabilities");
	for (size_t i = 0; i < sel->match_capability_changes.n; i++)
		check_caps(s, &sel->match_capability_changes.v[i], "matchCapabilityChanges");
	if (!h->skipped) {
		sema_lower_cel(s, hc, sel);
		for (size_t i = 0; i < sel->match_args.n; i++)
			check_match_arg(s, hc, &sel->match_args.v[i], MATCH_ARGS);
		for (size_t i = 0; i < sel->match_data.n; i++)
			check_match_arg(s, hc, &sel->match_data.v[i], MATCH_DATA);
		if (sel->match_return_args.n) {
			if (h->kind == HOOK_LSM)
				diag__error(s->d, sel->match_return_args.v[0].span, "return-args",
					    "matchReturnArgs does not apply to LSM hooks");
			else if (!h->ret.v || !h->has_return_arg)
				diag__error(s->d, sel->match_return_args.v[0].span, "return-args",
					    "matchReturnArgs needs 'return: true' and a 'returnArg'");
			else
				for (size_t i = 0; i < sel->match_return_args.n; i++)
					check_match_arg(s, hc, &sel->match_return_args.v[i],
							MATCH_RETURN);
		}
		if (sel->match)
			sema_check_expr(s, hc, sel->match);
	}
	for (size_t i = 0; i < sel->match_actions.n; i++)
		check_action(s, hc, &sel->match_actions.v[i]);
	if (h->kind == HOOK_NET &&
	    (sel->match_namespaces.n || sel->match_capabilities.n ||
	     sel->match_capability_changes.n || sel->match_namespace_changes.n))
		diag__error(s->d,
			    sel->match_namespaces.n	       ? sel->match_namespaces.v[0].span
			    : sel->match_capabilities.n	       ? sel->match_capabilities.v[0].span
			    : sel->match_capability_changes.n ? sel->match_capability_changes.v[0].span
							       : sel->match_namespace_changes.v[0].span,
			    "net-process-field",
			    "%s events may run outside the owning process, which is known by pid, "
			    "uid, cgroup and binary only; matchNamespaces, matchCapabilities, "
			    "matchCapabilityChanges and matchNamespaceChanges do not apply",
			    hc->what);
	for (size_t i = 0; h->kind == HOOK_NET && i < sel->match_pids.n; i++) {
		const struct ast_match_pids *m = &sel->match_pids.v[i];
		const struct ast_bool *b = m->follow_forks.v ? &m->follow_forks
					   : m->is_namespace_pid.v ? &m->is_namespace_pid
								   : NULL;

		if (b)
			diag__error(s->d, b->span, "net-process-field",
				    "%s events may run outside the owning process, which is known by "
				    "its host pid only; '%s' does not apply",
				    hc->what, b == &m->follow_forks ? "followForks" : "isNamespacePID");
	}
	if (h->kind == HOOK_EXEC && sel->match_args.n)
		diag__error(s->d, sel->match_args.v[0].span, "exec-args",
			    "the exec shorthand has no arguments to match");
	check_contradictions(s, hc, sel);
}
