/* a freed socket is forgotten, so a reused pointer has no owner */
SEC("fentry/__sk_free")
int tpc_socktrack_free_fentry(u64 *ctx)
{
	tpc_socktrack__untrack(ctx[0]);
	return 0;
}

SEC("kprobe/__sk_free")
int tpc_socktrack_free_kprobe(struct pt_regs *ctx)
{
	tpc_socktrack__untrack((u64)PT_REGS_PARM1(ctx));
	return 0;
}

/* where only tracepoints attach: a TCP socket's close */
SEC("tp_btf/inet_sock_set_state")
int tpc_socktrack_free_tcp(u64 *ctx)
{
	if ((int)ctx[2] == 7 /* TCP_CLOSE */)
		tpc_socktrack__untrack(ctx[0]);
	return 0;
}

