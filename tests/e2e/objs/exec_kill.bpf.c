// SPDX-License-Identifier: GPL-2.0
/* exec_kill.bpf.c - the seed "block-netcat" shape: one hook, two variants.
 * lsm/bprm_check_security denies with -EPERM where BPF LSM works; the
 * tp_btf/sched_process_exec fallback SIGKILLs the new image before it runs.
 * The binary set tpc_bin0 is filled by the loader (path_set, realpath). */
#include "tpc_test.bpf.h"

#define EPERM 1

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__uint(key_size, TPC_PATH_MAX);
	__type(value, __u8);
} tpc_bin0 SEC(".maps");

struct scratch {
	struct tpc_ev_hdr hdr;
	struct tpc_ev_str str;
	char key[TPC_PATH_MAX]; /* NUL padded: the hash key, and the event's bytes */
	struct tpc_pathbuf pb;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* Canonical path of the file being executed into s->key; 1 if in the set. */
static __always_inline int match(struct scratch *s, struct file *file, __u32 *len)
{
	__u32 trunc = 0, n;

	n = tpc_resolve_path(&s->pb, BPF_CORE_READ(file, f_path.dentry),
			     BPF_CORE_READ(file, f_path.mnt), &trunc);
	BOUND(n, 255);
	__builtin_memset(s->key, 0, sizeof(s->key));
	bpf_probe_read_kernel(s->key, n, s->pb.tmp);
	*len = n;
	return bpf_map_lookup_elem(&tpc_bin0, s->key) != NULL;
}

static __always_inline void post(struct scratch *s, __u32 len, __u32 action, __s32 ret)
{
	__u32 size = sizeof(s->hdr) + sizeof(s->str) + ((len + 7) & ~7u);

	tpc_hdr(&s->hdr, size, 0, action, ret);
	s->str.len = len;
	s->str.flags = 0;
	s->str.orig = len;
	if (size > sizeof(s->hdr) + sizeof(s->str) + TPC_PATH_MAX)
		return;
	if (bpf_ringbuf_output(&tpc_events, s, size, 0))
		tpc_stat_inc(TPC_STAT_RB_DROPS);
}

SEC("lsm/bprm_check_security")
int BPF_PROG(tpc_h0_lsm, struct linux_binprm *bprm)
{
	__u32 zero = 0, len;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);

	if (!s || !match(s, BPF_CORE_READ(bprm, file), &len))
		return 0;
	post(s, len, TPC_ACT_POST | TPC_ACT_OVERRIDE, -EPERM);
	return -EPERM;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tpc_h0_tp, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 zero = 0, len;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);

	if (!s || !match(s, BPF_CORE_READ(bprm, file), &len))
		return 0;
	bpf_send_signal(9);
	post(s, len, TPC_ACT_POST | TPC_ACT_SIGKILL, 9);
	return 0;
}
