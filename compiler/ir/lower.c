/* lower.c - checked AST -> IR (see ir.h).
 *
 * The front end has already reported everything it can; what reaches an
 * error here is a construct the back end cannot express yet, and it is
 * reported as such (never dropped). Fusion happens here: hooks with the
 * same attach key share one ir_prog.
 */
#include "ir/ir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/btf_info.h"
#include "base/diag.h"
#include "ir/dsl_lower.h"
#include "base/values.h"
#include "base/enforce.h"
#include "base/syscalls.h"
#include "tpc_abi.h"

struct lower {
	struct arena *a;
	struct diag_sink *d;
	struct ir_object *o;
	struct btf_info *btf;
	int policy;
	const struct ir_pred *scope; /* the current policy's, or NULL */
	const struct ast_policy *pol; /* the policy being lowered */
	int rule;		      /* the rule being lowered (its id) */
	bool rule_capchg;	      /* the rule tests a capability change */
	bool rule_nschg;	      /* the rule tests a namespace change */
	int nrsv;		      /* resolve readers so far (their names) */
	bool gen_list;		      /* lowering a generated list's calls */
	int errors;
};

#define LERR(L, sp, ...)                                                       \
	do {                                                                   \
		diag__error((L)->d, (sp), "unsupported", __VA_ARGS__);         \
		(L)->errors++;                                                 \
	} while (0)

/* ---- programs and fusion -------------------------------------------- */

static struct ir_prog *prog_get(struct lower *L, enum hook_kind kind, const char *key)
{
	struct ir_prog *p;

	for (size_t i = 0; i < L->o->progs.n; i++)
		if (!strcmp(L->o->progs.v[i]->key, key)) {
			/* fused with a hook the policy names itself: required */
			if (!L->gen_list)
				L->o->progs.v[i]->optional = false;
			return L->o->progs.v[i];
		}
	p = arena__alloc(L->a, sizeof(*p));
	p->optional = L->gen_list;
	p->id = (int)L->o->progs.n;
	p->kind = kind;
	p->key = arena__strdup(L->a, key);
	VEC_PUSH(L->a, L->o->progs, p);
	return p;
}

/* C-name part of an attach kind: "cgroup/connect4" -> "connect4",
 * "cgroup_skb/egress" -> "skb_egress". */
static const char *attach_cname(struct lower *L, enum ir_attach at)
{
	const char *n = ir_attach__name(at);

	if (!strncmp(n, "cgroup/", 7))
		return n + 7;
	if (!strncmp(n, "cgroup_skb/", 11))
		return arena__sprintf(L->a, "skb_%s", n + 11);
	return n;
}

static void variant_add(struct lower *L, struct ir_prog *p, enum ir_attach at,
			const char *target, int prio)
{
	struct ir_variant v = {
		.at = at,
		.target = arena__strdup(L->a, target),
		.name = arena__sprintf(L->a, "tpc_p%d_%s", p->id, attach_cname(L, at)),
		.prio = prio,
		.net = p->net,
		.deny_capable = at == AT_LSM || at == AT_CGROUP_CONNECT4 ||
				at == AT_CGROUP_CONNECT6 || at == AT_CGROUP_SENDMSG4 ||
				at == AT_CGROUP_SENDMSG6 || at == AT_CGROUP_SKB_EGRESS,
	};

	VEC_PUSH(L->a, p->variants, v);
}

/* Find or add an argument slot with the same read. */
static int slot_get(struct lower *L, struct ir_prog *p, const struct ir_arg *want)
{
	struct ir_arg a = *want;

	for (size_t i = 0; i < p->args.n; i++) {
		struct ir_arg *x = &p->args.v[i];

		if (x->from == a.from && x->kind == a.kind && x->index == a.index &&
		    x->offset == a.offset && x->size == a.size && x->is_signed == a.is_signed &&
		    x->has_size == a.has_size && x->size_slot == a.size_slot && x->rsv == a.rsv &&
		    x->via_kiocb == a.via_kiocb && x->cap_ref == a.cap_ref &&
		    /* a syscall64 id and a kernel object's record are reads of their own */
		    (x->type == ARG_SYSCALL64) == (a.type == ARG_SYSCALL64) &&
		    (a.kind != AK_KOBJ || x->type == a.type))
			return x->slot;
	}
	a.slot = (int)p->args.n;
	VEC_PUSH(L->a, p->args, a);
	return a.slot;
}

static enum ir_argkind kind_of_type(enum arg_type t)
{
	switch (t) {
	case ARG_STRING:
	case ARG_FILENAME:
	case ARG_CHAR_BUF: /* a string read first; lower_arg makes it a buffer */
	case ARG_CHAR_IOVEC:
		return AK_USTR;
	case ARG_IOV_ITER:
		return AK_ITER;
	case ARG_KIOCB:
		return AK_FILE; /* lower_arg marks it via_kiocb */
	case ARG_DATA_LOC:
		return AK_DATALOC;
	case ARG_FILE:
		return AK_FILE;
	case ARG_PATH:
		return AK_PATH;
	case ARG_LINUX_BINPRM:
		return AK_BPRM;
	case ARG_DENTRY:
		return AK_DENTRY;
	case ARG_FD:
		return AK_FD;
	case ARG_SOCKADDR:
		return AK_SOCKADDR;
	case ARG_SOCK:
	case ARG_SOCKET:
		return AK_SOCK;
	case ARG_KERNEL_CAP_T:
	case ARG_CAP_INHERITABLE:
	case ARG_CAP_PERMITTED:
	case ARG_CAP_EFFECTIVE:
		return AK_CAPS;
	case ARG_CRED:
	case ARG_USER_NAMESPACE:
	case ARG_BPF_ATTR:
	case ARG_BPF_PROG:
	case ARG_BPF_MAP:
	case ARG_PERF_EVENT:
	case ARG_MODULE:
	case ARG_LOAD_INFO:
		return AK_KOBJ;
	case ARG_SKB:
		return AK_SKB;
	case ARG_NET_DEVICE:
		return AK_NETDEV;
	default:
		return AK_INT;
	}
}

/* A 64-bit word of kernel context (strings are kernel pointers). */
static void kernel_word_arg(struct ir_arg *a, enum arg_type t, enum ir_argfrom from)
{
	a->from = from;
	a->kind = kind_of_type(t);
	if (a->kind == AK_USTR)
		a->kind = AK_KSTR;
	a->size = 8;
	a->is_signed = arg_type__is_signed(t);
}

/* How spec arg `ai` of hook h is read in prog p. Returns slot or -1. */
static int lower_arg(struct lower *L, struct ir_prog *p, const struct ast_hook *h,
		     const struct ast_arg *ai, const struct tp_format *tpf)
{
	struct ir_arg a = { 0 };
	enum arg_type t = ai->type_id;

	a.type = t;
	a.index = (int)ai->index.v;
	if (t == ARG_NOP)
		return -1; /* not read, not posted (Tetragon leaves it out of args[]) */
	if (ai->resolve.present) {
		struct ir_resolve *r = arena__calloc(L->a, 1, sizeof(*r));
		size_t off, len;

		/* sema checked the path against the same BTF and kept its root */
		if (!L->btf || !ai->resolve_root ||
		    btf_info__member_path(L->btf, ai->resolve_root, ai->resolve.s, &r->steps, &off,
					  &len, NULL, 0)) {
			LERR(L, ai->resolve.span,
			     "resolve needs the target kernel's BTF to compile the member path "
			     "(not available with --no-btf)");
			return -1;
		}
		r->path = ai->resolve.s;
		a.rsv = r;
		a.rsv_id = L->nrsv++;
	}
	if (ai->source.present) {
		/* a data entry (sema: source current_task and a resolve path) */
		kernel_word_arg(&a, t, AF_TASK);
		goto typed;
	}
	switch (h->kind) {
	case HOOK_TRACEPOINT: {
		const struct tp_field *f;

		if (h->raw.v) {
			kernel_word_arg(&a, t, AF_CTX_U64);
			break;
		}
		if (!tpf || a.index < 0 || a.index >= tpf->nfields) {
			LERR(L, ai->index.span, "tracepoint field index %d does not exist",
			     a.index);
			return -1;
		}
		f = &tpf->fields[a.index];
		a.from = AF_TP_FIELD;
		a.offset = (uint32_t)f->offset;
		a.size = (uint32_t)f->size;
		a.is_signed = f->is_signed;
		if (t == ARG_AUTO)
			t = f->data_loc ? ARG_DATA_LOC
			    : f->is_ptr && strstr(f->type, "char") ? ARG_STRING
			    : f->size == 8 ? (f->is_signed ? ARG_LONG : ARG_ULONG)
			    : (f->is_signed ? ARG_INT : ARG_UINT32);
		a.type = t;
		if (f->data_loc)
			a.kind = AK_DATALOC;
		else if (arg_type__is_string(t))
			/* syscall tracepoints carry user pointers; others kernel ones */
			a.kind = !strcmp(h->subsystem.s, "syscalls") ? AK_USTR : AK_KSTR;
		else if (arg_type__is_int(t))
			a.kind = AK_INT;
		else if (t == ARG_FD && !f->is_ptr)
			a.kind = AK_FD; /* e.g. sys_exit_openat's ret */
		else {
			LERR(L, ai->type.span,
			     "type '%s' cannot be read from a tracepoint field",
			     arg_type__name(t));
			return -1;
		}
		if (a.kind == AK_INT && f->size != 1 && f->size != 2 && f->size != 4 &&
		    f->size != 8) {
			LERR(L, ai->span, "tracepoint field '%s' of %u bytes is not an integer",
			     f->name, (unsigned)f->size);
			return -1;
		}
		break;
	}
	case HOOK_KPROBE:
	case HOOK_UPROBE:
	case HOOK_USDT:
		a.from = AF_PT_REGS; /* AT_USDT reads it with bpf_usdt_arg() */
		a.kind = kind_of_type(t);
		a.syscall_regs = h->kind == HOOK_KPROBE && h->syscall.v;
		if ((h->kind == HOOK_UPROBE || h->kind == HOOK_USDT) && a.kind == AK_KSTR)
			a.kind = AK_USTR;
		if (h->kind == HOOK_KPROBE && !h->syscall.v && a.kind == AK_USTR)
			a.kind = AK_KSTR;
		a.size = 8;
		a.is_signed = arg_type__is_signed(t);
		break;
	case HOOK_FENTRY:
	case HOOK_LSM:
		a.from = AF_CTX_U64;
		a.kind = kind_of_type(t);
		if (a.kind == AK_USTR)
			a.kind = h->kind == HOOK_FENTRY && h->syscall.v ? AK_USTR : AK_KSTR;
		a.size = 8;
		a.is_signed = arg_type__is_signed(t);
		break;
	case HOOK_NET:
		/* the fixed args come from the entry's tpc_net_ctx */
		kernel_word_arg(&a, t, AF_NET);
		break;
	default:
		LERR(L, ai->span, "arguments of %s hooks are not supported yet",
		     hook_kind__name(h->kind));
		return -1;
	}
typed:
	if (t == ARG_AUTO) {
		LERR(L, ai->type.span, "argument type 'auto' could not be resolved here; give a type");
		return -1;
	}
	if (a.kind == AK_INT && !arg_type__is_int(t)) {
		LERR(L, ai->type.span, "argument type '%s' is not supported by tpc yet",
		     arg_type__name(t));
		return -1;
	}
	if (a.kind == AK_INT && arg_type__int_size(t) && a.from != AF_TP_FIELD) {
		a.size = (uint32_t)arg_type__int_size(t);
	}
	/* A tracepoint field read as a narrower declared type: Tetragon reads
	 * the declared width (int: the field's low 4 bytes, signed), so
	 * kill(-1, ...) has pid -1 < 0; the syscall tracepoints store every
	 * argument as 8 unsigned bytes (found with tpc test). */
	if (a.kind == AK_INT && a.from == AF_TP_FIELD && ai->type_id != ARG_AUTO &&
	    arg_type__int_size(t) && (uint32_t)arg_type__int_size(t) < a.size) {
		a.size = (uint32_t)arg_type__int_size(t);
		a.is_signed = arg_type__is_signed(t);
	}
	if (a.rsv && (a.kind == AK_USTR || a.kind == AK_KSTR))
		a.kind = AK_KSTR; /* a member of a kernel struct is kernel memory */
	if (a.rsv && a.from == AF_TP_FIELD) {
		LERR(L, ai->resolve.span, "resolve applies to raw tracepoint arguments only");
		return -1;
	}
	a.via_kiocb = t == ARG_KIOCB;
	a.cap_ref = ai->cap_ref;
	if ((t == ARG_CHAR_BUF || t == ARG_CHAR_IOVEC) && (a.kind == AK_USTR || a.kind == AK_KSTR)) {
		/* a buffer: its length (char_iovec: its segment count) is the
		 * argument sizeArgIndex (1-based) names, read as a size_t from
		 * the same place (sema checked it exists); not NUL-terminated */
		struct ast_arg sz = { 0 };
		int ss;

		if (t == ARG_CHAR_BUF && ai->return_copy.present && ai->return_copy.v) {
			/* read at the return, as many bytes as the function
			 * returned (Tetragon's returnCopy); the prog is a
			 * return probe (ast_hook__at_return) */
			struct ir_arg r = { .from = AF_RET, .kind = AK_INT, .type = ARG_LONG,
					    .size = 8, .is_signed = true };

			a.kind = a.kind == AK_USTR ? AK_UBUF : AK_KBUF;
			a.has_size = true;
			a.size_slot = slot_get(L, p, &r);
			return slot_get(L, p, &a);
		}
		if (!ai->size_arg_index.present) {
			LERR(L, ai->span, "%s needs 'sizeArgIndex' here", arg_type__name(t));
			return -1;
		}
		sz.index = ai->size_arg_index;
		sz.index.v = ai->size_arg_index.v - 1;
		sz.type_id = ARG_SIZE_T;
		sz.span = ai->size_arg_index.span;
		sz.type.span = ai->size_arg_index.span;
		ss = lower_arg(L, p, h, &sz, tpf);
		if (ss < 0)
			return -1;
		if (t == ARG_CHAR_IOVEC)
			a.kind = a.kind == AK_USTR ? AK_UIOV : AK_KIOV;
		else
			a.kind = a.kind == AK_USTR ? AK_UBUF : AK_KBUF;
		a.has_size = true;
		a.size_slot = ss;
	}
	return slot_get(L, p, &a);
}

/* ---- selectors -------------------------------------------------------- */

static struct ir_pred *lower_binaries(struct lower *L, const struct ast_match_binaries *mb)
{
	struct ir_pred *p;
	int bit;

	if (mb->follow_children.present && mb->follow_children.v) {
		LERR(L, mb->follow_children.span, "matchBinaries followChildren is not supported by tpc yet");
		return NULL;
	}
	bit = ir_object__add_binset(L->a, L->o, mb->op, ast_policy__binaries_by_inode(L->pol),
				    mb->values.v, mb->values.n, mb->span);
	if (bit < 0) {
		LERR(L, mb->span, "more than 64 matchBinaries sets in one object");
		return NULL;
	}
	p = ir_pred__leaf(L->a, SRC_BINARY, T_BIT, mb->span);
	p->bit = bit;
	/* the set computes membership; the Not* operators negate it */
	p->negate = mb->op == OP_NOT_IN || mb->op == OP_NOT_PREFIX || mb->op == OP_NOT_POSTFIX;
	return p;
}

/* matchPIDs: the process's tgid (Tetragon compares the process, not the
 * thread), or with isNamespacePID its tgid inside its own pid namespace.
 * followForks makes it "this process or an ancestor": a per-process bit
 * kept by runtime/tpc_follow.bpf.h (inherited at fork). */
static struct ir_pred *lower_pids(struct lower *L, const struct ast_match_pids *mp)
{
	struct ir_pred *p;
	bool ns = mp->is_namespace_pid.v, follow = mp->follow_forks.v;
	int64_t *pids = arena__calloc(L->a, mp->values.n + 1, sizeof(*pids));

	for (size_t i = 0; i < mp->values.n; i++) {
		const char *why;

		if (value__parse_int(mp->values.v[i].s, ARG_UINT32, &pids[i], &why)) {
			LERR(L, mp->values.v[i].span, "bad pid: %s", why);
			return NULL;
		}
	}
	if (follow) {
		int bit = ir_object__add_pidset(L->a, L->o, ns, pids, mp->values.n, mp->span);

		if (bit < 0) {
			LERR(L, mp->span, "more than 64 followForks pid sets in one object");
			return NULL;
		}
		p = ir_pred__leaf(L->a, SRC_FOLLOW, T_BIT, mp->span);
		p->bit = bit;
	} else {
		p = ir_pred__leaf(L->a, ns ? SRC_NSPID : SRC_PID, T_IN, mp->span);
		for (size_t i = 0; i < mp->values.n; i++)
			ir_pred__add_int(L->a, p, pids[i], pids[i]);
	}
	p->negate = mp->op == OP_NOT_IN;
	return p;
}

static struct ir_pred *lower_ns(struct lower *L, const struct ast_match_ns *mn)
{
	struct ir_pred *p = ir_pred__leaf(L->a, SRC_NS, T_IN, mn->span);

	p->bit = (int)mn->ns;
	p->cost = COST_DEREF;
	p->negate = mn->op == OP_NOT_IN;
	for (size_t i = 0; i < mn->values.n; i++) {
		int64_t v;
		const char *why;

		if (ast_str__eq(&mn->values.v[i], "host_ns")) {
			ir_pred__add_int(L->a, p, -1, -1); /* resolved in the kernel */
			continue;
		}
		if (value__parse_int(mn->values.v[i].s, ARG_UINT32, &v, &why)) {
			LERR(L, mn->values.v[i].span, "bad namespace inode: %s", why);
			return NULL;
		}
		ir_pred__add_int(L->a, p, v, v);
	}
	return p;
}

/* matchNamespaceChanges (Tetragon's rule): In, one of the listed
 * namespaces differs from the baseline recorded at exec; NotIn, one of the
 * namespaces *not* listed does (NotIn with no values: any change). Both
 * are one mask test (runtime/tpc_capchg.bpf.h); a match renews the
 * namespace baseline, so one change is reported once. */
static struct ir_pred *lower_ns_changes(struct lower *L, const struct ast_match_ns_changes *mc)
{
	struct ir_pred *p = ir_pred__leaf(L->a, SRC_NSCHG, T_MASK, mc->span);
	uint64_t mask = 0;

	for (size_t i = 0; i < mc->values.n; i++) {
		enum ns_kind k;

		if (ns_kind__lookup(mc->values.v[i].s, &k)) {
			LERR(L, mc->values.v[i].span, "unknown namespace");
			return NULL;
		}
		mask |= 1ull << k;
	}
	if (mc->op == OP_NOT_IN)
		mask = ~mask & ((1ull << NS__COUNT) - 1);
	ir_pred__add_int(L->a, p, (int64_t)mask, (int64_t)mask);
	L->o->needs_capchg = true;
	L->o->needs_nschg = true;
	L->rule_nschg = true;
	return p;
}

/* matchCapabilities: In, the set holds at least one of the capabilities;
 * NotIn, none. matchCapabilityChanges (changes): In, one of them changed
 * since exec (runtime/tpc_capchg.bpf.h); NotIn, none of them changed but
 * another one did (Tetragon's rule). isNamespaceCapability: only outside
 * the host's user namespace. */
static struct ir_pred *lower_caps(struct lower *L, const struct ast_match_caps *mc, bool changes)
{
	struct ir_pred *p;
	uint64_t mask = 0;

	for (size_t i = 0; i < mc->values.n; i++) {
		int cap;

		if (capability__lookup(mc->values.v[i].s, &cap)) {
			LERR(L, mc->values.v[i].span, "unknown capability");
			return NULL;
		}
		mask |= 1ull << cap;
	}
	if (changes) {
		struct ir_pred *on = ir_pred__leaf(L->a, SRC_CAPCHG, T_MASK, mc->span);

		on->bit = (int)mc->type;
		ir_pred__add_int(L->a, on, (int64_t)mask, (int64_t)mask);
		L->o->needs_capchg = true;
		L->rule_capchg = true;
		p = on;
		if (mc->op == OP_NOT_IN) {
			struct ir_pred *any = ir_pred__leaf(L->a, SRC_CAPCHG, T_MASK, mc->span);

			any->bit = (int)mc->type;
			ir_pred__add_int(L->a, any, -1, -1);
			on->negate = true;
			p = ir_pred__new(L->a, P_AND, mc->span);
			ir_pred__add(L->a, p, on);
			ir_pred__add(L->a, p, any);
		}
	} else {
		p = ir_pred__leaf(L->a, SRC_CAPS, T_MASK, mc->span);
		p->bit = (int)mc->type;
		p->cost = COST_DEREF;
		p->negate = mc->op == OP_NOT_IN;
		ir_pred__add_int(L->a, p, (int64_t)mask, (int64_t)mask);
	}
	if (mc->is_namespace_capability.v) {
		struct ir_pred *all = ir_pred__new(L->a, P_AND, mc->span);
		struct ir_pred *ns = ir_pred__leaf(L->a, SRC_NS, T_IN, mc->is_namespace_capability.span);

		ns->bit = NS_USER;
		ns->cost = COST_DEREF;
		ns->negate = true;
		ir_pred__add_int(L->a, ns, -1, -1); /* the host's user namespace */
		ir_pred__add(L->a, all, ns);
		ir_pred__add(L->a, all, p);
		p = all;
	}
	return p;
}

/* matchArgs index -> the hook arg whose index equals it (Tetragon). */
static const struct ast_arg *find_arg(const struct ast_hook *h, int64_t index, int *pos)
{
	for (size_t i = 0; i < h->args.n; i++) {
		if (h->args.v[i].index.v == index) {
			*pos = (int)i;
			return &h->args.v[i];
		}
	}
	return NULL;
}

/* InMap "list:NAME" of a syscalls list: the list's syscall64 ids (sema
 * checked the names and the argument's type). */
static int add_list_ids(struct lower *L, struct ir_pred *p, const struct ast_str *v)
{
	const struct ast_list *list = NULL;

	for (size_t i = 0; L->pol && i < L->pol->lists.n; i++)
		if (L->pol->lists.v[i].name.present && !strcmp(L->pol->lists.v[i].name.s, v->s + 5))
			list = &L->pol->lists.v[i];
	if (!list || !list->type.present || strcmp(list->type.s, "syscalls")) {
		LERR(L, v->span, "InMap with 'list:' values needs a list of type 'syscalls'");
		return -1;
	}
	for (size_t i = 0; i < list->values.n; i++) {
		const char *why, *sug;
		int64_t id;

		if (syscall__parse(list->values.v[i].s, &id, &why, &sug)) {
			LERR(L, list->values.v[i].span, "unknown syscall: %s", why);
			return -1;
		}
		ir_pred__add_int(L->a, p, id, id);
	}
	return 0;
}

/* force_slot >= 0: test that slot (matchReturnArgs: the return value). */
static struct ir_pred *lower_match_arg(struct lower *L, struct ir_prog *prog,
				       const struct ast_hook *h, const int *slots,
				       const struct ast_match_arg *m, int force_slot)
{
	const struct ast_arg *ai;
	struct ir_pred *p;
	int pos, slot;
	enum arg_type t;
	const struct ir_arg *ia;
	bool neg = false;

	if (force_slot >= 0) {
		slot = force_slot;
		goto have_slot;
	}
	if (m->op == OP_CAPS_GAINED) {
		/* sema: args [OLD, NEW], both capability sets */
		int so, sn;

		if (m->args.n != 2 || m->args.v[0].v < 0 || m->args.v[1].v < 0 ||
		    (size_t)m->args.v[0].v >= h->args.n || (size_t)m->args.v[1].v >= h->args.n) {
			LERR(L, m->span, "CapabilitiesGained needs 'args: [OLD, NEW]'");
			return NULL;
		}
		so = slots[m->args.v[0].v];
		sn = slots[m->args.v[1].v];
		if (so < 0 || sn < 0 || prog->args.v[so].kind != AK_CAPS ||
		    prog->args.v[sn].kind != AK_CAPS) {
			LERR(L, m->span, "CapabilitiesGained compares two capability sets");
			return NULL;
		}
		p = ir_pred__leaf(L->a, SRC_ARG, T_GAINED, m->span);
		p->slot = so;
		p->slot2 = sn;
		prog->args.v[so].in_pred = true;
		prog->args.v[sn].in_pred = true;
		return p;
	}
	if (m->args.n > 1) {
		LERR(L, m->span, "matchArgs with several 'args' is not supported by tpc yet");
		return NULL;
	}
	if (m->args.n == 1) {
		pos = (int)m->args.v[0].v;
		if (pos < 0 || (size_t)pos >= h->args.n) {
			LERR(L, m->args.v[0].span, "no argument at position %d", pos);
			return NULL;
		}
		ai = &h->args.v[pos];
	} else {
		ai = find_arg(h, m->index.v, &pos);
		if (!ai) {
			LERR(L, m->index.span, "no argument with index %lld is declared in 'args'",
			     (long long)m->index.v);
			return NULL;
		}
	}
	slot = slots[pos];
	if (slot < 0)
		return NULL;
have_slot:
	ia = &prog->args.v[slot];
	t = ia->type;
	p = ir_pred__leaf(L->a, SRC_ARG, T_EQ, m->span);
	p->slot = slot;
	switch (ia->kind) {
	case AK_INT:
	case AK_CAPS:
		p->cost = COST_INT_ARG;
		switch (m->op) {
		case OP_NOT_EQUAL:
		case OP_NOT_IN_MAP:
			neg = true;
			/* fallthrough */
		case OP_EQUAL:
		case OP_IN_MAP:
			p->test = T_IN;
			break;
		case OP_GT:
			p->test = T_GT;
			break;
		case OP_LT:
			p->test = T_LT;
			break;
		case OP_MASK:
			p->test = T_MASK;
			break;
		case OP_NOT_IN_RANGE:
			neg = true;
			/* fallthrough */
		case OP_IN_RANGE:
			p->test = T_RANGE;
			break;
		default:
			LERR(L, m->op_name.span, "operator '%s' is not supported on integer arguments by tpc yet",
			     op__name(m->op));
			return NULL;
		}
		for (size_t i = 0; i < m->values.n; i++) {
			int64_t lo, hi;
			const char *why;
			const char *s = m->values.v[i].s;

			if (!strncmp(s, "list:", 5)) {
				if (add_list_ids(L, p, &m->values.v[i]))
					return NULL;
				continue;
			}
			if ((p->test == T_RANGE || p->test == T_IN) && strchr(s + 1, ':')) {
				if (value__parse_int_range(s, t, &lo, &hi, &why)) {
					LERR(L, m->values.v[i].span, "bad range: %s", why);
					return NULL;
				}
				if (p->test == T_IN)
					p->test = T_RANGE;
			} else if (ia->kind == AK_CAPS) {
				int cap;

				if (capability__lookup(s, &cap) == 0) {
					lo = hi = (int64_t)(1ull << cap);
				} else if (value__parse_int(s, ARG_UINT64, &lo, &why)) {
					LERR(L, m->values.v[i].span, "bad capability value: %s", why);
					return NULL;
				} else {
					hi = lo;
				}
			} else if (value__parse_int(s, t, &lo, &why)) {
				LERR(L, m->values.v[i].span, "bad value: %s", why);
				return NULL;
			} else {
				hi = lo;
			}
			ir_pred__add_int(L->a, p, lo, hi);
		}
		if (p->test == T_RANGE) {
			for (size_t i = 0; i < p->nvals; i++)
				if (p->his[i] < p->vals[i])
					p->his[i] = p->vals[i];
		}
		break;
	case AK_USTR:
	case AK_KSTR:
	case AK_DATALOC:
	case AK_FILE:
	case AK_PATH:
	case AK_BPRM:
	case AK_DENTRY:
	case AK_FD:
	case AK_COMM:
	case AK_UBUF:
	case AK_KBUF:
	case AK_ITER:
	case AK_UIOV:
	case AK_KIOV:
	case AK_NETDEV:
		p->cost = ia->kind >= AK_FILE && ia->kind <= AK_FD ? COST_PATH : COST_STRING;
		switch (m->op) {
		case OP_NOT_EQUAL:
			neg = true;
			/* fallthrough */
		case OP_EQUAL:
			p->test = T_STR_EQ;
			break;
		case OP_NOT_PREFIX:
			neg = true;
			/* fallthrough */
		case OP_PREFIX:
			p->test = T_STR_PREFIX;
			break;
		case OP_NOT_POSTFIX:
			neg = true;
			/* fallthrough */
		case OP_POSTFIX:
			p->test = T_STR_SUFFIX;
			break;
		case OP_SUBSTRING:
			p->test = T_STR_SUBSTR;
			break;
		case OP_SUBSTRING_IGNCASE:
			p->test = T_STR_SUBSTR_ICASE;
			break;
		case OP_NOT_FILE_TYPE:
			neg = true;
			/* fallthrough */
		case OP_FILE_TYPE:
			if (ia->kind != AK_FILE && ia->kind != AK_PATH && ia->kind != AK_FD &&
			    ia->kind != AK_DENTRY && ia->kind != AK_BPRM) {
				LERR(L, m->op_name.span,
				     "FileType applies to file, path, fd, dentry and linux_binprm arguments");
				return NULL;
			}
			p->test = T_FILETYPE;
			p->cost = COST_DEREF;
			for (size_t i = 0; i < m->values.n; i++) {
				unsigned ft;
				const char *why;

				if (value__parse_file_type(m->values.v[i].s, &ft, &why)) {
					LERR(L, m->values.v[i].span, "bad file type: %s", why);
					return NULL;
				}
				ir_pred__add_int(L->a, p, ft, ft);
			}
			p->negate = neg;
			prog->args.v[slot].in_pred = true;
			return p;
		case OP_NOT_UNLINKED:
			neg = true;
			/* fallthrough */
		case OP_UNLINKED:
			/* every name of the inode removed: i_nlink == 0 */
			if (ia->kind != AK_FILE && ia->kind != AK_PATH && ia->kind != AK_BPRM) {
				LERR(L, m->op_name.span,
				     "Unlinked applies to file, path and linux_binprm arguments");
				return NULL;
			}
			p->test = T_NLINK;
			p->cost = COST_DEREF;
			ir_pred__add_int(L->a, p, 0, 0);
			p->negate = neg;
			prog->args.v[slot].in_pred = true;
			return p;
		default:
			LERR(L, m->op_name.span, "operator '%s' is not supported on string/path arguments by tpc yet",
			     op__name(m->op));
			return NULL;
		}
		for (size_t i = 0; i < m->values.n; i++) {
			const struct ast_str *v = &m->values.v[i];

			if (v->len >= TPC_STR_MAX - 1) {
				LERR(L, v->span, "string value longer than %d bytes", TPC_STR_MAX - 2);
				return NULL;
			}
			if (p->test == T_STR_SUBSTR || p->test == T_STR_SUBSTR_ICASE) {
				/* runtime/tpc_str.bpf.h searches for at most 64 bytes */
				char *lc;

				/* the search is two nested bpf_loop() walks; 5.10's
				 * verifier gives up on the bounded-loop form ("8193
				 * jumps is too complex"), measured in tests/vm */
				if (L->o->no_bpf_loop) {
					LERR(L, v->span,
					     "SubString needs the bpf_loop helper (Linux 5.17); "
					     "the target kernel lacks it");
					return NULL;
				}
				if (!v->len || v->len > TPC_SUBSTR_MAX) {
					LERR(L, v->span, "SubString values are 1 to %d bytes",
					     TPC_SUBSTR_MAX);
					return NULL;
				}
				lc = arena__alloc(L->a, v->len + 1);
				for (size_t k = 0; k < v->len; k++)
					lc[k] = p->test == T_STR_SUBSTR_ICASE && v->s[k] >= 'A' &&
							v->s[k] <= 'Z'
						? v->s[k] - 'A' + 'a'
						: v->s[k];
				ir_pred__add_str(L->a, p, lc, v->len);
				continue;
			}
			ir_pred__add_str(L->a, p, v->s, v->len);
		}
		break;
	case AK_KOBJ:
		LERR(L, m->op_name.span,
		     "matchArgs on a '%s' argument is not supported: the object is reported in the "
		     "event, not filtered on (as in Tetragon)", arg_type__name(ia->type));
		return NULL;
	case AK_SOCKADDR:
	case AK_SOCK:
	case AK_SKB:
		p->cost = COST_DEREF;
		switch (m->op) {
		case OP_NOT_DADDR:
		case OP_NOT_SADDR:
			neg = true;
			/* fallthrough */
		case OP_DADDR:
		case OP_SADDR:
			p->test = T_CIDR;
			for (size_t i = 0; i < m->values.n; i++) {
				struct value_cidr c;
				const char *why;

				if (value__parse_cidr(m->values.v[i].s, &c, &why)) {
					LERR(L, m->values.v[i].span, "bad address: %s", why);
					return NULL;
				}
				ir_pred__add_cidr(L->a, p, &c);
			}
			/* bit 1: the source side of a sock; a sockaddr has one address */
			p->bit = (m->op == OP_SADDR || m->op == OP_NOT_SADDR) &&
				 (ia->kind == AK_SOCK || ia->kind == AK_SKB);
			break;
		case OP_NOT_DPORT:
		case OP_NOT_SPORT:
			neg = true;
			/* fallthrough */
		case OP_DPORT:
		case OP_SPORT:
			p->test = T_PORT;
			for (size_t i = 0; i < m->values.n; i++) {
				uint16_t lo, hi;
				const char *why;

				if (value__parse_port_range(m->values.v[i].s, &lo, &hi, &why)) {
					LERR(L, m->values.v[i].span, "bad port: %s", why);
					return NULL;
				}
				ir_pred__add_int(L->a, p, lo, hi);
			}
			p->bit = (m->op == OP_SPORT || m->op == OP_NOT_SPORT) &&
				 (ia->kind == AK_SOCK || ia->kind == AK_SKB);
			break;
		case OP_NOT_SPORT_PRIV:
		case OP_NOT_DPORT_PRIV:
			neg = true;
			/* fallthrough */
		case OP_SPORT_PRIV:
		case OP_DPORT_PRIV:
			/* privileged ports: below 1024 */
			p->test = T_PORT;
			ir_pred__add_int(L->a, p, 0, 1023);
			p->bit = (m->op == OP_SPORT_PRIV || m->op == OP_NOT_SPORT_PRIV) &&
				 (ia->kind == AK_SOCK || ia->kind == AK_SKB);
			break;
		case OP_PROTOCOL:
			p->test = T_PROTO;
			for (size_t i = 0; i < m->values.n; i++) {
				int pr;
				const char *why;

				if (value__parse_protocol(m->values.v[i].s, &pr, &why)) {
					LERR(L, m->values.v[i].span, "bad protocol: %s", why);
					return NULL;
				}
				ir_pred__add_int(L->a, p, pr, pr);
			}
			break;
		case OP_STATE:
			if (ia->kind != AK_SOCK) {
				LERR(L, m->op_name.span, "State applies to sock and socket arguments");
				return NULL;
			}
			p->test = T_STATE;
			for (size_t i = 0; i < m->values.n; i++) {
				int st;
				const char *why;

				if (value__parse_tcp_state(m->values.v[i].s, &st, &why)) {
					LERR(L, m->values.v[i].span, "bad TCP state: %s", why);
					return NULL;
				}
				ir_pred__add_int(L->a, p, st, st);
			}
			break;
		case OP_FAMILY:
			p->test = T_FAMILY;
			for (size_t i = 0; i < m->values.n; i++) {
				int fam;
				const char *why;

				if (value__parse_family(m->values.v[i].s, &fam, &why)) {
					LERR(L, m->values.v[i].span, "bad family: %s", why);
					return NULL;
				}
				ir_pred__add_int(L->a, p, fam, fam);
			}
			break;
		default:
			LERR(L, m->op_name.span, "operator '%s' is not supported on socket arguments by tpc yet",
			     op__name(m->op));
			return NULL;
		}
		break;
	}
	p->negate = neg;
	prog->args.v[slot].in_pred = true;
	return p;
}

/* returnCopy reads an argument at the return: an LSM program, which runs
 * before the function, cannot serve it */
static bool has_return_copy(const struct ast_hook *h)
{
	for (size_t i = 0; i < h->args.n; i++)
		if (h->args.v[i].return_copy.present && h->args.v[i].return_copy.v)
			return true;
	return false;
}

/* ---- enforcer requests (runtime/tpc_enforce.bpf.h) ---- */

/* The object's enforcer bits for syscall `call`: one LSM program per hook
 * of compiler/base/enforce.c's table (shared by every rule of the object),
 * and a sys_exit tracepoint program for the syscall that clears a request.
 * 0 after an error. */
static uint64_t enforce_hooks(struct lower *L, const char *call, struct span sp)
{
	const char *const *hooks = syscall__lsm_hooks(call);
	const char *sc = syscall__enforce_name(call);
	uint64_t bits = 0;
	bool have = false;

	if (!hooks || !L->btf) {
		LERR(L, sp, "no LSM hook is known to carry out a deny of '%s'", call);
		return 0;
	}
	for (const char *const *hk = hooks; *hk; hk++) {
		struct btf_func_info fi;
		size_t k;

		if (btf_info__lsm_hook(L->btf, *hk, &fi)) {
			LERR(L, sp, "the LSM hook '%s' that denies '%s' is not in kernel BTF", *hk,
			     call);
			return 0;
		}
		for (k = 0; k < L->o->enf_hooks.n; k++)
			if (!strcmp(L->o->enf_hooks.v[k].lsm, *hk))
				break;
		if (k == L->o->enf_hooks.n) {
			struct ir_enf_hook e = { .lsm = *hk, .nargs = (int)fi.nparams };

			if (k >= 64) {
				LERR(L, sp, "more than 64 enforcer LSM hooks in one object");
				return 0;
			}
			VEC_PUSH(L->a, L->o->enf_hooks, e);
		}
		bits |= 1ull << k;
	}
	for (size_t k = 0; k < L->o->enf_exits.n; k++)
		have |= !strcmp(L->o->enf_exits.v[k], sc);
	if (!have)
		VEC_PUSH(L->a, L->o->enf_exits, sc);
	return bits;
}

/* NotifyEnforcer's argError: denied at the LSM hooks of every enforcer
 * call of the policy (sema refused it when a call has none). */
struct notify_acc {
	struct lower *L;
	struct span sp;
	uint64_t bits;
};

static int notify_call(const struct ast_str *v, const struct ast_list *l, const char *name,
		       void *ctx)
{
	struct notify_acc *n = ctx;

	(void)v;
	(void)l;
	if (name)
		n->bits |= enforce_hooks(n->L, name, n->sp);
	return 0;
}

static uint64_t notify_hooks(struct lower *L, struct span sp)
{
	struct notify_acc n = { .L = L, .sp = sp };

	if (L->pol)
		ast_policy__each_enforcer_call(L->pol, notify_call, &n);
	return n.bits;
}

/* TrackSock/UntrackSock on the sock in `slot` (-1: no such argument, an
 * error sema reported). */
static void sock_op(struct lower *L, struct ir_action *act, bool untrack, int slot,
		    struct span sp)
{
	if (slot < 0) {
		LERR(L, sp, "socket tracking needs a 'sock' argument");
		return;
	}
	if (act->nsockops == sizeof(act->sockops) / sizeof(act->sockops[0])) {
		LERR(L, sp, "at most 4 socket tracking actions in one selector");
		return;
	}
	act->sockops[act->nsockops++] = (struct ir_sockop){ .untrack = untrack, .slot = slot };
	L->o->needs_socktrack = true;
}

static int sock_slot(const struct ast_hook *h, const int *slots, int64_t index)
{
	for (size_t i = 0; i < h->args.n; i++)
		if (h->args.v[i].index.v == index && h->args.v[i].type_id == ARG_SOCK)
			return slots[i];
	return -1;
}

static void lower_actions(struct lower *L, const struct ast_hook *h, const struct ast_selector *sel,
			  const int *slots, struct ir_action *act, bool *enforce)
{
	act->post = true;
	if (!sel || !sel->match_actions.n) {
		act->names[act->nnames++] = "Post";
		return;
	}
	for (size_t i = 0; i < sel->match_actions.n; i++) {
		const struct ast_action *x = &sel->match_actions.v[i];
		int v;

		if (act->nnames < 8)
			act->names[act->nnames++] = action__name(x->action);
		switch (x->action) {
		case ACT_POST:
			act->kstack |= x->kernel_stack_trace.present && x->kernel_stack_trace.v;
			act->ustack |= x->user_stack_trace.present && x->user_stack_trace.v;
			/* sema: only lsmhooks of the sleepable set; the file is
			 * the first argument, or linux_binprm's */
			if (x->ima_hash.present && x->ima_hash.v)
				act->ima = !strncmp(h->call.s, "bprm_", 5) ? IMA_BPRM : IMA_FILE;
			if (x->rate_limit.present) {
				const char *why;

				if (value__parse_duration_ms(x->rate_limit.s, &act->rate_limit_ms, &why))
					LERR(L, x->rate_limit.span, "bad rateLimit: %s", why);
				act->rate_scope = 0; /* thread, Tetragon's default */
				if (x->rate_limit_scope.present) {
					if (ast_str__eq(&x->rate_limit_scope, "process"))
						act->rate_scope = 1;
					else if (ast_str__eq(&x->rate_limit_scope, "global"))
						act->rate_scope = 2;
				}
			}
			break;
		case ACT_NOPOST:
			act->post = false;
			break;
		case ACT_SIGKILL:
			act->kill = true;
			*enforce = true;
			break;
		case ACT_SIGNAL:
			if (signal__lookup(x->arg_sig.s ? x->arg_sig.s : "", &v)) {
				LERR(L, x->span, "Signal needs a valid argSig");
				break;
			}
			act->signal = v;
			*enforce = true;
			break;
		case ACT_NOTIFY_ENFORCER:
			/* the signal is sent here (sema: argError only with
			 * SIGKILL, which the caller does not survive) */
			act->notify = true;
			if (x->arg_error.present && !errno__lookup(x->arg_error.s, &v)) {
				if (ast_policy__enforcers_deny(L->pol)) {
					act->enf_hooks = notify_hooks(L, x->span);
					act->enf_errno = v;
					*enforce = true;
				} else {
					act->notify_errno = v;
				}
			}
			if (!x->arg_sig.present)
				break;
			if (signal__lookup(x->arg_sig.s, &v)) {
				LERR(L, x->span, "NotifyEnforcer needs a valid argSig");
				break;
			}
			if (v == 9)
				act->kill = true;
			else
				act->signal = v;
			*enforce = true;
			break;
		case ACT_CLEANUP_ENFORCER:
			break;
		case ACT_SET:
			/* sema: USDT hooks, argIndex of a declared argument */
			act->set = true;
			act->set_index = (int)x->arg_index.v;
			act->set_value = x->arg_value.v;
			*enforce = true;
			break;
		case ACT_TRACKSOCK:
		case ACT_UNTRACKSOCK:
			sock_op(L, act, x->action == ACT_UNTRACKSOCK,
				sock_slot(h, slots, x->arg_sock.present ? x->arg_sock.v : 0), x->span);
			break;
		case ACT_GETURL:
			/* the record reaches tpc-loader even with NoPost */
			act->url = x->arg_url.s;
			break;
		case ACT_DNSLOOKUP:
			act->fqdn = x->arg_fqdn.s;
			break;
		case ACT_OVERRIDE:
			if (errno__lookup(x->arg_error.s ? x->arg_error.s : "", &v)) {
				LERR(L, x->span, "Override needs a valid argError");
				break;
			}
			if ((h->kind == HOOK_KPROBE || h->kind == HOOK_FENTRY) && h->syscall.v &&
			    !h->ret.v && h->call.present && syscall__lsm_hooks(h->call.s)) {
				/* the syscall is denied at its LSM hook */
				act->enf_hooks = enforce_hooks(L, h->call.s, x->span);
				act->enf_errno = v;
				*enforce = true;
				break;
			}
			if (h->kind != HOOK_LSM &&
			    !(h->kind == HOOK_KPROBE && h->call.present &&
			      !strncmp(h->call.s, "security_", 9) && !has_return_copy(h))) {
				LERR(L, x->span,
				     "Override on %s hooks is not supported by tpc yet (only lsmhooks and security_* kprobes deny)",
				     hook_kind__name(h->kind));
				break;
			}
			act->deny = v;
			*enforce = true;
			break;
		case ACT_BLOCK:
			if (h->kind == HOOK_NET) {
				/* tcp: connect() fails (cgroup/connect4/6) */
				act->deny = EPERM;
				*enforce = true;
				break;
			}
			if (h->kind != HOOK_EXEC) {
				LERR(L, x->span, "Block is only valid for the exec shorthand");
				break;
			}
			act->deny = EPERM;
			act->kill = true; /* hosts without BPF LSM: SIGKILL at exec */
			act->block = true;
			*enforce = true;
			break;
		default:
			LERR(L, x->name.span, "action '%s' is not supported by tpc yet",
			     action__name(x->action));
		}
	}
}

/* ---- workload scope ------------------------------------------------- */

/* A selector that selects: present, not null. podSelector: {} selects
 * every pod (but not the host), as a Kubernetes label selector does. */
static const struct ast_label_selector *selects(const struct ast_label_selector *ls)
{
	return ls->present && !ls->is_null ? ls : NULL;
}

static int scope_map_add(struct lower *L, const char *name, const char *purpose,
			 const struct ast_label_selector *pods,
			 const struct ast_label_selector *conts)
{
	struct ir_map m = { 0 };

	m.name = name;
	m.kind = MAP_SCOPE;
	m.purpose = purpose;
	m.key_size = 8;
	m.max_entries = TPC_SCOPE_MAX;
	m.scope.policy = L->policy;
	for (size_t i = 0; i < L->o->maps.n; i++)
		m.scope.index += L->o->maps.v[i].kind == MAP_SCOPE;
	m.scope.ns = L->pol->kind == POLICY_NAMESPACED && L->pol->namespace_.s ? L->pol->namespace_.s
									      : "";
	m.scope.pods = pods;
	m.scope.containers = conts;
	VEC_PUSH(L->a, L->o->maps, m);
	return (int)L->o->maps.n - 1;
}

/* A selector written {}: every pod (or container), Tetragon's MatchAll. */
static bool selects_all(const struct ast_label_selector *ls)
{
	return ls && !ls->label_keys.n && !ls->exprs.n;
}

/* The object's any-pod map (hostSelector), one for all its policies: the
 * loader puts every pod cgroup it finds in it, so "not in it" is a host
 * process. */
static int any_pod_map(struct lower *L)
{
	int m;

	for (size_t i = 0; i < L->o->maps.n; i++)
		if (L->o->maps.v[i].kind == MAP_SCOPE && L->o->maps.v[i].scope.any_pod)
			return (int)i;
	m = scope_map_add(L, "tpc_pods",
			  "every pod's cgroup, for hostSelector (a host process is in none)", NULL,
			  NULL);
	L->o->maps.v[m].scope.any_pod = true;
	L->o->maps.v[m].scope.ns = "";
	return m;
}

/* Workload selectors combined as Tetragon combines them (spec level and
 * matchWorkloads alike): host processes (hostSelector {}) or pods'
 * (podSelector/containerSelector, or the policy's namespace: one scope
 * map, `name`). NULL when every process is selected: nothing given, or
 * hostSelector {} with the others {} or absent (at least one given). */
static struct ir_pred *lower_workloads(struct lower *L, const struct ast_label_selector *pods,
				       const struct ast_label_selector *conts, bool host,
				       bool ns, const char *name, const char *purpose,
				       struct span sp)
{
	struct ir_pred *in = NULL, *hostp = NULL, *any;

	if (!pods && !conts && !host && !ns)
		return NULL;
	if (host && !ns && (pods || conts) && (!pods || selects_all(pods)) &&
	    (!conts || selects_all(conts)))
		return NULL;
	if (pods || conts || ns) {
		in = ir_pred__leaf(L->a, SRC_SCOPE, T_BIT, sp);
		in->map = scope_map_add(L, name, purpose, pods, conts);
	}
	if (host && !ns) {
		hostp = ir_pred__leaf(L->a, SRC_SCOPE, T_BIT, sp);
		hostp->map = any_pod_map(L);
		hostp->negate = true;
	}
	if (!in || !hostp)
		return in ? in : hostp;
	any = ir_pred__new(L->a, P_OR, sp);
	ir_pred__add(L->a, any, in);
	ir_pred__add(L->a, any, hostp);
	return any;
}

/* podSelector, containerSelector, hostSelector and TracingPolicyNamespaced
 * become the policy's scope test (sema checked the selectors; a namespaced
 * policy has no hostSelector); every spec of the policy tests it before
 * its rules. */
static const struct ir_pred *lower_scope(struct lower *L, const struct ast_policy *pol)
{
	return lower_workloads(L, selects(&pol->pod_selector), selects(&pol->container_selector),
			       selects(&pol->host_selector) != NULL,
			       pol->kind == POLICY_NAMESPACED,
			       arena__sprintf(L->a, "tpc_scope%d", L->policy),
			       arena__sprintf(L->a, "workload scope of policy %d (cgroup ids)",
					      L->policy),
			       pol->span);
}

/* The policy's selector plus the requirements a `match:` added. */
static const struct ast_label_selector *merge_selector(struct lower *L,
							const struct ast_label_selector *base,
							const struct ast_label_req *reqs, size_t n)
{
	struct ast_label_selector *m;

	if (!n)
		return base;
	m = arena__alloc(L->a, sizeof(*m));
	if (base)
		*m = *base; /* the vectors' storage is shared: only appended to below */
	m->present = true;
	m->is_null = false;
	m->exprs.v = NULL;
	m->exprs.n = m->exprs.cap = 0;
	for (size_t i = 0; base && i < base->exprs.n; i++)
		VEC_PUSH(L->a, m->exprs, base->exprs.v[i]);
	for (size_t i = 0; i < n; i++)
		VEC_PUSH(L->a, m->exprs, reqs[i]);
	return m;
}

/* pod.* / container.* conjuncts of a selector's `match:`: a scope map of
 * their own (the policy's selector and namespace included), tested as a
 * leaf of the rule, so only this selector depends on it. */
static struct ir_pred *lower_dsl_scope(struct lower *L, const struct lower_ctx *C,
				       struct span sp)
{
	const struct ast_label_selector *pods, *conts;
	struct ir_pred *p;

	if (!C->wl_pods.n && !C->wl_containers.n)
		return NULL;
	pods = merge_selector(L, selects(&L->pol->pod_selector), C->wl_pods.v, C->wl_pods.n);
	conts = merge_selector(L, selects(&L->pol->container_selector), C->wl_containers.v,
			       C->wl_containers.n);
	p = ir_pred__leaf(L->a, SRC_SCOPE, T_BIT, sp);
	p->map = scope_map_add(L, arena__sprintf(L->a, "tpc_scope%d_r%d", L->policy, L->rule),
			       arena__sprintf(L->a, "workload scope of rule %d (match: pod/container "
						    "fields; cgroup ids)",
					      L->rule),
			       pods, conts);
	return p;
}

/* Network hooks do not test scope maps themselves (the current task is
 * not the socket's owner there): the owner's verdicts are recorded with
 * it, one bit per scope map of the object (tpc_net_owner.scope), so a
 * network hook can depend only on the first TPC_NET_SCOPE_MAX maps. */
static void net_scope_check(struct lower *L, int map, struct span sp)
{
	if (L->o->maps.v[map].scope.index >= TPC_NET_SCOPE_MAX)
		LERR(L, sp, "workload scope on tpcNetwork hooks: at most %d scope maps per object "
			    "(podSelector/containerSelector policies and selectors with pod.* or "
			    "container.* fields); compile fewer policies together",
		     TPC_NET_SCOPE_MAX);
}

static void net_scope_check_pred(struct lower *L, const struct ir_pred *p, struct span sp)
{
	if (p && p->kind == P_LEAF && p->src == SRC_SCOPE)
		net_scope_check(L, p->map, sp);
	for (size_t i = 0; p && i < p->nkids; i++)
		net_scope_check_pred(L, p->kids[i], sp);
}

static struct ir_pred *lower_selector(struct lower *L, struct ir_prog *prog,
				      const struct ast_hook *h, const int *slots,
				      const struct ast_selector *sel)
{
	struct ir_pred *all = ir_pred__new(L->a, P_AND, sel->span);
	struct lower_ctx C = { .a = L->a, .d = L->d, .o = L->o, .prog = prog, .hook = h,
			       .slots = slots };

#define UNSUP(vec, what)                                                       \
	if (sel->vec.n)                                                        \
		LERR(L, sel->span, "%s is not supported by tpc yet", what);



	UNSUP(match_return_actions, "matchReturnActions");
#undef UNSUP
	for (size_t i = 0; i < sel->match_namespaces.n; i++) {
		struct ir_pred *p = lower_ns(L, &sel->match_namespaces.v[i]);

		if (p)
			ir_pred__add(L->a, all, p);
	}
	for (size_t i = 0; i < sel->match_capabilities.n; i++) {
		struct ir_pred *p = lower_caps(L, &sel->match_capabilities.v[i], false);

		if (p)
			ir_pred__add(L->a, all, p);
	}
	for (size_t i = 0; i < sel->match_capability_changes.n; i++) {
		struct ir_pred *p = lower_caps(L, &sel->match_capability_changes.v[i], true);

		if (p)
			ir_pred__add(L->a, all, p);
	}
	for (size_t i = 0; i < sel->match_namespace_changes.n; i++) {
		struct ir_pred *p = lower_ns_changes(L, &sel->match_namespace_changes.v[i]);

		if (p)
			ir_pred__add(L->a, all, p);
	}
	for (size_t i = 0; i < sel->match_pids.n; i++) {
		struct ir_pred *p = lower_pids(L, &sel->match_pids.v[i]);

		if (p)
			ir_pred__add(L->a, all, p);
	}
	for (size_t i = 0; i < sel->match_binaries.n; i++) {
		struct ir_pred *p = lower_binaries(L, &sel->match_binaries.v[i]);

		if (p)
			ir_pred__add(L->a, all, p);
	}
	for (size_t i = 0; i < sel->match_parent_binaries.n; i++) {
		struct ir_pred *p = lower_binaries(L, &sel->match_parent_binaries.v[i]);

		if (p) {
			p->src = SRC_PBINARY;
			ir_pred__add(L->a, all, p);
		}
	}
	for (size_t i = 0; i < sel->match_args.n; i++) {
		struct ir_pred *p = lower_match_arg(L, prog, h, slots, &sel->match_args.v[i], -1);

		if (p)
			ir_pred__add(L->a, all, p);
	}
	for (size_t i = 0; i < sel->match_data.n; i++) {
		/* a position in 'data' (sema checked it) */
		const struct ast_match_arg *m = &sel->match_data.v[i];
		int64_t k = m->args.n ? m->args.v[0].v : m->index.present ? m->index.v : 0;
		int ds = k >= 0 && (size_t)k < h->data.n ? slots[h->args.n + k] : -1;
		struct ir_pred *p = ds >= 0 ? lower_match_arg(L, prog, h, slots, m, ds) : NULL;

		if (p)
			ir_pred__add(L->a, all, p);
	}
	for (size_t i = 0; i < sel->match_return_args.n; i++) {
		int rs = -1;
		struct ir_pred *p;

		for (size_t k = 0; k < prog->args.n; k++)
			if (prog->args.v[k].is_return)
				rs = prog->args.v[k].slot;
		if (rs < 0) {
			LERR(L, sel->match_return_args.v[i].span,
			     "matchReturnArgs needs 'return: true' and a supported 'returnArg'");
			continue;
		}
		p = lower_match_arg(L, prog, h, slots, &sel->match_return_args.v[i], rs);
		if (p)
			ir_pred__add(L->a, all, p);
	}
	if (sel->match) {
		struct ir_pred *p = dsl__lower(&C, sel->match);

		L->errors += C.errors;
		if (p)
			ir_pred__add(L->a, all, p);
		if (p && (p = lower_dsl_scope(L, &C, sel->span))) {
			if (h->kind == HOOK_NET)
				net_scope_check(L, p->map, sel->span);
			ir_pred__add(L->a, all, p);
		}
	}
	if (sel->has_match_workloads) {
		/* ANDed with the policy's scope, tested first (Tetragon: the
		 * policy filter, then the selector's workloads) */
		struct ir_pred *p = lower_workloads(
			L, selects(&sel->wl_pod), selects(&sel->wl_container),
			selects(&sel->wl_host) != NULL, false,
			arena__sprintf(L->a, "tpc_scope%d_w%d", L->policy, L->rule),
			arena__sprintf(L->a, "workload scope of rule %d (matchWorkloads; cgroup ids)",
				       L->rule),
			sel->span);

		if (p && h->kind == HOOK_NET)
			net_scope_check_pred(L, p, sel->span);
		if (p)
			ir_pred__add(L->a, all, p);
	}
	if (!all->nkids)
		return NULL;
	return all;
}

/* ---- hooks ------------------------------------------------------------ */

static const char *syscall_name(const char *call)
{
	/* sys_openat, __x64_sys_openat, openat -> openat */
	const char *p = strstr(call, "sys_");

	return p ? p + 4 : call;
}

/* The cgroup connect hooks know only the destination sockaddr: a
 * socket_connect policy gets them as a fallback when that is all it reads,
 * and when its actions can be carried out there (no signals). */
static bool connect_fallback_ok(const struct ast_hook *h)
{
	for (size_t i = 0; i < h->args.n; i++)
		if (h->args.v[i].index.v != 1 || h->args.v[i].type_id != ARG_SOCKADDR)
			return false;
	for (size_t i = 0; i < h->selectors.n; i++) {
		const struct ast_selector *sel = &h->selectors.v[i];

		for (size_t k = 0; k < sel->match_actions.n; k++) {
			enum action a = sel->match_actions.v[k].action;

			if (a != ACT_POST && a != ACT_NOPOST && a != ACT_OVERRIDE)
				return false;
		}
	}
	return true;
}

static struct ir_prog *hook_prog(struct lower *L, const struct ast_hook *h,
				 struct tp_format *tpf, bool *have_tpf)
{
	char key[512];
	struct ir_prog *p;

	*have_tpf = false;
	switch (h->kind) {
	case HOOK_EXEC:
		p = prog_get(L, h->kind, "exec");
		if (!p->variants.n) {
			variant_add(L, p, AT_LSM, "bprm_check_security", 0);
			p->variants.v[0].lsm_nargs = 1;
			variant_add(L, p, AT_TP_BTF, "sched_process_exec", 1);
		}
		return p;
	case HOOK_TRACEPOINT:
		snprintf(key, sizeof(key), "%s:%s/%s", h->raw.v ? "raw_tp" : "tp",
			 h->subsystem.s, h->event.s);
		p = prog_get(L, h->kind, key);
		if (!p->variants.n)
			variant_add(L, p, h->raw.v ? AT_RAW_TP : AT_TRACEPOINT,
				    h->raw.v ? h->event.s : key + 3, 0);
		if (!h->raw.v && L->btf &&
		    !btf_info__tracepoint(L->btf, h->subsystem.s, h->event.s, tpf))
			*have_tpf = true;
		return p;
	case HOOK_KPROBE:
	case HOOK_FENTRY: {
		bool ret = ast_hook__at_return(h);
		const char *call = h->call.s;
		char sym[256];
		struct btf_func_info lfi;

		/* Override on security_X: the BPF LSM hook X sees the same
		 * arguments and its return value is the verdict, so the rule
		 * compiles to an LSM program (no fmod_ret, no error injection).
		 * Only deny-capable variants are emitted: a kernel without BPF
		 * LSM refuses the object rather than silently not enforcing. */
		if (ast_hook__override_at_lsm(h) && L->btf &&
		    !btf_info__lsm_hook(L->btf, call + 9, &lfi)) {
			snprintf(key, sizeof(key), "lsm:%s", call + 9);
			p = prog_get(L, HOOK_LSM, key);
			if (!p->variants.n) {
				variant_add(L, p, AT_LSM, call + 9, 0);
				p->variants.v[0].lsm_nargs = lfi.nparams;
			}
			return p;
		}
		if (h->syscall.v) {
			if (!L->btf || btf_info__syscall(L->btf, call, sym, sizeof(sym)))
				snprintf(sym, sizeof(sym), "__x64_sys_%s", syscall_name(call));
			call = sym;
		}
		snprintf(key, sizeof(key), "%s:%s", ret ? "ret" : "entry", call);
		p = prog_get(L, HOOK_KPROBE, key);
		if (!p->variants.n) {
			struct btf_func_info fi = { 0 };

			variant_add(L, p, ret ? AT_FEXIT : AT_FENTRY, call, 0);
			/* fexit sees the return value after the arguments */
			if (L->btf && !btf_info__func(L->btf, call, &fi))
				p->variants.v[0].lsm_nargs = fi.nparams;
			/* a kretprobe cannot read entry arguments (their registers are
			 * clobbered by then; found in the qemu matrix: sys_chroot's
			 * path read garbage), so a return probe with arguments has
			 * only the fexit variant */
			if (!ret || !h->args.n)
				variant_add(L, p, ret ? AT_KRETPROBE : AT_KPROBE, call, 1);
			if (h->syscall.v && !ret) {
				char tp[300];

				/* hosts without kprobes/trampolines: the syscall's
				 * entry tracepoint sees the same arguments */
				snprintf(tp, sizeof(tp), "syscalls/sys_enter_%s", syscall_name(call));
				variant_add(L, p, AT_TRACEPOINT, tp, 2);
			}
		} else if (ret && h->args.n) {
			/* fused with a hook without arguments: drop its kretprobe */
			for (size_t i = 0; i < p->variants.n; i++)
				if (p->variants.v[i].at == AT_KRETPROBE) {
					memmove(&p->variants.v[i], &p->variants.v[i + 1],
						(p->variants.n - i - 1) * sizeof(p->variants.v[0]));
					p->variants.n--;
					break;
				}
		}
		return p;
	}
	case HOOK_LSM:
		snprintf(key, sizeof(key), "lsm:%s", h->call.s);
		p = prog_get(L, h->kind, key);
		if (!p->variants.n) {
			struct btf_func_info fi;

			variant_add(L, p, AT_LSM, h->call.s, 0);
			if (!L->btf || btf_info__lsm_hook(L->btf, h->call.s, &fi)) {
				LERR(L, h->call.span, "cannot find LSM hook '%s' in kernel BTF",
				     h->call.s);
				return NULL;
			}
			p->variants.v[0].lsm_nargs = fi.nparams;
			if (!strcmp(h->call.s, "socket_connect") && connect_fallback_ok(h)) {
				/* hosts without BPF LSM: the cgroup connect hooks see the
				 * same destination and deny with EPERM */
				variant_add(L, p, AT_CGROUP_CONNECT4, "", 1);
				variant_add(L, p, AT_CGROUP_CONNECT6, "", 1);
			}
		}
		return p;
	case HOOK_NET:
		snprintf(key, sizeof(key), "net:%s", h->protocol.s);
		p = prog_get(L, h->kind, key);
		p->net = h->proto;
		L->o->needs_net = true;
		if (p->variants.n)
			return p;
		if (h->proto == NET_TCP) {
			/* every transition of every TCP socket; connect4/6 join when
			 * a rule blocks (lower_hook) */
			variant_add(L, p, AT_TP_BTF, "inet_sock_set_state", 0);
		} else {
			/* dns, http: parsed from the packets of the root cgroup, in
			 * bpf_loop() walks a bounded loop cannot replace within the
			 * verifier's limits */
			if (L->o->no_bpf_loop)
				LERR(L, h->protocol.span,
				     "tpcNetwork '%s' needs the bpf_loop helper (Linux 5.17); "
				     "the target kernel lacks it",
				     h->protocol.s);
			variant_add(L, p, AT_CGROUP_SKB_EGRESS, "", 0);
			variant_add(L, p, AT_CGROUP_SKB_INGRESS, "", 0);
		}
		return p;
	case HOOK_USDT:
		/* the probe is found in the binary's .note.stapsdt by libbpf on
		 * the node: the build machine has no such binary */
		snprintf(key, sizeof(key), "usdt:%s:%s:%s", h->path.s, h->provider.s, h->name.s);
		p = prog_get(L, h->kind, key);
		L->o->needs_usdt = true;
		if (!p->variants.n)
			variant_add(L, p, AT_USDT, key + 5, 0);
		return p;
	case HOOK_UPROBE:
		snprintf(key, sizeof(key), "%s:%s:%s", h->ret.v ? "uretprobe" : "uprobe", h->path.s,
			 h->call.s);
		p = prog_get(L, h->kind, key);
		if (!p->variants.n)
			variant_add(L, p, h->ret.v ? AT_URETPROBE : AT_UPROBE,
				    strchr(key, ':') + 1, 0);
		return p;
	default:
		LERR(L, h->span, "%s hooks are not supported by tpc yet", hook_kind__name(h->kind));
		return NULL;
	}
}

static const char *event_name(const struct ast_hook *h)
{
	if (h->loader_sensor)
		return "process_loader";
	switch (h->kind) {
	case HOOK_TRACEPOINT:
		return "process_tracepoint";
	case HOOK_LSM:
	case HOOK_EXEC:
		return "process_lsm";
	case HOOK_UPROBE:
		return "process_uprobe";
	case HOOK_USDT:
		return "process_usdt";
	case HOOK_NET:
		return h->proto == NET_TCP ? "network_tcp"
		       : h->proto == NET_DNS ? "network_dns"
					     : "network_http";
	default:
		return "process_kprobe";
	}
}

/* Sources a network event cannot read: they describe `current`, which is
 * not the socket's owner outside process context. */
static void net_check_pred(struct lower *L, const struct ir_prog *p, const struct ir_pred *x)
{
	static const char *const names[] = { [SRC_EUID] = "euid",   [SRC_PPID] = "ppid",
					      [SRC_EGID] = "egid",   [SRC_CAPS] = "caps",
					      [SRC_NS] = "namespaces", [SRC_COMM] = "comm",
					      [SRC_NSPID] = "isNamespacePID",
					      [SRC_FOLLOW] = "followForks",
					      [SRC_CAPCHG] = "capability changes",
					      [SRC_NSCHG] = "namespace changes" };

	if (!x)
		return;
	for (size_t i = 0; i < x->nkids; i++)
		net_check_pred(L, p, x->kids[i]);
	if (x->kind != P_LEAF)
		return;
	if (x->src == SRC_ARG && p->args.v[x->slot].from == AF_COMM)
		LERR(L, x->span, "'comm' is not available on tpcNetwork hooks (events may run "
				 "outside the owning process); match the binary instead");
	else if (x->src < sizeof(names) / sizeof(names[0]) && names[x->src])
		LERR(L, x->span, "'%s' is not available on tpcNetwork hooks (events may run "
				 "outside the owning process); use pid, uid, cgroup or binary",
		     names[x->src]);
}

/* tpcNetwork: `events:` becomes a test on the event argument in front of
 * every rule; a tcp Block needs the cgroup connect hooks. */
static void lower_net_spec(struct lower *L, struct ir_prog *p, const struct ast_hook *h,
			   const int *slots, struct ir_spec *spec)
{
	bool deny = false;

	for (size_t r = 0; r < spec->rules.n; r++) {
		struct ir_rule *ru = &spec->rules.v[r];

		net_check_pred(L, p, ru->pred);
		deny |= ru->act.deny != 0;
		if (h->proto == NET_TCP && h->event_mask && slots[1] >= 0) {
			struct ir_pred *ev = ir_pred__leaf(L->a, SRC_ARG, T_IN, h->span);
			struct ir_pred *all = ir_pred__new(L->a, P_AND, ru->span);

			ev->slot = slots[1];
			ev->cost = COST_CTX;
			for (int k = TPC_TCP_CONNECT; k <= TPC_TCP_CLOSE; k++)
				if (h->event_mask & (1u << k))
					ir_pred__add_int(L->a, ev, k, k);
			p->args.v[slots[1]].in_pred = true;
			ir_pred__add(L->a, all, ev);
			if (ru->pred)
				ir_pred__add(L->a, all, ru->pred);
			ru->pred = all;
		}
	}
	if (deny && h->proto == NET_TCP) {
		for (size_t i = 0; i < p->variants.n; i++)
			if (p->variants.v[i].at == AT_CGROUP_CONNECT4)
				return;
		variant_add(L, p, AT_CGROUP_CONNECT4, "", 0);
		variant_add(L, p, AT_CGROUP_CONNECT6, "", 0);
	}
}

/* const_buf (what `auto` gives an array of longs in a tracepoint record):
 * posted as Tetragon decodes it, one 64-bit value per element, each an
 * item of args[]. Not tested by selectors (Tetragon has no operator). */
static void lower_const_buf(struct lower *L, struct ir_prog *p, struct ir_spec *spec,
			    const struct ast_arg *ai, int pos, const struct tp_format *tpf)
{
	const struct tp_field *f;

	if (!tpf || ai->index.v < 0 || ai->index.v >= tpf->nfields) {
		LERR(L, ai->span, "const_buf is read from tracepoint record fields only");
		return;
	}
	f = &tpf->fields[ai->index.v];
	for (int k = 0; k < f->size / 8; k++) {
		struct ir_arg a = { .from = AF_TP_FIELD, .kind = AK_INT, .type = ARG_CONST_BUF,
				    .index = (int)ai->index.v, .size = 8,
				    .offset = (uint32_t)(f->offset + 8 * k), .in_event = true };
		int sl = slot_get(L, p, &a);

		p->args.v[sl].in_event = true;
		VEC_PUSH(L->a, spec->event_args, sl);
		VEC_PUSH(L->a, spec->event_pos, pos);
	}
}

static void lower_hook(struct lower *L, const struct ast_hook *h, bool *enforce)
{
	struct tp_format tpf = { 0 };
	bool have_tpf;
	struct ir_prog *p = hook_prog(L, h, &tpf, &have_tpf);
	struct ir_spec spec = { 0 };
	int *slots, ret_slot = -1, track_ret = 0;

	if (!p)
		return;
	spec.id = L->o->nspecs++;
	spec.policy = L->policy;
	spec.scope = L->scope;
	if (h->kind == HOOK_NET)
		net_scope_check_pred(L, spec.scope, h->span);
	spec.span = h->span;
	spec.hook = h;
	spec.event = event_name(h);
	/* slots[i]: args[i]; slots[args.n + i]: data[i] */
	slots = arena__calloc(L->a, h->args.n + h->data.n + 1, sizeof(*slots));
	spec.arg_slots = slots;
	if (h->kind == HOOK_EXEC) {
		/* the exec shorthand reports the binary's canonical path */
		struct ir_arg a = { .from = AF_CTX_U64, .kind = AK_BPRM,
				    .type = ARG_LINUX_BINPRM, .index = 0, .size = 8 };

		a.in_event = true;
		VEC_PUSH(L->a, spec.event_args, slot_get(L, p, &a));
		VEC_PUSH(L->a, spec.event_pos, -1);
		p->args.v[spec.event_args.v[0]].in_event = true;
	}
	for (size_t i = 0; i < h->args.n; i++) {
		if (h->args.v[i].type_id == ARG_CONST_BUF) {
			lower_const_buf(L, p, &spec, &h->args.v[i], (int)i,
					have_tpf ? &tpf : NULL);
			slots[i] = -1;
			continue;
		}
		slots[i] = lower_arg(L, p, h, &h->args.v[i], have_tpf ? &tpf : NULL);
		/* a tcp record carries its tuple and event in tpc_ev_net */
		if (slots[i] >= 0 && !(h->kind == HOOK_NET && h->proto == NET_TCP)) {
			p->args.v[slots[i]].in_event = true;
			VEC_PUSH(L->a, spec.event_args, slots[i]);
			VEC_PUSH(L->a, spec.event_pos, (int)i);
		}
	}
	for (size_t i = 0; i < h->data.n; i++) {
		int sl = lower_arg(L, p, h, &h->data.v[i], NULL);

		slots[h->args.n + i] = sl;
		if (sl >= 0) {
			p->args.v[sl].in_event = true;
			VEC_PUSH(L->a, spec.event_args, sl);
			VEC_PUSH(L->a, spec.event_pos, (int)(h->args.n + i));
		}
	}
	if (h->ret.v && h->has_return_arg) {
		struct ir_arg a = { .from = AF_RET, .type = h->return_arg.type_id, .size = 8,
				    .is_return = true, .in_event = true };

		a.kind = kind_of_type(a.type);
		a.is_signed = arg_type__is_signed(a.type);
		if (a.kind == AK_USTR)
			a.kind = h->kind == HOOK_UPROBE || h->kind == HOOK_USDT ? AK_USTR : AK_KSTR;
		if (a.type == ARG_CHAR_BUF || (a.kind != AK_INT && a.kind != AK_USTR && a.kind != AK_KSTR &&
		    a.kind != AK_FILE && a.kind != AK_SOCK)) {
			LERR(L, h->return_arg.span, "returnArg of type '%s' is not supported by tpc yet",
			     arg_type__name(a.type));
		} else {
			if (a.kind == AK_INT && arg_type__int_size(a.type))
				a.size = (uint32_t)arg_type__int_size(a.type);
			VEC_PUSH(L->a, spec.event_args, slot_get(L, p, &a));
			VEC_PUSH(L->a, spec.event_pos, -1);
			p->args.v[spec.event_args.v[spec.event_args.n - 1]].in_event = true;
			p->args.v[spec.event_args.v[spec.event_args.n - 1]].is_return = true;
			if (a.kind == AK_SOCK)
				ret_slot = spec.event_args.v[spec.event_args.n - 1];
		}
	}
	if (!h->selectors.n) {
		struct ir_rule r = { .id = L->o->nrules++, .selector = -1, .span = h->span };

		r.act.post = true;
		r.act.names[r.act.nnames++] = "Post";
		VEC_PUSH(L->a, spec.rules, r);
	}
	/* returnArgAction: every matching rule tracks (or forgets) the
	 * returned socket */
	if (h->return_arg_action.present && !ast_str__eq(&h->return_arg_action, "Post"))
		track_ret = ast_str__eq(&h->return_arg_action, "UntrackSock") ? 2 : 1;
	for (size_t i = 0; i < h->selectors.n; i++) {
		const struct ast_selector *sel = &h->selectors.v[i];
		struct ir_rule r = { .id = L->o->nrules++, .selector = (int)i, .span = sel->span };

		L->rule = r.id;
		L->rule_capchg = false;
		L->rule_nschg = false;
		r.pred = lower_selector(L, p, h, slots, sel);
		lower_actions(L, h, sel, slots, &r.act, enforce);
		r.act.cap_update = L->rule_capchg;
		r.act.ns_update = L->rule_nschg;
		if (r.act.ima) {
			p->sleepable = true;
			L->o->needs_ima = true;
		}
		VEC_PUSH(L->a, spec.rules, r);
	}
	for (size_t i = 0; track_ret && i < spec.rules.n; i++)
		sock_op(L, &spec.rules.v[i].act, track_ret == 2, ret_slot,
			h->return_arg_action.span);
	if (h->kind == HOOK_NET)
		lower_net_spec(L, p, h, slots, &spec);
	VEC_PUSH(L->a, p->specs, spec);
	tp_format__release(&tpf);
}

/* call: "list:NAME" attaches the hook to every function of the list. */
static void lower_hook_calls(struct lower *L, const struct ast_policy *pol,
			     const struct ast_hook *h, bool *enforce)
{
	const struct ast_list *list = NULL;

	if (h->kind == HOOK_UPROBE) {
		if (h->offsets.n || h->addrs.n || h->ref_ctr_offsets.n) {
			LERR(L, h->span, "uprobe offsets/addrs/refCtrOffsets are not supported by tpc yet; "
			     "name the function in 'symbols'");
			return;
		}
		/* one attach point, so one program, per symbol */
		for (size_t i = 0; i < h->symbols.n; i++) {
			struct ast_hook *copy = arena__alloc(L->a, sizeof(*copy));

			*copy = *h;
			copy->call = h->symbols.v[i];
			lower_hook(L, copy, enforce);
		}
		if (!h->symbols.n)
			LERR(L, h->span, "uprobe without 'symbols'");
		return;
	}
	if ((h->kind != HOOK_KPROBE && h->kind != HOOK_FENTRY) || !h->call.present ||
	    strncmp(h->call.s, "list:", 5)) {
		lower_hook(L, h, enforce);
		return;
	}
	for (size_t i = 0; i < pol->lists.n; i++)
		if (pol->lists.v[i].name.present && !strcmp(pol->lists.v[i].name.s, h->call.s + 5))
			list = &pol->lists.v[i];
	if (!list) {
		LERR(L, h->call.span, "no list named '%s'", h->call.s + 5);
		return;
	}
	if (list->type.present && strcmp(list->type.s, "syscalls") && strcmp(list->type.s, "") &&
	    !list->generated) {
		LERR(L, list->type.span, "lists of type '%s' are not supported by tpc yet",
		     list->type.s);
		return;
	}
	/* a generated list's programs are optional (sema_lists.c) */
	L->gen_list = list->generated;
	for (size_t i = 0; i < list->values.n; i++) {
		struct ast_hook *copy = arena__alloc(L->a, sizeof(*copy));

		*copy = *h;
		copy->call = list->values.v[i];
		if (list->type.present && (!strcmp(list->type.s, "syscalls") ||
					   !strcmp(list->type.s, "generated_syscalls"))) {
			copy->syscall.v = true;
			copy->syscall.present = true;
		} else if (list->generated) {
			/* generated_ftrace: kernel functions hooked as themselves
			 * (ksys_read is not the syscall read) */
			copy->syscall.v = false;
			copy->syscall.present = true;
		}
		lower_hook(L, copy, enforce);
	}
	L->gen_list = false;
}

static void strip_enforcement(struct ir_object *o, int policy)
{
	for (size_t i = 0; i < o->progs.n; i++) {
		struct ir_prog *p = o->progs.v[i];

		for (size_t s = 0; s < p->specs.n; s++) {
			if (p->specs.v[s].policy != policy)
				continue;
			for (size_t r = 0; r < p->specs.v[s].rules.n; r++) {
				struct ir_action *act = &p->specs.v[s].rules.v[r].act;

				act->kill = false;
				act->signal = 0;
				act->deny = 0;
				act->set = false;
			}
		}
	}
}

/* Monitor mode (options: policy-mode: monitor) keeps rules and events but
 * drops every enforcing action, as Tetragon does. */
static bool policy_monitor(const struct ast_policy *pol)
{
	for (size_t i = 0; i < pol->options.n; i++)
		if (ast_str__eq(&pol->options.v[i].name, "policy-mode") &&
		    ast_str__eq(&pol->options.v[i].value, "monitor"))
			return true;
	return false;
}

int ir__lower(struct arena *a, struct diag_sink *d, const struct ast_bundle *b,
	      struct btf_info *bi, struct ir_object *out)
{
	struct lower L = { .a = a, .d = d, .o = out, .btf = bi };

	if (bi) {
		out->no_bpf_loop = !btf_info__has_enum_value(bi, "bpf_func_id", "BPF_FUNC_loop");
		out->no_task_btf = !btf_info__has_enum_value(bi, "bpf_func_id",
							     "BPF_FUNC_get_current_task_btf");
	}

	for (size_t i = 0; i < b->policies.n; i++) {
		const struct ast_policy *pol = b->policies.v[i];
		struct ir_policy ip = { .ast = pol,
					.name = pol->name.s ? pol->name.s : "",
					.ns = pol->namespace_.s ? pol->namespace_.s : "" };

		L.policy = (int)out->policies.n;
		L.pol = pol;
		L.scope = lower_scope(&L, pol);
		for (size_t k = 0; k < pol->hooks.n; k++)
			if (!pol->hooks.v[k].skipped)
				lower_hook_calls(&L, pol, &pol->hooks.v[k], &ip.enforce);
		if (policy_monitor(pol) && ip.enforce) {
			strip_enforcement(out, L.policy);
			ip.enforce = false;
		}
		VEC_PUSH(a, out->policies, ip);
	}
	for (size_t i = 0; i < out->progs.n; i++) {
		struct ir_prog *p = out->progs.v[i];

		for (size_t s = 0; s < p->specs.n; s++)
			for (size_t r = 0; r < p->specs.v[s].rules.n; r++) {
				if (ir_pred__uses_binary(p->specs.v[s].rules.v[r].pred))
					p->needs_binary = true;
				/* after monitor mode dropped the enforcing ones */
				if (p->specs.v[s].rules.v[r].act.set)
					out->needs_write_user = true;
			}
		if (p->needs_binary)
			out->needs_proc = true;
	}
	return L.errors ? -EINVAL : 0;
}
