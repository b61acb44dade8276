// SPDX-License-Identifier: GPL-2.0
/* connect4.bpf.c - cgroup/connect4 deny: connect() to 127.0.0.1:47777 gets
 * EPERM (return 0) and posts an event with the destination; everything else
 * passes (return 1). */
#include "tpc_test.bpf.h"

#define BLOCKED_PORT 47777

struct ev {
	struct tpc_ev_hdr hdr;
	struct tpc_ev_sockaddr sa;
};

SEC("cgroup/connect4")
int tpc_h0_connect4(struct bpf_sock_addr *ctx)
{
	__u16 port = bpf_ntohs(ctx->user_port);
	__u32 ip = ctx->user_ip4;
	struct ev *e;

	if (port != BLOCKED_PORT || ip != bpf_htonl(0x7f000001))
		return 1;
	e = bpf_ringbuf_reserve(&tpc_events, sizeof(*e), 0);
	if (!e) {
		tpc_stat_inc(TPC_STAT_RB_DROPS);
		return 0;
	}
	tpc_hdr(&e->hdr, sizeof(*e), 0, TPC_ACT_POST | TPC_ACT_OVERRIDE, -1);
	__builtin_memset(&e->sa, 0, sizeof(e->sa));
	e->sa.family = 2;
	e->sa.port = port;
	e->sa.protocol = ctx->protocol;
	__builtin_memcpy(e->sa.addr, &ip, 4);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}
