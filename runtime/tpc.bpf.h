/* tpc.bpf.h - the one header generated objects include before their own
 * binary-set evaluator; tpc_proc.bpf.h comes after it (see there). */
#ifndef TPC_BPF_H
#define TPC_BPF_H

#include "tpc_core.bpf.h"
#include "tpc_path.bpf.h"
#include "tpc_str.bpf.h"

#include <bpf/bpf_endian.h>

/* Actions (bpf_send_signal targets the current thread group). */
#ifdef TPC_TESTRUN
#include "tpc_test.bpf.h"
#endif

TPC_INLINE void tpc_act__signal(struct tpc_ev_hdr *h, int sig)
{
#ifndef TPC_TESTRUN /* the test entry signals nobody: it records */
	bpf_send_signal(sig);
#endif
	if (h) {
		h->action |= sig == 9 ? TPC_ACT_SIGKILL : TPC_ACT_SIGNAL;
		h->ret = sig;
	}
}

/* Process context values (cheap helpers; read where a test needs them). */
#define TPC_PID() ((u32)(bpf_get_current_pid_tgid() >> 32))
#define TPC_TID() ((u32)bpf_get_current_pid_tgid())
#define TPC_UID() ((u32)bpf_get_current_uid_gid())
#define TPC_GID() ((u32)(bpf_get_current_uid_gid() >> 32))
#define TPC_CGROUP() bpf_get_current_cgroup_id()
#define TPC_EUID() BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), cred, euid.val)

#define TPC_CURRENT() ((struct task_struct *)bpf_get_current_task())
#define TPC_PPID() ((u32)BPF_CORE_READ(TPC_CURRENT(), real_parent, tgid))
#define TPC_EGID() BPF_CORE_READ(TPC_CURRENT(), cred, egid.val)

#ifdef TPC_TESTRUN /* the case's process instead of current */
#undef TPC_PID
#undef TPC_TID
#undef TPC_UID
#undef TPC_GID
#undef TPC_CGROUP
#undef TPC_EUID
#undef TPC_PPID
#undef TPC_EGID
#define TPC_PID() (tpc_test__case()->pid)
#define TPC_TID() (tpc_test__case()->tid)
#define TPC_UID() (tpc_test__case()->uid)
#define TPC_GID() (tpc_test__case()->gid)
#define TPC_CGROUP() (tpc_test__case()->cgroup)
#define TPC_EUID() (tpc_test__case()->euid)
#define TPC_PPID() (tpc_test__case()->ppid)
#define TPC_EGID() (tpc_test__case()->egid)
#endif

/* Capability sets as a u64: on kernels before 6.3 kernel_cap_t is u32[2],
 * which reads as the same little-endian u64. */
TPC_INLINE u64 tpc_caps(int which)
{
#ifdef TPC_TESTRUN
	return tpc_test__case()->caps[which == 1 ? 1 :
				      which == 2 ? 2 :
						   0];
#endif
	const struct cred *c = BPF_CORE_READ(TPC_CURRENT(), cred);
	u64 v = 0;

	if (which == 0)
		BPF_CORE_READ_INTO(&v, c, cap_effective);
	else if (which == 1)
		BPF_CORE_READ_INTO(&v, c, cap_inheritable);
	else
		BPF_CORE_READ_INTO(&v, c, cap_permitted);
	return v;
}

/* A capability set passed by address (security_capset's const
 * kernel_cap_t *, or a cred's set reached by resolve): its 8 bytes, 0 when
 * the address is NULL or unreadable. */
TPC_INLINE u64 tpc_caps__at(u64 addr)
{
	u64 v = 0;

	if (addr)
		bpf_probe_read_kernel(&v, sizeof(v), (const void *)addr);
	return v;
}

/* Namespace inode numbers of a task; kinds in tables.h order (Uts Ipc Mnt
 * Pid PidForChildren Net Time TimeForChildren Cgroup User). */
TPC_INLINE u32 tpc_ns_of(struct task_struct *t, int kind)
{
	struct nsproxy *np = BPF_CORE_READ(t, nsproxy);

	switch (kind) {
	case 0:
		return BPF_CORE_READ(np, uts_ns, ns.inum);
	case 1:
		return BPF_CORE_READ(np, ipc_ns, ns.inum);
	case 2:
		return BPF_CORE_READ(np, mnt_ns, ns.inum);
	case 3: {
		struct pid *pid = BPF_CORE_READ(t, thread_pid);
		unsigned int level = BPF_CORE_READ(pid, level);
		struct pid_namespace *ns = NULL;

		bpf_probe_read_kernel(&ns, sizeof(ns), &pid->numbers[level & 31].ns);
		return BPF_CORE_READ(ns, ns.inum);
	}
	case 4:
		return BPF_CORE_READ(np, pid_ns_for_children, ns.inum);
	case 5:
		return BPF_CORE_READ(np, net_ns, ns.inum);
	case 6:
		return BPF_CORE_READ(np, time_ns, ns.inum);
	case 7:
		return BPF_CORE_READ(np, time_ns_for_children, ns.inum);
	case 8:
		return BPF_CORE_READ(np, cgroup_ns, ns.inum);
	default:
		return BPF_CORE_READ(t, real_cred, user_ns, ns.inum);
	}
}

/* "host_ns": the namespaces of init_task, found in the kernel as the top
 * of the current task's real_parent chain (init_task is its own parent),
 * so the object needs no node-specific value and no data symbol in
 * kallsyms (often absent: CONFIG_KALLSYMS_ALL off). Cached in a map: a
 * .bss variable next to a bpf_loop callback made libbpf 1.1 drop func_info. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u32);
} tpc_host_ns_map SEC(".maps");

/* The walk up to init_task, a global function: the verifier checks it
 * once, on its own. Inlined, its loop was explored again for every state a
 * fused program reached it in (lazily read fields, cached bits, earlier
 * rules' branches), 128 steps each time: seeds 53 and 30017 of the
 * difftest ran out of the 1M-instruction budget there. A global function
 * takes and returns scalars only, so the kind is a number and the cache
 * slot is looked up again here. */
__noinline u32 tpc_host_ns__walk(int kind)
{
	struct task_struct *t = TPC_CURRENT(), *up;
	u32 k = (u32)kind & 15, v, *c;

	/* process trees are shallow; 128 parents is far beyond any real one */
	for (int i = 0; i < 128; i++) {
		up = BPF_CORE_READ(t, real_parent);
		if (!up || up == t)
			break;
		t = up;
	}
	v = tpc_ns_of(t, kind);
	c = bpf_map_lookup_elem(&tpc_host_ns_map, &k);
	if (c)
		*c = v;
	return v;
}

TPC_INLINE u32 tpc_host_ns(int kind)
{
	u32 k = (u32)kind & 15, *c = bpf_map_lookup_elem(&tpc_host_ns_map, &k);

	if (c && *c)
		return *c;
	return tpc_host_ns__walk(kind);
}

#define TPC_NS(kind) tpc_ns_of(TPC_CURRENT(), kind)

/* The tgid of t's thread group in its own (deepest) pid namespace: what
 * getpid() returns inside a container (matchPIDs isNamespacePID). */
TPC_INLINE u32 tpc_nspid_of(struct task_struct *t)
{
	struct pid *pid = BPF_CORE_READ(t, group_leader, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	int nr = 0;

	bpf_probe_read_kernel(&nr, sizeof(nr), &pid->numbers[level & 31].nr);
	return (u32)nr;
}

#define TPC_NSPID() tpc_nspid_of(TPC_CURRENT())

/* At sched_process_exit: the exiting thread's tgid when it is its process's
 * leader (the per-process tables forget the process then), else 0. */
TPC_INLINE u32 tpc_exit__leader_tgid(void)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();

	return (u32)pid_tgid == (u32)(pid_tgid >> 32) ? (u32)(pid_tgid >> 32) : 0;
}
#define TPC_HOST_NS(kind) tpc_host_ns(kind)

#ifdef TPC_TESTRUN
#undef TPC_NS
#undef TPC_NSPID
#undef TPC_HOST_NS
#define TPC_NS(kind) (tpc_test__case()->ns[(kind) % 10])
#define TPC_NSPID() (tpc_test__case()->nspid)
#define TPC_HOST_NS(kind) (tpc_test__case()->host_ns[(kind) % 10])
#endif

/* Current comm into buf (16 bytes); returns its length. */
TPC_INLINE int tpc_str__comm(char *buf)
{
	int n = 0;

#ifdef TPC_TESTRUN
	bpf_probe_read_kernel(buf, 16, tpc_test__case()->comm);
#else
	bpf_get_current_comm(buf, 16);
#endif
	for (int i = 0; i < 16; i++) {
		if (!buf[i])
			break;
		n++;
	}
	return n;
}

/* i_mode (type and permission bits) of the inode behind an argument: the
 * event's permission; FileType tests its S_IFMT bits. */
#define TPC_S_IFMT 0170000
TPC_INLINE u32 tpc_imode__of_dentry(struct dentry *d)
{
	return BPF_CORE_READ(d, d_inode, i_mode);
}

TPC_INLINE u32 tpc_imode__of_file(struct file *f)
{
	return BPF_CORE_READ(f, f_inode, i_mode);
}

TPC_INLINE u32 tpc_imode__of_path(struct path *p)
{
	return tpc_imode__of_dentry(BPF_CORE_READ(p, dentry));
}

TPC_INLINE u32 tpc_imode__of_fd(long fd)
{
	struct file *f = tpc_file__of_fd(fd);

	return f ? tpc_imode__of_file(f) : 0;
}

TPC_INLINE u32 tpc_imode__of_bprm(struct linux_binprm *b)
{
	return tpc_imode__of_file(BPF_CORE_READ(b, file));
}

#define tpc_mode__of_dentry(d) (tpc_imode__of_dentry(d) & TPC_S_IFMT)
#define tpc_mode__of_file(f) (tpc_imode__of_file(f) & TPC_S_IFMT)
#define tpc_mode__of_path(p) (tpc_imode__of_path(p) & TPC_S_IFMT)
#define tpc_mode__of_fd(fd) (tpc_imode__of_fd(fd) & TPC_S_IFMT)
#define tpc_mode__of_bprm(b) (tpc_imode__of_bprm(b) & TPC_S_IFMT)

/* Link count of the inode (Unlinked: 0 once every name is removed, e.g. a
 * file deleted while open or an O_TMPFILE never linked). i_nlink is a
 * const member of a union; __i_nlink is its writable twin. */
TPC_INLINE u32 tpc_nlink__of_file(struct file *f)
{
	return BPF_CORE_READ(f, f_inode, __i_nlink);
}

TPC_INLINE u32 tpc_nlink__of_path(struct path *p)
{
	return BPF_CORE_READ(p, dentry, d_inode, __i_nlink);
}

TPC_INLINE u32 tpc_nlink__of_bprm(struct linux_binprm *b)
{
	return tpc_nlink__of_file(BPF_CORE_READ(b, file));
}

#ifdef TPC_NEED_RATE
/* rateLimit: one event per (rule, thread|process|everyone) per period.
 * LRU, so a storm of distinct keys evicts old ones instead of failing. */
struct tpc_rate_key {
	u32 rule;
	u32 scope;
	u64 id;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct tpc_rate_key);
	__type(value, u64);
} tpc_rate SEC(".maps");

/* pid_tgid: whose thread/process the scope means (network events: the
 * socket's owner, not current) */
TPC_INLINE bool tpc_rate__allow_for(u32 rule, u32 scope, u64 pid_tgid, u64 period_ns)
{
	u64 now = bpf_ktime_get_ns(), *last;
	struct tpc_rate_key k = { rule, scope,
				  scope == 0 ? (u32)pid_tgid :
				  scope == 1 ? pid_tgid >> 32 :
					       0 };

#ifdef TPC_TESTRUN /* every case is a first event (as the evaluator has it) */
	return true;
#endif
	last = bpf_map_lookup_elem(&tpc_rate, &k);
	if (last && now - *last < period_ns) {
		tpc_stat__inc(TPC_STAT_RATE_LIMITED);
		return false;
	}
	bpf_map_update_elem(&tpc_rate, &k, &now, BPF_ANY);
	return true;
}

TPC_INLINE bool tpc_rate__allow(u32 rule, u32 scope, u64 period_ns)
{
	return tpc_rate__allow_for(rule, scope, bpf_get_current_pid_tgid(), period_ns);
}
#endif

/* Event payload writers: o is the write offset into s->ev; every access is
 * masked into the first half of the buffer so the verifier can bound it. */
#define TPC_EV_MASK (TPC_EV_MAX / 2 - 1)

TPC_INLINE u32 tpc_ev__put_int(struct tpc_scratch *s, u32 o, u64 v)
{
#ifdef TPC_TEST_FAULT_EVENT /* tests/e2e/tpctest.sh: a wrong event must be caught */
	v ^= 1;
#endif
	*(u64 *)&s->ev[o & TPC_EV_MASK] = v;
	return o + 8;
}

TPC_INLINE u32 tpc_ev__put_str(struct tpc_scratch *s, u32 o, const char *p, int len)
{
	struct tpc_ev_str *h = (void *)&s->ev[o & TPC_EV_MASK];
	u32 n = len > 0 ? (u32)len : 0;

	if (n > TPC_STR_MAX - 1)
		n = TPC_STR_MAX - 1;
	h->len = n;
	h->flags = 0;
	h->orig = n;
	/* keep the mask: clang drops it when it knows len's range, and the
	 * verifier may not (a length read back from the scratch map) */
	barrier_var(n);
	bpf_probe_read_kernel(&s->ev[(o + 8) & TPC_EV_MASK], n & (TPC_STR_MAX - 1), p);
	return o + 8 + ((n + 7) & ~7u);
}

/* A buffer argument (enc "str", char_buf): the copied bytes, and the
 * length the program passed (orig, capped at 32 bits); TPC_STR_TRUNCATED
 * when fewer bytes were copied than that. */
TPC_INLINE u32 tpc_ev__put_buf(struct tpc_scratch *s, u32 o, const char *p, int len, u64 size)
{
	u32 next = tpc_ev__put_str(s, o, p, len);
	struct tpc_ev_str *h = (void *)&s->ev[o & TPC_EV_MASK];

	h->orig = size > 0xffffffffull ? 0xffffffffu : (u32)size;
	h->flags = size > h->len ? TPC_STR_TRUNCATED : 0;
	return next;
}

/* A resolved path and its inode's mode (enc "path"): the str layout with
 * the mode where a string keeps its original length. */
TPC_INLINE u32 tpc_ev__put_path(struct tpc_scratch *s, u32 o, const char *p, int len, u32 mode)
{
	u32 next = tpc_ev__put_str(s, o, p, len);

	((struct tpc_ev_path *)&s->ev[o & TPC_EV_MASK])->mode = mode;
	return next;
}

TPC_INLINE u32 tpc_ev__put_sa(struct tpc_scratch *s, u32 o, const struct tpc_ev_sockaddr *sa)
{
	__builtin_memcpy(&s->ev[o & TPC_EV_MASK], sa, sizeof(*sa));
	return o + sizeof(*sa);
}

/* One stack trace at o (BPF_F_USER_STACK in flags: the user one), copied
 * straight into the record: no stack-trace map, so no bucket a later stack
 * can take before the loader reads it. The frames may run past the first
 * half of the buffer the other writers keep to, up to the room left for
 * the trailer. */
#define TPC_STACK_BYTES (TPC_STACK_DEPTH * 8)
#define TPC_STACK_ROOM (TPC_EV_MAX - TPC_STACK_BYTES - sizeof(struct tpc_ev_stacks))
TPC_INLINE u32 tpc_ev__put_stack(void *ctx, struct tpc_scratch *s, u32 o, s32 *len, u64 flags)
{
	long n;

	if (o > TPC_STACK_ROOM) {
		*len = -7; /* -E2BIG */
		return o;
	}
	barrier_var(o);
	n = bpf_get_stack(ctx, &s->ev[o & (TPC_EV_MAX - 1)], TPC_STACK_BYTES, flags);
	*len = (s32)n;
	return n > 0 ? o + ((u32)n & ~7u) : o;
}

/* Post's stack traces (kernel: k, user: u) and the struct tpc_ev_stacks
 * trailer that ends the record. */
TPC_INLINE u32 tpc_ev__put_stacks(void *ctx, struct tpc_scratch *s, u32 o, bool k, bool u)
{
	struct tpc_ev_stacks st = {};

	if (k)
		o = tpc_ev__put_stack(ctx, s, o, &st.kernel, 0);
	if (u)
		o = tpc_ev__put_stack(ctx, s, o, &st.user, BPF_F_USER_STACK);
	if (o > TPC_EV_MAX - sizeof(st))
		return o; /* not reached: put_stack keeps the room */
	barrier_var(o);
	__builtin_memcpy(&s->ev[o & (TPC_EV_MAX - 1)], &st, sizeof(st));
	return o + sizeof(st);
}

/* Read a struct sockaddr (user or kernel memory) into the ABI form. */
TPC_INLINE void tpc_sa__read(struct tpc_ev_sockaddr *out, const void *sa, bool user)
{
	u8 raw[28];

	__builtin_memset(out, 0, sizeof(*out));
	__builtin_memset(raw, 0, sizeof(raw));
	if (user)
		bpf_probe_read_user(raw, sizeof(raw), sa);
	else
		bpf_probe_read_kernel(raw, sizeof(raw), sa);
	out->family = *(u16 *)raw;
	out->port = (u16)(raw[2] << 8 | raw[3]);
	if (out->family == 2 /* AF_INET */)
		__builtin_memcpy(out->addr, &raw[4], 4);
	else if (out->family == 10 /* AF_INET6 */)
		__builtin_memcpy(out->addr, &raw[8], 16);
}

/* The destination of a cgroup connect hook in the ABI form. connect4
 * programs may not touch user_ip6 (and connect6 not user_ip4), so each
 * has its own reader. */
TPC_INLINE void tpc_sa__from_connect4(struct tpc_ev_sockaddr *out, struct bpf_sock_addr *ctx)
{
	u32 a = ctx->user_ip4;

	__builtin_memset(out, 0, sizeof(*out));
	out->family = 2;
	out->port = bpf_ntohs((u16)ctx->user_port);
	out->protocol = ctx->protocol;
	__builtin_memcpy(out->addr, &a, 4);
}

TPC_INLINE void tpc_sa__from_connect6(struct tpc_ev_sockaddr *out, struct bpf_sock_addr *ctx)
{
	u32 a[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };

	__builtin_memset(out, 0, sizeof(*out));
	out->family = 10;
	out->port = bpf_ntohs((u16)ctx->user_port);
	out->protocol = ctx->protocol;
	__builtin_memcpy(out->addr, a, 16);
}

/* Destination ([0]) and source ([1]) of a struct sock in the ABI form. */
TPC_INLINE void tpc_sa__from_sock(struct tpc_ev_sockaddr *out, struct sock *sk)
{
	u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);

	__builtin_memset(out, 0, 2 * sizeof(*out));
	out[0].family = out[1].family = fam;
	out[0].protocol = out[1].protocol = BPF_CORE_READ(sk, sk_protocol);
	out[0].port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	out[1].port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (fam == 2) {
		u32 d = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		u32 s = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);

		__builtin_memcpy(out[0].addr, &d, 4);
		__builtin_memcpy(out[1].addr, &s, 4);
	} else if (fam == 10) {
		BPF_CORE_READ_INTO(&out[0].addr, sk, __sk_common.skc_v6_daddr);
		BPF_CORE_READ_INTO(&out[1].addr, sk, __sk_common.skc_v6_rcv_saddr);
	}
}

/* Address test against a network in ::ffff:a.b.c.d form for v4 (so one
 * constant form serves both families); words are loaded little-endian. */
TPC_INLINE bool tpc_sa__in(const struct tpc_ev_sockaddr *sa, u64 net_hi, u64 net_lo,
			   u64 mask_hi, u64 mask_lo, bool v4)
{
	if (v4) {
		u32 a = *(const u32 *)sa->addr;

		/* an IPv4 peer reached through an IPv6 socket (::ffff:a.b.c.d)
		 * is the same destination: a v4 network must match it too, or
		 * a dual-stack socket walks around DAddr/Block */
		if (sa->family == 10 && *(const u64 *)sa->addr == 0 &&
		    *(const u32 *)&sa->addr[8] == 0xffff0000u /* ::ffff: little endian */)
			a = *(const u32 *)&sa->addr[12];
		else if (sa->family != 2)
			return false;
		return (a & (u32)(mask_lo >> 32)) == (u32)(net_lo >> 32);
	}
	return sa->family == 10 && (*(const u64 *)sa->addr & mask_hi) == net_hi &&
	       (*(const u64 *)&sa->addr[8] & mask_lo) == net_lo;
}

#endif
