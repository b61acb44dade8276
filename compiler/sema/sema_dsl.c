/* sema_dsl.c - checks of `match:` DSL expressions against the field table
 * in dsl_fields.c: field names, argument references (argN, args.<label>,
 * socket sub-fields), and which operators and literals fit each field. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/dsl.h"
#include "front/dsl_fields.h"
#include "sema/sema_int.h"

/* Messages are cut to fit their buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include "sema/support.h"
#include "base/values.h"

/* The value kind a field compares as, once arguments are resolved. */
enum vkind { VK_INT, VK_UINT, VK_STRING, VK_PATH, VK_ADDR, VK_PORT, VK_CAPS, VK_FAMILY,
	     VK_PROTOCOL, VK_TCP_EVENT, VK_DNS_QTYPE };

static const char *vkind_name(enum vkind k)
{
	static const char *const n[] = { "an integer", "an integer", "a string", "a path",
					 "an address", "a port", "a capability set",
					 "an address family", "a protocol", "a tcp event",
					 "a DNS query type" };

	return n[k];
}

static const char *cmp_name(enum expr_cmp c)
{
	static const char *const n[] = { "==", "!=", "<", "<=", ">", ">=", "startswith",
					 "endswith", "contains", "&" };

	return (unsigned)c < sizeof(n) / sizeof(n[0]) ? n[c] : "?";
}

static const char *fq(const struct ast_expr *e)
{
	return diag_quote(e->field.name, strlen(e->field.name));
}

/* The declared arg a field reference names, or NULL after a diagnostic. */
static struct ast_arg *ref_arg(struct sema *s, struct hook_ctx *hc, const struct ast_expr *e,
			       const struct dsl_field_ref *ref)
{
	struct ast_hook *h = hc->h;

	if (ref->arg_index >= 0) {
		struct ast_arg *a = hook_arg_by_index(h, ref->arg_index);

		if (!a)
			diag__error(s->d, e->span, "dsl-arg-unknown",
				    "'%s' refers to no declared argument (no 'args' entry has "
				    "index %d)",
				    fq(e), ref->arg_index);
		return a;
	}
	for (size_t i = 0; i < h->args.n; i++)
		if (h->args.v[i].label.present && h->args.v[i].label.len == ref->label_len &&
		    !memcmp(h->args.v[i].label.s, ref->label, ref->label_len))
			return &h->args.v[i];
	{
		const char **labels = arena__calloc(s->a, h->args.n + 1, sizeof(*labels));
		char *want = arena__strndup(s->a, ref->label, ref->label_len);
		size_t k = 0;
		const char *sug;

		for (size_t i = 0; i < h->args.n; i++)
			if (h->args.v[i].label.present)
				labels[k++] = h->args.v[i].label.s;
		sug = diag_suggest(want, labels);
		diag__error(s->d, e->span, "dsl-arg-unknown", "no argument has label '%s'%s%s%s",
			    diag_quote(ref->label, ref->label_len), sug ? "; did you mean '" : "",
			    sug ? sug : "", sug ? "'?" : "");
	}
	return NULL;
}

/* Resolve a field to its value kind; false after a diagnostic. */
static bool field_kind(struct sema *s, struct hook_ctx *hc, const struct ast_expr *e,
		       enum vkind *out)
{
	struct dsl_field_ref ref;
	struct ast_hook *h = hc->h;
	const char *why;

	if (dsl_field__resolve(e->field.name, &ref)) {
		const char *sug = diag_suggest(e->field.name, dsl_field_names);

		diag__error(s->d, e->span, "dsl-field", "unknown field '%s'%s%s%s", fq(e),
			    sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
		return false;
	}
	if ((why = support__field(ref.f->name))) {
		sema_unsupported(s, e->span, ref.f->name, why);
		return false;
	}
	if (h->kind == HOOK_NET &&
	    (!strcmp(ref.f->name, "comm") || !strcmp(ref.f->name, "euid") ||
	     !strcmp(ref.f->name, "egid") || !strcmp(ref.f->name, "ppid") ||
	     !strncmp(ref.f->name, "caps.", 5) || !strncmp(ref.f->name, "ns.", 3))) {
		diag__error(s->d, e->span, "net-process-field",
			    "'%s' describes the current task, which a network event may not run "
			    "in; use pid, uid, gid, cgroup or binary (the socket owner's)",
			    fq(e));
		return false;
	}
	if (ref.f->keyed && !e->field.key.present) {
		diag__error(s->d, e->span, "dsl-field", "'%s' needs a [\"key\"] subscript", fq(e));
		return false;
	}
	if (!ref.f->keyed && e->field.key.present) {
		diag__error(s->d, e->field.key.span, "dsl-field", "'%s' takes no [\"key\"] subscript",
			    fq(e));
		return false;
	}
	switch (ref.f->kind) {
	case DSL_FIELD_INT:
		if (!strcmp(ref.f->name, "ret") && (!h->ret.v || !h->has_return_arg)) {
			diag__error(s->d, e->span, "dsl-field",
				    "'ret' needs a hook with 'return: true' and a 'returnArg'");
			return false;
		}
		*out = VK_INT;
		return true;
	case DSL_FIELD_UINT:
		*out = ref.f->consts && !strcmp(ref.f->consts, "AF_")	     ? VK_FAMILY
		       : ref.f->consts && !strcmp(ref.f->consts, "IPPROTO_") ? VK_PROTOCOL
									     : VK_UINT;
		break;
	case DSL_FIELD_STRING:
	case DSL_FIELD_LABELS:
		*out = VK_STRING;
		return true;
	case DSL_FIELD_PATH:
		*out = VK_PATH;
		return true;
	case DSL_FIELD_ADDR:
		*out = VK_ADDR;
		break;
	case DSL_FIELD_PORT:
		*out = VK_PORT;
		break;
	case DSL_FIELD_CAPS:
		*out = VK_CAPS;
		return true;
	case DSL_FIELD_ARG:
		break;
	}
	if (ref.arg_index < 0 && !ref.label)
		return true; /* a process field */
	{
		struct ast_arg *a = ref_arg(s, hc, e, &ref);
		enum arg_type t;

		if (!a)
			return false;
		t = a->type_id;
		if (ref.f->kind != DSL_FIELD_ARG) {
			/* a socket sub-field */
			const char *sub = strrchr(e->field.name, '.') + 1;

			if (!arg_type__is_net(t)) {
				diag__error(s->d, e->span, "dsl-field",
					    "'%s': only socket arguments (sock, socket, sockaddr) "
					    "have a '%s' field; this one has type '%s'",
					    fq(e), sub, arg_type__name(t));
				return false;
			}
			if (t == ARG_SOCKADDR && !strcmp(sub, "protocol")) {
				diag__error(s->d, e->span, "dsl-field",
					    "'%s': a sockaddr argument has an address, a port and "
					    "a family, but no protocol",
					    fq(e));
				return false;
			}
			return true;
		}
		if (arg_type__is_path(t))
			*out = VK_PATH;
		else if (arg_type__is_string(t))
			*out = VK_STRING;
		else if (t == ARG_KERNEL_CAP_T || t == ARG_CAP_EFFECTIVE ||
			 t == ARG_CAP_INHERITABLE || t == ARG_CAP_PERMITTED)
			*out = VK_UINT; /* compared with masks, as Tetragon's Mask */
		else if (t == ARG_TCP_EVENT)
			*out = VK_TCP_EVENT;
		else if (t == ARG_DNS_QTYPE)
			*out = VK_DNS_QTYPE;
		else if (arg_type__is_int(t))
			*out = arg_type__is_signed(t) ? VK_INT : VK_UINT;
		else if (arg_type__is_net(t)) {
			diag__error(s->d, e->span, "dsl-type",
				    "'%s' is a socket; compare one of its fields (%s.saddr, .daddr, "
				    ".sport, .dport, .family, .protocol)",
				    fq(e), fq(e));
			return false;
		} else {
			diag__error(s->d, e->span, "dsl-type",
				    "argument '%s' has type '%s', which a match expression cannot "
				    "compare",
				    fq(e), arg_type__name(t));
			return false;
		}
		return true;
	}
}

static bool is_intlike(enum vkind k)
{
	return k == VK_INT || k == VK_UINT || k == VK_PORT || k == VK_TCP_EVENT ||
	       k == VK_DNS_QTYPE;
}

static bool op_fits(enum expr_cmp op, enum vkind k)
{
	switch (k) {
	case VK_STRING:
	case VK_PATH:
		return op == CMP_EQ || op == CMP_NE || op == CMP_STARTSWITH ||
		       op == CMP_ENDSWITH || op == CMP_CONTAINS;
	case VK_CAPS:
		return op == CMP_CONTAINS;
	case VK_ADDR:
	case VK_FAMILY:
	case VK_PROTOCOL:
		return op == CMP_EQ || op == CMP_NE;
	default:
		return op <= CMP_GE || op == CMP_MASK;
	}
}

static const char *lit_name(const struct ast_expr *lit)
{
	switch (lit->kind) {
	case EXPR_INT: return "an integer";
	case EXPR_STR: return "a string";
	case EXPR_CIDR: return "an address";
	case EXPR_BOOL: return "a boolean";
	case EXPR_LIST: return "a list";
	default: return "a field";
	}
}

/* Does literal lit fit field e of kind k? */
static void check_literal(struct sema *s, const struct ast_expr *e, enum vkind k,
			  const struct ast_expr *lit, enum expr_cmp op)
{
	const char *why;
	struct value_cidr c;
	int n;

	switch (lit->kind) {
	case EXPR_INT:
		if (k == VK_UINT && lit->ival < 0)
			diag__error(s->d, lit->span, "dsl-value",
				    "%lld is negative; '%s' is unsigned", (long long)lit->ival,
				    fq(e));
		else if (k == VK_PORT && (lit->ival < 0 || lit->ival > 65535))
			diag__error(s->d, lit->span, "dsl-value",
				    "port %lld is out of range (0 to 65535)", (long long)lit->ival);
		else if ((k == VK_FAMILY && (lit->ival < 0 || lit->ival > 63)) ||
			 (k == VK_PROTOCOL && (lit->ival < 0 || lit->ival > 65535)))
			diag__error(s->d, lit->span, "dsl-value", "%lld is out of range for '%s'",
				    (long long)lit->ival, fq(e));
		else if (!is_intlike(k) && k != VK_FAMILY && k != VK_PROTOCOL && k != VK_CAPS)
			break;
		return;
	case EXPR_STR:
		if (k == VK_STRING)
			return;
		if (k == VK_TCP_EVENT || k == VK_DNS_QTYPE) {
			enum arg_type t = k == VK_TCP_EVENT ? ARG_TCP_EVENT : ARG_DNS_QTYPE;
			int64_t v;

			if (value__parse_int(lit->sval.s, t, &v, &why))
				diag__error(s->d, lit->span, "dsl-value", "invalid %s '%s': %s",
					    k == VK_TCP_EVENT ? "tcp event" : "DNS query type",
					    diag_quote(lit->sval.s, lit->sval.len), why);
			return;
		}
		if (k == VK_PATH) {
			if (lit->sval.len && lit->sval.s[0] != '/' &&
			    (op == CMP_EQ || op == CMP_STARTSWITH))
				diag__warning(s->d, lit->span, "path-not-absolute",
					      "'%s' compares canonical absolute paths; '%s' never "
					      "matches",
					      fq(e), diag_quote(lit->sval.s, lit->sval.len));
			return;
		}
		if (k == VK_CAPS) {
			if (capability__lookup(lit->sval.s, &n)) {
				const char *sug = diag_suggest(lit->sval.s, capability__names());

				diag__error(s->d, lit->span, "dsl-value",
					    "unknown capability '%s'%s%s%s",
					    diag_quote(lit->sval.s, lit->sval.len),
					    sug ? "; did you mean '" : "", sug ? sug : "",
					    sug ? "'?" : "");
			}
			return;
		}
		if (k == VK_FAMILY) {
			if (value__parse_family(lit->sval.s, &n, &why))
				diag__error(s->d, lit->span, "dsl-value", "invalid family '%s': %s",
					    diag_quote(lit->sval.s, lit->sval.len), why);
			return;
		}
		if (k == VK_PROTOCOL) {
			if (value__parse_protocol(lit->sval.s, &n, &why))
				diag__error(s->d, lit->span, "dsl-value",
					    "invalid protocol '%s': %s",
					    diag_quote(lit->sval.s, lit->sval.len), why);
			return;
		}
		break;
	case EXPR_CIDR:
		if (value__parse_cidr(lit->sval.s, &c, &why)) {
			diag__error(s->d, lit->span, "dsl-value", "invalid address '%s': %s",
				    diag_quote(lit->sval.s, lit->sval.len), why);
			return;
		}
		if (k == VK_ADDR)
			return;
		break;
	default:
		break;
	}
	diag__error(s->d, lit->span, "dsl-type", "'%s' is %s; it cannot be compared with %s",
		    fq(e), vkind_name(k), lit_name(lit));
}

/* pod.* and container.* become the selector's workload scope (a cgroup
 * set the loader maintains), which is only sound where the whole selector
 * depends on them: a conjunct of the top-level '&&' chain, compared with
 * ==, !=, in or not in (label selector operators In and NotIn). */
static bool is_workload_field(const struct ast_expr *f)
{
	return f && f->kind == EXPR_FIELD &&
	       (!strncmp(f->field.name, "pod.", 4) || !strncmp(f->field.name, "container.", 10));
}

static void check_workload(struct sema *s, const struct ast_expr *e, const struct ast_expr *lhs,
			   bool top)
{
	const struct ast_expr *rhs = e->kind == EXPR_CMP ? e->cmp.rhs : NULL;

	if (!top) {
		diag__error(s->d, lhs->span, "dsl-scope",
			    "'%s' can only be tested in the '&&' chain at the top of 'match:', not "
			    "under '!' or '||': it becomes the selector's workload scope, decided "
			    "per cgroup before the other tests",
			    fq(lhs));
		return;
	}
	if (e->kind == EXPR_CMP && e->cmp.op != CMP_EQ && e->cmp.op != CMP_NE) {
		diag__error(s->d, e->span, "dsl-scope",
			    "'%s' compares with ==, !=, in or not in (it becomes a label selector "
			    "requirement), not with '%s'",
			    fq(lhs), cmp_name(e->cmp.op));
		return;
	}
	if (!strcmp(lhs->field.name, "pod.labels") && lhs->field.key.present &&
	    !sema_label_key_ok(&lhs->field.key))
		diag__error(s->d, lhs->field.key.span, "selector-key",
			    "'%s' is not a valid label key", diag_quote(lhs->field.key.s,
									 lhs->field.key.len));
	if (e->kind == EXPR_IN && e->in.list && e->in.list->kind == EXPR_LIST &&
	    !e->in.list->list.n) {
		diag__error(s->d, e->in.list->span, "dsl-scope",
			    "'%s' needs at least one value in the list", fq(lhs));
		return;
	}
	for (size_t i = 0; strncmp(lhs->field.name, "pod.", 4) == 0; i++) {
		const struct ast_expr *v = rhs;

		if (e->kind == EXPR_IN) {
			if (!e->in.list || e->in.list->kind != EXPR_LIST || i >= e->in.list->list.n)
				break;
			v = e->in.list->list.items[i];
		} else if (i) {
			break;
		}
		if (v && v->kind == EXPR_STR && !sema_label_value_ok(v->sval.s, v->sval.len))
			diag__error(s->d, v->span, "selector-value",
				    "\"%s\" can never match: pod names, namespaces and label values "
				    "are at most 63 characters of [A-Za-z0-9._-], alphanumeric at both "
				    "ends",
				    diag_quote(v->sval.s, v->sval.len));
	}
}

static void check_expr(struct sema *s, struct hook_ctx *hc, struct ast_expr *e, bool top);

void sema_check_expr(struct sema *s, struct hook_ctx *hc, struct ast_expr *e)
{
	check_expr(s, hc, e, true);
}

/* top: e is the expression or a conjunct of its top-level '&&' chain */
static void check_expr(struct sema *s, struct hook_ctx *hc, struct ast_expr *e, bool top)
{
	enum vkind k;
	const struct ast_expr *lhs;

	if (!e)
		return;
	switch (e->kind) {
	case EXPR_AND:
	case EXPR_OR:
		check_expr(s, hc, e->bin.l, top && e->kind == EXPR_AND);
		check_expr(s, hc, e->bin.r, top && e->kind == EXPR_AND);
		return;
	case EXPR_NOT:
		check_expr(s, hc, e->sub, false);
		return;
	case EXPR_CMP:
		lhs = e->cmp.lhs;
		if (!lhs || lhs->kind != EXPR_FIELD)
			return; /* the parser reports a condition without a field */
		if (!field_kind(s, hc, lhs, &k))
			return;
		if (!op_fits(e->cmp.op, k)) {
			diag__error(s->d, e->span, "dsl-type", "'%s' does not apply to '%s', %s",
				    cmp_name(e->cmp.op), fq(lhs), vkind_name(k));
			return;
		}
		if (e->cmp.op == CMP_CONTAINS && k != VK_CAPS) {
			sema_unsupported(s, e->span, "contains",
					 "the DSL does not lower substring tests yet; use a YAML "
					 "matchArgs entry with operator SubString");
			return;
		}
		if (e->cmp.rhs)
			check_literal(s, lhs, k, e->cmp.rhs, e->cmp.op);
		if (is_workload_field(lhs))
			check_workload(s, e, lhs, top);
		if (e->cmp.rhs && e->cmp.rhs->kind == EXPR_STR && hc->h->kind == HOOK_NET &&
		    hc->h->proto == NET_DNS && !strcmp(lhs->field.name, "args.name"))
			sema_dns_name_value(s, e->cmp.rhs->sval.s, e->cmp.rhs->sval.len,
					    e->cmp.rhs->span);
		return;
	case EXPR_IN:
		lhs = e->in.lhs;
		if (!lhs || lhs->kind != EXPR_FIELD)
			return;
		if (!field_kind(s, hc, lhs, &k))
			return;
		if (k == VK_CAPS) {
			diag__error(s->d, e->span, "dsl-type",
				    "'%s' is a capability set; test it with 'contains'", fq(lhs));
			return;
		}
		if (!e->in.list || e->in.list->kind != EXPR_LIST)
			return;
		if (!e->in.list->list.n)
			diag__warning(s->d, e->in.list->span, "never-matches",
				      "'%s' an empty list is %s", e->in.negated ? "not in" : "in",
				      e->in.negated ? "always true" : "never true");
		for (size_t i = 0; i < e->in.list->list.n; i++)
			check_literal(s, lhs, k, e->in.list->list.items[i], CMP_EQ);
		if (is_workload_field(lhs))
			check_workload(s, e, lhs, top);
		return;
	case EXPR_FIELD:
		/* the grammar rejects a bare field; nothing to add */
		return;
	default:
		return;
	}
}

/* ---- CelExpr: Tetragon's CEL subset, rewritten into a match: expression ----
 *
 * Tetragon evaluates `operator: CelExpr` values over arg0..argN, where argX
 * is the X-th entry of the hook's `args:` list (not its `index`). The
 * comparisons and logic of that subset are the DSL's own, so each value is
 * rewritten token by token into DSL text (argX -> arg<index>, int32(-1) ->
 * -1 after a range check) with an offset map back to the YAML bytes, and
 * parsed by the DSL: its errors then point into the CEL text. What the DSL
 * cannot express (+ and -, or()/xor()/not(), and() other than compared
 * with 0, any other name) is
 * refused by name at its own bytes. Values of one matchArgs entry are ORed,
 * as Tetragon ORs the values of every operator. */
struct cel_out {
	char *text;
	uint32_t *offmap;
	size_t n, cap;
};

static void cel_put(struct sema *s, struct cel_out *o, const char *p, size_t len, uint32_t at)
{
	if (o->n + len + 1 > o->cap) {
		size_t nc = (o->cap + len + 1) * 2;

		o->text = arena__realloc(s->a, o->text, o->cap, nc);
		o->offmap = arena__realloc(s->a, o->offmap, o->cap * sizeof(uint32_t),
					   nc * sizeof(uint32_t));
		o->cap = nc;
	}
	for (size_t i = 0; i < len; i++) {
		o->text[o->n] = p[i];
		o->offmap[o->n++] = at;
	}
}

static bool cel_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (c >= '0' && c <= '9');
}

static struct span cel_span(uint32_t file, uint32_t base, size_t i, size_t len)
{
	return (struct span){ file, base + (uint32_t)i, base + (uint32_t)(i + len) };
}

/* and(argX, MASK) != 0 and == 0: the DSL's mask test `argK & MASK` and its
 * negation (the DSL has no arithmetic, so only a comparison with zero
 * maps). Writes the DSL text and returns the index past the comparison, or
 * 0 when t+i is not that shape. */
static size_t cel_mask_test(struct sema *s, struct hook_ctx *hc, struct cel_out *o,
			    const char *t, size_t len, size_t i, uint32_t base)
{
	size_t k = i + 3, a0, a1, m0, m1;
	unsigned long x;
	bool ne;
	char buf[48];

#define CEL_WS()                                  \
	while (k < len && (t[k] == ' ' || t[k] == '\t')) \
		k++
	CEL_WS();
	if (k >= len || t[k++] != '(')
		return 0;
	CEL_WS();
	a0 = k;
	while (k < len && cel_ident(t[k]))
		k++;
	a1 = k;
	if (a1 - a0 < 4 || strncmp(t + a0, "arg", 3) ||
	    strspn(t + a0 + 3, "0123456789") != a1 - a0 - 3)
		return 0;
	x = strtoul(t + a0 + 3, NULL, 10);
	if (x >= hc->h->args.n)
		return 0; /* the caller's generic path reports the name */
	CEL_WS();
	if (k >= len || t[k++] != ',')
		return 0;
	CEL_WS();
	m0 = k;
	while (k < len && cel_ident(t[k]))
		k++;
	m1 = k;
	if (m1 == m0 || !(t[m0] >= '0' && t[m0] <= '9'))
		return 0;
	CEL_WS();
	if (k >= len || t[k++] != ')')
		return 0;
	CEL_WS();
	if (k + 1 >= len || (t[k] != '!' && t[k] != '=') || t[k + 1] != '=')
		return 0;
	ne = t[k] == '!';
	k += 2;
	CEL_WS();
	if (k >= len || t[k] != '0' || (k + 1 < len && cel_ident(t[k + 1])))
		return 0;
	k++;
#undef CEL_WS
	snprintf(buf, sizeof(buf), "%s(arg%lld & ", ne ? "" : "!",
		 (long long)hc->h->args.v[x].index.v);
	cel_put(s, o, buf, strlen(buf), base + i);
	cel_put(s, o, t + m0, m1 - m0, base + m0);
	cel_put(s, o, ")", 1, base + k - 1);
	return k;
}

/* One CEL value -> a DSL expression, or NULL after an error. */
static struct ast_expr *cel_value(struct sema *s, struct hook_ctx *hc, const struct ast_str *v)
{
	const char *t = v->s;
	size_t len = v->len, i = 0;
	uint32_t base, file = v->span.file;
	struct cel_out o = { 0 };
	bool operand = false; /* the last token ends an operand: '-' would subtract */

	if (v->span.end - v->span.start == len + 2)
		base = v->span.start + 1; /* quoted, no escapes */
	else if (v->span.end - v->span.start == len)
		base = v->span.start;
	else {
		diag__error(s->d, v->span, "cel-expr",
			    "CelExpr: write the expression as a plain or quoted scalar without "
			    "escapes or line folding (tpc maps its bytes back for diagnostics)");
		return NULL;
	}
	while (i < len) {
		char c = t[i];
		size_t j = i;

		if (c == ' ' || c == '\t' || c == '\n') {
			cel_put(s, &o, " ", 1, base + i);
			i++;
			continue;
		}
		if (cel_ident(c) && !(c >= '0' && c <= '9')) {
			while (j < len && cel_ident(t[j]))
				j++;
			if (j - i > 3 && !strncmp(t + i, "arg", 3) && t[i + 3] >= '0' &&
			    t[i + 3] <= '9' && strspn(t + i + 3, "0123456789") == j - i - 3) {
				unsigned long x = strtoul(t + i + 3, NULL, 10);
				char buf[32];

				if (x >= hc->h->args.n) {
					diag__error(s->d, cel_span(file, base, i, j - i), "cel-expr",
						    "CelExpr: '%.*s' names entry %lu of 'args', which has "
						    "%zu entr%s (argX is the X-th entry of the list, from 0)",
						    (int)(j - i), t + i, x, hc->h->args.n,
						    hc->h->args.n == 1 ? "y" : "ies");
					return NULL;
				}
				snprintf(buf, sizeof(buf), "arg%lld",
					 (long long)hc->h->args.v[x].index.v);
				cel_put(s, &o, buf, strlen(buf), base + i);
				operand = true;
				i = j;
				continue;
			}
			if ((j - i == 5 && !strncmp(t + i, "int32", 5)) ||
			    (j - i == 6 && !strncmp(t + i, "uint32", 6))) {
				bool sgn = t[i] == 'i';
				size_t k = j, lit, litlen;
				char num[40];
				char *end;
				long long sv;
				unsigned long long uv;

				while (k < len && t[k] == ' ')
					k++;
				if (k >= len || t[k] != '(')
					goto beyond;
				k++;
				while (k < len && t[k] == ' ')
					k++;
				lit = k;
				if (k < len && t[k] == '-')
					k++;
				while (k < len && cel_ident(t[k]))
					k++;
				litlen = k - lit;
				while (k < len && t[k] == ' ')
					k++;
				if (!litlen || litlen >= sizeof(num) || k >= len || t[k] != ')') {
					diag__error(s->d, cel_span(file, base, i, j - i), "cel-expr",
						    "CelExpr: tpc compiles %s() of an integer literal "
						    "only", sgn ? "int32" : "uint32");
					return NULL;
				}
				memcpy(num, t + lit, litlen);
				num[litlen] = 0;
				errno = 0;
				if (sgn) {
					sv = strtoll(num, &end, 0);
					if (*end || errno || sv < INT32_MIN || sv > INT32_MAX)
						goto range;
				} else {
					uv = strtoull(num, &end, 0);
					if (*end || errno || num[0] == '-' || uv > UINT32_MAX)
						goto range;
				}
				cel_put(s, &o, num, litlen, base + lit);
				operand = true;
				i = k + 1;
				continue;
range:
				diag__error(s->d, cel_span(file, base, lit, litlen), "cel-expr",
					    "CelExpr: '%s' is not a %s integer", num,
					    sgn ? "32-bit signed" : "32-bit unsigned");
				return NULL;
			}
			if (j - i == 3 && !strncmp(t + i, "and", 3)) {
				size_t k = cel_mask_test(s, hc, &o, t, len, i, base);

				if (k) {
					operand = true;
					i = k;
					continue;
				}
			}
beyond:
			diag__error(s->d, cel_span(file, base, i, j - i), "cel-expr",
				    "CelExpr: '%.*s' is beyond the CEL subset tpc compiles "
				    "(argX, integer literals, int32()/uint32() of a literal, ==, !=, "
				    "<, <=, >, >=, &&, ||, !, parentheses)%s",
				    (int)(j - i), t + i,
				    (j - i <= 3 && (!strncmp(t + i, "and", j - i) ||
						    !strncmp(t + i, "or", j - i) ||
						    !strncmp(t + i, "xor", j - i) ||
						    !strncmp(t + i, "not", j - i)))
					    ? "; of the bitwise functions tpc compiles and(argX, MASK) "
					      "compared with 0 (== 0 or != 0) only"
					    : "");
			return NULL;
		}
		if (c >= '0' && c <= '9') {
			while (j < len && cel_ident(t[j]))
				j++;
			cel_put(s, &o, t + i, j - i, base + i);
			operand = true;
			i = j;
			continue;
		}
		if (c == '+' || (c == '-' && operand)) {
			diag__error(s->d, cel_span(file, base, i, 1), "cel-expr",
				    "CelExpr: arithmetic ('%c') is beyond the CEL subset tpc compiles",
				    c);
			return NULL;
		}
		if ((c == '&' || c == '|') && (i + 1 >= len || t[i + 1] != c)) {
			/* CEL has no & or |; the DSL's & must not slip through */
			diag__error(s->d, cel_span(file, base, i, 1), "cel-expr",
				    "CelExpr: '%c' is not CEL (bitwise operations are the functions "
				    "and()/or(), which tpc does not compile)",
				    c);
			return NULL;
		}
		if (c == '&' || c == '|') {
			cel_put(s, &o, &t[i], 2, base + i);
			operand = false;
			i += 2;
			continue;
		}
		if (c == '-' || c == '(' || c == ')' || c == '!' || c == '<' || c == '>' ||
		    c == '=') {
			/* two-byte operators pass whole (the DSL lexes them) */
			cel_put(s, &o, &t[i], 1, base + i);
			operand = c == ')';
			i++;
			continue;
		}
		diag__error(s->d, cel_span(file, base, i, 1), "cel-expr",
			    "CelExpr: '%c' is beyond the CEL subset tpc compiles", c);
		return NULL;
	}
	cel_put(s, &o, "", 0, base + len); /* room for the end entry */
	o.offmap[o.n] = base + len;
	o.text[o.n] = 0;
	return dsl__parse(s->a, s->d, o.text, o.n, file, o.offmap, 0);
}

static struct ast_expr *cel_join(struct sema *s, enum expr_kind k, struct span sp,
				 struct ast_expr *l, struct ast_expr *r)
{
	struct ast_expr *e = ast_expr__new(s->a, k, sp);

	e->bin.l = l;
	e->bin.r = r;
	return e;
}

int sema_lower_cel(struct sema *s, struct hook_ctx *hc, struct ast_selector *sel)
{
	size_t w = 0;
	int err = 0;

	for (size_t i = 0; i < sel->match_args.n; i++) {
		struct ast_match_arg *m = &sel->match_args.v[i];
		struct ast_expr *any = NULL;

		if (m->op != OP_CEL_EXPR) {
			sel->match_args.v[w++] = *m;
			continue;
		}
		if (!m->values.n) {
			diag__error(s->d, m->span, "cel-expr", "CelExpr needs at least one value");
			err = -EINVAL;
			continue;
		}
		for (size_t k = 0; k < m->values.n; k++) {
			struct ast_expr *e = cel_value(s, hc, &m->values.v[k]);

			if (!e) {
				err = -EINVAL;
				any = NULL;
				break;
			}
			any = any ? cel_join(s, EXPR_OR, m->span, any, e) : e;
		}
		if (!any)
			continue;
		sel->match = sel->match ? cel_join(s, EXPR_AND, m->span, sel->match, any) : any;
	}
	sel->match_args.n = w;
	return err;
}
