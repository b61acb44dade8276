TPC_INLINE int tpc_p@PROG@(void *ctx, const int v)
{
	struct tpc_scratch *s = tpc_scratch__get();
@?EVENT@	struct tpc_ev_hdr *h;
@?EVENT@	u32 o;
	int ret = 0;
