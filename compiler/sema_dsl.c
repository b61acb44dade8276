/* sema_dsl.c - checks of `match:` DSL expressions: field names, argument
 * references, and operator/literal types.
 *
 * The process-field table below is local until compiler/dsl_fields.h (the
 * DSL's own table) lands; then dsl_field_lookup() switches over to it. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema_int.h"

/* Messages are cut to fit their buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "support.h"
#include "values.h"

enum ftype { FT_STRING, FT_U32, FT_U64, FT_S64, FT_CAPSET, FT_PATH, FT_NET, FT_ADDR, FT_PORT,
	     FT_FAMILY, FT_PROTOCOL, FT_STATE };

struct dsl_field {
	const char *name;
	enum ftype type;
	const char *unsupported; /* reason, or NULL */
};

#define K8S "pod and container identity is planned for the Kubernetes issue"

static const struct dsl_field fields[] = {
	{ "binary", FT_STRING, NULL },
	{ "comm", FT_STRING, NULL },
	{ "pid", FT_U32, NULL },
	{ "tid", FT_U32, NULL },
	{ "ppid", FT_U32, NULL },
	{ "uid", FT_U32, NULL },
	{ "euid", FT_U32, NULL },
	{ "gid", FT_U32, NULL },
	{ "egid", FT_U32, NULL },
	{ "cgroup", FT_U64, NULL },
	{ "cgroup.id", FT_U64, NULL },
	{ "parent.binary", FT_STRING, "parent binary tracking is not implemented yet" },
	{ "return", FT_S64, NULL },
	{ "caps.effective", FT_CAPSET, NULL },
	{ "caps.permitted", FT_CAPSET, NULL },
	{ "caps.inheritable", FT_CAPSET, NULL },
	{ "ns.uts", FT_U32, NULL },
	{ "ns.ipc", FT_U32, NULL },
	{ "ns.mnt", FT_U32, NULL },
	{ "ns.pid", FT_U32, NULL },
	{ "ns.pid_for_children", FT_U32, NULL },
	{ "ns.net", FT_U32, NULL },
	{ "ns.time", FT_U32, NULL },
	{ "ns.time_for_children", FT_U32, NULL },
	{ "ns.cgroup", FT_U32, NULL },
	{ "ns.user", FT_U32, NULL },
	{ "pod.namespace", FT_STRING, K8S },
	{ "pod.name", FT_STRING, K8S },
	{ "pod.labels", FT_STRING, K8S },
	{ "container.name", FT_STRING, K8S },
	{ "container.id", FT_STRING, K8S },
	{ "container.image", FT_STRING, K8S },
	{ NULL, 0, NULL },
};

/* sub-fields of a network argument: args.sk.daddr */
static const struct dsl_field net_fields[] = {
	{ "saddr", FT_ADDR, NULL },	 { "daddr", FT_ADDR, NULL },
	{ "sport", FT_PORT, NULL },	 { "dport", FT_PORT, NULL },
	{ "family", FT_FAMILY, NULL },	 { "protocol", FT_PROTOCOL, NULL },
	{ "state", FT_STATE, NULL },	 { NULL, 0, NULL },
};

static const char *const *field_names(void)
{
	static const char *names[sizeof(fields) / sizeof(fields[0]) + 2];

	if (!names[0]) {
		size_t i;

		for (i = 0; fields[i].name; i++)
			names[i] = fields[i].name;
		names[i] = "args";
	}
	return names;
}

static const char *ftype_name(enum ftype t)
{
	switch (t) {
	case FT_STRING: return "string";
	case FT_PATH: return "path";
	case FT_U32: case FT_U64: case FT_S64: case FT_PORT: case FT_FAMILY: case FT_PROTOCOL:
	case FT_STATE: return "integer";
	case FT_CAPSET: return "capability set";
	case FT_NET: return "socket";
	case FT_ADDR: return "address";
	}
	return "?";
}

/* Resolve a field expression to its type; false after a diagnostic. */
static bool field_type(struct sema *s, struct hook_ctx *hc, const struct ast_expr *e,
		       enum ftype *out)
{
	const char *name = e->field.name;
	struct ast_hook *h = hc->h;
	struct ast_arg *arg = NULL;
	const char *rest = NULL;

	if (!strncmp(name, "arg", 3) && isdigit((unsigned char)name[3])) {
		char *end;
		long idx = strtol(name + 3, &end, 10);

		arg = hook_arg_by_index(h, idx);
		if (!arg) {
			diag__error(s->d, e->span, "dsl-arg-unknown",
				    "'%s' refers to no declared argument (no 'args' entry has index "
				    "%ld)",
				    diag_quote(name, strlen(name)), idx);
			return false;
		}
		rest = *end == '.' ? end + 1 : (*end ? end : NULL);
	} else if (!strncmp(name, "args.", 5)) {
		const char *lab = name + 5;
		const char *dot = strchr(lab, '.');
		size_t n = dot ? (size_t)(dot - lab) : strlen(lab);

		for (size_t i = 0; i < h->args.n && !arg; i++)
			if (h->args.v[i].label.present && h->args.v[i].label.len == n &&
			    !memcmp(h->args.v[i].label.s, lab, n))
				arg = &h->args.v[i];
		if (!arg) {
			const char **labels = arena__calloc(s->a, h->args.n + 1, sizeof(*labels));
			size_t k = 0;
			const char *sug;
			char *want = arena__strndup(s->a, lab, n);

			for (size_t i = 0; i < h->args.n; i++)
				if (h->args.v[i].label.present)
					labels[k++] = h->args.v[i].label.s;
			sug = diag_suggest(want, labels);
			diag__error(s->d, e->span, "dsl-arg-unknown",
				    "no argument has label '%s'%s%s%s", diag_quote(lab, n),
				    sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
			return false;
		}
		rest = dot ? dot + 1 : NULL;
	}
	if (arg) {
		enum arg_type t = arg->type_id;

		if (arg_type__is_path(t))
			*out = FT_PATH;
		else if (arg_type__is_string(t))
			*out = FT_STRING;
		else if (arg_type__is_net(t))
			*out = FT_NET;
		else if (t == ARG_KERNEL_CAP_T || t == ARG_CAP_EFFECTIVE ||
			 t == ARG_CAP_INHERITABLE || t == ARG_CAP_PERMITTED)
			*out = FT_CAPSET;
		else if (arg_type__is_int(t))
			*out = arg_type__is_signed(t) ? FT_S64 : FT_U64;
		else {
			diag__error(s->d, e->span, "dsl-type",
				    "argument '%s' has type '%s', which a match expression cannot "
				    "compare",
				    diag_quote(name, strlen(name)), arg_type__name(t));
			return false;
		}
		if (rest) {
			if (*out != FT_NET) {
				diag__error(s->d, e->span, "dsl-field",
					    "'%s': only socket arguments have sub-fields",
					    diag_quote(name, strlen(name)));
				return false;
			}
			for (int i = 0; net_fields[i].name; i++)
				if (!strcmp(rest, net_fields[i].name)) {
					*out = net_fields[i].type;
					return true;
				}
			diag__error(s->d, e->span, "dsl-field",
				    "unknown socket field '%s' (saddr, daddr, sport, dport, family, "
				    "protocol, state)",
				    diag_quote(rest, strlen(rest)));
			return false;
		}
		return true;
	}
	for (int i = 0; fields[i].name; i++) {
		if (strcmp(name, fields[i].name))
			continue;
		if (fields[i].unsupported) {
			sema_unsupported(s, e->span, name, fields[i].unsupported);
			return false;
		}
		if (e->field.key.present && strcmp(name, "pod.labels")) {
			diag__error(s->d, e->field.key.span, "dsl-field",
				    "field '%s' takes no [\"...\"] subscript",
				    diag_quote(name, strlen(name)));
			return false;
		}
		if (!strcmp(name, "return") && (!h->ret.v || !h->has_return_arg)) {
			diag__error(s->d, e->span, "dsl-field",
				    "'return' needs a hook with 'return: true' and a 'returnArg'");
			return false;
		}
		*out = fields[i].type;
		return true;
	}
	{
		const char *sug = diag_suggest(name, field_names());

		diag__error(s->d, e->span, "dsl-field", "unknown field '%s'%s%s%s",
			    diag_quote(name, strlen(name)), sug ? "; did you mean '" : "",
			    sug ? sug : "", sug ? "'?" : "");
	}
	return false;
}

static bool is_int_type(enum ftype t)
{
	return t == FT_U32 || t == FT_U64 || t == FT_S64 || t == FT_PORT || t == FT_FAMILY ||
	       t == FT_PROTOCOL || t == FT_STATE;
}

static const char *cmp_name(enum expr_cmp c)
{
	static const char *const n[] = { "==", "!=", "<", "<=", ">", ">=", "startswith",
					 "endswith", "contains", "&" };

	return (unsigned)c < sizeof(n) / sizeof(n[0]) ? n[c] : "?";
}

/* Does literal lit fit a field of type t? */
static void check_literal(struct sema *s, const char *fname, enum ftype t,
			  const struct ast_expr *lit)
{
	const char *why;
	int n;

	switch (lit->kind) {
	case EXPR_INT:
		if (is_int_type(t) || t == FT_CAPSET) {
			if (t == FT_U32 && (lit->ival < 0 || lit->ival > (int64_t)UINT32_MAX))
				diag__error(s->d, lit->span, "dsl-value",
					    "%lld is out of range for '%s' (0 to 4294967295)",
					    (long long)lit->ival, fname);
			else if (t == FT_PORT && (lit->ival < 0 || lit->ival > 65535))
				diag__error(s->d, lit->span, "dsl-value",
					    "port %lld is out of range (0 to 65535)",
					    (long long)lit->ival);
			return;
		}
		break;
	case EXPR_STR:
		if (t == FT_STRING || t == FT_PATH) {
			if (t == FT_PATH && lit->sval.len && lit->sval.s[0] != '/')
				diag__warning(s->d, lit->span, "path-not-absolute",
					      "'%s' is not an absolute path; '%s' is a resolved "
					      "absolute path",
					      diag_quote(lit->sval.s, lit->sval.len), fname);
			return;
		}
		if (t == FT_CAPSET) {
			if (capability__lookup(lit->sval.s, &n))
				diag__error(s->d, lit->span, "dsl-value", "unknown capability '%s'",
					    diag_quote(lit->sval.s, lit->sval.len));
			return;
		}
		if (t == FT_FAMILY && !value__parse_family(lit->sval.s, &n, &why))
			return;
		if (t == FT_PROTOCOL && !value__parse_protocol(lit->sval.s, &n, &why))
			return;
		if (t == FT_STATE && !value__parse_tcp_state(lit->sval.s, &n, &why))
			return;
		if (t == FT_ADDR) {
			struct value_cidr c;

			if (value__parse_cidr(lit->sval.s, &c, &why))
				diag__error(s->d, lit->span, "dsl-value", "invalid address '%s': %s",
					    diag_quote(lit->sval.s, lit->sval.len), why);
			return;
		}
		break;
	case EXPR_CIDR: {
		struct value_cidr c;

		if (value__parse_cidr(lit->sval.s, &c, &why)) {
			diag__error(s->d, lit->span, "dsl-value", "invalid CIDR '%s': %s",
				    diag_quote(lit->sval.s, lit->sval.len), why);
			return;
		}
		if (t == FT_ADDR)
			return;
		break;
	}
	case EXPR_FIELD:
		diag__error(s->d, lit->span, "dsl-type",
			    "comparing two fields is not supported; compare '%s' with a literal",
			    fname);
		return;
	default:
		break;
	}
	diag__error(s->d, lit->span, "dsl-type", "'%s' is %s %s field; this %s does not fit it",
		    fname, t == FT_ADDR || t == FT_U32 || t == FT_U64 || t == FT_S64 ? "an" : "a",
		    ftype_name(t),
		    lit->kind == EXPR_INT ? "integer"
		    : lit->kind == EXPR_STR ? "string"
		    : lit->kind == EXPR_CIDR ? "CIDR"
		    : lit->kind == EXPR_BOOL ? "boolean" : "value");
}

static bool op_fits(enum expr_cmp op, enum ftype t)
{
	switch (t) {
	case FT_STRING:
	case FT_PATH:
		return op == CMP_EQ || op == CMP_NE || op == CMP_STARTSWITH || op == CMP_ENDSWITH ||
		       op == CMP_CONTAINS;
	case FT_CAPSET:
		return op == CMP_EQ || op == CMP_NE || op == CMP_MASK;
	case FT_ADDR:
	case FT_FAMILY:
	case FT_PROTOCOL:
	case FT_STATE:
		return op == CMP_EQ || op == CMP_NE;
	case FT_NET:
		return false;
	default:
		return op <= CMP_GE || op == CMP_MASK;
	}
}

void sema_check_expr(struct sema *s, struct hook_ctx *hc, struct ast_expr *e)
{
	enum ftype t;
	const struct ast_expr *lhs;

	if (!e)
		return;
	switch (e->kind) {
	case EXPR_AND:
	case EXPR_OR:
		sema_check_expr(s, hc, e->bin.l);
		sema_check_expr(s, hc, e->bin.r);
		return;
	case EXPR_NOT:
		sema_check_expr(s, hc, e->sub);
		return;
	case EXPR_CMP:
		lhs = e->cmp.lhs;
		if (!lhs || lhs->kind != EXPR_FIELD) {
			diag__error(s->d, lhs ? lhs->span : e->span, "dsl-type",
				    "the left side of '%s' must be a field", cmp_name(e->cmp.op));
			return;
		}
		if (!field_type(s, hc, lhs, &t))
			return;
		if (!op_fits(e->cmp.op, t)) {
			diag__error(s->d, e->span, "dsl-type",
				    "'%s' does not apply to '%s', %s %s field", cmp_name(e->cmp.op),
				    lhs->field.name,
				    t == FT_ADDR || is_int_type(t) ? "an" : "a", ftype_name(t));
			return;
		}
		if (e->cmp.rhs)
			check_literal(s, lhs->field.name, t, e->cmp.rhs);
		return;
	case EXPR_IN:
		lhs = e->in.lhs;
		if (!lhs || lhs->kind != EXPR_FIELD) {
			diag__error(s->d, lhs ? lhs->span : e->span, "dsl-type",
				    "the left side of 'in' must be a field");
			return;
		}
		if (!field_type(s, hc, lhs, &t))
			return;
		if (t == FT_NET) {
			diag__error(s->d, lhs->span, "dsl-type",
				    "'%s' is a socket; compare one of its fields (saddr, daddr, "
				    "sport, dport, family, protocol, state)",
				    lhs->field.name);
			return;
		}
		if (!e->in.list || e->in.list->kind != EXPR_LIST) {
			if (e->in.list)
				check_literal(s, lhs->field.name, t, e->in.list);
			return;
		}
		if (!e->in.list->list.n)
			diag__error(s->d, e->in.list->span, "values-empty",
				    "'%s' tests membership in an empty list", e->in.negated ? "not in"
											   : "in");
		for (size_t i = 0; i < e->in.list->list.n; i++)
			check_literal(s, lhs->field.name, t, e->in.list->list.items[i]);
		return;
	case EXPR_FIELD:
		/* a bare field is a truth test: allowed for integers only */
		if (field_type(s, hc, e, &t) && !is_int_type(t))
			diag__error(s->d, e->span, "dsl-type",
				    "'%s' is %s %s field and cannot be used as a condition",
				    e->field.name, t == FT_ADDR ? "an" : "a", ftype_name(t));
		return;
	case EXPR_CIDR:
	case EXPR_INT:
	case EXPR_STR:
	case EXPR_LIST:
		diag__error(s->d, e->span, "dsl-type", "a literal alone is not a condition");
		return;
	case EXPR_BOOL:
		return;
	}
}
