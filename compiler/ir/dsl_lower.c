/* dsl_lower.c - selector DSL expressions -> IR predicates (see dsl_lower.h). */
#include "ir/dsl_lower.h"

#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "tpc_abi.h"
#include "base/values.h"

#define DERR(C, sp, ...)                                                       \
	do {                                                                   \
		diag__error((C)->d, (sp), "unsupported", __VA_ARGS__);         \
		(C)->errors++;                                                 \
	} while (0)

static const struct {
	const char *name;
	enum ir_src src;
} ctx_fields[] = {
	{ "pid", SRC_PID }, { "tid", SRC_TID },	  { "uid", SRC_UID },
	{ "gid", SRC_GID }, { "euid", SRC_EUID }, { "cgroup", SRC_CGROUP },
	{ "ppid", SRC_PPID }, { "egid", SRC_EGID },
};

static const char *const ns_fields[] = {
	"ns.uts", "ns.ipc", "ns.mnt", "ns.pid", "ns.pid_for_children",
	"ns.net", "ns.time", "ns.time_for_children", "ns.cgroup", "ns.user",
};

static const char *const cap_fields[] = { "caps.effective", "caps.inheritable", "caps.permitted" };

/* A slot in the prog for a non-argument value (comm, the return value). */
static int extra_slot(struct lower_ctx *C, enum ir_argfrom from, enum ir_argkind kind)
{
	struct ir_arg a = { .from = from, .kind = kind, .type = ARG_STRING, .index = -1, .size = 8 };

	for (size_t i = 0; i < C->prog->args.n; i++)
		if (C->prog->args.v[i].from == from)
			return C->prog->args.v[i].slot;
	a.slot = (int)C->prog->args.n;
	VEC_PUSH(C->a, C->prog->args, a);
	return a.slot;
}

/* Resolve argN / args.<label> to the hook's arg position. */
static int arg_pos(struct lower_ctx *C, const struct ast_expr *f)
{
	const char *n = f->field.name;
	const struct ast_hook *h = C->hook;

	if (!strncmp(n, "arg", 3) && n[3] >= '0' && n[3] <= '9') {
		char *end;
		long idx = strtol(n + 3, &end, 10);

		if (*end)
			return -1;
		for (size_t i = 0; i < h->args.n; i++)
			if (h->args.v[i].index.v == idx)
				return (int)i;
		return -1;
	}
	if (!strncmp(n, "args.", 5)) {
		for (size_t i = 0; i < h->args.n; i++)
			if (h->args.v[i].label.present && !strcmp(h->args.v[i].label.s, n + 5))
				return (int)i;
	}
	return -1;
}

static bool is_binary(const struct ast_expr *f)
{
	return f->kind == EXPR_FIELD &&
	       (!strcmp(f->field.name, "binary") || !strcmp(f->field.name, "parent.binary"));
}

/* Collect string literals of a rhs (single STR or LIST of STR). */
static int rhs_strings(struct lower_ctx *C, const struct ast_expr *rhs, struct ast_str **out,
		       size_t *n)
{
	if (rhs->kind == EXPR_STR) {
		*out = (struct ast_str *)&rhs->sval;
		*n = 1;
		return 0;
	}
	if (rhs->kind == EXPR_LIST) {
		struct ast_str *v = arena__calloc(C->a, rhs->list.n + 1, sizeof(*v));

		for (size_t i = 0; i < rhs->list.n; i++) {
			if (rhs->list.items[i]->kind != EXPR_STR) {
				DERR(C, rhs->list.items[i]->span, "expected a string");
				return -1;
			}
			v[i] = rhs->list.items[i]->sval;
		}
		*out = v;
		*n = rhs->list.n;
		return 0;
	}
	DERR(C, rhs->span, "expected a string or a list of strings");
	return -1;
}

/* An integer literal, or a named constant of the argument type (the
 * tpcNetwork enums: CONNECT, AAAA, ...). */
static bool rhs_int1(const struct ast_expr *x, enum arg_type t, int64_t *v)
{
	if (x->kind == EXPR_INT) {
		*v = x->ival;
		return true;
	}
	return x->kind == EXPR_STR && !value__net_const(t, x->sval.s, v);
}

static int rhs_ints_t(struct lower_ctx *C, const struct ast_expr *rhs, struct ir_pred *p,
		      enum arg_type t)
{
	int64_t v;

	if (rhs->kind != EXPR_LIST && rhs_int1(rhs, t, &v)) {
		ir_pred__add_int(C->a, p, v, v);
		return 0;
	}
	if (rhs->kind == EXPR_LIST) {
		for (size_t i = 0; i < rhs->list.n; i++) {
			if (!rhs_int1(rhs->list.items[i], t, &v)) {
				DERR(C, rhs->list.items[i]->span, "expected an integer");
				return -1;
			}
			ir_pred__add_int(C->a, p, v, v);
		}
		return 0;
	}
	DERR(C, rhs->span, "expected an integer or a list of integers");
	return -1;
}

static int rhs_ints(struct lower_ctx *C, const struct ast_expr *rhs, struct ir_pred *p)
{
	return rhs_ints_t(C, rhs, p, ARG_AUTO); /* ARG_AUTO has no named constants */
}

static struct ir_pred *lower_binary(struct lower_ctx *C, const struct ast_expr *e,
				    enum expr_cmp cmp, bool in, bool neg, const struct ast_expr *rhs,
				    bool parent)
{
	struct ast_str *vals;
	size_t n;
	enum op op;
	int bit;
	struct ir_pred *p;

	if (rhs_strings(C, rhs, &vals, &n))
		return NULL;
	if (in || cmp == CMP_EQ)
		op = OP_IN;
	else if (cmp == CMP_NE) {
		op = OP_IN;
		neg = !neg;
	} else if (cmp == CMP_STARTSWITH)
		op = OP_PREFIX;
	else if (cmp == CMP_ENDSWITH)
		op = OP_POSTFIX;
	else {
		DERR(C, e->span, "this comparison is not supported on 'binary'");
		return NULL;
	}
	bit = ir_object__add_binset(C->a, C->o, op, false, vals, n, e->span);
	if (bit < 0) {
		DERR(C, e->span, "more than 64 binary sets in one object");
		return NULL;
	}
	p = ir_pred__leaf(C->a, parent ? SRC_PBINARY : SRC_BINARY, T_BIT, e->span);
	p->bit = bit;
	p->negate = neg;
	return p;
}

static enum ir_test int_test(enum expr_cmp c, bool *neg)
{
	switch (c) {
	case CMP_EQ:
		return T_IN;
	case CMP_NE:
		*neg = !*neg;
		return T_IN;
	case CMP_LT:
		return T_LT;
	case CMP_LE:
		return T_LE;
	case CMP_GT:
		return T_GT;
	case CMP_GE:
		return T_GE;
	case CMP_MASK:
		return T_MASK;
	default:
		return T_EQ; /* not an int test */
	}
}

static struct ir_pred *lower_slot_cmp(struct lower_ctx *C, const struct ast_expr *e, int slot,
				      enum expr_cmp cmp, bool in, bool neg,
				      const struct ast_expr *rhs);

static struct ir_pred *lower_net(struct lower_ctx *C, const struct ast_expr *e, int slot,
				 const char *sub, enum expr_cmp cmp, bool in, bool neg,
				 const struct ast_expr *rhs)
{
	struct ir_arg *ia = &C->prog->args.v[slot];
	struct ir_pred *p;
	bool src = sub[0] == 's';

	if (ia->kind != AK_SOCK && ia->kind != AK_SOCKADDR) {
		DERR(C, e->span, "'.%s' applies to sock, socket or sockaddr arguments", sub);
		return NULL;
	}
	if (src && ia->kind == AK_SOCKADDR) {
		/* a sockaddr holds one address, Tetragon's SAddr */
		src = false;
	}
	p = ir_pred__leaf(C->a, SRC_ARG, T_EQ, e->span);
	p->slot = slot;
	p->cost = COST_DEREF;
	p->bit = src;
	if (!strcmp(sub + 1, "addr")) {
		const struct ast_expr *const *items = &rhs;
		size_t n = 1;

		p->test = T_CIDR;
		if (cmp == CMP_NE)
			neg = !neg;
		else if (cmp != CMP_EQ && !in) {
			DERR(C, e->span, "addresses compare with ==, != or in");
			return NULL;
		}
		if (rhs->kind == EXPR_LIST) {
			items = (const struct ast_expr *const *)rhs->list.items;
			n = rhs->list.n;
		}
		for (size_t i = 0; i < n; i++) {
			struct value_cidr c;
			const char *why;

			if ((items[i]->kind != EXPR_CIDR && items[i]->kind != EXPR_STR) ||
			    value__parse_cidr(items[i]->sval.s, &c, &why)) {
				DERR(C, items[i]->span, "expected an address or CIDR");
				return NULL;
			}
			ir_pred__add_cidr(C->a, p, &c);
		}
	} else if (!strcmp(sub + 1, "port")) {
		p->test = T_PORT;
		if (in || cmp == CMP_EQ || cmp == CMP_NE) {
			struct ir_pred tmp = *p;

			if (cmp == CMP_NE)
				neg = !neg;
			tmp.nvals = 0;
			if (rhs_ints(C, rhs, &tmp))
				return NULL;
			p->vals = tmp.vals;
			p->his = tmp.his;
			p->nvals = tmp.nvals;
		} else if (rhs->kind == EXPR_INT && (cmp == CMP_LT || cmp == CMP_LE ||
						     cmp == CMP_GT || cmp == CMP_GE)) {
			int64_t v = rhs->ival;

			if (cmp == CMP_LT)
				ir_pred__add_int(C->a, p, 0, v - 1);
			else if (cmp == CMP_LE)
				ir_pred__add_int(C->a, p, 0, v);
			else if (cmp == CMP_GT)
				ir_pred__add_int(C->a, p, v + 1, 65535);
			else
				ir_pred__add_int(C->a, p, v, 65535);
		} else {
			DERR(C, e->span, "ports compare with == != < <= > >= or in");
			return NULL;
		}
	} else {
		p->test = T_FAMILY;
		if (cmp == CMP_NE)
			neg = !neg;
		if (rhs->kind == EXPR_INT) {
			ir_pred__add_int(C->a, p, rhs->ival, rhs->ival);
		} else {
			int fam;
			const char *why;

			if (rhs->kind != EXPR_STR || value__parse_family(rhs->sval.s, &fam, &why)) {
				DERR(C, rhs->span, "expected an address family");
				return NULL;
			}
			ir_pred__add_int(C->a, p, fam, fam);
		}
	}
	p->negate = neg;
	ia->in_pred = true;
	return p;
}

static struct ir_pred *lower_cmp(struct lower_ctx *C, const struct ast_expr *e,
				 const struct ast_expr *lhs, enum expr_cmp cmp, bool in,
				 bool neg, const struct ast_expr *rhs)
{
	struct ir_pred *p;

	if (lhs->kind != EXPR_FIELD) {
		DERR(C, lhs->span, "the left side of a comparison must be a field");
		return NULL;
	}
	if (is_binary(lhs))
		return lower_binary(C, e, cmp, in, neg, rhs, !strcmp(lhs->field.name, "parent.binary"));
	for (size_t i = 0; i < sizeof(ctx_fields) / sizeof(ctx_fields[0]); i++) {
		if (strcmp(lhs->field.name, ctx_fields[i].name))
			continue;
		p = ir_pred__leaf(C->a, ctx_fields[i].src, in ? T_IN : int_test(cmp, &neg), e->span);
		if (p->test == T_EQ) {
			DERR(C, e->span, "string operator on integer field '%s'", lhs->field.name);
			return NULL;
		}
		if (rhs_ints(C, rhs, p))
			return NULL;
		p->negate = neg;
		return p;
	}
	for (size_t i = 0; i < sizeof(ns_fields) / sizeof(ns_fields[0]); i++) {
		if (strcmp(lhs->field.name, ns_fields[i]))
			continue;
		p = ir_pred__leaf(C->a, SRC_NS, in ? T_IN : int_test(cmp, &neg), e->span);
		p->bit = (int)i;
		p->cost = COST_DEREF;
		if (p->test != T_IN) {
			DERR(C, e->span, "namespaces compare with ==, != or in");
			return NULL;
		}
		if (rhs_ints(C, rhs, p))
			return NULL;
		p->negate = neg;
		return p;
	}
	for (size_t i = 0; i < sizeof(cap_fields) / sizeof(cap_fields[0]); i++) {
		struct ast_str *vals;
		size_t n;
		uint64_t mask = 0;

		if (strcmp(lhs->field.name, cap_fields[i]))
			continue;
		if (cmp != CMP_CONTAINS && !in) {
			DERR(C, e->span, "capability sets are tested with 'contains'");
			return NULL;
		}
		if (rhs_strings(C, rhs, &vals, &n))
			return NULL;
		for (size_t k = 0; k < n; k++) {
			int cap;

			if (capability__lookup(vals[k].s, &cap)) {
				DERR(C, vals[k].span, "unknown capability");
				return NULL;
			}
			mask |= 1ull << cap;
		}
		p = ir_pred__leaf(C->a, SRC_CAPS, T_MASK, e->span);
		p->bit = (int)i;
		p->cost = COST_DEREF;
		ir_pred__add_int(C->a, p, (int64_t)mask, (int64_t)mask);
		p->negate = neg;
		return p;
	}
	if (!strcmp(lhs->field.name, "comm") || !strcmp(lhs->field.name, "ret")) {
		bool comm = lhs->field.name[0] == 'c';
		int slot = -1;

		if (comm) {
			slot = extra_slot(C, AF_COMM, AK_COMM);
		} else {
			for (size_t i = 0; i < C->prog->args.n; i++)
				if (C->prog->args.v[i].is_return)
					slot = C->prog->args.v[i].slot;
			if (slot < 0) {
				DERR(C, lhs->span, "'ret' needs a return probe with a returnArg");
				return NULL;
			}
		}
		return lower_slot_cmp(C, e, slot, cmp, in, neg, rhs);
	}
	{
		const char *dot;
		static const char *const subs[] = { "daddr", "saddr", "dport", "sport", "family" };

		/* <arg>.daddr etc.: split at the last dot */
		dot = strrchr(lhs->field.name, '.');
		for (size_t i = 0; dot && i < sizeof(subs) / sizeof(subs[0]); i++) {
			struct ast_expr base = *lhs;
			int pos, slot;

			if (strcmp(dot + 1, subs[i]))
				continue;
			base.field.name = arena__strndup(C->a, lhs->field.name,
							 (size_t)(dot - lhs->field.name));
			pos = arg_pos(C, &base);
			if (pos < 0 || C->slots[pos] < 0) {
				DERR(C, lhs->span, "'%s' names no socket argument of this hook",
				     base.field.name);
				return NULL;
			}
			slot = C->slots[pos];
			return lower_net(C, e, slot, subs[i], cmp, in, neg, rhs);
		}
	}
	{
		int pos = arg_pos(C, lhs), slot;

		if (pos < 0) {
			DERR(C, lhs->span, "field '%s' is not supported in this hook by tpc yet",
			     lhs->field.name);
			return NULL;
		}
		slot = C->slots[pos];
		if (slot < 0)
			return NULL;
		return lower_slot_cmp(C, e, slot, cmp, in, neg, rhs);
	}
}

static struct ir_pred *lower_slot_cmp(struct lower_ctx *C, const struct ast_expr *e, int slot,
				      enum expr_cmp cmp, bool in, bool neg,
				      const struct ast_expr *rhs)
{
	struct ir_arg *ia = &C->prog->args.v[slot];
	struct ir_pred *p;

	if (ia->kind == AK_INT) {
		p = ir_pred__leaf(C->a, SRC_ARG, in ? T_IN : int_test(cmp, &neg), e->span);
		if (p->test == T_EQ) {
			DERR(C, e->span, "string operator on integer argument");
			return NULL;
		}
		if (rhs_ints_t(C, rhs, p, ia->type))
			return NULL;
	} else if (ia->kind == AK_USTR || ia->kind == AK_KSTR || ia->kind == AK_DATALOC ||
		   ia->kind == AK_FILE || ia->kind == AK_PATH || ia->kind == AK_BPRM ||
		   ia->kind == AK_DENTRY || ia->kind == AK_FD || ia->kind == AK_COMM ||
		   ia->kind == AK_UBUF || ia->kind == AK_KBUF || ia->kind == AK_ITER ||
		   ia->kind == AK_UIOV || ia->kind == AK_KIOV) {
		struct ast_str *vals;
		size_t n;
		enum ir_test t;

		if (in || cmp == CMP_EQ)
			t = T_STR_EQ;
		else if (cmp == CMP_NE) {
			t = T_STR_EQ;
			neg = !neg;
		} else if (cmp == CMP_STARTSWITH)
			t = T_STR_PREFIX;
		else if (cmp == CMP_ENDSWITH)
			t = T_STR_SUFFIX;
		else {
			DERR(C, e->span, "this comparison is not supported on strings by tpc yet");
			return NULL;
		}
		p = ir_pred__leaf(C->a, SRC_ARG, t, e->span);
		p->cost = ia->kind >= AK_FILE && ia->kind <= AK_FD ? COST_PATH : COST_STRING;
		if (rhs_strings(C, rhs, &vals, &n))
			return NULL;
		for (size_t i = 0; i < n; i++) {
			if (vals[i].len >= TPC_STR_MAX - 1) {
				DERR(C, vals[i].span, "string longer than %d bytes", TPC_STR_MAX - 2);
				return NULL;
			}
			ir_pred__add_str(C->a, p, vals[i].s, vals[i].len);
		}
	} else {
		DERR(C, e->span, "DSL tests on this argument type are not supported by tpc yet");
		return NULL;
	}
	p->slot = slot;
	p->negate = neg;
	ia->in_pred = true;
	return p;
}

/* A workload comparison as a label selector requirement: the key the
 * loader looks up (tpc_abi.h for the non-label keys), In or NotIn. */
static struct ir_pred *lower_workload(struct lower_ctx *C, const struct ast_expr *e,
				      const struct ast_expr *lhs, bool top)
{
	const char *f = lhs->field.name;
	bool pods = !strncmp(f, "pod.", 4);
	bool neg = e->kind == EXPR_IN ? e->in.negated : e->cmp.op == CMP_NE;
	struct ast_label_req req = { .span = e->span };
	struct ast_str *vals;
	size_t n;
	const char *key = !strcmp(f, "pod.namespace")	   ? TPC_SCOPE_NS_KEY
			  : !strcmp(f, "pod.name")	   ? TPC_SCOPE_NAME_KEY
			  : !strcmp(f, "container.name")  ? "name"
			  : !strcmp(f, "container.image") ? "image"
							  : NULL;

	if (!top) {
		DERR(C, lhs->span, "'%s' is only supported in the top-level '&&' chain", f);
		return NULL;
	}
	if (rhs_strings(C, e->kind == EXPR_IN ? e->in.list : e->cmp.rhs, &vals, &n))
		return NULL;
	if (key)
		req.key = ast_str__make(C->a, key, strlen(key), lhs->span);
	else
		req.key = lhs->field.key; /* pod.labels["k"] */
	req.op_name = ast_str__make(C->a, neg ? "NotIn" : "In", neg ? 5 : 2, e->span);
	for (size_t i = 0; i < n; i++)
		VEC_PUSH(C->a, req.values, vals[i]);
	if (pods)
		VEC_PUSH(C->a, C->wl_pods, req);
	else
		VEC_PUSH(C->a, C->wl_containers, req);
	return ir_pred__new(C->a, P_TRUE, e->span);
}

static bool is_workload(const struct ast_expr *f)
{
	return f && f->kind == EXPR_FIELD &&
	       (!strncmp(f->field.name, "pod.", 4) || !strncmp(f->field.name, "container.", 10));
}

/* top: e is the expression or a conjunct of its top-level '&&' chain */
static struct ir_pred *lower(struct lower_ctx *C, const struct ast_expr *e, bool top)
{
	struct ir_pred *p, *l, *r;

	if (!e)
		return NULL;
	switch (e->kind) {
	case EXPR_AND:
	case EXPR_OR:
		l = lower(C, e->bin.l, top && e->kind == EXPR_AND);
		r = lower(C, e->bin.r, top && e->kind == EXPR_AND);
		if (!l || !r)
			return NULL;
		/* a workload conjunct (or a literal true) adds nothing to an AND */
		if (e->kind == EXPR_AND && l->kind == P_TRUE)
			return r;
		if (e->kind == EXPR_AND && r->kind == P_TRUE)
			return l;
		p = ir_pred__new(C->a, e->kind == EXPR_AND ? P_AND : P_OR, e->span);
		ir_pred__add(C->a, p, l);
		ir_pred__add(C->a, p, r);
		return p;
	case EXPR_NOT:
		l = lower(C, e->sub, false);
		if (!l)
			return NULL;
		p = ir_pred__new(C->a, P_NOT, e->span);
		ir_pred__add(C->a, p, l);
		return p;
	case EXPR_CMP:
		if (is_workload(e->cmp.lhs))
			return lower_workload(C, e, e->cmp.lhs, top);
		return lower_cmp(C, e, e->cmp.lhs, e->cmp.op, false, false, e->cmp.rhs);
	case EXPR_IN:
		if (is_workload(e->in.lhs))
			return lower_workload(C, e, e->in.lhs, top);
		return lower_cmp(C, e, e->in.lhs, CMP_EQ, true, e->in.negated, e->in.list);
	case EXPR_BOOL:
		p = ir_pred__new(C->a, P_TRUE, e->span);
		if (!e->bval) {
			l = p;
			p = ir_pred__new(C->a, P_NOT, e->span);
			ir_pred__add(C->a, p, l);
		}
		return p;
	default:
		DERR(C, e->span, "expected a condition");
		return NULL;
	}
}

struct ir_pred *dsl__lower(struct lower_ctx *C, const struct ast_expr *e)
{
	return lower(C, e, true);
}
