// SPDX-License-Identifier: GPL-2.0
/* verifier_reject.bpf.c - a program the verifier must refuse (a map value
 * used without the NULL check), to test that the refusal names the
 * verifier's reason and that other objects keep running. */
#include "tpc_test.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int tpc_h0_bad(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&counts, &k);

	*v += 1; /* no NULL check: refused */
	return 0;
}
