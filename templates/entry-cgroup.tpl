SEC("@SEC@")
int @NAME@(struct bpf_sock_addr *ctx)
{
	return tpc_p@PROG@(ctx, @V@) ? 0 : 1;
}

