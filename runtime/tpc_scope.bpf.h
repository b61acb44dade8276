/* tpc_scope.bpf.h - is the current task inside a policy's workload scope?
 *
 * Contract: a scoped policy (podSelector, containerSelector,
 * TracingPolicyNamespaced) has one hash map `tpc_scopeN` of cgroup v2 ids
 * (u64 -> u8) that tpc-loader fills with the cgroups of the pods (or
 * containers) its selector matches, before attaching the object and
 * whenever pods come and go. tpc_scope__in(map) is true when the current
 * task's cgroup or one of its ancestors, up to TPC_SCOPE_DEPTH levels below
 * the root, is in the map. An empty map matches nothing: a scoped policy
 * never falls back to "everything".
 *
 * Why ancestors: the loader inserts the pod's cgroup
 * (kubepods-burstable-pod<uid>.slice), and a container cgroup created
 * later under it is in scope the moment it exists, with no loader round
 * trip. bpf_get_current_ancestor_cgroup_id() gives the ancestor at an
 * absolute level (0 = root) and 0 past the task's own level, which ends
 * the walk early: a host process in system.slice/x.service costs two
 * lookups. The helper is allowed in every program type tpc emits (tracing
 * programs since 5.10, cgroup sock_addr programs since 5.7).
 *
 * Cgroup ids are those of the default (v2) hierarchy: on a v1-only host
 * every task is in the v2 root, so nothing is in scope.
 */
#ifndef TPC_SCOPE_BPF_H
#define TPC_SCOPE_BPF_H

#include "tpc_core.bpf.h"

/* TPC_SCOPE_DEPTH (tpc_abi.h): kubepods.slice/kubepods-burstable.slice/
 * kubepods-burstable-pod<uid>.slice is level 3, container cgroups level 4,
 * cgroups nested inside a container deeper; an entry deeper than the
 * depth is never found. */

TPC_INLINE bool tpc_scope__in(void *map)
{
#pragma unroll
	for (int level = 1; level <= TPC_SCOPE_DEPTH; level++) {
		u64 id = bpf_get_current_ancestor_cgroup_id(level);

		if (!id)
			return false;
		if (bpf_map_lookup_elem(map, &id))
			return true;
	}
	return false;
}

#endif
