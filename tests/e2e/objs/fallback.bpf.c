// SPDX-License-Identifier: GPL-2.0
/* fallback.bpf.c - a program group whose preferred variant (prio 0, a hook
 * kind this kernel supports) is refused by the verifier: the loader must
 * fall back to the next variant (prio 1) instead of refusing the object. */
#include "tpc_test.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} fb_counts SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tpc_fb_bad, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&fb_counts, &k);

	*v += 1; /* no NULL check: the verifier refuses this variant */
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int tpc_fb_good(void *ctx)
{
	__u32 k = 0;
	__u64 one = 1, *v = bpf_map_lookup_elem(&fb_counts, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&fb_counts, &k, &one, BPF_ANY);
	return 0;
}
