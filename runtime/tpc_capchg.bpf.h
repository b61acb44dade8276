/* tpc_capchg.bpf.h - matchCapabilityChanges and matchNamespaceChanges:
 * has a capability set (or a namespace) of the current process changed
 * since its exec?
 *
 * Contract: the object's exec program (tpc_capchg__exec, tp_btf/
 * sched_process_exec, which fires after the new image's credentials are
 * committed) records the process's effective, inheritable and permitted
 * sets as its baseline, in a direct-mapped array indexed by tgid and tagged
 * with (tgid, mm): a new image has a new mm, so it never sees its
 * predecessor's baseline. tpc_capchg__changed(which, mask) is true when
 * the bits of `mask` in set `which` differ between the baseline and now.
 * A rule that matched on a change calls tpc_capchg__update(), which makes
 * the current sets the new baseline, so one change is reported once (as
 * Tetragon does when it posts such an event). A process whose exec the
 * object did not see (it ran before the load) gets its sets at its first
 * test as the baseline: changes it made before the load are not seen.
 * The exit program clears the slot.
 *
 * With TPC_CHG_NS (the object has a matchNamespaceChanges), the baseline
 * also holds the ten namespace inodes (tpc_ns_of order, tables.h), and
 * tpc_nschg__changed(mask) is true when a namespace of a kind in `mask`
 * (bit k = kind k) differs from it; tpc_nschg__update() renews only the
 * namespaces, tpc_capchg__update() only the capability sets, as Tetragon
 * renews what its matched filter tested.
 */
#ifndef TPC_CAPCHG_BPF_H
#define TPC_CAPCHG_BPF_H

#include "tpc_core.bpf.h"

#define TPC_CAPCHG_SLOTS 32768

struct tpc_capchg_slot {
	u32 tgid;
	u32 valid;
	u64 mm;
	u64 caps[3]; /* enum cap_type order: Effective Inheritable Permitted */
#ifdef TPC_CHG_NS
	u32 ns[10]; /* namespace inodes, tpc_ns_of kinds */
#endif
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TPC_CAPCHG_SLOTS);
	__type(key, u32);
	__type(value, struct tpc_capchg_slot);
} tpc_capchg SEC(".maps");

TPC_INLINE struct tpc_capchg_slot *tpc_capchg__slot(u32 tgid)
{
	u32 idx = tgid & (TPC_CAPCHG_SLOTS - 1);

	return bpf_map_lookup_elem(&tpc_capchg, &idx);
}

TPC_INLINE void tpc_capchg__record_caps(struct tpc_capchg_slot *e)
{
	e->caps[0] = tpc_caps(0);
	e->caps[1] = tpc_caps(1);
	e->caps[2] = tpc_caps(2);
}

TPC_INLINE void tpc_capchg__record_ns(struct tpc_capchg_slot *e)
{
#ifdef TPC_CHG_NS
	struct task_struct *t = TPC_CURRENT();

	for (int k = 0; k < 10; k++)
		e->ns[k] = tpc_ns_of(t, k);
#endif
}

TPC_INLINE void tpc_capchg__record(struct tpc_capchg_slot *e, u32 tgid, u64 mm)
{
	e->tgid = tgid;
	e->mm = mm;
	tpc_capchg__record_caps(e);
	tpc_capchg__record_ns(e);
	e->valid = 1;
}

/* The current process's slot, its baseline recorded now if it had none. */
TPC_INLINE struct tpc_capchg_slot *tpc_capchg__cur(void)
{
	struct task_struct *t = TPC_CURRENT();
	u32 tgid = BPF_CORE_READ(t, tgid);
	u64 mm = (u64)BPF_CORE_READ(t, mm);
	struct tpc_capchg_slot *e = tpc_capchg__slot(tgid);

	if (!e || !mm)
		return NULL; /* kernel threads exec nothing */
	if (!e->valid || e->tgid != tgid || e->mm != mm)
		tpc_capchg__record(e, tgid, mm);
	return e;
}

TPC_INLINE bool tpc_capchg__changed(int which, u64 mask)
{
	int w = which == 1 ? 1 :
		which == 2 ? 2 :
			     0;
#ifdef TPC_TESTRUN
	struct tpc_test_case *c = tpc_test__case();

	return ((c->caps_exec[w] ^ c->caps[w]) & mask) != 0;
#endif
	struct tpc_capchg_slot *e = tpc_capchg__cur();

	if (!e)
		return false;
	return ((e->caps[w] ^ tpc_caps(which)) & mask) != 0;
}

TPC_INLINE void tpc_capchg__update(void)
{
#ifdef TPC_TESTRUN
	return;
#endif
	struct tpc_capchg_slot *e = tpc_capchg__cur();

	if (e)
		tpc_capchg__record_caps(e);
}

#ifdef TPC_CHG_NS
TPC_INLINE bool tpc_nschg__changed(u32 mask)
{
#ifdef TPC_TESTRUN
	struct tpc_test_case *c = tpc_test__case();
	bool ch = false;

	for (int k = 0; k < 10; k++)
		ch |= (mask & (1u << k)) && c->ns_exec[k] != c->ns[k];
	return ch;
#endif
	struct task_struct *t = TPC_CURRENT();
	struct tpc_capchg_slot *e = tpc_capchg__cur();

	if (!e)
		return false;
	for (int k = 0; k < 10; k++)
		if ((mask & (1u << k)) && e->ns[k] != tpc_ns_of(t, k))
			return true;
	return false;
}

TPC_INLINE void tpc_nschg__update(void)
{
#ifdef TPC_TESTRUN
	return;
#endif
	struct tpc_capchg_slot *e = tpc_capchg__cur();

	if (e)
		tpc_capchg__record_ns(e);
}
#endif

/* After exec (tp_btf/sched_process_exec): the new image's baseline. */
TPC_INLINE void tpc_capchg__exec(void)
{
	struct task_struct *t = TPC_CURRENT();
	u32 tgid = BPF_CORE_READ(t, tgid);
	struct tpc_capchg_slot *e = tpc_capchg__slot(tgid);

	if (e)
		tpc_capchg__record(e, tgid, (u64)BPF_CORE_READ(t, mm));
}

TPC_INLINE void tpc_capchg__exit(void)
{
	u32 tgid = tpc_exit__leader_tgid();
	struct tpc_capchg_slot *e;

	if (!tgid)
		return;
	e = tpc_capchg__slot(tgid);
	if (e && e->tgid == tgid)
		e->valid = 0;
}

#endif
