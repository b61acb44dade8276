/* ldr_scope.h - workload scope maps: which cgroups a scoped policy
 * (podSelector, containerSelector, TracingPolicyNamespaced) applies to.
 *
 * Contract: every `cgroup_scope` map of an object (docs/object-format.md)
 * is registered with ldr_scope__attach_obj() after the object is loaded and
 * BEFORE its programs are attached; that call fills the map from the pods
 * already in the store, so a known pod is never out of scope while the
 * policy runs. From then on the map follows the store (ldr_scope__on_pod,
 * a pods__subscribe callback) and new cgroups (ldr_scope__on_cgroup, fed by
 * the base sensor's cgroup_mkdir records):
 *  - a pod-level scope (podSelector, namespaced policy) holds the pod's
 *    cgroup directory (kubepods-...-pod<uid>.slice); the BPF check
 *    (runtime/tpc_scope.bpf.h) also matches its descendants, so a
 *    container created later is in scope at once;
 *    Before an id is inserted, its level's bit is set in the object's
 *    TPC_SCOPE_LEVELS_MAP slot for that map (the BPF check looks only
 *    there); bits are never cleared;
 *  - a container-level scope (containerSelector) holds the cgroups of the
 *    matching containers, which the loader can only insert once it knows
 *    the container's id and its directory exists.
 * When a pod changes, the new entries are inserted before stale ones are
 * deleted, so a pod that still matches is never briefly out of scope.
 * Without a pod source every scope map stays empty (the policy matches
 * nothing, never everything); that is logged once.
 * ldr_scope__detach_obj() forgets an object (before its maps are closed).
 * All entry points are thread-safe; callbacks take the scope's own lock and
 * may run on the pod store's writer thread.
 */
#ifndef TPC_LDR_SCOPE_H
#define TPC_LDR_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ldr_meta.h"
#include "k8s/ldr_pods.h"

struct ldr_scope;
struct ldr_cgmap;
struct bpf_object;

/* pods: the store (not owned); cgroot: the cgroup2 mount cgmap walks
 * (paths below it give a cgroup's level); has_source: false when nothing
 * feeds the store (no --pods-file, no API), which makes every scope empty. */
struct ldr_scope *ldr_scope__new(struct ldr_pods *pods, struct ldr_cgmap *cgmap,
				 const char *cgroot, bool has_source);
void ldr_scope__free(struct ldr_scope *sc);
/* A source started after creation (the Kubernetes API watch). */
void ldr_scope__set_source(struct ldr_scope *sc, bool has_source);

/* Register and fill the scope maps of object `owner` (an identity only:
 * k8s/ does not depend on core/'s object type): bpf loaded, not attached;
 * meta its metadata, name for messages. */
int ldr_scope__attach_obj(struct ldr_scope *sc, const void *owner, struct bpf_object *bpf,
			  const struct ldr_meta *meta, const char *name, char *err, size_t errlen);
void ldr_scope__detach_obj(struct ldr_scope *sc, const void *owner);

/* pods__subscribe callback (ctx: the struct ldr_scope) */
void ldr_scope__on_pod(void *ctx, enum ldr_pod_change what, const struct ldr_pod *old,
		       const struct ldr_pod *new_);
/* a cgroup v2 directory appeared at level (root 0); path below the
 * cgroup2 mount, ktime when it was created (CLOCK_BOOTTIME ns), for the
 * logged delay */
void ldr_scope__on_cgroup(void *ctx, uint64_t id, unsigned level, const char *path,
			  uint64_t ktime);

/* Entries currently in all registered maps (metrics, tests). */
size_t ldr_scope__entries(struct ldr_scope *sc);

/* Selector evaluation (exposed for tests). */
bool ldr_scope__pod_matches(const struct ldr_meta_scope *s, const struct ldr_pod *p);
bool ldr_scope__container_matches(const struct ldr_meta_scope *s, const struct ldr_container *c);
/* "docker.io/library/nginx:1.25@sha256:..." -> "docker.io/library/nginx" */
void ldr_image__repo(const char *image, char *out, size_t outlen);

#endif
