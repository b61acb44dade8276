SEC("@SEC@")
int @NAME@(u64 *ctx)
{
	int prev = (int)ctx[@NARGS@];

	if (prev)
		return prev;
	return tpc_p@PROG@(ctx, @V@);
}

