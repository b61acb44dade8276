// SPDX-License-Identifier: GPL-2.0
/* base.bpf.c - the loader's always-on process sensor.
 *
 * Posts one record per exec (struct tpc_ev_exec + canonical binary path +
 * argument area + cwd), per whole-process fork (struct tpc_ev_fork) and per
 * whole-process exit (struct tpc_ev_exit) into base_events, so user space can
 * keep a process table and emit process_exec/process_exit.  Records are
 * submitted without a wake-up (one wake-up costs ~6.5 us on the VMs here);
 * the loader polls on a short timer, and a wake-up is forced only when the
 * ring is more than half full.  Every failed reserve is counted in
 * base_stats[TPC_STAT_RB_DROPS]: losses are never silent.
 *
 * CO-RE: built once against build/vmlinux.h and relocated at load time.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "tpc_abi.h"
#include "path.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* the loader may shrink it before load (bpf_map__set_max_entries) */
#define BASE_RB_SIZE (4u << 20)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BASE_RB_SIZE);
} base_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TPC_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} base_stats SEC(".maps");

/* Exec scratch: too big for the 512-byte stack.  The record is assembled in
 * rec and copied out with bpf_ringbuf_output (variable size). */
#define REC_DATA 2048
struct scratch {
	struct tpc_ev_exec ev;
	char data[REC_DATA];
	struct tpc_pathbuf pb;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} base_scratch SEC(".maps");

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&base_stats, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline __u64 wake_flags(void)
{
	/* Wake the consumer only when the ring is filling up; otherwise the
	 * loader's poll timer picks the record up. */
	if (bpf_ringbuf_query(&base_events, BPF_RB_AVAIL_DATA) >
	    bpf_ringbuf_query(&base_events, BPF_RB_RING_SIZE) / 2)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void fill_hdr(struct tpc_ev_hdr *h, __u16 kind, struct task_struct *task)
{
	h->kind = kind;
	h->rule = TPC_RULE_NONE;
	h->ktime = bpf_ktime_get_boot_ns();
	h->pid = BPF_CORE_READ(task, tgid);
	h->tid = BPF_CORE_READ(task, pid);
	h->uid = BPF_CORE_READ(task, cred, uid.val);
	h->gid = BPF_CORE_READ(task, cred, gid.val);
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->action = 0;
	h->ret = 0;
	BPF_CORE_READ_STR_INTO(&h->comm, task, comm);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tpc_base_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 zero = 0, trunc = 0, plen, alen = 0, clen, off, size;
	unsigned long arg_start, arg_end;
	struct scratch *s;
	struct file *file;

	s = bpf_map_lookup_elem(&base_scratch, &zero);
	if (!s)
		return 0;
	fill_hdr(&s->ev.hdr, TPC_EV_EXEC, task);
	s->ev.ppid = BPF_CORE_READ(task, real_parent, tgid);
	s->ev.euid = BPF_CORE_READ(task, cred, euid.val);
	s->ev.parent_ktime = 0;
	s->ev.flags = 0;
	s->ev.pad = 0;
	s->ev.auid = BPF_CORE_READ(task, loginuid.val);

	/* binary: canonical path of the file being executed */
	file = BPF_CORE_READ(bprm, file);
	plen = tpc_resolve_path(&s->pb, BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt),
			    &trunc);
	if (trunc)
		s->ev.flags |= TPC_EXEC_F_PATH_TRUNC;
	BOUND(plen, 255);
	bpf_probe_read_kernel(s->data, plen, s->pb.tmp);
	off = plen;

	/* arguments: the NUL-separated argv area of the new image */
	arg_start = BPF_CORE_READ(task, mm, arg_start);
	arg_end = BPF_CORE_READ(task, mm, arg_end);
	if (arg_end > arg_start) {
		alen = arg_end - arg_start;
		if (alen > TPC_EXEC_ARGS_MAX) {
			alen = TPC_EXEC_ARGS_MAX;
			s->ev.flags |= TPC_EXEC_F_ARGS_TRUNC;
		}
		BOUND(alen, 2047);
		BOUND(off, 255);
		if (bpf_probe_read_user(&s->data[off], alen,
					(void *)arg_start)) {
			s->ev.flags |= TPC_EXEC_F_ARGS_ERR;
			alen = 0;
		}
	}
	BOUND(off, 255);
	BOUND(alen, 2047);
	off += alen;

	/* cwd */
	trunc = 0;
	clen = tpc_resolve_path(&s->pb, BPF_CORE_READ(task, fs, pwd.dentry), BPF_CORE_READ(task, fs, pwd.mnt),
			    &trunc);
	if (trunc)
		s->ev.flags |= TPC_EXEC_F_CWD_TRUNC;
	BOUND(clen, 255);
	if (off > REC_DATA - TPC_PATH_MAX)
		return 0;
	BOUND(off, 2047);
	bpf_probe_read_kernel(&s->data[off], clen, s->pb.tmp);

	s->ev.path_len = plen;
	s->ev.args_len = alen;
	s->ev.cwd_len = clen;
	size = sizeof(s->ev) + off + clen;
	s->ev.hdr.size = size;
	if (size > sizeof(s->ev) + REC_DATA)
		return 0;
	if (bpf_ringbuf_output(&base_events, s, size, wake_flags()))
		stat_inc(TPC_STAT_RB_DROPS);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tpc_base_fork, struct task_struct *parent, struct task_struct *child)
{
	struct tpc_ev_fork *ev;

	/* threads share the process: only new thread groups matter */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	ev = bpf_ringbuf_reserve(&base_events, sizeof(*ev), 0);
	if (!ev) {
		stat_inc(TPC_STAT_RB_DROPS);
		return 0;
	}
	fill_hdr(&ev->hdr, TPC_EV_FORK, child);
	ev->hdr.size = sizeof(*ev);
	ev->hdr.cgroup_id = bpf_get_current_cgroup_id(); /* the child inherits it */
	ev->ppid = BPF_CORE_READ(parent, tgid);
	ev->pad = 0;
	bpf_ringbuf_submit(ev, wake_flags());
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tpc_base_exit, struct task_struct *p)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct tpc_ev_exit *ev;
	__u32 code;

	/* do_exit() decrements signal->live before this tracepoint; zero means
	 * the last thread of the process is leaving (group_dead).  Reading it
	 * instead of the group_dead argument keeps older kernels working. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	ev = bpf_ringbuf_reserve(&base_events, sizeof(*ev), 0);
	if (!ev) {
		stat_inc(TPC_STAT_RB_DROPS);
		return 0;
	}
	fill_hdr(&ev->hdr, TPC_EV_EXIT, task);
	ev->hdr.size = sizeof(*ev);
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	code = BPF_CORE_READ(task, exit_code);
	/* a group exit (signal, exit_group) leaves the real code here */
	if (BPF_CORE_READ(task, signal, flags) & 0x4 /* SIGNAL_GROUP_EXIT */)
		code = BPF_CORE_READ(task, signal, group_exit_code);
	ev->code = code;
	bpf_ringbuf_submit(ev, wake_flags());
	return 0;
}

/* A new cgroup v2 directory: the loader puts a new container of a scoped
 * pod into the policies' scope maps without polling (the pod-level entry
 * already covers it; this closes the containerSelector window as far as
 * it can be closed).  Reserved at its largest size: cgroup creation is
 * rare, and no per-CPU scratch is shared with the exec program. */
struct cgroup_rec {
	struct tpc_ev_cgroup ev;
	char path[TPC_CGROUP_PATH_MAX];
};

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(tpc_base_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct cgroup_rec *rec;
	long n;

	/* hierarchy 0 is the default (v2) one, whose ids BPF programs see */
	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return 0;
	rec = bpf_ringbuf_reserve(&base_events, sizeof(*rec), 0);
	if (!rec) {
		stat_inc(TPC_STAT_RB_DROPS);
		return 0;
	}
	fill_hdr(&rec->ev.hdr, TPC_EV_CGROUP, task);
	rec->ev.hdr.size = sizeof(*rec);
	rec->ev.id = BPF_CORE_READ(cgrp, kn, id);
	rec->ev.level = BPF_CORE_READ(cgrp, level);
	n = bpf_probe_read_kernel_str(rec->path, sizeof(rec->path), path);
	rec->ev.path_len = n > 0 ? n - 1 : 0;
	rec->ev.pad = 0;
	bpf_ringbuf_submit(rec, BPF_RB_FORCE_WAKEUP);
	return 0;
}
