/* the end of an enforced syscall ends its request */
SEC("tracepoint/syscalls/sys_exit_@SYSCALL@")
int tpc_enf_exit@ID@(void *ctx)
{
	tpc_enforce__clear();
	return 0;
}

