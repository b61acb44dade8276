/* ldr_pods.h - the loader's store of this node's pods (Kubernetes API or
 * --pods-file), keyed by pod UID.
 *
 * Contract: a pod in the store is an immutable, refcounted snapshot: an
 * update builds a new struct ldr_pod and swaps it in, so readers (the event
 * path, policy scoping) hold a reference (pods__get, pods__by_container)
 * and read it without any lock; pod__put() drops it.  The store itself is
 * guarded by two locks: a writer lock that serializes updates and their
 * notifications, and a short reader lock around the table.
 *
 * An upsert of a pod with the resourceVersion already stored (a relist of
 * an unchanged pod) changes nothing and notifies nobody.
 *
 * Subscribers (pods__subscribe) are called after the table is updated, in
 * update order, with the writer lock held and the reader lock NOT held: a
 * callback may call pods__get/by_container/foreach/count, but must not
 * call pods__upsert*, pods__delete, pods__replace or pods__subscribe (that
 * would deadlock), and should be quick (it delays the next update, never
 * the event path).  old/new are borrowed for the duration of the call
 * (take pod__get_ref to keep one).  A new subscriber is first called with
 * POD_ADDED for every pod already stored, so it never misses one.
 *
 * Input is untrusted (API server, file): strings are bounded, excess labels
 * and containers are dropped (counted in ->dropped), and a pod without
 * metadata.uid/name/namespace is refused with -EINVAL.  All functions
 * return 0 or -errno.
 */
#ifndef TPC_LDR_PODS_H
#define TPC_LDR_PODS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LDR_POD_MAX_LABELS 256
#define LDR_POD_MAX_CONTAINERS 64
#define LDR_POD_MAX_STR 1024	  /* longer strings are refused (pod refused) */
#define LDR_POD_JSON_MAX (4u << 20) /* one Pod object */
#define LDR_CONTAINER_ID_MIN 12	  /* shortest prefix accepted by by_container */

struct ldr_kv {
	char *k;
	char *v;
};

struct ldr_container {
	char *id;	   /* lower-case hex, no scheme ("" while not started) */
	char *runtime;	   /* scheme: "containerd", "cri-o", "docker", ... */
	char *name;
	char *image;	   /* status image (name) */
	char *image_id;
	char *start_time;  /* RFC 3339 from state.running.startedAt, or "" */
};

struct ldr_pod {
	int refcnt;	   /* atomic; owned by pods.c */
	char *ns;
	char *name;
	char *uid;
	char *workload;
	char *workload_kind; /* "Deployment", "ReplicaSet", "Job", "CronJob", "Pod", ... */
	char *resource_version;
	struct ldr_kv *labels; /* sorted by key */
	size_t nlabels;
	struct ldr_container *containers;
	size_t ncontainers;
};

enum ldr_pod_change { POD_ADDED, POD_MODIFIED, POD_DELETED };

typedef void (*ldr_pods_cb)(void *ctx, enum ldr_pod_change what, const struct ldr_pod *old,
			    const struct ldr_pod *new_);

struct ldr_pods;

struct ldr_pods *pods__new(void);
void pods__free(struct ldr_pods *s);

/* One Pod object (JSON text or a parsed jansson object, json_t *). */
int pods__upsert_json(struct ldr_pods *s, const char *json, size_t len);
int pods__upsert_obj(struct ldr_pods *s, const void *json_obj);
int pods__delete(struct ldr_pods *s, const char *uid);
/* The whole set (a relist, a pods file): upsert every Pod in items (a
 * jansson array), then delete every stored pod not among them.  Pods that
 * fail to parse are skipped; returns the number stored, or -errno. */
int pods__replace(struct ldr_pods *s, const void *json_items);
/* A PodList JSON text ("kind": "PodList", items[]), e.g. `kubectl get pods
 * -o json`; err gets a one-line reason on failure. */
int pods__replace_list_json(struct ldr_pods *s, const char *json, size_t len, char *err,
			    size_t errlen);

/* Lookups: a new reference (pod__put it), or NULL. by_container takes a
 * full id or a prefix of at least LDR_CONTAINER_ID_MIN hex chars, with or
 * without a "scheme://"; *ci gets the container's index. */
struct ldr_pod *pods__get(struct ldr_pods *s, const char *uid);
struct ldr_pod *pods__by_container(struct ldr_pods *s, const char *id, size_t *ci);
size_t pods__count(struct ldr_pods *s);
/* Bumped by every change: a reader's cache is valid while it is equal. */
uint64_t pods__generation(struct ldr_pods *s);
/* Calls fn for every stored pod (references held during the calls, no
 * lock held); stops early when fn returns non-zero. */
int pods__foreach(struct ldr_pods *s, int (*fn)(void *ctx, const struct ldr_pod *p), void *ctx);

int pods__subscribe(struct ldr_pods *s, ldr_pods_cb cb, void *ctx);
/* Pods and labels dropped by the input bounds since start. */
uint64_t pods__dropped(struct ldr_pods *s);

struct ldr_pod *pod__get_ref(const struct ldr_pod *p);
void pod__put(struct ldr_pod *p);
const char *pod__label(const struct ldr_pod *p, const char *key);

/* Parse one Pod object into a new snapshot (refcnt 1), without a store;
 * exposed for tests.  *dropped counts labels/containers over the bounds. */
struct ldr_pod *pod__parse(const void *json_obj, unsigned *dropped, int *err);

#endif
