/* ctl_publish.h - compiled objects published as ConfigMaps.
 *
 * Contract:
 *  - The objects live in a fixed set of ConfigMaps, PREFIX-0 .. PREFIX-(N-1)
 *    in the controller's namespace (the loader DaemonSet mounts them all
 *    into one projected volume, so the set of names cannot depend on the
 *    policies); each object is one binaryData key (KEY.bpf.o), each
 *    ConfigMap holds at most `budget` bytes of objects (the API's limit is
 *    1 MiB per ConfigMap).
 *  - ctl_pub__load() reads the current ConfigMaps (a missing one is empty).
 *  - ctl_pub__sync() makes the ConfigMaps hold exactly the desired objects:
 *    an object stays in its ConfigMap while it fits; one that no longer fits
 *    (or is new) goes to the first one with room, written there before it
 *    is removed from its old place, so no object is ever missing from the
 *    set a node sees; an entry marked `keep` (a policy whose new version
 *    did not compile) keeps whatever copy is published; keys of policies not
 *    in the desired set are removed.  Each write is one whole-object PUT
 *    (or POST) with the last resourceVersion read: a 409 conflict rereads
 *    that ConfigMap and returns -EAGAIN (the caller syncs again), so a
 *    concurrent writer is never overwritten and no write is half a set.
 *  - ownerReferences: a ConfigMap whose objects all belong to cluster-scoped
 *    TracingPolicy objects lists them as owners, so the garbage collector
 *    deletes it when every one of them is deleted while no controller runs;
 *    a ConfigMap that also holds a TracingPolicyNamespaced object (whose
 *    owner reference could not cross namespaces) has none, so the collector
 *    never removes an object of a policy that still exists.  The controller
 *    itself removes a deleted policy's key at once.
 * Functions return 0 or -errno; 401/403 give -EACCES with the hint logged.
 */
#ifndef TPC_CTL_PUBLISH_H
#define TPC_CTL_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "kapi.h"

#define CTL_PUB_SHARDS_MAX 64
#define CTL_PUB_LIMIT (1u << 20)

struct ctl_pub_want {
	const char *key;      /* binaryData key: tp.NAME.bpf.o */
	const char *b64;      /* the object in base64, or NULL with keep */
	size_t len;	      /* its decoded size */
	bool keep;	      /* keep the published copy, if any */
	const char *owner_name, *owner_uid; /* a TracingPolicy, or NULL */
	/* out: the ConfigMap index holding it after the sync, -1 if none
	 * (-ENOSPC in err when no ConfigMap has room) */
	int shard;
	int err;
	/* private to the sync */
	int old;
	bool moved;
};

struct ctl_shard {
	char name[256];
	char rv[KAPI_RV_MAX];
	bool exists;
	json_t *data;	/* binaryData as published: key -> base64 */
	json_t *owners; /* its ownerReferences as published */
};

struct ctl_pub {
	struct kapi *k;
	char ns[256];
	unsigned nshards;
	size_t budget;
	bool loaded;
	struct ctl_shard shards[CTL_PUB_SHARDS_MAX];
	unsigned long writes, conflicts;
};

int ctl_pub__init(struct ctl_pub *p, struct kapi *k, const char *ns, const char *prefix,
		  unsigned nshards, size_t budget);
void ctl_pub__fini(struct ctl_pub *p);
int ctl_pub__load(struct ctl_pub *p);
int ctl_pub__sync(struct ctl_pub *p, struct ctl_pub_want *want, size_t n);
/* The sync's plan, without writing: target[i] (new references) is what
 * ConfigMap i holds after the first phase (an object that moves is in its
 * old and its new place; the second phase drops the old copy); each want's
 * shard, old, moved and err are set.  For ctl_pub__sync() and the tests. */
int ctl_pub__plan(const struct ctl_pub *p, struct ctl_pub_want *want, size_t n, json_t **target);
/* the shard holding key now, or -1 */
int ctl_pub__where(const struct ctl_pub *p, const char *key);
/* decoded size of a base64 string */
size_t ctl_b64_len(const char *b64);

#endif
