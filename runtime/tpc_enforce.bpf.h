/* tpc_enforce.bpf.h - a syscall denied at the LSM hook it passes through,
 * for Override on a syscall kprobe and NotifyEnforcer's argError.
 *
 * Why: denying a syscall from its own entry needs bpf_override_return or
 * fmod_ret on it, and both need CONFIG_FUNCTION_ERROR_INJECTION, which
 * Debian's 5.10, 6.1 and 6.12 kernels leave unset. The operation a syscall
 * performs passes through an LSM hook (linkat: path_link, symlinkat:
 * path_symlink, ...; compiler/base/enforce.c), whose BPF LSM program's
 * return value is the verdict. So the matching hook records a request and
 * the object's enforcer program on that LSM hook returns the errno.
 *
 * Contract: a matching rule calls tpc_enforce__notify(hooks, err): the
 * current thread's next pass through an LSM hook whose bit (the object's
 * index of the hook, < 64) is in `hooks` fails with -err. The enforcer
 * program of LSM hook k returns tpc_enforce__verdict(k) (after an earlier
 * LSM's denial, which it keeps). The request lives until the thread leaves
 * one of the enforced syscalls: the object's sys_exit tracepoint programs
 * call tpc_enforce__clear(). So an Override (the request made at the
 * syscall's entry) applies to that syscall only, and a NotifyEnforcer
 * request waits, as Tetragon's does, for the thread's next enforced call.
 * A syscall that fails before it reaches the LSM hook returns its own
 * error. Requests are keyed by pid_tgid in an LRU hash, so a thread that
 * died with one pending cannot fill the map.
 */
#ifndef TPC_ENFORCE_BPF_H
#define TPC_ENFORCE_BPF_H

#include "tpc_core.bpf.h"

struct tpc_enforce_req {
	u64 hooks; /* bit k: the object's enforcer LSM hook k denies */
	s32 err; /* errno, positive */
	u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, struct tpc_enforce_req);
} tpc_enforce SEC(".maps");

TPC_INLINE void tpc_enforce__notify(u64 hooks, int err)
{
	u64 k = bpf_get_current_pid_tgid();
	struct tpc_enforce_req r = { .hooks = hooks, .err = err };

	bpf_map_update_elem(&tpc_enforce, &k, &r, BPF_ANY);
}

TPC_INLINE int tpc_enforce__verdict(u32 hook)
{
	u64 k = bpf_get_current_pid_tgid();
	struct tpc_enforce_req *r = bpf_map_lookup_elem(&tpc_enforce, &k);
	int err, zero;

	if (!r || !(r->hooks & (1ull << (hook & 63))))
		return 0;
	/* bounded for the verifier: 6.12 checks an LSM program returns
	 * [-4095, 0] (MAX_ERRNO) */
	err = r->err;
	if (err <= 0 || err > 4095)
		return -1;
	/* 0 - err, not -err: 6.12's verifier loses a register's bounds on
	 * BPF_NEG but keeps them through BPF_SUB */
	zero = 0;
	barrier_var(zero);
	return zero - err;
}

/* An earlier LSM's denial, kept, bounded as 6.12's verifier wants an LSM
 * program's return: [-MAX_ERRNO, 0]. The barrier keeps clang from folding
 * the two tests into one unsigned compare the verifier may not follow. */
TPC_INLINE int tpc_enforce__keep(int prev)
{
	if (prev > 0)
		return -1;
	barrier_var(prev);
	if (prev < -4095)
		return -1;
	return prev;
}

TPC_INLINE void tpc_enforce__clear(void)
{
	u64 k = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&tpc_enforce, &k);
}

#endif
