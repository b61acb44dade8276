SEC("@SEC@")
int @NAME@(@CTYPE@ *ctx)
{
	return TPC_@PROTO@_ENTRY_@ATTACH@(ctx, tpc_p@PROG@, @V@);
}

