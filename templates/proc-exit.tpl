/* forget a process's binary bits when it exits (pids are reused) */
SEC("tracepoint/sched/sched_process_exit")
int tpc_proc_exit(void *ctx)
{
@?PROC@	tpc_proc__exit();
@?FOLLOW@	tpc_follow__exit();
@?CAPCHG@	tpc_capchg__exit();
	return 0;
}
