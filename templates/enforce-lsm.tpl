/* a rule's deny request is carried out here */
SEC("lsm/@LSM@")
int tpc_enf_lsm@ID@(u64 *ctx)
{
	int prev = (int)ctx[@NARGS@];

	if (prev)
		return tpc_enforce__keep(prev);
	return tpc_enforce__verdict(@ID@);
}

