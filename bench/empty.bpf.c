/* The floor: a program that does nothing, on each hook the bench uses.
 * Built once per hook (-DHOOK_OPENAT, -DHOOK_EXEC, -DHOOK_CONNECT). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#if defined(HOOK_OPENAT)
SEC("tracepoint/syscalls/sys_enter_openat")
#elif defined(HOOK_EXEC)
SEC("tp_btf/sched_process_exec")
#elif defined(HOOK_CONNECT)
SEC("tracepoint/syscalls/sys_enter_connect")
#endif
int bench_empty(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
