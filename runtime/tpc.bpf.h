/* tpc.bpf.h - the one header generated objects include before their own
 * binary-set evaluator; tpc_proc.bpf.h comes after it (see there). */
#ifndef TPC_BPF_H
#define TPC_BPF_H

#include "tpc_core.bpf.h"
#include "tpc_path.bpf.h"
#include "tpc_str.bpf.h"

#include <bpf/bpf_endian.h>

/* Actions (bpf_send_signal targets the current thread group). */
TPC_INLINE void tpc_act__signal(struct tpc_ev_hdr *h, int sig)
{
	bpf_send_signal(sig);
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

/* Event payload writers: o is the write offset into s->ev; every access is
 * masked into the first half of the buffer so the verifier can bound it. */
#define TPC_EV_MASK (TPC_EV_MAX / 2 - 1)

TPC_INLINE u32 tpc_ev__put_int(struct tpc_scratch *s, u32 o, u64 v)
{
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
	bpf_probe_read_kernel(&s->ev[(o + 8) & TPC_EV_MASK], n & (TPC_STR_MAX - 1), p);
	return o + 8 + ((n + 7) & ~7u);
}

TPC_INLINE u32 tpc_ev__put_sa(struct tpc_scratch *s, u32 o, const struct tpc_ev_sockaddr *sa)
{
	__builtin_memcpy(&s->ev[o & TPC_EV_MASK], sa, sizeof(*sa));
	return o + sizeof(*sa);
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

/* A struct sock in the ABI form: its remote side (src false: skc_daddr and
 * skc_dport, network order) or its local side (skc_rcv_saddr and skc_num,
 * host order). A struct sock is not a sockaddr: reading it as one gave
 * garbage, so DAddr/DPort on kprobe 'sock' arguments never matched. */
TPC_INLINE void tpc_sa__from_sock(struct tpc_ev_sockaddr *out, const struct sock *sk, bool src)
{
	__builtin_memset(out, 0, sizeof(*out));
	out->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	out->protocol = BPF_CORE_READ(sk, sk_protocol);
	if (src)
		out->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	else
		out->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (out->family == 2 /* AF_INET */) {
		u32 a = src ? BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr)
			    : BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(out->addr, &a, 4);
	} else if (out->family == 10 /* AF_INET6 */) {
		bpf_probe_read_kernel(out->addr, 16,
				      src ? (const void *)&sk->__sk_common.skc_v6_rcv_saddr
					  : (const void *)&sk->__sk_common.skc_v6_daddr);
	}
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

/* Address test against a network in ::ffff:a.b.c.d form for v4 (so one
 * constant form serves both families); words are loaded little-endian. */
TPC_INLINE bool tpc_sa__in(const struct tpc_ev_sockaddr *sa, u64 net_hi, u64 net_lo,
			   u64 mask_hi, u64 mask_lo, bool v4)
{
	if (v4) {
		u32 a = *(const u32 *)sa->addr;

		return sa->family == 2 && (a & (u32)(mask_lo >> 32)) == (u32)(net_lo >> 32);
	}
	return sa->family == 10 && (*(const u64 *)sa->addr & mask_hi) == net_hi &&
	       (*(const u64 *)&sa->addr[8] & mask_lo) == net_lo;
}

#endif
