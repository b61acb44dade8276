/* tpc_socktrack.bpf.h - socket tracking (TrackSock, UntrackSock,
 * returnArgAction): later hooks on a tracked socket report its owner.
 *
 * Why: most network hooks run where the current task is not the process
 * the socket belongs to (softirq, a worker, another process the socket was
 * passed to). A hook that runs in the owner's context (sk_alloc's return,
 * tcp_create_openreq_child, ...) records the socket's owner; later hooks
 * with a `sock` argument replace the event's process (pid, tid) with it,
 * as Tetragon does. Selectors still test the current task.
 *
 * Contract: tpc_socktrack__track(sk) records the current process as sk's
 * owner; tpc_socktrack__untrack(sk) forgets it; tpc_socktrack__owner(h, sk)
 * rewrites h->pid/h->tid when sk is tracked. Entries are keyed by the
 * struct sock pointer in an LRU hash (a socket never untracked cannot fill
 * it; under pressure the oldest mapping goes, as in Tetragon); the object's
 * own free program (tpc_socktrack__free, on __sk_free or, where only
 * tracepoints attach, a TCP socket's move to TCP_CLOSE) forgets a socket
 * when it goes, so a reused pointer never inherits an old owner.
 */
#ifndef TPC_SOCKTRACK_BPF_H
#define TPC_SOCKTRACK_BPF_H

#include "tpc_core.bpf.h"

struct tpc_sock_owner {
	u32 pid; /* tgid */
	u32 tid;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32768);
	__type(key, u64);
	__type(value, struct tpc_sock_owner);
} tpc_socktrack SEC(".maps");

TPC_INLINE void tpc_socktrack__track(u64 sk)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tpc_sock_owner o = { .pid = pid_tgid >> 32, .tid = (u32)pid_tgid };

	if (sk)
		bpf_map_update_elem(&tpc_socktrack, &sk, &o, BPF_ANY);
}

TPC_INLINE void tpc_socktrack__untrack(u64 sk)
{
	bpf_map_delete_elem(&tpc_socktrack, &sk);
}

TPC_INLINE void tpc_socktrack__owner(struct tpc_ev_hdr *h, u64 sk)
{
	struct tpc_sock_owner *o;

	if (!sk)
		return;
	o = bpf_map_lookup_elem(&tpc_socktrack, &sk);
	if (o) {
		h->pid = o->pid;
		h->tid = o->tid;
	}
}

#endif
