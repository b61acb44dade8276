/* pods.c - the pod store: immutable refcounted snapshots, a small table
 * (a node runs at most a few hundred pods, so lookups scan an array), and
 * subscribers told about every change. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "k8s/ldr_pods.h"

struct sub {
	ldr_pods_cb cb;
	void *ctx;
};

struct ldr_pods {
	pthread_mutex_t wlock; /* updates + notifications, in order */
	pthread_mutex_t rlock; /* the table below */
	struct ldr_pod **pods;
	size_t n, cap;
	uint64_t gen; /* atomic */
	uint64_t dropped; /* atomic */
	struct sub *subs;
	size_t nsubs;
};

/* --- snapshots ------------------------------------------------------------ */

struct ldr_pod *pod__get_ref(const struct ldr_pod *cp)
{
	struct ldr_pod *p = (struct ldr_pod *)cp;

	if (p)
		__atomic_fetch_add(&p->refcnt, 1, __ATOMIC_RELAXED);
	return p;
}

void pod__put(struct ldr_pod *p)
{
	if (!p || __atomic_sub_fetch(&p->refcnt, 1, __ATOMIC_ACQ_REL))
		return;
	free(p->ns);
	free(p->name);
	free(p->uid);
	free(p->workload);
	free(p->workload_kind);
	free(p->resource_version);
	for (size_t i = 0; i < p->nlabels; i++) {
		free(p->labels[i].k);
		free(p->labels[i].v);
	}
	free(p->labels);
	for (size_t i = 0; i < p->ncontainers; i++) {
		struct ldr_container *c = &p->containers[i];

		free(c->id);
		free(c->runtime);
		free(c->name);
		free(c->image);
		free(c->image_id);
		free(c->start_time);
	}
	free(p->containers);
	free(p);
}

const char *pod__label(const struct ldr_pod *p, const char *key)
{
	for (size_t i = 0; p && i < p->nlabels; i++)
		if (!strcmp(p->labels[i].k, key))
			return p->labels[i].v;
	return NULL;
}

/* --- parsing ---------------------------------------------------------------- */

/* A bounded copy of obj[key] when it is a string; "" when absent.  -E2BIG
 * for an oversized one, -ENOMEM. */
static int str_of(json_t *obj, const char *key, char **out)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	size_t n = json_is_string(v) ? json_string_length(v) : 0;

	*out = NULL;
	if (n > LDR_POD_MAX_STR || memchr(s, 0, n))
		return -E2BIG;
	*out = strndup(s, n);
	return *out ? 0 : -ENOMEM;
}

static json_t *path_get(json_t *o, const char *a, const char *b)
{
	o = json_is_object(o) ? json_object_get(o, a) : NULL;
	return b && json_is_object(o) ? json_object_get(o, b) : o;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ldr_kv *)a)->k, ((const struct ldr_kv *)b)->k);
}

static int parse_labels(struct ldr_pod *p, json_t *labels, unsigned *dropped)
{
	const char *k;
	json_t *v;
	size_t n = json_is_object(labels) ? json_object_size(labels) : 0;

	if (!n)
		return 0;
	p->labels = calloc(n < LDR_POD_MAX_LABELS ? n : LDR_POD_MAX_LABELS, sizeof(*p->labels));
	if (!p->labels)
		return -ENOMEM;
	json_object_foreach(labels, k, v) {
		size_t kl = strlen(k), vl = json_is_string(v) ? json_string_length(v) : 0;

		if (!json_is_string(v) || p->nlabels >= LDR_POD_MAX_LABELS ||
		    kl > LDR_POD_MAX_STR || vl > LDR_POD_MAX_STR ||
		    memchr(json_string_value(v), 0, vl)) {
			(*dropped)++;
			continue;
		}
		p->labels[p->nlabels].k = strdup(k);
		p->labels[p->nlabels].v = strndup(json_string_value(v), vl);
		if (!p->labels[p->nlabels].k || !p->labels[p->nlabels].v) {
			p->nlabels++;
			return -ENOMEM;
		}
		p->nlabels++;
	}
	qsort(p->labels, p->nlabels, sizeof(*p->labels), kv_cmp);
	return 0;
}

/* "containerd://<hex>" -> runtime "containerd", id "<hex>" (lower case).
 * An id that is not hex is kept as given (other runtimes). */
static int split_container_id(const char *full, struct ldr_container *c)
{
	const char *sep = strstr(full, "://");
	const char *id = sep ? sep + 3 : full;

	c->runtime = sep ? strndup(full, sep - full) : strdup("");
	c->id = strdup(id);
	if (!c->runtime || !c->id)
		return -ENOMEM;
	for (char *q = c->id; *q; q++)
		if (*q >= 'A' && *q <= 'F')
			*q += 'a' - 'A';
	return 0;
}

static int parse_statuses(struct ldr_pod *p, json_t *arr, unsigned *dropped)
{
	size_t i;
	json_t *cs;
	int err = 0;

	if (!json_is_array(arr))
		return 0;
	json_array_foreach(arr, i, cs) {
		struct ldr_container *c;
		char *cid = NULL;

		if (!json_is_object(cs))
			continue;
		if (p->ncontainers >= LDR_POD_MAX_CONTAINERS) {
			(*dropped)++;
			continue;
		}
		c = &p->containers[p->ncontainers++];
		if ((err = str_of(cs, "containerID", &cid)) ||
		    (err = split_container_id(cid, c)) || (err = str_of(cs, "name", &c->name)) ||
		    (err = str_of(cs, "image", &c->image)) ||
		    (err = str_of(cs, "imageID", &c->image_id)) ||
		    (err = str_of(path_get(json_object_get(cs, "state"), "running", NULL),
				  "startedAt", &c->start_time))) {
			free(cid);
			return err;
		}
		free(cid);
	}
	return 0;
}

/* The workload a pod belongs to, from its controller owner reference: a
 * ReplicaSet named "<deployment>-<pod-template-hash>" is a Deployment's, a
 * Job named "<cronjob>-<schedule time>" a CronJob's; a pod without an
 * owner is its own workload (kind "Pod"). */
static int parse_workload(struct ldr_pod *p, json_t *owners)
{
	json_t *ref = NULL, *r;
	size_t i;
	const char *kind, *name, *dash;
	const char *hash = pod__label(p, "pod-template-hash");
	size_t nl;

	json_array_foreach(owners, i, r) {
		if (json_is_object(r) && json_is_true(json_object_get(r, "controller"))) {
			ref = r;
			break;
		}
		if (!ref && json_is_object(r))
			ref = r;
	}
	kind = json_string_value(json_object_get(ref, "kind"));
	name = json_string_value(json_object_get(ref, "name"));
	if (!kind || !name || strlen(name) > LDR_POD_MAX_STR || strlen(kind) > LDR_POD_MAX_STR) {
		p->workload = strdup(p->name);
		p->workload_kind = strdup("Pod");
		goto out;
	}
	nl = strlen(name);
	dash = strrchr(name, '-');
	if (!strcmp(kind, "ReplicaSet") && dash && dash > name &&
	    (!hash || !strcmp(dash + 1, hash))) {
		p->workload = strndup(name, dash - name);
		p->workload_kind = strdup("Deployment");
	} else if (!strcmp(kind, "Job") && dash && dash > name && nl - (dash + 1 - name) >= 8 &&
		   strspn(dash + 1, "0123456789") == nl - (dash + 1 - name)) {
		p->workload = strndup(name, dash - name);
		p->workload_kind = strdup("CronJob");
	} else {
		p->workload = strdup(name);
		p->workload_kind = strdup(kind);
	}
out:
	return p->workload && p->workload_kind ? 0 : -ENOMEM;
}

struct ldr_pod *pod__parse(const void *json_obj, unsigned *dropped, int *errp)
{
	json_t *o = (json_t *)json_obj, *meta, *st;
	struct ldr_pod *p = calloc(1, sizeof(*p));
	size_t nstat = 0;
	int err = -ENOMEM;
	static const char *const lists[] = { "initContainerStatuses", "containerStatuses",
					     "ephemeralContainerStatuses" };

	if (!p)
		goto cleanup;
	p->refcnt = 1;
	err = -EINVAL;
	meta = json_is_object(o) ? json_object_get(o, "metadata") : NULL;
	if (!json_is_object(meta))
		goto cleanup;
	if ((err = str_of(meta, "namespace", &p->ns)) || (err = str_of(meta, "name", &p->name)) ||
	    (err = str_of(meta, "uid", &p->uid)) ||
	    (err = str_of(meta, "resourceVersion", &p->resource_version)))
		goto cleanup;
	err = -EINVAL;
	if (!*p->ns || !*p->name || !*p->uid)
		goto cleanup;
	if ((err = parse_labels(p, json_object_get(meta, "labels"), dropped)) ||
	    (err = parse_workload(p, json_object_get(meta, "ownerReferences"))))
		goto cleanup;
	st = json_object_get(o, "status");
	for (size_t i = 0; i < 3; i++) {
		json_t *a = path_get(st, lists[i], NULL);

		nstat += json_is_array(a) ? json_array_size(a) : 0;
	}
	if (nstat) {
		size_t n = nstat < LDR_POD_MAX_CONTAINERS ? nstat : LDR_POD_MAX_CONTAINERS;

		err = -ENOMEM;
		p->containers = calloc(n, sizeof(*p->containers));
		if (!p->containers)
			goto cleanup;
	}
	for (size_t i = 0; i < 3; i++)
		if ((err = parse_statuses(p, path_get(st, lists[i], NULL), dropped)))
			goto cleanup;
	return p;
cleanup:
	if (errp)
		*errp = err;
	pod__put(p);
	return NULL;
}

/* --- the store ---------------------------------------------------------------- */

struct ldr_pods *pods__new(void)
{
	struct ldr_pods *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	pthread_mutex_init(&s->wlock, NULL);
	pthread_mutex_init(&s->rlock, NULL);
	return s;
}

void pods__free(struct ldr_pods *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		pod__put(s->pods[i]);
	free(s->pods);
	free(s->subs);
	pthread_mutex_destroy(&s->wlock);
	pthread_mutex_destroy(&s->rlock);
	free(s);
}

static void notify(struct ldr_pods *s, enum ldr_pod_change what, const struct ldr_pod *old,
		   const struct ldr_pod *new_)
{
	for (size_t i = 0; i < s->nsubs; i++)
		s->subs[i].cb(s->subs[i].ctx, what, old, new_);
}

static ssize_t find_locked(struct ldr_pods *s, const char *uid)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->pods[i]->uid, uid))
			return i;
	return -1;
}

/* Swap p in (takes its reference); called with wlock held. */
static int store_locked(struct ldr_pods *s, struct ldr_pod *p)
{
	struct ldr_pod *old = NULL;
	ssize_t i;

	pthread_mutex_lock(&s->rlock);
	i = find_locked(s, p->uid);
	if (i >= 0 && p->resource_version[0] &&
	    !strcmp(s->pods[i]->resource_version, p->resource_version)) {
		/* the same version again (a relist): nothing changed */
		pthread_mutex_unlock(&s->rlock);
		pod__put(p);
		return 0;
	}
	if (i >= 0) {
		old = s->pods[i];
		s->pods[i] = p;
	} else {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 16;
			struct ldr_pod **np = realloc(s->pods, cap * sizeof(*np));

			if (!np) {
				pthread_mutex_unlock(&s->rlock);
				pod__put(p);
				return -ENOMEM;
			}
			s->pods = np;
			s->cap = cap;
		}
		s->pods[s->n++] = p;
	}
	__atomic_fetch_add(&s->gen, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->rlock);
	notify(s, old ? POD_MODIFIED : POD_ADDED, old, p);
	pod__put(old);
	return 0;
}

static int delete_locked(struct ldr_pods *s, const char *uid)
{
	struct ldr_pod *old;
	ssize_t i;

	pthread_mutex_lock(&s->rlock);
	i = find_locked(s, uid);
	if (i < 0) {
		pthread_mutex_unlock(&s->rlock);
		return -ENOENT;
	}
	old = s->pods[i];
	s->pods[i] = s->pods[--s->n];
	__atomic_fetch_add(&s->gen, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->rlock);
	notify(s, POD_DELETED, old, NULL);
	pod__put(old);
	return 0;
}

static int upsert_locked(struct ldr_pods *s, json_t *o)
{
	unsigned dropped = 0;
	int err = 0;
	struct ldr_pod *p = pod__parse(o, &dropped, &err);

	__atomic_fetch_add(&s->dropped, dropped + (p ? 0 : 1), __ATOMIC_RELAXED);
	return p ? store_locked(s, p) : err;
}

int pods__upsert_obj(struct ldr_pods *s, const void *json_obj)
{
	int err;

	pthread_mutex_lock(&s->wlock);
	err = upsert_locked(s, (json_t *)json_obj);
	pthread_mutex_unlock(&s->wlock);
	return err;
}

int pods__upsert_json(struct ldr_pods *s, const char *json, size_t len)
{
	json_t *o;
	int err;

	if (len > LDR_POD_JSON_MAX)
		return -E2BIG;
	o = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	if (!o)
		return -EINVAL;
	err = pods__upsert_obj(s, o);
	json_decref(o);
	return err;
}

int pods__delete(struct ldr_pods *s, const char *uid)
{
	int err;

	pthread_mutex_lock(&s->wlock);
	err = delete_locked(s, uid);
	pthread_mutex_unlock(&s->wlock);
	return err;
}

int pods__replace(struct ldr_pods *s, const void *json_items)
{
	json_t *items = (json_t *)json_items, *it;
	char **keep = NULL;
	size_t nkeep = 0, i;
	int stored = 0, err = 0;

	if (!json_is_array(items))
		return -EINVAL;
	keep = calloc(json_array_size(items) + 1, sizeof(*keep));
	if (!keep)
		return -ENOMEM;
	pthread_mutex_lock(&s->wlock);
	json_array_foreach(items, i, it) {
		json_t *uid = path_get(it, "metadata", "uid");

		if (upsert_locked(s, it) == 0) {
			stored++;
			keep[nkeep++] = (char *)json_string_value(uid);
		}
	}
	/* every stored pod the new set does not name is gone */
	for (;;) {
		char *victim = NULL;

		pthread_mutex_lock(&s->rlock);
		for (i = 0; i < s->n && !victim; i++) {
			size_t j;

			for (j = 0; j < nkeep && strcmp(keep[j], s->pods[i]->uid); j++)
				;
			if (j == nkeep)
				victim = strdup(s->pods[i]->uid);
		}
		pthread_mutex_unlock(&s->rlock);
		if (!victim)
			break;
		delete_locked(s, victim);
		free(victim);
	}
	pthread_mutex_unlock(&s->wlock);
	free(keep);
	return err ? err : stored;
}

int pods__replace_list_json(struct ldr_pods *s, const char *json, size_t len, char *err,
			    size_t errlen)
{
	json_error_t je;
	json_t *o = json_loadb(json, len, 0, &je), *items;
	int n;

	if (!o) {
		snprintf(err, errlen, "%d:%d: %s", je.line, je.column, je.text);
		return -EINVAL;
	}
	items = json_object_get(o, "items");
	if (!json_is_array(items)) {
		snprintf(err, errlen, "not a PodList (no items[])");
		json_decref(o);
		return -EINVAL;
	}
	n = pods__replace(s, items);
	if (n < 0)
		snprintf(err, errlen, "%s", strerror(-n));
	json_decref(o);
	return n;
}

struct ldr_pod *pods__get(struct ldr_pods *s, const char *uid)
{
	struct ldr_pod *p = NULL;
	ssize_t i;

	pthread_mutex_lock(&s->rlock);
	i = find_locked(s, uid);
	if (i >= 0)
		p = pod__get_ref(s->pods[i]);
	pthread_mutex_unlock(&s->rlock);
	return p;
}

struct ldr_pod *pods__by_container(struct ldr_pods *s, const char *id, size_t *ci)
{
	const char *sep = strstr(id, "://");
	struct ldr_pod *p = NULL;
	char want[80];
	size_t n;

	id = sep ? sep + 3 : id;
	n = strlen(id);
	if (n < LDR_CONTAINER_ID_MIN || n >= sizeof(want))
		return NULL;
	for (size_t i = 0; i <= n; i++)
		want[i] = id[i] >= 'A' && id[i] <= 'F' ? id[i] + ('a' - 'A') : id[i];
	pthread_mutex_lock(&s->rlock);
	for (size_t i = 0; i < s->n && !p; i++) {
		for (size_t j = 0; j < s->pods[i]->ncontainers; j++) {
			const char *cid = s->pods[i]->containers[j].id;

			if (*cid && !strncmp(cid, want, n)) {
				p = pod__get_ref(s->pods[i]);
				if (ci)
					*ci = j;
				break;
			}
		}
	}
	pthread_mutex_unlock(&s->rlock);
	return p;
}

size_t pods__count(struct ldr_pods *s)
{
	size_t n;

	pthread_mutex_lock(&s->rlock);
	n = s->n;
	pthread_mutex_unlock(&s->rlock);
	return n;
}

uint64_t pods__generation(struct ldr_pods *s)
{
	return __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE);
}

uint64_t pods__dropped(struct ldr_pods *s)
{
	return __atomic_load_n(&s->dropped, __ATOMIC_RELAXED);
}

/* A referenced copy of the table, so callers iterate without a lock. */
static struct ldr_pod **snapshot(struct ldr_pods *s, size_t *n)
{
	struct ldr_pod **v;

	pthread_mutex_lock(&s->rlock);
	v = calloc(s->n + 1, sizeof(*v));
	*n = v ? s->n : 0;
	for (size_t i = 0; i < *n; i++)
		v[i] = pod__get_ref(s->pods[i]);
	pthread_mutex_unlock(&s->rlock);
	return v;
}

int pods__foreach(struct ldr_pods *s, int (*fn)(void *ctx, const struct ldr_pod *p), void *ctx)
{
	size_t n, i;
	struct ldr_pod **v = snapshot(s, &n);
	int ret = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++)
		ret = fn(ctx, v[i]);
	for (i = 0; i < n; i++)
		pod__put(v[i]);
	free(v);
	return ret;
}

int pods__subscribe(struct ldr_pods *s, ldr_pods_cb cb, void *ctx)
{
	struct sub *ns;
	struct ldr_pod **v;
	size_t n;

	pthread_mutex_lock(&s->wlock);
	ns = realloc(s->subs, (s->nsubs + 1) * sizeof(*ns));
	if (!ns) {
		pthread_mutex_unlock(&s->wlock);
		return -ENOMEM;
	}
	s->subs = ns;
	s->subs[s->nsubs++] = (struct sub){ cb, ctx };
	/* replay what is stored; no update can slip in (wlock held) */
	v = snapshot(s, &n);
	for (size_t i = 0; v && i < n; i++) {
		cb(ctx, POD_ADDED, NULL, v[i]);
		pod__put(v[i]);
	}
	free(v);
	pthread_mutex_unlock(&s->wlock);
	return 0;
}
