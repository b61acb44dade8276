// SPDX-License-Identifier: GPL-2.0
/* uprobe.bpf.c - uprobe on libc's getcwd for processes named "tpcprobe"
 * (a copy of pwd the test runs); posts the size argument. */
#include "tpc_test.bpf.h"

struct ev {
	struct tpc_ev_hdr hdr;
	__u64 size;
};

SEC("uprobe")
int BPF_KPROBE(tpc_h0_getcwd, char *buf, unsigned long size)
{
	char comm[16];
	struct ev *e;

	bpf_get_current_comm(comm, sizeof(comm));
	if (comm[0] != 't' || comm[1] != 'p' || comm[2] != 'c' || comm[3] != 'p' ||
	    comm[4] != 'r' || comm[5] != 'o' || comm[6] != 'b' || comm[7] != 'e' || comm[8])
		return 0;
	e = bpf_ringbuf_reserve(&tpc_events, sizeof(*e), 0);
	if (!e) {
		tpc_stat_inc(TPC_STAT_RB_DROPS);
		return 0;
	}
	tpc_hdr(&e->hdr, sizeof(*e), 0, TPC_ACT_POST, 0);
	e->size = size;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}
