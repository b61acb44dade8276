/* ldr_cgroup.h - what a cgroup path says about a process (container id,
 * runtime, pod UID, QoS class), and cgroup v2 ids -> directories.
 *
 * Contract: ldr_cgroup__parse() reads the kubelet's layouts, wherever the
 * kubepods component sits in the path:
 *   systemd driver: .../kubepods.slice[/kubepods-<qos>.slice]
 *                   /kubepods[-<qos>]-pod<uid, '-' as '_'>.slice
 *                   /{cri-containerd,crio,docker}-<64 hex>.scope[/...]
 *                   (kind-style "kubelet-kubepods-..." prefixes too)
 *   cgroupfs driver: .../kubepods[/<qos>]/pod<uid>/[crio-|docker-]<64 hex>[/...]
 * A container leaf outside kubepods (docker, podman, systemd-run containers)
 * still yields the container id, without a pod.  A pod-level directory
 * yields the pod without a container.  Anything else (crio-conmon-*,
 * malformed ids or UIDs) yields nothing: -ENOENT.
 *
 * struct ldr_cgmap maps cgroup v2 ids (the kernfs inode number, what
 * bpf_get_current_cgroup_id() returns) to paths below the cgroup2 mount:
 * open_by_handle_at() first, else a cache filled by walking the mount and
 * rescanned on a miss at most every LDR_CGMAP_RESCAN_MS.  Thread-safe.
 */
#ifndef TPC_LDR_CGROUP_H
#define TPC_LDR_CGROUP_H

#include <stddef.h>
#include <stdint.h>

enum ldr_cg_runtime { LDR_RT_UNKNOWN, LDR_RT_CONTAINERD, LDR_RT_CRIO, LDR_RT_DOCKER };
enum ldr_cg_qos { LDR_QOS_NONE, LDR_QOS_GUARANTEED, LDR_QOS_BURSTABLE, LDR_QOS_BESTEFFORT };

#define LDR_CGMAP_RESCAN_MS 1000

struct ldr_cg_ident {
	enum ldr_cg_runtime runtime;
	enum ldr_cg_qos qos;
	char container_id[65]; /* 64 lower-case hex, or "" */
	char pod_uid[37];      /* canonical "8-4-4-4-12" (or 32 hex, static pods), or "" */
};

/* 0 when the path names a container or a pod, else -ENOENT. */
int ldr_cgroup__parse(const char *path, struct ldr_cg_ident *out);
/* /proc/PID/cgroup text: the v2 line ("0::") when it parses, else the
 * first v1 controller line that does. */
int ldr_cgroup__parse_proc(const char *text, struct ldr_cg_ident *out);
const char *ldr_cg_runtime__name(enum ldr_cg_runtime rt);
const char *ldr_cg_qos__name(enum ldr_cg_qos q);

struct ldr_cgmap;

/* root: the cgroup2 mount (NULL or a missing dir: every lookup fails). */
struct ldr_cgmap *ldr_cgmap__new(const char *root);
void ldr_cgmap__free(struct ldr_cgmap *m);
/* The path (absolute, under root) of a cgroup id; 0 or -ENOENT. */
int ldr_cgmap__path(struct ldr_cgmap *m, uint64_t id, char *out, size_t outlen);
/* Walk root now (also done lazily on a miss). */
int ldr_cgmap__rescan(struct ldr_cgmap *m);

/* The cgroups of a pod (pod_uid NULL: of every pod), found by a fresh walk:
 * fn(ctx, id, path, ident) for the pod-level directory (ident->container_id
 * "") and each container directory below it.  fn runs with the map's lock held: it must not call
 * ldr_cgmap functions.  Returns how many were found, or -errno. */
int ldr_cgmap__pod_cgroups(struct ldr_cgmap *m, const char *pod_uid,
			   void (*fn)(void *ctx, uint64_t id, const char *path,
				      const struct ldr_cg_ident *ident),
			   void *ctx);

#endif
