/* The floor: a program that does nothing, on each hook the bench uses.
 * Built once per hook (-DHOOK_OPENAT, -DHOOK_EXEC, -DHOOK_CONNECT,
 * -DHOOK_TCPSTATE, -DHOOK_CGCONNECT4, -DHOOK_SOCKCREATE). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#if defined(HOOK_OPENAT)
SEC("tracepoint/syscalls/sys_enter_openat")
#elif defined(HOOK_EXEC)
SEC("tp_btf/sched_process_exec")
#elif defined(HOOK_CONNECT)
SEC("tracepoint/syscalls/sys_enter_connect")
#elif defined(HOOK_TCPSTATE)
SEC("tp_btf/inet_sock_set_state")
#elif defined(HOOK_CGCONNECT4)
SEC("cgroup/connect4")
#elif defined(HOOK_SOCKCREATE)
SEC("cgroup/sock_create")
#endif
int bench_empty(void *ctx)
{
#if defined(HOOK_CGCONNECT4) || defined(HOOK_SOCKCREATE)
	return 1; /* cgroup hooks: 1 allows */
#else
	return 0;
#endif
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
