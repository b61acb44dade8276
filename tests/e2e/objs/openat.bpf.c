// SPDX-License-Identifier: GPL-2.0
/* openat.bpf.c - tracepoint syscalls/sys_enter_openat posting dfd and the
 * filename for processes whose comm is "tpcprobe" (a copy of cat the test
 * runs), so the test sees only its own opens. */
#include "tpc_test.bpf.h"

struct ev {
	struct tpc_ev_hdr hdr;
	__s64 dfd;
	struct tpc_ev_str str;
	char name[TPC_STR_MAX];
};

SEC("tracepoint/syscalls/sys_enter_openat")
int tpc_h0_openat(struct trace_event_raw_sys_enter *ctx)
{
	char comm[16];
	struct ev *e;
	long n;

	bpf_get_current_comm(comm, sizeof(comm));
	if (comm[0] != 't' || comm[1] != 'p' || comm[2] != 'c' || comm[3] != 'p' ||
	    comm[4] != 'r' || comm[5] != 'o' || comm[6] != 'b' || comm[7] != 'e' || comm[8])
		return 0;
	e = bpf_ringbuf_reserve(&tpc_events, sizeof(*e), 0);
	if (!e) {
		tpc_stat_inc(TPC_STAT_RB_DROPS);
		return 0;
	}
	e->dfd = (int)ctx->args[0];
	n = bpf_probe_read_user_str(e->name, sizeof(e->name), (void *)ctx->args[1]);
	if (n < 1)
		n = 1;
	e->str.len = n - 1;
	e->str.flags = 0;
	e->str.orig = n - 1;
	tpc_hdr(&e->hdr, sizeof(e->hdr) + 8 + sizeof(e->str) + ((e->str.len + 7) & ~7u), 0,
		TPC_ACT_POST, 0);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}
