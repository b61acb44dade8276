/* eval.c - the reference semantics of the IR (see eval.h).
 *
 * Every test mirrors what emit.c prints for it, read from the IR and not
 * from the emitted C: integer values are cast to the argument's width and
 * signedness and compared as s64 or u64; strings by length and bytes;
 * CIDRs as runtime/tpc.bpf.h's tpc_sa__in (an IPv4 network also matches a
 * v4-mapped IPv6 address); binary sets once per process image.
 */
#include "eval/eval.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tpc_abi.h"

struct run {
	const struct ir_object *o;
	const struct eval_env *env;
	const struct eval_proc *proc;
	const struct ir_prog *p;
	const struct ir_spec *sp;
	/* lazy argument reads of the current spec */
	struct eval_val *vals;
	signed char *state; /* 0 unread, 1 read, -1 failed */
	int err;
};

static const char *src_name(enum ir_src s)
{
	switch (s) {
	case SRC_PID: return "pid";
	case SRC_TID: return "tid";
	case SRC_UID: return "uid";
	case SRC_GID: return "gid";
	case SRC_EUID: return "euid";
	case SRC_CGROUP: return "cgroup";
	case SRC_BINARY: return "binary";
	case SRC_PBINARY: return "parent binary";
	case SRC_ARG: return "argument";
	case SRC_COMM: return "comm";
	case SRC_PPID: return "ppid";
	case SRC_EGID: return "egid";
	case SRC_CAPS: return "capabilities";
	case SRC_NS: return "namespaces";
	case SRC_SCOPE: return "workload scope";
	case SRC_NSPID: return "namespace pid";
	case SRC_FOLLOW: return "followForks";
	case SRC_CAPCHG: return "capability changes";
	case SRC_NSCHG: return "namespace changes";
	}
	return NULL;
}

/* Report that the evaluator does not model something (never guess). */
static void refuse(struct run *R, struct span policy_at, const char *what)
{
	if (R->err)
		return;
	diag__error(R->env->d, R->env->at, "eval-unsupported",
		    "tpc test cannot evaluate %s yet", what);
	if (policy_at.file)
		diag__note(R->env->d, policy_at, "used here");
	R->err = -EOPNOTSUPP;
}

/* ---- hook names ------------------------------------------------------ */

static const char *syscall_base(const char *call)
{
	const char *p = strstr(call, "sys_");

	return p ? p + 4 : call;
}

const char *eval__hook_name(const struct ir_prog *p, const struct ir_spec *sp)
{
	const struct ast_hook *h = sp->hook;
	static char buf[4][300];
	static int k;
	char *b = buf[k++ & 3];

	switch (h->kind) {
	case HOOK_EXEC:
		return "exec";
	case HOOK_TRACEPOINT:
		snprintf(b, sizeof(buf[0]), "%s/%s", h->subsystem.s ? h->subsystem.s : "",
			 h->event.s ? h->event.s : "");
		return b;
	case HOOK_NET:
		return h->protocol.s ? h->protocol.s : "net";
	default:
		return h->call.s ? h->call.s : p->key;
	}
}

bool eval__hook_matches(const struct ir_prog *p, const struct ir_spec *sp, const char *name,
			bool ret)
{
	const struct ast_hook *h = sp->hook;
	const char *call = h->call.s ? h->call.s : "";

	if (!name)
		return false;
	if (h->ret.v != ret && (h->kind == HOOK_KPROBE || h->kind == HOOK_FENTRY ||
				h->kind == HOOK_UPROBE))
		return false;
	switch (h->kind) {
	case HOOK_EXEC:
		return !strcmp(name, "exec");
	case HOOK_TRACEPOINT:
		return !strcmp(name, eval__hook_name(p, sp));
	case HOOK_KPROBE:
	case HOOK_FENTRY:
		if (!strcmp(name, call))
			return true;
		/* a syscall by any of its names: openat, sys_openat, __x64_sys_openat */
		return h->syscall.v && !strcmp(syscall_base(name), syscall_base(call));
	case HOOK_LSM:
		return !strcmp(name, call) ||
		       (!strncmp(name, "security_", 9) && !strcmp(name + 9, call));
	case HOOK_UPROBE:
		return !strcmp(name, call);
	default:
		/* tpcNetwork (and later kinds): answered so that eval__run can
		 * refuse them by name instead of "no such hook" */
		return !strcmp(name, eval__hook_name(p, sp));
	}
}

/* ---- values ----------------------------------------------------------- */

static int arg_get(struct run *R, int slot, const struct eval_val **out)
{
	const struct ir_arg *a = &R->p->args.v[slot];
	int pos = -1, err;

	if (R->state[slot] == 1) {
		*out = &R->vals[slot];
		return 0;
	}
	if (R->state[slot] < 0)
		return -EINVAL;
	for (size_t i = 0; i < R->sp->hook->args.n; i++)
		if (R->sp->arg_slots && R->sp->arg_slots[i] == slot)
			pos = (int)i;
	memset(&R->vals[slot], 0, sizeof(R->vals[slot]));
	R->vals[slot].mode = S_IFREG;
	R->vals[slot].nlink = 1;
	if (a->from == AF_COMM || a->kind == AK_COMM) {
		/* the task's comm: the binary's basename, 15 bytes */
		const char *c = R->proc->comm;

		if (!c) {
			const char *b = R->proc->binary ? R->proc->binary : "";
			const char *sl = strrchr(b, '/');

			c = sl ? sl + 1 : b;
		}
		R->vals[slot].kind = EV_STR;
		R->vals[slot].s = c;
		R->vals[slot].len = strnlen(c, 15);
		R->state[slot] = 1;
		*out = &R->vals[slot];
		return 0;
	}
	if (R->p->kind == HOOK_EXEC && a->kind == AK_BPRM && pos < 0) {
		/* the exec shorthand's file: the new image */
		R->vals[slot].kind = EV_STR;
		R->vals[slot].s = R->proc->binary ? R->proc->binary : "";
		R->vals[slot].len = strlen(R->vals[slot].s);
		R->state[slot] = 1;
		*out = &R->vals[slot];
		return 0;
	}
	err = R->env->arg(R->env->ctx, R->p, R->sp, slot, pos, &R->vals[slot]);
	if (err == -ENOENT) {
		const struct ast_arg *aa = pos >= 0 ? &R->sp->hook->args.v[pos] : NULL;

		diag__error(R->env->d, R->env->at, "case-missing-arg",
			    "the case gives no %s%s%s (position %d), which policy '%s' tests here",
			    a->is_return ? "return value" : "argument",
			    aa && aa->label.s ? " " : "",
			    aa && aa->label.s ? diag_quote(aa->label.s, aa->label.len) : "", pos,
			    diag_quote(R->o->policies.v[R->sp->policy].name,
				       strlen(R->o->policies.v[R->sp->policy].name)));
		if (aa)
			diag__note(R->env->d, aa->span, "the argument is declared here");
		err = -EINVAL;
	}
	if (err) {
		R->state[slot] = -1;
		if (!R->err)
			R->err = err;
		return err;
	}
	R->state[slot] = 1;
	*out = &R->vals[slot];
	return 0;
}

/* The value as the program holds it: cast to the argument's width and
 * signedness, then widened to u64 (emit.c's int_cast). */
uint64_t eval__int_cast(const struct ir_arg *a, int64_t v)
{
	switch (a->size) {
	case 1:
		return a->is_signed ? (uint64_t)(int64_t)(int8_t)v : (uint64_t)(uint8_t)v;
	case 2:
		return a->is_signed ? (uint64_t)(int64_t)(int16_t)v : (uint64_t)(uint16_t)v;
	case 4:
		return a->is_signed ? (uint64_t)(int64_t)(int32_t)v : (uint64_t)(uint32_t)v;
	default:
		return (uint64_t)v;
	}
}

static bool int_test(const struct ir_pred *x, uint64_t v, bool sgn, bool *ok)
{
	if (x->test != T_IN && x->test != T_EQ && x->test != T_NE && x->test != T_LT &&
	    x->test != T_LE && x->test != T_GT && x->test != T_GE && x->test != T_MASK &&
	    x->test != T_RANGE) {
		*ok = false; /* refused even when there is no value to compare */
		return false;
	}
	for (size_t i = 0; i < x->nvals; i++) {
		int64_t sv = (int64_t)v, lo = x->vals[i], hi = x->his ? x->his[i] : lo;
		uint64_t uv = v;
		bool r;

		switch (x->test) {
		case T_IN:
		case T_EQ:
			r = uv == (uint64_t)lo;
			break;
		case T_NE:
			r = uv != (uint64_t)lo;
			break;
		case T_LT:
			r = sgn ? sv < lo : uv < (uint64_t)lo;
			break;
		case T_LE:
			r = sgn ? sv <= lo : uv <= (uint64_t)lo;
			break;
		case T_GT:
			r = sgn ? sv > lo : uv > (uint64_t)lo;
			break;
		case T_GE:
			r = sgn ? sv >= lo : uv >= (uint64_t)lo;
			break;
		case T_MASK:
			r = (uv & (uint64_t)lo) != 0;
			break;
		case T_RANGE:
			r = sgn ? sv >= lo && sv <= hi : uv >= (uint64_t)lo && uv <= (uint64_t)hi;
			break;
		default:
			*ok = false;
			return false;
		}
		if (r)
			return true;
	}
	return false;
}

static bool str_test(const struct ir_pred *x, const struct eval_val *v, bool *ok)
{
	if (x->test != T_STR_EQ && x->test != T_STR_PREFIX && x->test != T_STR_SUFFIX) {
		*ok = false;
		return false;
	}
	if (v->kind == EV_NULL)
		return false; /* length -1: no string test matches */
	for (size_t i = 0; i < x->nstrs; i++) {
		const struct ir_strlit *l = &x->strs[i];

		switch (x->test) {
		case T_STR_EQ:
			if (v->len == l->len && !memcmp(v->s, l->s, l->len))
				return true;
			break;
		case T_STR_PREFIX:
			if (v->len >= l->len && !memcmp(v->s, l->s, l->len))
				return true;
			break;
		case T_STR_SUFFIX:
			if (v->len >= l->len && !memcmp(v->s + v->len - l->len, l->s, l->len))
				return true;
			break;
		default:
			*ok = false;
			return false;
		}
	}
	return false;
}

/* runtime/tpc.bpf.h tpc_sa__in with the IR's CIDR (v4 as ::ffff:a.b.c.d
 * with prefix + 96). */
static bool cidr_in(const struct eval_sa *sa, const uint8_t c[17])
{
	int bits = c[16];
	bool v4 = !memcmp(c, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) && bits >= 96;
	const uint8_t *a;
	uint8_t a4[16];
	int base = 0;

	if (v4) {
		if (sa->family == 10 && !memcmp(sa->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12))
			a = sa->addr + 12;
		else if (sa->family == 2)
			a = sa->addr;
		else
			return false;
		memset(a4, 0, sizeof(a4));
		memcpy(a4 + 12, a, 4);
		a = a4;
		base = 96;
	} else {
		if (sa->family != 10)
			return false;
		a = sa->addr;
	}
	for (int b = base; b < bits && b < 128; b++) {
		uint8_t m = (uint8_t)(0x80 >> (b % 8));

		if ((a[b / 8] & m) != (c[b / 8] & m))
			return false;
	}
	return true;
}

static bool sa_test(const struct ir_pred *x, const struct eval_val *v, bool *ok)
{
	const struct eval_sa *sa = &v->sa[x->bit ? 1 : 0];

	if (x->test != T_CIDR && x->test != T_PORT && x->test != T_FAMILY && x->test != T_PROTO &&
	    x->test != T_STATE) {
		*ok = false;
		return false;
	}
	if (x->test == T_CIDR) {
		for (size_t i = 0; i < x->ncidrs; i++)
			if (cidr_in(sa, x->cidrs[i]))
				return true;
		return false;
	}
	for (size_t i = 0; i < x->nvals; i++) {
		switch (x->test) {
		case T_PORT:
			if (sa->port >= x->vals[i] && sa->port <= x->his[i])
				return true;
			break;
		case T_FAMILY:
			if (v->sa[0].family == x->vals[i])
				return true;
			break;
		case T_PROTO:
			if (v->protocol == x->vals[i])
				return true;
			break;
		case T_STATE:
			if (v->state == x->vals[i])
				return true;
			break;
		default:
			*ok = false;
			return false;
		}
	}
	return false;
}

/* ---- process sources ----------------------------------------------- */

static bool path_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* Membership of a binary path in set `bit` (tpc_binsets__eval). */
static bool binset_has(struct run *R, int bit, const char *bin, struct span at)
{
	const struct ir_binset *b = NULL;
	size_t blen = bin ? strlen(bin) : 0;

	for (size_t i = 0; i < R->o->binsets.n; i++)
		if (R->o->binsets.v[i].bit == bit)
			b = &R->o->binsets.v[i];
	if (!b) {
		refuse(R, at, "a binary set the object does not define");
		return false;
	}
	if (b->ident) {
		/* a case names its binary by path; the set holds the node's
		 * (device, inode) pairs, which no case can give */
		if (!R->err) {
			diag__error(R->env->d, R->env->at, "eval-unsupported",
				    "tpc test cannot evaluate matchBinaries in inode identity "
				    "mode (" AST_OPT_MATCH_BINARIES ": inode): its verdict depends "
				    "on the device and inode of the node's files, which a case "
				    "does not give");
			diag__note(R->env->d, b->span, "used here");
			R->err = -EOPNOTSUPP;
		}
		return false;
	}
	if (!bin || !bin[0])
		return false; /* no image path resolved: in no set */
	for (size_t k = 0; k < b->values.n; k++) {
		const struct ir_strlit *l = &b->values.v[k];
		const char *canon;

		switch (b->op) {
		case OP_IN:
		case OP_NOT_IN:
			if (blen == l->len && !memcmp(bin, l->s, l->len))
				return true;
			canon = R->env->resolve ? R->env->resolve(R->env->ctx, l->s) : NULL;
			if (path_eq(canon, bin))
				return true;
			break;
		case OP_PREFIX:
		case OP_NOT_PREFIX:
			if (blen >= l->len && !memcmp(bin, l->s, l->len))
				return true;
			break;
		case OP_POSTFIX:
		case OP_NOT_POSTFIX:
			if (blen >= l->len && !memcmp(bin + blen - l->len, l->s, l->len))
				return true;
			break;
		default:
			refuse(R, b->span, "matchBinaries with this operator");
			return false;
		}
	}
	return false;
}

static bool pidset_has(struct run *R, int bit, struct span at)
{
	const struct ir_pidset *ps = NULL;

	for (size_t i = 0; i < R->o->pidsets.n; i++)
		if (R->o->pidsets.v[i].bit == bit)
			ps = &R->o->pidsets.v[i];
	if (!ps) {
		refuse(R, at, "a followForks pid set the object does not define");
		return false;
	}
	for (size_t k = 0; k < ps->pids.n; k++) {
		int64_t want = ps->pids.v[k];

		if ((ps->ns ? R->proc->nspid : R->proc->pid) == want)
			return true;
		for (size_t i = 0; i < R->proc->nancestors; i++) {
			const int64_t *anc = ps->ns && R->proc->ancestors_ns ? R->proc->ancestors_ns
									      : R->proc->ancestors;

			if (anc && anc[i] == want)
				return true;
		}
	}
	return false;
}

/* A Kubernetes label selector on the pod (loader/k8s/scope.c). */
static const char *pod_label(const struct eval_pod *pod, const char *key)
{
	if (!strcmp(key, TPC_SCOPE_NS_KEY))
		return pod->ns;
	if (!strcmp(key, TPC_SCOPE_NAME_KEY))
		return pod->name;
	for (size_t i = 0; i < pod->nlabels; i++)
		if (!strcmp(pod->labels[i].key, key))
			return pod->labels[i].value;
	return NULL;
}

static const char *image_repo(struct run *R, const char *image)
{
	size_t n;
	char *out;
	const char *slash, *colon;

	if (!image || !image[0])
		return NULL;
	n = strcspn(image, "@");
	out = arena__strndup(R->env->a, image, n);
	slash = strrchr(out, '/');
	colon = strrchr(out, ':');
	if (colon && (!slash || colon > slash))
		out[colon - out] = 0;
	return out;
}

static const char *cont_label(struct run *R, const struct eval_pod *pod, const char *key)
{
	if (!strcmp(key, "name"))
		return pod->container;
	if (!strcmp(key, "repo"))
		return image_repo(R, pod->image);
	if (!strcmp(key, "image"))
		return pod->image && pod->image[0] ? pod->image : NULL;
	return NULL;
}

static bool req_holds(const char *v, const char *op, const struct ast_str *vals, size_t n,
		      bool *ok)
{
	bool in = false;

	for (size_t k = 0; v && k < n; k++)
		in |= vals[k].s && !strcmp(v, vals[k].s);
	if (!strcmp(op, "In"))
		return in;
	if (!strcmp(op, "NotIn"))
		return !in; /* Kubernetes: true when the label is absent */
	if (!strcmp(op, "Exists"))
		return v != NULL;
	if (!strcmp(op, "DoesNotExist"))
		return v == NULL;
	*ok = false;
	return false;
}

static bool selector_holds(struct run *R, const struct ast_label_selector *ls, bool container)
{
	const struct eval_pod *pod = &R->proc->pod;
	bool ok = true;

	if (!ls)
		return true;
	for (size_t i = 0; i < ls->label_keys.n; i++) {
		const char *k = ls->label_keys.v[i].s ? ls->label_keys.v[i].s : "";
		const char *v = container ? cont_label(R, pod, k) : pod_label(pod, k);

		if (!v || !ls->label_values.v[i].s || strcmp(v, ls->label_values.v[i].s))
			return false;
	}
	for (size_t i = 0; i < ls->exprs.n; i++) {
		const struct ast_label_req *r = &ls->exprs.v[i];
		const char *k = r->key.s ? r->key.s : "";
		const char *v = container ? cont_label(R, pod, k) : pod_label(pod, k);

		if (!req_holds(v, r->op_name.s ? r->op_name.s : "", r->values.v, r->values.n, &ok)) {
			if (!ok)
				refuse(R, r->span, "this label selector operator");
			return false;
		}
	}
	return true;
}

/* Is the process in the workload scope of map `map`? */
static bool scope_in(struct run *R, int map, struct span at)
{
	const struct ir_map *m;
	const struct eval_pod *pod = &R->proc->pod;

	if (map < 0 || (size_t)map >= R->o->maps.n || R->o->maps.v[map].kind != MAP_SCOPE) {
		refuse(R, at, "a workload scope the object does not define");
		return false;
	}
	m = &R->o->maps.v[map];
	if (!pod->present)
		return false; /* host processes are in no pod's scope */
	if (m->scope.ns && m->scope.ns[0] && (!pod->ns || strcmp(m->scope.ns, pod->ns)))
		return false;
	if (!selector_holds(R, m->scope.pods, false))
		return false;
	if (m->scope.containers) {
		if (!pod->container)
			return false; /* the pod-level cgroup is no container */
		return selector_holds(R, m->scope.containers, true);
	}
	return true;
}

static bool ctx_int(struct run *R, const struct ir_pred *x, uint64_t *v)
{
	const struct eval_proc *pr = R->proc;

	switch (x->src) {
	case SRC_PID:
		*v = (uint32_t)pr->pid;
		return true;
	case SRC_TID:
		*v = (uint32_t)pr->tid;
		return true;
	case SRC_UID:
		*v = (uint32_t)pr->uid;
		return true;
	case SRC_GID:
		*v = (uint32_t)pr->gid;
		return true;
	case SRC_EUID:
		*v = (uint32_t)pr->euid;
		return true;
	case SRC_EGID:
		*v = (uint32_t)pr->egid;
		return true;
	case SRC_PPID:
		*v = (uint32_t)pr->ppid;
		return true;
	case SRC_NSPID:
		*v = (uint32_t)pr->nspid;
		return true;
	case SRC_CGROUP:
		*v = (uint64_t)pr->cgroup;
		return true;
	case SRC_CAPS:
		*v = pr->caps[x->bit >= 0 && x->bit < 3 ? x->bit : 0];
		return true;
	default:
		return false;
	}
}

/* A namespace leaf: -1 stands for the host's namespace of that kind. */
static bool ns_test(struct run *R, const struct ir_pred *x, bool *ok)
{
	const struct eval_ns *ns;

	if (x->bit < 0 || x->bit >= NS__COUNT) {
		*ok = false;
		return false;
	}
	ns = &R->proc->ns[x->bit];
	for (size_t i = 0; i < x->nvals; i++) {
		bool eq = x->vals[i] == -1 ? ns->host : !ns->host && ns->inode == x->vals[i];

		switch (x->test) {
		case T_IN:
		case T_EQ:
			if (eq)
				return true;
			break;
		default:
			/* ordering tests against the host's inode need its number */
			if (x->vals[i] == -1 || ns->host) {
				*ok = false;
				return false;
			}
			{
				struct ir_pred one = *x;
				int64_t lo = x->vals[i];

				one.vals = &lo;
				one.his = NULL;
				one.nvals = 1;
				if (int_test(&one, (uint32_t)ns->inode, false, ok))
					return true;
				if (!*ok)
					return false;
			}
		}
	}
	return false;
}

/* ---- predicates ------------------------------------------------------ */

static bool pred_eval(struct run *R, const struct ir_pred *x);

static bool leaf_eval(struct run *R, const struct ir_pred *x)
{
	bool ok = true, r = false;
	uint64_t v;
	char what[96];

	switch (x->src) {
	case SRC_BINARY:
	case SRC_PBINARY:
		if (x->test != T_BIT)
			break;
		r = binset_has(R, x->bit,
			       x->src == SRC_BINARY ? R->proc->binary : R->proc->parent_binary,
			       x->span);
		goto done;
	case SRC_SCOPE:
		r = scope_in(R, x->map, x->span);
		goto done;
	case SRC_FOLLOW:
		r = pidset_has(R, x->bit, x->span);
		goto done;
	case SRC_CAPCHG: {
		int w = x->bit >= 0 && x->bit < 3 ? x->bit : 0;

		r = ((R->proc->caps[w] ^ R->proc->caps_exec[w]) & (uint64_t)x->vals[0]) != 0;
		goto done;
	}
	case SRC_NSCHG:
		r = false;
		for (int k = 0; k < NS__COUNT; k++) {
			const struct eval_ns *a = &R->proc->ns[k], *b = &R->proc->ns_exec[k];

			if (((uint64_t)x->vals[0] >> k & 1) &&
			    (a->host != b->host || (!a->host && a->inode != b->inode)))
				r = true;
		}
		goto done;
	case SRC_NS:
		r = ns_test(R, x, &ok);
		if (!ok) {
			refuse(R, x->span, "an ordering test on a namespace of the host");
			return false;
		}
		goto done;
	case SRC_ARG: {
		const struct ir_arg *a;
		const struct eval_val *val;

		if (x->slot < 0 || (size_t)x->slot >= R->p->args.n)
			break;
		a = &R->p->args.v[x->slot];
		if (arg_get(R, x->slot, &val))
			return false;
		switch (a->kind) {
		case AK_INT:
		case AK_CAPS:
			if (val->kind != EV_INT)
				break;
			if (x->test == T_GAINED) {
				/* CapabilitiesGained: slot2 (new) has a bit slot (old) lacks */
				const struct eval_val *nv;
				uint64_t old = (uint64_t)val->i;

				if (x->slot2 < 0 || (size_t)x->slot2 >= R->p->args.n ||
				    arg_get(R, x->slot2, &nv))
					return false;
				if (nv->kind != EV_INT)
					break;
				r = ((uint64_t)nv->i & ~old) != 0;
				goto checked;
			}
			r = int_test(x, eval__int_cast(a, val->i), a->is_signed, &ok);
			goto checked;
		case AK_USTR:
		case AK_KSTR:
		case AK_DATALOC:
		case AK_FILE:
		case AK_PATH:
		case AK_BPRM:
		case AK_DENTRY:
		case AK_FD:
		case AK_COMM:
			if (val->kind != EV_STR && val->kind != EV_NULL)
				break;
			if (x->test == T_FILETYPE) {
				unsigned mode = val->kind == EV_NULL ? 0 : val->mode & S_IFMT;

				for (size_t i = 0; i < x->nvals; i++)
					r |= mode == (unsigned)x->vals[i];
				goto done;
			}
			if (x->test == T_NLINK) {
				unsigned nl = val->kind == EV_NULL ? 0 : val->nlink;

				for (size_t i = 0; i < x->nvals; i++)
					r |= nl == (unsigned)x->vals[i];
				goto done;
			}
			r = str_test(x, val, &ok);
			goto checked;
		case AK_SOCKADDR:
		case AK_SOCK:
			if (val->kind != EV_SA)
				break;
			r = sa_test(x, val, &ok);
			goto checked;
		case AK_UBUF:
		case AK_KBUF:
		case AK_ITER:
		case AK_UIOV:
		case AK_KIOV:
		case AK_KOBJ:
		case AK_SKB:
		case AK_NETDEV:
			/* buffers and kernel objects: not modelled yet */
			break;
		}
		snprintf(what, sizeof(what), "an argument of kind %d with this value", (int)a->kind);
		refuse(R, x->span, what);
		return false;
	}
	default:
		if (ctx_int(R, x, &v)) {
			if (x->test == T_BIT)
				break;
			r = int_test(x, v, false, &ok);
			goto checked;
		}
	}
	snprintf(what, sizeof(what), "the %s test #%d on %s", x->negate ? "negated" : "plain",
		 (int)x->test, src_name(x->src) ? src_name(x->src) : "a new IR source");
	refuse(R, x->span, what);
	return false;
checked:
	if (!ok) {
		snprintf(what, sizeof(what), "test #%d on %s", (int)x->test,
			 src_name(x->src) ? src_name(x->src) : "a new IR source");
		refuse(R, x->span, what);
		return false;
	}
done:
	return x->negate ? !r : r;
}

static bool pred_eval(struct run *R, const struct ir_pred *x)
{
	if (!x)
		return true;
	switch (x->kind) {
	case P_TRUE:
		return true;
	case P_NOT:
		return x->nkids ? !pred_eval(R, x->kids[0]) : false;
	case P_AND:
		/* in order, stopping at the first false: only what runs reads */
		for (size_t i = 0; i < x->nkids && !R->err; i++)
			if (!pred_eval(R, x->kids[i]))
				return false;
		return true;
	case P_OR:
		for (size_t i = 0; i < x->nkids && !R->err; i++)
			if (pred_eval(R, x->kids[i]))
				return true;
		return false;
	case P_LEAF:
		return leaf_eval(R, x);
	}
	refuse(R, x->span, "a new kind of predicate node");
	return false;
}

uint64_t eval__scope_bits(const struct ir_object *o, const struct eval_env *env,
			  const struct eval_proc *proc)
{
	struct run R = { .o = o, .env = env, .proc = proc };
	uint64_t bits = 0;

	for (size_t i = 0; i < o->maps.n; i++)
		if (o->maps.v[i].kind == MAP_SCOPE && o->maps.v[i].scope.index < 64 &&
		    scope_in(&R, (int)i, SPAN_NONE))
			bits |= 1ull << o->maps.v[i].scope.index;
	return bits;
}

uint64_t eval__follow_bits(const struct ir_object *o, const struct eval_env *env,
			   const struct eval_proc *proc)
{
	struct run R = { .o = o, .env = env, .proc = proc };
	uint64_t bits = 0;

	for (size_t i = 0; i < o->pidsets.n; i++)
		if (o->pidsets.v[i].bit < 64 && pidset_has(&R, o->pidsets.v[i].bit, SPAN_NONE))
			bits |= 1ull << o->pidsets.v[i].bit;
	return bits;
}

/* ---- decisions ---------------------------------------------------- */

size_t eval__actions(const struct ir_object *o, const struct ir_spec *sp,
		     const struct ir_rule *r, const char **out, size_t max)
{
	const struct ir_action *act = &r->act;
	size_t n = 0;

	(void)o;
	(void)sp;
	for (size_t i = 0; i < act->nnames && n < max; i++) {
		const char *nm = act->names[i];

		/* monitor mode keeps the names but no enforcement */
		if ((!strcmp(nm, "Sigkill") && !act->kill) ||
		    (!strcmp(nm, "Signal") && !act->signal) ||
		    (!strcmp(nm, "Override") && !act->deny) ||
		    (!strcmp(nm, "Block") && !act->deny && !act->kill))
			continue;
		out[n++] = nm;
	}
	if (!n && max)
		out[n++] = act->post ? "Post" : "NoPost";
	return n;
}

int eval__run(const struct ir_object *o, const struct eval_env *env, const char *hook, bool ret,
	      const struct eval_proc *proc, struct eval_result *res)
{
	struct run R = { .o = o, .env = env, .proc = proc };

	memset(res, 0, sizeof(*res));
	for (size_t pi = 0; pi < o->progs.n && !R.err; pi++) {
		const struct ir_prog *p = o->progs.v[pi];

		R.p = p;
		R.vals = arena__calloc(env->a, p->args.n + 1, sizeof(*R.vals));
		R.state = arena__calloc(env->a, p->args.n + 1, sizeof(*R.state));
		for (size_t si = 0; si < p->specs.n && !R.err; si++) {
			const struct ir_spec *sp = &p->specs.v[si];

			if (!eval__hook_matches(p, sp, hook, ret))
				continue;
			res->nspecs++;
			if (p->kind == HOOK_NET || p->net) {
				refuse(&R, sp->span, "tpcNetwork hooks (their phases and socket owners)");
				break;
			}
			if (p->kind != HOOK_EXEC && p->kind != HOOK_KPROBE && p->kind != HOOK_FENTRY &&
			    p->kind != HOOK_TRACEPOINT && p->kind != HOOK_LSM &&
			    p->kind != HOOK_UPROBE) {
				refuse(&R, sp->span, "hooks of this kind");
				break;
			}
			R.sp = sp;
			/* every spec reads its own arguments (positions differ) */
			memset(R.state, 0, p->args.n + 1);
			if (sp->scope && !pred_eval(&R, sp->scope))
				continue;
			for (size_t ri = 0; ri < sp->rules.n && !R.err; ri++) {
				const struct ir_rule *r = &sp->rules.v[ri];
				struct eval_decision *dc;

				if (!pred_eval(&R, r->pred) || R.err)
					continue;
				if (res->n >= EVAL_MAX_DECISIONS) {
					refuse(&R, sp->span, "more than 64 matching hook entries");
					break;
				}
				dc = &res->v[res->n++];
				dc->policy = sp->policy;
				dc->prog = p;
				dc->spec = sp;
				dc->rule = r;
				dc->nactions = eval__actions(o, sp, r, dc->actions, 8);
				break; /* first match wins within the spec */
			}
		}
	}
	if (R.err)
		return R.err;
	return res->nspecs ? 0 : -ENOENT;
}
