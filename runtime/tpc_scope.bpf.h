/* tpc_scope.bpf.h - is the current task inside a policy's workload scope?
 *
 * Contract: a scoped policy (podSelector, containerSelector,
 * TracingPolicyNamespaced) has one hash map `tpc_scopeN` of cgroup v2 ids
 * (u64 -> u8) that tpc-loader fills with the cgroups of the pods (or
 * containers) its selector matches, before attaching the object and
 * whenever pods come and go. tpc_scope__in(map, idx) is true when the
 * current task's cgroup or one of its ancestors, up to TPC_SCOPE_DEPTH
 * levels below the root, is in the map. An empty map matches nothing: a
 * scoped policy never falls back to "everything". Generated code defines
 * TPC_NSCOPES (its number of scope maps) before including this header.
 *
 * Why ancestors: the loader inserts the pod's cgroup
 * (kubepods-burstable-pod<uid>.slice), and a container cgroup created
 * later under it is in scope the moment it exists, with no loader round
 * trip. bpf_get_current_ancestor_cgroup_id() gives the ancestor at an
 * absolute level (0 = root) and 0 past the task's own level. It is allowed
 * in every program type tpc emits (tracing programs since 5.10, cgroup
 * sock_addr programs since 5.7; `tpc verify` on 6.1 and 6.12 accepts it in
 * lsm, cgroup/connect4/6, tp_btf, fentry/fexit, kprobe, tracepoint, raw_tp
 * and uretprobe programs).
 *
 * Cost: a hash lookup is ~100 ns on the machines here (bench/scope.sh), so
 *  - the loader records per scope map the levels at which it inserted ids
 *    (tpc_scope_ctl.levels, set before the id goes in) and the walk asks
 *    only for those ancestors: one level (the pods') in a cluster;
 *  - the verdict for the current cgroup is cached per CPU, in a
 *    direct-mapped table of TPC_SCOPE_SLOTS per scope map, valid while
 *    tpc_scope_ctl.gen (bumped by the loader after every change) is the
 *    one it was computed under. gen is read before the walk, so a change
 *    racing with the walk leaves a slot tagged with the old gen, never
 *    used again. A slot is {cgroup id, check} with check = (gen << 1 |
 *    verdict) ^ hash(cgroup id): a slot torn by a program preempted on the
 *    same CPU while writing it fails the check (a miss), it never yields
 *    another cgroup's verdict.
 *
 * Cgroup ids are those of the default (v2) hierarchy: on a v1-only host
 * every task is in the v2 root, so nothing is in scope. An entry deeper
 * than TPC_SCOPE_DEPTH (tpc_abi.h) is never found; the pod level is 3
 * (kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid>.slice).
 */
#ifndef TPC_SCOPE_BPF_H
#define TPC_SCOPE_BPF_H

#include "tpc_core.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TPC_NSCOPES);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, u32);
	__type(value, struct tpc_scope_ctl);
} tpc_scope_ctl SEC(".maps");

struct tpc_scope_slot {
	u64 cgid;
	u64 check;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, (TPC_NSCOPES * TPC_SCOPE_SLOTS));
	__type(key, u32);
	__type(value, struct tpc_scope_slot);
} tpc_scope_cache SEC(".maps");

#ifndef TPC_NO_BPF_LOOP
#define tpc_ancestor_cgroup_id(level) bpf_get_current_ancestor_cgroup_id(level)
#else
/* Before 5.13 tracing programs cannot call bpf_get_current_ancestor_cgroup_id()
 * (5.10: "unknown func"); the same id from the task's default-hierarchy
 * cgroup: ancestor_ids[level] up to 5.x, ancestors[level]->kn->id since. */
struct cgroup___tpc_ids {
	u64 ancestor_ids[0];
} __attribute__((preserve_access_index));
struct cgroup___tpc_ptrs {
	struct cgroup *ancestors[0];
} __attribute__((preserve_access_index));

TPC_INLINE u64 tpc_ancestor_cgroup_id(int level)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	struct cgroup *cg = BPF_CORE_READ(t, cgroups, dfl_cgrp);
	u64 id = 0;

	if (!cg || level > BPF_CORE_READ(cg, level))
		return 0;
	if (bpf_core_field_exists(((struct cgroup___tpc_ids *)0)->ancestor_ids)) {
		bpf_core_read(&id, sizeof(id), &((struct cgroup___tpc_ids *)cg)->ancestor_ids[level]);
	} else {
		struct cgroup *a = NULL;

		bpf_core_read(&a, sizeof(a), &((struct cgroup___tpc_ptrs *)cg)->ancestors[level]);
		id = a ? BPF_CORE_READ(a, kn, id) : 0;
	}
	return id;
}
#endif

TPC_INLINE bool tpc_scope__walk(void *map, u32 levels)
{
#pragma unroll
	for (int level = 1; level <= TPC_SCOPE_DEPTH; level++) {
		u64 id;

		if (!(levels & (1u << level)))
			continue;
		id = tpc_ancestor_cgroup_id(level);
		if (!id)
			return false; /* the task is not that deep */
		if (bpf_map_lookup_elem(map, &id))
			return true;
	}
	return false;
}

TPC_INLINE bool tpc_scope__in(void *map, u32 idx)
{
#ifdef TPC_TESTRUN /* the harness decides the pod's scopes (the loader's part) */
	return (tpc_test__case()->scope_bits >> (idx & 63)) & 1;
#endif
	u64 *ctlp = bpf_map_lookup_elem(&tpc_scope_ctl, &idx);
	u64 ctl, cg, h, tag;
	struct tpc_scope_slot *sl;
	u32 k;
	bool in;

	if (!ctlp)
		return false;
	ctl = *(volatile u64 *)ctlp; /* levels and gen in one load */
	if (!(u32)ctl)
		return false; /* nothing inserted yet */
	cg = bpf_get_current_cgroup_id();
	h = cg * 0x9e3779b97f4a7c15ull;
	tag = ((ctl >> 32) << 1) ^ h;
	k = idx * TPC_SCOPE_SLOTS + ((u32)(h >> 60) & (TPC_SCOPE_SLOTS - 1));
	sl = bpf_map_lookup_elem(&tpc_scope_cache, &k);
	if (sl && sl->cgid == cg) {
		if (sl->check == tag)
			return false;
		if (sl->check == (tag ^ 1))
			return true;
	}
	in = tpc_scope__walk(map, (u32)ctl);
	if (sl) {
		sl->cgid = cg;
		sl->check = tag ^ in;
	}
	return in;
}

#endif
