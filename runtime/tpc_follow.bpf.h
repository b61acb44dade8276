/* tpc_follow.bpf.h - matchPIDs with followForks: which of the object's pid
 * sets the current process or one of its ancestors belongs to.
 *
 * Contract: before including this header, generated code defines
 *     TPC_INLINE u64 tpc_pidsets__direct(u32 pid, u32 nspid);
 * returning one bit per followForks pid set that contains this process
 * itself (`pid` is its tgid as the host sees it, `nspid` its tgid in its
 * own pid namespace; a set with isNamespacePID compares nspid). The
 * "followed" bits of a process are the union of tpc_pidsets__direct over
 * the process and every ancestor, so the children of a matched process
 * stay matched, and their children, and so on (Tetragon walks at most ten
 * ancestors; tpc has no depth limit for processes forked while the object
 * is loaded).
 *
 * How: the bits live in a direct-mapped array indexed by tgid and tagged
 * with (tgid, start_time of the thread-group leader), so a recycled pid
 * never inherits a dead process's bits, and exec (same process, same
 * start_time) keeps them, as Tetragon does. The object's own fork program
 * (tpc_follow__fork, tp_btf/sched_process_fork) gives every new process
 * the parent's bits plus its own direct bits at fork time, so reparenting
 * after a parent's death loses nothing. A process that existed before the
 * object was loaded (or whose slot was taken by a colliding tgid) is
 * computed on its first event by walking real_parent up to init, at most
 * TPC_FOLLOW_DEPTH levels; for such a process an ancestor that died
 * before the load (the process was reparented to init or a subreaper) is
 * not seen. The exit program clears the slot. pid 0 (the idle task) is
 * nobody's ancestor here.
 */
#ifndef TPC_FOLLOW_BPF_H
#define TPC_FOLLOW_BPF_H

#include "tpc_core.bpf.h"

#define TPC_FOLLOW_SLOTS 32768
#define TPC_FOLLOW_DEPTH 64

struct tpc_follow_slot {
	u32 tgid;
	u32 valid;
	u64 start;
	u64 bits;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TPC_FOLLOW_SLOTS);
	__type(key, u32);
	__type(value, struct tpc_follow_slot);
} tpc_follow SEC(".maps");

struct tpc_follow_walk {
	struct task_struct *t;
	u64 bits;
};

/* One ancestor per bpf_loop() step: the body is verified once, where a
 * bounded loop of TPC_FOLLOW_DEPTH steps cost ~11k verified instructions
 * in every program that asks for the bits. */
static long tpc_follow__step(u32 i, void *ctx)
{
	struct tpc_follow_walk *w = ctx;
	struct task_struct *t = w->t, *up;
	u32 pid = BPF_CORE_READ(t, tgid);

	if (!t || !pid)
		return 1; /* the idle task: above init and kthreadd */
	w->bits |= tpc_pidsets__direct(pid, tpc_nspid_of(t));
	up = BPF_CORE_READ(t, real_parent);
	if (up == t)
		return 1;
	w->t = up;
	return 0;
}

/* The followed bits of task t's process by walking its ancestors. */
TPC_INLINE u64 tpc_follow__walk(struct task_struct *t)
{
	struct tpc_follow_walk w = { .t = t, .bits = 0 };

	bpf_loop(TPC_FOLLOW_DEPTH, tpc_follow__step, &w, 0);
	return w.bits;
}

TPC_INLINE struct tpc_follow_slot *tpc_follow__slot(u32 tgid)
{
	u32 idx = tgid & (TPC_FOLLOW_SLOTS - 1);

	return bpf_map_lookup_elem(&tpc_follow, &idx);
}

/* Followed bits of task t's process, through the cache. */
TPC_INLINE u64 tpc_follow__bits_of(struct task_struct *t)
{
	struct task_struct *leader = BPF_CORE_READ(t, group_leader);
	u32 tgid = BPF_CORE_READ(leader, tgid);
	u64 start = BPF_CORE_READ(leader, start_time);
	struct tpc_follow_slot *e = tpc_follow__slot(tgid);
	u64 bits;

	if (e && e->valid && e->tgid == tgid && e->start == start)
		return e->bits;
	bits = tpc_follow__walk(leader);
	if (e) {
		e->tgid = tgid;
		e->start = start;
		e->bits = bits;
		e->valid = 1;
	}
	return bits;
}

TPC_INLINE u64 tpc_follow__bits(void)
{
#ifdef TPC_TESTRUN
	return tpc_test__case()->follow_bits;
#endif
	return tpc_follow__bits_of(TPC_CURRENT());
}

/* A new process inherits its parent's bits (threads share their
 * process's slot and are skipped). */
TPC_INLINE void tpc_follow__fork(struct task_struct *parent, struct task_struct *child)
{
	u32 tgid = BPF_CORE_READ(child, tgid);
	struct tpc_follow_slot *e;
	u64 bits;

	if (BPF_CORE_READ(child, pid) != tgid)
		return;
	bits = tpc_follow__bits_of(parent) | tpc_pidsets__direct(tgid, tpc_nspid_of(child));
	e = tpc_follow__slot(tgid);
	if (!e)
		return;
	e->tgid = tgid;
	e->start = BPF_CORE_READ(child, start_time);
	e->bits = bits;
	e->valid = 1;
}

TPC_INLINE void tpc_follow__exit(void)
{
	u32 tgid = tpc_exit__leader_tgid();
	struct tpc_follow_slot *e;

	if (!tgid)
		return;
	e = tpc_follow__slot(tgid);
	if (e && e->tgid == tgid)
		e->valid = 0;
}

#endif
