/* the owner of every new socket, from the process creating it */
SEC("cgroup/sock_create")
int tpc_net_sock_create(struct bpf_sock *ctx)
{
	return tpc_net__on_sock_create(ctx);
}

