// SPDX-License-Identifier: GPL-2.0
/* storm.bpf.c - tracepoint syscalls/sys_enter_getppid posting a bare hook
 * record for processes whose comm is "tpcstorm" (tests/tools/storm.c), so
 * the fault test can flood one object's ring buffer with events it counts
 * itself, without other processes' calls adding to them. */
#include "tpc_test.bpf.h"

SEC("tracepoint/syscalls/sys_enter_getppid")
int tpc_h0_storm(void *ctx)
{
	struct tpc_ev_hdr *e;
	char comm[16];

	bpf_get_current_comm(comm, sizeof(comm));
	if (comm[0] != 't' || comm[1] != 'p' || comm[2] != 'c' || comm[3] != 's' ||
	    comm[4] != 't' || comm[5] != 'o' || comm[6] != 'r' || comm[7] != 'm' || comm[8])
		return 0;
	e = bpf_ringbuf_reserve(&tpc_events, sizeof(*e), 0);
	if (!e) {
		tpc_stat_inc(TPC_STAT_RB_DROPS);
		return 0;
	}
	tpc_hdr(e, sizeof(*e), 0, TPC_ACT_POST, 0);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}
