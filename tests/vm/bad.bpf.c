/* bad.bpf.c - a verifier rejection on purpose, for `tpc verify`'s test:
 * 'bad' dereferences a scalar (every kernel refuses it), 'good' is fine. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_openat")
int bad(void *ctx)
{
	long *p = (long *)(long)bpf_get_prandom_u32();

	return *p;
}

SEC("tracepoint/syscalls/sys_enter_close")
int good(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
