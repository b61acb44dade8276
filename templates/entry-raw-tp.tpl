SEC("@SEC@")
int @NAME@(u64 *ctx)
{
	tpc_p@PROG@(ctx, @V@);
	return 0;
}

