/* a new image's capability sets: the baseline of matchCapabilityChanges */
SEC("tp_btf/sched_process_exec")
int tpc_capchg_exec(u64 *ctx)
{
	tpc_capchg__exec();
	return 0;
}

