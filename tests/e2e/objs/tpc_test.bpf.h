/* tpc_test.bpf.h - what hand-written test objects share: the two maps the
 * ABI names (TPC_EVENTS_MAP ring buffer, TPC_STATS_MAP counters) and a
 * header filler.  These objects stand in for `tpc build` output until the
 * compiler emits them; they follow runtime/include/tpc_abi.h and
 * docs/object-format.md exactly (metadata is added by the test script with
 * llvm-objcopy --add-section .tpc.meta=FILE). */
#ifndef TPC_TEST_BPF_H
#define TPC_TEST_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "tpc_abi.h"
#include "path.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 18);
} tpc_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TPC_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} tpc_stats SEC(".maps");

static __always_inline void tpc_stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&tpc_stats, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline void tpc_hdr(struct tpc_ev_hdr *h, __u32 size, __u32 rule, __u32 action,
				    __s32 ret)
{
	__u64 pt = bpf_get_current_pid_tgid(), ug = bpf_get_current_uid_gid();

	h->kind = TPC_EV_HOOK;
	h->size = size;
	h->rule = rule;
	h->ktime = bpf_ktime_get_boot_ns();
	h->pid = pt >> 32;
	h->tid = (__u32)pt;
	h->uid = (__u32)ug;
	h->gid = ug >> 32;
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->action = action;
	h->ret = ret;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

#endif
