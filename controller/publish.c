/* publish.c - the object ConfigMaps (ctl_publish.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_publish.h"

#define MANAGED_BY "tpc-controller"
#define RBAC_CM "create, update and delete on configmaps in the controller's namespace"

size_t ctl_b64_len(const char *b64)
{
	size_t n = b64 ? strlen(b64) : 0, pad = 0;

	if (n && b64[n - 1] == '=')
		pad++;
	if (n > 1 && b64[n - 2] == '=')
		pad++;
	return n / 4 * 3 - pad;
}

static size_t data_bytes(json_t *data)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach(data, k, v)
		n += ctl_b64_len(json_string_value(v));
	return n;
}

int ctl_pub__init(struct ctl_pub *p, struct kapi *k, const char *ns, const char *prefix,
		  unsigned nshards, size_t budget)
{
	memset(p, 0, sizeof(*p));
	if (!nshards || nshards > CTL_PUB_SHARDS_MAX || !budget || budget > CTL_PUB_LIMIT)
		return -EINVAL;
	p->k = k;
	p->nshards = nshards;
	p->budget = budget;
	snprintf(p->ns, sizeof(p->ns), "%s", ns);
	for (unsigned i = 0; i < nshards; i++) {
		snprintf(p->shards[i].name, sizeof(p->shards[i].name), "%s-%u", prefix, i);
		p->shards[i].data = json_object();
		p->shards[i].owners = json_array();
		if (!p->shards[i].data || !p->shards[i].owners) {
			ctl_pub__fini(p);
			return -ENOMEM;
		}
	}
	return 0;
}

void ctl_pub__fini(struct ctl_pub *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < CTL_PUB_SHARDS_MAX; i++) {
		json_decref(p->shards[i].data);
		json_decref(p->shards[i].owners);
		p->shards[i].data = NULL;
		p->shards[i].owners = NULL;
	}
}

static int problem(struct ctl_pub *p, const char *what, const struct kapi_resp *r)
{
	char line[1600];

	kapi_resp__problem(r, what, RBAC_CM, line, sizeof(line));
	kapi__log(p->k, KAPI_ERR, "%s", line);
	return r->status == 401 || r->status == 403 ? -EACCES : -EIO;
}

static char *cm_path(struct ctl_pub *p, const char *name)
{
	char *path;

	if (asprintf(&path, "/api/v1/namespaces/%s/configmaps%s%s", p->ns, name ? "/" : "",
		     name ? name : "") < 0)
		return NULL;
	return path;
}

/* Take a ConfigMap as the API returned it. */
static void take(struct ctl_shard *s, json_t *cm)
{
	json_t *bd = json_object_get(cm, "binaryData");
	const char *rv = kapi_obj__rv(cm);

	json_t *refs = json_object_get(json_object_get(cm, "metadata"), "ownerReferences");

	json_decref(s->data);
	s->data = json_is_object(bd) ? json_deep_copy(bd) : json_object();
	json_decref(s->owners);
	s->owners = json_is_array(refs) ? json_deep_copy(refs) : json_array();
	snprintf(s->rv, sizeof(s->rv), "%s", rv ? rv : "");
	s->exists = true;
}

static int load_one(struct ctl_pub *p, struct ctl_shard *s)
{
	struct kapi_req rq = { 0 };
	struct kapi_resp r;
	char what[600];
	json_t *cm;
	int err;

	rq.path = cm_path(p, s->name);
	if (!rq.path)
		return -ENOMEM;
	err = kapi__request(p->k, &rq, &r);
	free((char *)rq.path);
	if (err) {
		kapi__log(p->k, KAPI_WARN, "get configmap %s: %s", s->name, r.why);
		kapi_resp__fini(&r);
		return err;
	}
	if (r.status == 404) {
		json_decref(s->data);
		s->data = json_object();
		json_decref(s->owners);
		s->owners = json_array();
		s->exists = false;
		s->rv[0] = 0;
		kapi_resp__fini(&r);
		return s->data ? 0 : -ENOMEM;
	}
	if (r.status != 200) {
		snprintf(what, sizeof(what), "get configmap %s/%s", p->ns, s->name);
		err = problem(p, what, &r);
		kapi_resp__fini(&r);
		return err;
	}
	cm = json_loadb(r.body ? r.body : "", r.len, 0, NULL);
	kapi_resp__fini(&r);
	if (!json_is_object(cm)) {
		json_decref(cm);
		return -EIO;
	}
	take(s, cm);
	json_decref(cm);
	return s->data ? 0 : -ENOMEM;
}

int ctl_pub__load(struct ctl_pub *p)
{
	p->loaded = false;
	for (unsigned i = 0; i < p->nshards; i++) {
		int err = load_one(p, &p->shards[i]);

		if (err)
			return err;
	}
	p->loaded = true;
	return 0;
}

int ctl_pub__where(const struct ctl_pub *p, const char *key)
{
	for (unsigned i = 0; i < p->nshards; i++)
		if (json_object_get(p->shards[i].data, key))
			return (int)i;
	return -1;
}

static const struct ctl_pub_want *find_want(const struct ctl_pub_want *w, size_t n,
					    const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(w[i].key, key))
			return &w[i];
	return NULL;
}

/* ownerReferences for a ConfigMap holding data: every object's policy when
 * all are TracingPolicy objects, else none (see the header) */
static int cmp_owner(const void *a, const void *b)
{
	const struct ctl_pub_want *x = *(const struct ctl_pub_want *const *)a;
	const struct ctl_pub_want *y = *(const struct ctl_pub_want *const *)b;

	return strcmp(x->owner_name, y->owner_name);
}

/* sorted by name, so the same owners always compare equal */
static json_t *owners_of(json_t *data, const struct ctl_pub_want *w, size_t n)
{
	json_t *refs = json_array(), *v;
	const struct ctl_pub_want **own;
	size_t m = 0;
	const char *k;

	own = calloc(json_object_size(data) + 1, sizeof(*own));
	if (!own || !refs) {
		free(own);
		return refs;
	}
	json_object_foreach(data, k, v) {
		const struct ctl_pub_want *x = find_want(w, n, k);

		if (!x || !x->owner_uid) {
			free(own);
			return refs; /* none (see the header) */
		}
		own[m++] = x;
	}
	qsort(own, m, sizeof(*own), cmp_owner);
	for (size_t i = 0; i < m; i++)
		json_array_append_new(refs,
				      json_pack("{s:s, s:s, s:s, s:s}", "apiVersion",
						"cilium.io/v1alpha1", "kind", "TracingPolicy", "name",
						own[i]->owner_name, "uid", own[i]->owner_uid));
	free(own);
	return refs;
}

/* does shard i need a write to hold data with these owners? */
static bool differs(const struct ctl_pub *p, unsigned i, json_t *data, const struct ctl_pub_want *w,
		    size_t n)
{
	json_t *refs;
	bool d;

	if (!p->shards[i].exists)
		return json_object_size(data) > 0;
	if (!json_equal(data, p->shards[i].data))
		return true;
	/* a policy deleted and created again under its name has a new uid:
	 * an owner reference to the old one would let the garbage collector
	 * delete the ConfigMap */
	refs = owners_of(data, w, n);
	d = !json_equal(refs, p->shards[i].owners);
	json_decref(refs);
	return d;
}

/* Write shard i with data: one PUT (or POST when it does not exist). */
static int write_shard(struct ctl_pub *p, unsigned i, json_t *data, const struct ctl_pub_want *w,
		       size_t n)
{
	struct ctl_shard *s = &p->shards[i];
	struct kapi_req rq = { 0 };
	struct kapi_resp r;
	json_t *cm, *md, *got;
	char *body = NULL, what[600], count[32];
	int err = -ENOMEM;

	snprintf(count, sizeof(count), "%zu", json_object_size(data));
	md = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}, s:o}", "name", s->name, "namespace",
		       p->ns, "labels", "app.kubernetes.io/managed-by", MANAGED_BY,
		       "app.kubernetes.io/part-of", "tpc", "annotations", "tpc.io/objects", count,
		       "ownerReferences", owners_of(data, w, n));
	if (md && s->exists)
		json_object_set_new(md, "resourceVersion", json_string(s->rv));
	cm = json_pack("{s:s, s:s, s:o, s:O}", "apiVersion", "v1", "kind", "ConfigMap", "metadata",
		       md, "binaryData", data);
	body = cm ? json_dumps(cm, JSON_COMPACT) : NULL;
	json_decref(cm);
	if (!body)
		return -ENOMEM;
	rq.method = s->exists ? "PUT" : "POST";
	rq.path = cm_path(p, s->exists ? s->name : NULL);
	rq.body = body;
	rq.body_len = strlen(body);
	if (!rq.path)
		goto cleanup;
	err = kapi__request(p->k, &rq, &r);
	snprintf(what, sizeof(what), "%s configmap %s/%s", s->exists ? "update" : "create", p->ns,
		 s->name);
	if (err) {
		kapi__log(p->k, KAPI_WARN, "%s: %s", what, r.why);
		kapi_resp__fini(&r);
		goto cleanup;
	}
	if (r.status == 200 || r.status == 201) {
		got = json_loadb(r.body ? r.body : "", r.len, 0, NULL);
		if (json_is_object(got))
			take(s, got);
		else /* an answer without the object: read it again next time */
			p->loaded = false;
		json_decref(got);
		p->writes++;
		err = 0;
	} else if (r.status == 409 || r.status == 404) {
		/* someone else changed it (or it was created or deleted meanwhile,
		 * e.g. by the garbage collector): read it again, plan again */
		p->conflicts++;
		kapi__log(p->k, KAPI_INFO, "%s: HTTP %ld, reading it again", what, r.status);
		err = load_one(p, s);
		if (!err)
			err = -EAGAIN;
	} else {
		err = problem(p, what, &r);
	}
	kapi_resp__fini(&r);
cleanup:
	free((char *)rq.path);
	free(body);
	return err;
}

int ctl_pub__plan(const struct ctl_pub *p, struct ctl_pub_want *w, size_t n, json_t **target)
{
	size_t bytes[CTL_PUB_SHARDS_MAX];
	const char *k;
	json_t *v;
	void *tmp;

	/* start from what is published, without the keys nobody wants */
	for (unsigned i = 0; i < p->nshards; i++) {
		target[i] = json_deep_copy(p->shards[i].data);
		if (!target[i]) {
			for (unsigned e = 0; e < i; e++) {
				json_decref(target[e]);
				target[e] = NULL;
			}
			return -ENOMEM;
		}
		json_object_foreach_safe(target[i], tmp, k, v) {
			bool earlier = false;

			/* a copy left in two places by an interrupted move: the
			 * first stays (ctl_pub__where() finds that one) */
			for (unsigned e = 0; e < i && !earlier; e++)
				earlier = json_object_get(target[e], k) != NULL;
			if (!find_want(w, n, k) || earlier)
				json_object_del(target[i], k);
		}
		bytes[i] = data_bytes(target[i]);
	}
	/* updates in place while they fit */
	for (size_t j = 0; j < n; j++) {
		int at = ctl_pub__where(p, w[j].key);
		size_t cur;

		w[j].old = w[j].shard = at;
		w[j].moved = false;
		w[j].err = 0;
		if (w[j].keep || !w[j].b64 || at < 0)
			continue;
		cur = ctl_b64_len(json_string_value(json_object_get(target[at], w[j].key)));
		if (bytes[at] - cur + w[j].len <= p->budget) {
			bytes[at] += w[j].len - cur;
			json_object_set_new(target[at], w[j].key, json_string(w[j].b64));
		} else {
			w[j].shard = -1; /* to be placed elsewhere */
		}
	}
	/* new objects and those that outgrew their shard: the first with room */
	for (size_t j = 0; j < n; j++) {
		unsigned i;

		if (w[j].keep || !w[j].b64 || w[j].shard >= 0)
			continue;
		for (i = 0; i < p->nshards; i++)
			if ((int)i != w[j].old && bytes[i] + w[j].len <= p->budget)
				break;
		if (i == p->nshards) {
			w[j].err = -ENOSPC;
			w[j].shard = w[j].old; /* the old copy, if any, stays */
			continue;
		}
		json_object_set_new(target[i], w[j].key, json_string(w[j].b64));
		bytes[i] += w[j].len;
		w[j].shard = (int)i;
		w[j].moved = w[j].old >= 0;
	}
	return 0;
}

int ctl_pub__sync(struct ctl_pub *p, struct ctl_pub_want *w, size_t n)
{
	json_t *target[CTL_PUB_SHARDS_MAX] = { 0 };
	bool written[CTL_PUB_SHARDS_MAX] = { 0 };
	int err = 0;

	if (!p->loaded && (err = ctl_pub__load(p)))
		return err;
	err = ctl_pub__plan(p, w, n, target);
	if (err)
		return err;
	/* phase 1: every shard whose content changes; the old copies of moving
	 * objects are still in place.  A shard the API refuses does not stop
	 * the others (the first error is returned); a conflict does: the plan
	 * was made from what was read. */
	for (unsigned i = 0; i < p->nshards; i++) {
		int e;

		written[i] = true;
		if (!differs(p, i, target[i], w, n))
			continue;
		e = write_shard(p, i, target[i], w, n);
		written[i] = !e;
		if (e == -EAGAIN) {
			err = e;
			goto cleanup;
		}
		if (e && !err)
			err = e;
	}
	/* phase 2: the old copies of the objects that moved go, once their new
	 * place is written */
	for (unsigned i = 0; i < p->nshards; i++) {
		bool changed = false;
		int e;

		for (size_t j = 0; j < n; j++)
			if (w[j].moved && w[j].old == (int)i && written[w[j].shard]) {
				json_object_del(target[i], w[j].key);
				changed = true;
			}
		if (!changed)
			continue;
		e = write_shard(p, i, target[i], w, n);
		if (e == -EAGAIN) {
			err = e;
			goto cleanup;
		}
		if (e && !err)
			err = e;
	}
cleanup:
	for (unsigned i = 0; i < p->nshards; i++)
		json_decref(target[i]);
	return err;
}
