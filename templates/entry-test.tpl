/* tpc test --kernel: the body on a case (runtime/include/tpc_test_abi.h) */
SEC("raw_tp")
int tpc_p@PROG@_test(u64 *ctx)
{
	tpc_p@PROG@(ctx, TPC_TESTV);
	return 0;
}

