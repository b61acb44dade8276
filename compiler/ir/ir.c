/* ir.c - IR construction helpers shared by lower.c and dsl_lower.c. */
#include "ir/ir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/values.h"

const char *ir_attach__name(enum ir_attach at)
{
	static const char *const n[] = {
		"tracepoint", "raw_tp", "tp_btf", "kprobe", "kretprobe", "fentry",
		"fexit", "lsm", "uprobe", "uretprobe", "cgroup/connect4", "cgroup/connect6",
		"cgroup/sendmsg4", "cgroup/sendmsg6", "cgroup/sock_create", "cgroup_skb/ingress",
		"cgroup_skb/egress", "usdt",
	};

	return n[at];
}

const char *ir_attach__sec(enum ir_attach at)
{
	static const char *const n[] = {
		"tracepoint", "raw_tp", "tp_btf", "kprobe", "kretprobe", "fentry",
		"fexit", "lsm", "uprobe", "uretprobe", "cgroup/connect4", "cgroup/connect6",
		"cgroup/sendmsg4", "cgroup/sendmsg6", "cgroup/sock_create", "cgroup_skb/ingress",
		"cgroup_skb/egress", "usdt",
	};

	return n[at];
}

struct ir_pred *ir_pred__new(struct arena *a, enum ir_pkind k, struct span sp)
{
	struct ir_pred *p = arena__alloc(a, sizeof(*p));

	p->kind = k;
	p->span = sp;
	p->map = -1;
	return p;
}

void ir_pred__add(struct arena *a, struct ir_pred *parent, struct ir_pred *kid)
{
	struct ir_pred **k = arena__calloc(a, parent->nkids + 1, sizeof(*k));

	if (parent->nkids)
		memcpy(k, parent->kids, parent->nkids * sizeof(*k));
	k[parent->nkids++] = kid;
	parent->kids = k;
}

struct ir_pred *ir_pred__leaf(struct arena *a, enum ir_src src, enum ir_test t, struct span sp)
{
	struct ir_pred *p = ir_pred__new(a, P_LEAF, sp);

	p->src = src;
	p->test = t;
	switch (src) {
	case SRC_BINARY:
	case SRC_PBINARY:
		p->cost = COST_BINARY;
		break;
	case SRC_ARG:
		p->cost = COST_INT_ARG; /* refined when the arg kind is known */
		break;
	case SRC_COMM:
	case SRC_NSPID:
	case SRC_CAPCHG:
	case SRC_NSCHG:
		p->cost = COST_DEREF;
		break;
	case SRC_FOLLOW:
		p->cost = COST_BINARY; /* a cached per-process bit, like binaries */
		break;
	default:
		p->cost = COST_CTX;
	}
	return p;
}

void ir_pred__add_int(struct arena *a, struct ir_pred *p, int64_t lo, int64_t hi)
{
	int64_t *v = arena__calloc(a, p->nvals + 1, sizeof(*v));
	int64_t *h = arena__calloc(a, p->nvals + 1, sizeof(*h));

	if (p->nvals) {
		memcpy(v, p->vals, p->nvals * sizeof(*v));
		memcpy(h, p->his, p->nvals * sizeof(*h));
	}
	v[p->nvals] = lo;
	h[p->nvals] = hi;
	p->vals = v;
	p->his = h;
	p->nvals++;
}

void ir_pred__add_str(struct arena *a, struct ir_pred *p, const char *s, size_t len)
{
	struct ir_strlit *v = arena__calloc(a, p->nstrs + 1, sizeof(*v));

	if (p->nstrs)
		memcpy(v, p->strs, p->nstrs * sizeof(*v));
	v[p->nstrs].s = arena__strndup(a, s, len);
	v[p->nstrs].len = (uint32_t)len;
	p->strs = v;
	p->nstrs++;
}

void ir_pred__add_cidr(struct arena *a, struct ir_pred *p, const struct value_cidr *c)
{
	uint8_t(*v)[17] = arena__calloc(a, p->ncidrs + 1, sizeof(*v));

	if (p->ncidrs)
		memcpy(v, p->cidrs, p->ncidrs * sizeof(*v));
	if (c->family == 4) {
		/* v4 as ::ffff:a.b.c.d so one compare routine serves both */
		memset(v[p->ncidrs], 0, 10);
		v[p->ncidrs][10] = v[p->ncidrs][11] = 0xff;
		memcpy(&v[p->ncidrs][12], c->addr, 4);
		v[p->ncidrs][16] = (uint8_t)(96 + c->prefix);
	} else {
		memcpy(v[p->ncidrs], c->addr, 16);
		v[p->ncidrs][16] = (uint8_t)c->prefix;
	}
	p->cidrs = v;
	p->ncidrs++;
}

int ir_object__add_binset(struct arena *a, struct ir_object *o, enum op op, bool ident,
			  const struct ast_str *vals, size_t n, struct span sp)
{
	struct ir_binset b = {
		.bit = (int)o->binsets.n, .op = op, .map = -1, .ident = ident, .span = sp
	};

	/* Identical sets (a selector macro used on several hooks, the same
	 * allow-list in several policies) share one bit: every set is looked up
	 * once per process image in every program that reads binary bits, so
	 * duplicates cost verifier budget and run time for nothing. */
	for (size_t i = 0; i < o->binsets.n; i++) {
		const struct ir_binset *e = &o->binsets.v[i];
		size_t k = 0;

		if (e->op != op || e->ident != ident || e->values.n != n)
			continue;
		while (k < n && e->values.v[k].len == vals[k].len &&
		       !memcmp(e->values.v[k].s, vals[k].s, vals[k].len))
			k++;
		if (k == n)
			return e->bit;
	}
	if (o->binsets.n >= 64)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		struct ir_strlit s = { arena__strndup(a, vals[i].s, vals[i].len),
				       (uint32_t)vals[i].len };

		VEC_PUSH(a, b.values, s);
	}
	VEC_PUSH(a, o->binsets, b);
	return b.bit;
}

int ir_object__add_pidset(struct arena *a, struct ir_object *o, bool ns, const int64_t *pids,
			  size_t n, struct span sp)
{
	struct ir_pidset ps = { .bit = (int)o->pidsets.n, .ns = ns, .span = sp };

	for (size_t i = 0; i < o->pidsets.n; i++) {
		const struct ir_pidset *e = &o->pidsets.v[i];

		if (e->ns == ns && e->pids.n == n && (!n || !memcmp(e->pids.v, pids, n * sizeof(*pids))))
			return e->bit;
	}
	if (o->pidsets.n >= 64)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		VEC_PUSH(a, ps.pids, pids[i]);
	VEC_PUSH(a, o->pidsets, ps);
	return ps.bit;
}

bool ir_pred__uses_binary(const struct ir_pred *p)
{
	if (!p)
		return false;
	if (p->kind == P_LEAF)
		return p->src == SRC_BINARY || p->src == SRC_PBINARY;
	for (size_t i = 0; i < p->nkids; i++)
		if (ir_pred__uses_binary(p->kids[i]))
			return true;
	return false;
}

bool ir_pred__uses_src(const struct ir_pred *p, enum ir_src src)
{
	if (!p)
		return false;
	if (p->kind == P_LEAF)
		return p->src == src;
	for (size_t i = 0; i < p->nkids; i++)
		if (ir_pred__uses_src(p->kids[i], src))
			return true;
	return false;
}

static struct span prog_span(const struct ir_prog *p)
{
	return p->specs.n && p->specs.v[0].hook ? p->specs.v[0].hook->span : SPAN_NONE;
}

bool ir_object__kernel_diff(const struct ir_object *a, const struct ir_object *b,
			    struct span *where, char *what, size_t size)
{
	*where = SPAN_NONE;
	if (a->progs.n != b->progs.n) {
		snprintf(what, size, "%zu programs for %%A, %zu for %%B", a->progs.n, b->progs.n);
		return true;
	}
	for (size_t i = 0; i < a->progs.n; i++) {
		const struct ir_prog *p = a->progs.v[i], *q = b->progs.v[i];

		*where = prog_span(p);
		if (strcmp(p->key, q->key)) {
			snprintf(what, size, "the hook attaches as '%s' on %%A, '%s' on %%B", p->key,
				 q->key);
			return true;
		}
		if (p->variants.n != q->variants.n) {
			snprintf(what, size, "'%s' has %zu program variants on %%A, %zu on %%B", p->key,
				 p->variants.n, q->variants.n);
			return true;
		}
		for (size_t v = 0; v < p->variants.n; v++) {
			const struct ir_variant *x = &p->variants.v[v], *y = &q->variants.v[v];

			if (x->at != y->at || strcmp(x->target, y->target)) {
				snprintf(what, size, "'%s' attaches to %s '%s' on %%A, %s '%s' on %%B",
					 p->key, ir_attach__name(x->at), x->target,
					 ir_attach__name(y->at), y->target);
				return true;
			}
			if (x->lsm_nargs != y->lsm_nargs) {
				snprintf(what, size,
					 "%s '%s' takes %d arguments on %%A, %d on %%B", ir_attach__name(x->at),
					 x->target, x->lsm_nargs, y->lsm_nargs);
				return true;
			}
		}
		if (p->args.n != q->args.n) {
			snprintf(what, size, "'%s' reads %zu arguments on %%A, %zu on %%B", p->key,
				 p->args.n, q->args.n);
			return true;
		}
		for (size_t k = 0; k < p->args.n; k++) {
			const struct ir_arg *x = &p->args.v[k], *y = &q->args.v[k];

			if (x->from != y->from || x->kind != y->kind || x->type != y->type ||
			    x->index != y->index) {
				snprintf(what, size, "argument %d of '%s' is read differently on %%A and %%B",
					 x->index, p->key);
				return true;
			}
			/* a __data_loc word's size and sign say nothing (6.12
			 * marks it unsigned, 5.10 signed): only ints read them */
			if (x->offset != y->offset ||
			    (x->kind == AK_INT &&
			     (x->size != y->size || x->is_signed != y->is_signed))) {
				snprintf(what, size,
					 "field %d of '%s' is at offset %u (%u bytes%s) on %%A, %u (%u "
					 "bytes%s) on %%B",
					 x->index, p->key, x->offset, x->size,
					 x->is_signed ? ", signed" : "", y->offset, y->size,
					 y->is_signed ? ", signed" : "");
				return true;
			}
		}
	}
	return false;
}

bool ir_argkind__is_kobj(enum ir_argkind k)
{
	return k == AK_KOBJ || k == AK_SKB || k == AK_NETDEV;
}
