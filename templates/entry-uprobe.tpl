SEC("@SEC@")
int @NAME@(struct pt_regs *ctx)
{
	tpc_p@PROG@(ctx, @V@);
	return 0;
}

