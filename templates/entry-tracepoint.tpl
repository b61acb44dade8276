SEC("@SEC@")
int @NAME@(void *ctx)
{
	tpc_p@PROG@(ctx, @V@);
	return 0;
}

