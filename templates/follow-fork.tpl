/* a new process inherits its parent's followed pid sets */
SEC("tp_btf/sched_process_fork")
int tpc_follow_fork(u64 *ctx)
{
	tpc_follow__fork((struct task_struct *)ctx[0], (struct task_struct *)ctx[1]);
	return 0;
}

