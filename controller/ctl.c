/* ctl.c - the controller's policy store, reconcile loop and status
 * reports (ctl.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ctl.h"
#include "ctl_compile.h"
#include "ctl_events.h"
#include "ctl_lease.h"
#include "ctl_metrics.h"
#include "ctl_publish.h"
#include "ctl_render.h"
#include "kapi.h"
#include "metrics.h"

#define GROUP_PATH "/apis/cilium.io/v1alpha1"
#define RBAC_POLICIES                                                                              \
	"get, list and watch on tracingpolicies and tracingpoliciesnamespaced (cilium.io)"
#define BUILD_RETRY_MS 60000
#define RESYNC_MS 300000
#define RBAC_STATUS "patch on tracingpolicies/status and tracingpoliciesnamespaced/status"

enum kind { K_TP, K_TPN, K_N };

static const char *const kind_name[K_N] = { "TracingPolicy", "TracingPolicyNamespaced" };
static const char *const kind_dir[K_N] = { "tracingpolicy", "tracingpolicynamespaced" };

struct pol {
	enum kind kind;
	char ns[64], name[256], uid[64], key[256];
	json_t *obj;
	json_int_t gen;
	double t_seen; /* when this generation arrived (monotonic ms) */
	/* the last build */
	json_int_t built_gen;
	bool built_ok;
	json_t *b64; /* the object, base64 (a json string, shared by reference) */
	size_t len;
	char sha[65];
	char *diag;
	const char *reason; /* for a failed build */
	double compile_ms;
	double retry_at; /* BuildFailed (tpc could not run or timed out): build again then */
	/* where it is published, and the result of the last sync */
	int shard, pub_err;
	bool pub_logged;
	char *status_sent; /* the last status this replica patched */
	double status_failed; /* when the last patch failed (retried 2 s later) */
	/* Events: the failure (generation, reason) last considered for one */
	json_int_t ev_gen;
	char ev_reason[32];
	struct ctl_ratelimit ev_rl;
	struct pol *next;
};

struct ctl {
	const struct ctl_opts *o;
	struct kapi *k;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool dirty;
	struct pol *pols;
	bool listed[K_N];
	struct ctl_pub pub;
	struct ctl_lease *lease;
	bool was_leader;
	double t_leader; /* when this replica last became the leader */
	double t_loaded; /* when the ConfigMaps were last read on purpose */
	struct ctl_metrics m;
	struct kapi_watch *w[K_N];
	struct tpc_http *http;
	int64_t beat; /* atomic: monotonic ms of the main loop's last step */
};

static volatile int stop_flag; /* set by SIGTERM/SIGINT */

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static double mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int verbosity;

/* The main thread made progress (for /healthz). */
static void beat(struct ctl *c)
{
	__atomic_store_n(&c->beat, (int64_t)mono_ms(), __ATOMIC_RELEASE);
}

static void log_line(enum kapi_level lvl, const char *msg)
{
	static const char *const names[] = { "debug", "info", "warning", "error" };

	if (lvl == KAPI_DEBUG && verbosity < 1)
		return;
	fprintf(stderr, "tpc-controller: %s: %s\n", names[lvl], msg);
}

void ctl__object_key(const char *ns, const char *name, char *out, size_t outlen)
{
	char full[512], hex[65];

	if (ns && *ns)
		snprintf(full, sizeof(full), "tpn.%s.%s", ns, name);
	else
		snprintf(full, sizeof(full), "tp.%s", name);
	if (strlen(full) + 6 <= 253) {
		snprintf(out, outlen, "%s.bpf.o", full);
		return;
	}
	ctl_sha256_hex((const unsigned char *)full, strlen(full), hex);
	snprintf(out, outlen, "%.200s.%.16s.bpf.o", full, hex);
}

/* --- the store (watch threads write, the main thread reads) ------------------ */

static void pol_free(struct pol *p)
{
	if (!p)
		return;
	json_decref(p->obj);
	json_decref(p->b64);
	free(p->diag);
	free(p->status_sent);
	free(p);
}

static const char *md_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), key));
}

static struct pol *find_pol(struct ctl *c, enum kind kind, const char *ns, const char *name)
{
	for (struct pol *p = c->pols; p; p = p->next)
		if (p->kind == kind && !strcmp(p->ns, ns) && !strcmp(p->name, name))
			return p;
	return NULL;
}

static void kick(struct ctl *c)
{
	c->dirty = true;
	pthread_cond_signal(&c->cond);
}

/* Insert or update from an API object; the lock is held. */
static int upsert(struct ctl *c, enum kind kind, json_t *obj)
{
	const char *name = md_str(obj, "name"), *ns = kind == K_TPN ? md_str(obj, "namespace") : "";
	const char *uid = md_str(obj, "uid");
	json_int_t gen = json_integer_value(
		json_object_get(json_object_get(obj, "metadata"), "generation"));
	struct pol *p;

	if (!name || !ns || !uid || strlen(name) >= sizeof(p->name) || strlen(ns) >= sizeof(p->ns) ||
	    strlen(uid) >= sizeof(p->uid))
		return -EINVAL;
	p = find_pol(c, kind, ns, name);
	if (p && strcmp(p->uid, uid)) {
		/* deleted and created again under the same name: a new policy
		 * (its key is the same, so the object is replaced in place) */
		p->built_gen = 0;
		p->t_seen = mono_ms();
		snprintf(p->uid, sizeof(p->uid), "%s", uid);
		free(p->status_sent);
		p->status_sent = NULL;
	}
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		p->kind = kind;
		snprintf(p->ns, sizeof(p->ns), "%s", ns);
		snprintf(p->name, sizeof(p->name), "%s", name);
		snprintf(p->uid, sizeof(p->uid), "%s", uid);
		ctl__object_key(ns, name, p->key, sizeof(p->key));
		p->shard = -1;
		p->t_seen = mono_ms();
		p->next = c->pols;
		c->pols = p;
	}
	if (gen != p->gen)
		p->t_seen = mono_ms();
	p->gen = gen;
	json_decref(p->obj);
	p->obj = json_deep_copy(obj);
	if (!p->obj)
		return -ENOMEM;
	/* list items come without them; kubectl shows them */
	if (!json_object_get(p->obj, "apiVersion"))
		json_object_set_new(p->obj, "apiVersion", json_string("cilium.io/v1alpha1"));
	if (!json_object_get(p->obj, "kind"))
		json_object_set_new(p->obj, "kind", json_string(kind_name[kind]));
	kick(c);
	return 0;
}

static void drop(struct ctl *c, struct pol *victim)
{
	for (struct pol **pp = &c->pols; *pp; pp = &(*pp)->next)
		if (*pp == victim) {
			*pp = victim->next;
			pol_free(victim);
			kick(c);
			return;
		}
}

struct kind_ctx {
	struct ctl *c;
	enum kind kind;
};

static int on_replace(void *ctx, json_t *items, const char *rv)
{
	struct kind_ctx *kc = ctx;
	struct ctl *c = kc->c;
	struct pol *p, *next;
	size_t i, n = 0;
	json_t *it;

	(void)rv;
	pthread_mutex_lock(&c->lock);
	json_array_foreach(items, i, it)
		if (!upsert(c, kc->kind, it))
			n++;
	for (p = c->pols; p; p = next) {
		bool listed = false;

		next = p->next;
		if (p->kind != kc->kind)
			continue;
		json_array_foreach(items, i, it)
			if (!strcmp(p->name, md_str(it, "name") ? md_str(it, "name") : "") &&
			    (kc->kind == K_TP ||
			     !strcmp(p->ns, md_str(it, "namespace") ? md_str(it, "namespace") : ""))) {
				listed = true;
				break;
			}
		/* a complete list: what it lacks was deleted meanwhile */
		if (!listed)
			drop(c, p);
	}
	c->listed[kc->kind] = true;
	kick(c);
	pthread_mutex_unlock(&c->lock);
	kapi__log(c->k, KAPI_INFO, "%zu %s object%s listed", n, kind_name[kc->kind],
		  n == 1 ? "" : "s");
	return (int)n;
}

static void on_note(void *ctx, bool relist)
{
	struct kind_ctx *kc = ctx;
	struct ctl_metrics *m = &kc->c->m;

	pthread_mutex_lock(&m->lock);
	if (relist)
		m->relists[kc->kind]++;
	else
		m->restarts[kc->kind]++;
	pthread_mutex_unlock(&m->lock);
}

static int on_event(void *ctx, enum kapi_ev ev, json_t *obj)
{
	struct kind_ctx *kc = ctx;
	struct ctl *c = kc->c;
	int err = 0;

	pthread_mutex_lock(&c->lock);
	if (ev == KAPI_DELETED) {
		const char *name = md_str(obj, "name"), *ns = md_str(obj, "namespace");
		struct pol *p = name ? find_pol(c, kc->kind, kc->kind == K_TPN && ns ? ns : "", name)
				     : NULL;

		if (p)
			drop(c, p);
		else
			err = -ENOENT;
	} else {
		err = upsert(c, kc->kind, obj);
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}

/* --- compiling ---------------------------------------------------------------- */

static void count_build(struct ctl *c, struct pol *p, double ms)
{
	enum ctl_result r = CTL_R_COMPILED;

	for (int i = 0; i < CTL_R__N; i++)
		if (!p->built_ok && p->reason && !strcmp(p->reason, ctl_result_name[i]))
			r = (enum ctl_result)i;
	pthread_mutex_lock(&c->m.lock);
	c->m.builds[r]++;
	prom_hist__observe(&c->m.compile, ms / 1e3);
	pthread_mutex_unlock(&c->m.lock);
}

/* Build every policy whose generation was not built; the lock is not held
 * while tpc runs (the watch threads keep going). */
static void build_all(struct ctl *c)
{
	while (!stop_flag) {
		struct pol *p;
		json_t *obj = NULL;
		enum kind kind = K_TP;
		char ns[64], name[256], uid[64], rel[600], *src = NULL;
		json_int_t gen = 0;
		struct ctl_build b;
		struct ctl_compile_cfg cc = {
			.tpc = c->o->tpc,
			.sign_key = c->o->sign_key,
			.tmpdir = c->o->tmpdir,
			.timeout_s = c->o->compile_timeout_s,
			.extra = c->o->tpc_args,
			.cancel = &stop_flag,
		};
		size_t srclen;
		int err;

		beat(c);
		pthread_mutex_lock(&c->lock);
		for (p = c->pols; p; p = p->next)
			if (p->built_gen != p->gen || !p->gen ||
			    (p->retry_at && mono_ms() >= p->retry_at))
				break;
		if (p) {
			obj = json_deep_copy(p->obj);
			kind = p->kind;
			gen = p->gen;
			snprintf(ns, sizeof(ns), "%s", p->ns);
			snprintf(name, sizeof(name), "%s", p->name);
			snprintf(uid, sizeof(uid), "%s", p->uid);
			if (!gen)
				p->built_gen = p->gen = 1; /* an object without generation */
		}
		pthread_mutex_unlock(&c->lock);
		if (!p)
			return;
		if (kind == K_TP)
			snprintf(rel, sizeof(rel), "%s/%s.yaml", kind_dir[kind], name);
		else
			snprintf(rel, sizeof(rel), "%s/%s/%s.yaml", kind_dir[kind], ns, name);
		err = obj ? ctl_render__yaml(obj, CTL_RENDER_SOURCE, &src, &srclen) : -ENOMEM;
		json_decref(obj);
		memset(&b, 0, sizeof(b));
		if (err) {
			b.diag = strdup("the object could not be rendered as YAML");
		} else {
			err = ctl_compile__run(&cc, rel, src, srclen, &b);
		}
		free(src);
		if (err == -ECANCELED) {
			ctl_build__fini(&b);
			return;
		}
		pthread_mutex_lock(&c->lock);
		p = find_pol(c, kind, ns, name);
		if (p && !strcmp(p->uid, uid)) {
			p->built_gen = gen ? gen : p->built_gen;
			p->built_ok = b.ok;
			p->compile_ms = b.ms;
			free(p->diag);
			p->diag = b.diag;
			b.diag = NULL;
			p->reason = b.ok ? "Compiled" : err ? "BuildFailed" : "Invalid";
			/* an invalid policy stays invalid; a build that could not
			 * run (a full disk, a timeout on a busy node) is tried again */
			p->retry_at = err ? mono_ms() + BUILD_RETRY_MS : 0;
			if (b.ok && b.len > c->o->shard_bytes) {
				p->built_ok = false;
				p->reason = "TooLarge";
				if (asprintf(&p->diag,
					     "the object is %zu bytes, over the %zu bytes a ConfigMap "
					     "may hold (controller.configMapBytes)",
					     b.len, c->o->shard_bytes) < 0)
					p->diag = NULL;
			} else if (b.ok) {
				size_t blen = sodium_base64_encoded_len(b.len,
									sodium_base64_VARIANT_ORIGINAL);
				char *enc = malloc(blen);

				if (enc) {
					sodium_bin2base64(enc, blen, b.obj, b.len,
							  sodium_base64_VARIANT_ORIGINAL);
					json_decref(p->b64);
					p->b64 = json_string(enc);
					free(enc);
				}
				if (!p->b64) {
					p->built_ok = false;
					p->reason = "BuildFailed";
					p->diag = strdup("out of memory");
				}
				p->len = b.len;
				memcpy(p->sha, b.sha256, sizeof(p->sha));
				p->pub_logged = false;
			}
			count_build(c, p, b.ms);
			kapi__log(c->k, b.ok ? KAPI_INFO : KAPI_WARN,
				  "%s %s%s%s generation %lld: %s in %.0f ms", kind_name[kind], ns,
				  ns[0] ? "/" : "", name, (long long)gen,
				  p->built_ok ? "compiled" : p->reason, b.ms);
		}
		pthread_mutex_unlock(&c->lock);
		ctl_build__fini(&b);
	}
}

/* --- publishing ---------------------------------------------------------------- */

static int publish(struct ctl *c)
{
	struct ctl_pub_want *w = NULL;
	json_t **refs = NULL;
	char (*owner)[2][256] = NULL;
	size_t n = 0, i = 0;
	int err;

	pthread_mutex_lock(&c->lock);
	for (struct pol *p = c->pols; p; p = p->next)
		n++;
	w = calloc(n + 1, sizeof(*w));
	refs = calloc(n + 1, sizeof(*refs));
	owner = calloc(n + 1, sizeof(*owner));
	if (!w || !refs || !owner) {
		pthread_mutex_unlock(&c->lock);
		err = -ENOMEM;
		goto cleanup;
	}
	for (struct pol *p = c->pols; p; p = p->next, i++) {
		w[i].key = p->key;
		if (p->built_ok && p->b64 && p->built_gen == p->gen) {
			refs[i] = json_incref(p->b64);
			w[i].b64 = json_string_value(refs[i]);
			w[i].len = p->len;
		} else {
			w[i].keep = true; /* not built yet, or its new version failed */
		}
		if (p->kind == K_TP) {
			snprintf(owner[i][0], 256, "%s", p->name);
			snprintf(owner[i][1], 256, "%s", p->uid);
			w[i].owner_name = owner[i][0];
			w[i].owner_uid = owner[i][1];
		}
	}
	/* the keys point into the store's policies: copy them too */
	for (i = 0; i < n; i++)
		w[i].key = strdup(w[i].key);
	pthread_mutex_unlock(&c->lock);
	for (i = 0; i < n; i++)
		if (!w[i].key) {
			err = -ENOMEM;
			goto cleanup;
		}
	err = ctl_pub__sync(&c->pub, w, n);
	pthread_mutex_lock(&c->m.lock);
	c->m.cm_writes = c->pub.writes;
	c->m.cm_conflicts = c->pub.conflicts;
	pthread_mutex_unlock(&c->m.lock);
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < n; i++) {
		struct pol *p;

		for (p = c->pols; p && strcmp(p->key, w[i].key); p = p->next)
			;
		if (!p)
			continue;
		p->shard = ctl_pub__where(&c->pub, p->key);
		p->pub_err = err ? err : w[i].err;
		if (!err && !w[i].err && !w[i].keep && !p->pub_logged && p->shard >= 0) {
			double since = p->t_seen > c->t_leader ? p->t_seen : c->t_leader;

			p->pub_logged = true;
			pthread_mutex_lock(&c->m.lock);
			prom_hist__observe(&c->m.latency, (mono_ms() - since) / 1e3);
			pthread_mutex_unlock(&c->m.lock);
			kapi__log(c->k, KAPI_INFO,
				  "published %s in ConfigMap %s/%s: %zu bytes, sha256 %s, %.0f ms "
				  "after the watch event or the leadership (compile %.0f ms)",
				  p->key, c->o->ns, c->pub.shards[p->shard].name, p->len, p->sha,
				  mono_ms() - since, p->compile_ms);
		}
	}
	pthread_mutex_unlock(&c->lock);
cleanup:
	for (i = 0; w && i < n; i++) {
		free((char *)w[i].key);
		json_decref(refs[i]);
	}
	free(w);
	free(refs);
	free(owner);
	return err;
}

/* --- status ----------------------------------------------------------------------- */

static void now_rfc3339(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The Compiled condition this policy should carry now, or NULL when there
 * is nothing to say yet (built, publish pending). Lock held. */
static json_t *want_condition(struct ctl *c, struct pol *p)
{
	char msg[2048];
	const char *st, *reason;

	if (!p->built_gen)
		return NULL;
	if (p->built_ok) {
		if (p->pub_err == -ENOSPC) {
			st = "False";
			reason = "NoRoom";
			snprintf(msg, sizeof(msg),
				 "compiled (sha256 %s, %zu bytes) but none of the %u ConfigMaps %s-* "
				 "has room for it (controller.configMaps)",
				 p->sha, p->len, c->pub.nshards, c->o->prefix);
		} else if (p->shard < 0 || p->pub_err) {
			return NULL; /* not published yet */
		} else {
			st = "True";
			reason = "Compiled";
			snprintf(msg, sizeof(msg), "sha256 %s, %zu bytes, published as %s in ConfigMap %s/%s",
				 p->sha, p->len, p->key, c->o->ns, c->pub.shards[p->shard].name);
		}
	} else {
		st = "False";
		reason = p->reason ? p->reason : "Invalid";
		snprintf(msg, sizeof(msg), "%s%s", p->diag ? p->diag : "tpc build failed",
			 p->shard >= 0 ? "\n(the object of the last version that compiled stays "
					 "published)" :
					 "");
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:I}", "type", "Compiled", "status", st, "reason",
			 reason, "message", msg, "observedGeneration", (json_int_t)p->built_gen);
}

static json_t *current_condition(json_t *obj)
{
	json_t *conds = json_object_get(json_object_get(obj, "status"), "conditions"), *x;
	size_t i;

	json_array_foreach(conds, i, x)
		if (json_string_value(json_object_get(x, "type")) &&
		    !strcmp(json_string_value(json_object_get(x, "type")), "Compiled"))
			return x;
	return NULL;
}

static bool same_condition(json_t *a, json_t *b)
{
	static const char *const keys[] = { "status", "reason", "message", "observedGeneration" };

	if (!a || !b)
		return false;
	for (size_t i = 0; i < 4; i++)
		if (!json_equal(json_object_get(a, keys[i]), json_object_get(b, keys[i])))
			return false;
	return true;
}

/* After a successful patch of cond (lock held): should an Event tell of
 * it?  A new failure (status False for a generation or reason not told of
 * yet) is, within the policy's rate limit; *suppressed says when the limit
 * refused it. */
static bool want_event(struct ctl *c, struct pol *p, json_t *cond, bool *suppressed)
{
	const char *st = json_string_value(json_object_get(cond, "status"));
	const char *reason = json_string_value(json_object_get(cond, "reason"));

	*suppressed = false;
	if (!st || !reason)
		return false;
	if (strcmp(st, "False")) {
		p->ev_gen = 0; /* compiled again: the next failure is news */
		p->ev_reason[0] = 0;
		return false;
	}
	if (p->ev_gen == p->built_gen && !strcmp(p->ev_reason, reason))
		return false;
	p->ev_gen = p->built_gen;
	snprintf(p->ev_reason, sizeof(p->ev_reason), "%s", reason);
	if (!c->o->event_interval_s)
		return false;
	if (ctl_ratelimit__take(&p->ev_rl, mono_ms(), c->o->event_interval_s * 1e3))
		return true;
	*suppressed = true;
	return false;
}

/* Patch every status that changed; -EIO when a patch failed. */
static int report_status(struct ctl *c)
{
	int ret = 0;

	for (;;) {
		struct pol *p;
		json_t *cond = NULL, *cur, *patch;
		char *body = NULL, *path = NULL, ts[64], what[400], line[1600];
		struct kapi_req rq = { .method = "PATCH",
				       .content_type = "application/merge-patch+json" };
		struct kapi_resp r;
		enum kind kind = K_TP;
		char ns[64], name[256], uid[64];
		json_int_t gen = 0;
		bool failed, send = false, suppressed = false;
		json_t *sent = NULL;

		pthread_mutex_lock(&c->lock);
		for (p = c->pols; p; p = p->next) {
			if (p->status_failed && mono_ms() - p->status_failed < 2000)
				continue;
			cond = want_condition(c, p);
			if (!cond)
				continue;
			body = json_dumps(cond, JSON_COMPACT | JSON_SORT_KEYS);
			cur = current_condition(p->obj);
			if ((!p->status_sent || !body || strcmp(p->status_sent, body)) &&
			    !(same_condition(cur, cond) &&
			      json_integer_value(json_object_get(json_object_get(p->obj, "status"),
								 "observedGeneration")) ==
				      p->built_gen))
				break;
			free(body);
			body = NULL;
			json_decref(cond);
			cond = NULL;
		}
		if (p) {
			/* keep the transition time while the status stays the same */
			cur = current_condition(p->obj);
			now_rfc3339(ts, sizeof(ts));
			json_object_set_new(cond, "lastTransitionTime",
					    json_string(cur && json_equal(json_object_get(cur, "status"),
									  json_object_get(cond, "status")) &&
								json_string_value(json_object_get(
									cur, "lastTransitionTime")) ?
							json_string_value(json_object_get(
								cur, "lastTransitionTime")) :
							ts));
			free(p->status_sent);
			p->status_sent = body; /* before the patch: a failure is not retried in a loop */
			body = NULL;
			kind = p->kind;
			gen = p->built_gen;
			snprintf(ns, sizeof(ns), "%s", p->ns);
			snprintf(name, sizeof(name), "%s", p->name);
			snprintf(uid, sizeof(uid), "%s", p->uid);
			sent = json_incref(cond);
		}
		pthread_mutex_unlock(&c->lock);
		beat(c);
		if (!p)
			return ret;
		patch = json_pack("{s:{s:[o], s:I}}", "status", "conditions", cond,
				  "observedGeneration", gen);
		body = patch ? json_dumps(patch, JSON_COMPACT) : NULL;
		json_decref(patch);
		if (kind == K_TP) {
			if (asprintf(&path, GROUP_PATH "/tracingpolicies/%s/status", name) < 0)
				path = NULL;
		} else if (asprintf(&path, GROUP_PATH "/namespaces/%s/tracingpoliciesnamespaced/%s/status",
				    ns, name) < 0) {
			path = NULL;
		}
		if (!body || !path) {
			free(body);
			free(path);
			json_decref(sent);
			return -ENOMEM;
		}
		rq.path = path;
		rq.body = body;
		rq.body_len = strlen(body);
		snprintf(what, sizeof(what), "status of %s %s%s%s", kind_name[kind], ns,
			 ns[0] ? "/" : "", name);
		failed = true;
		if (kapi__request(c->k, &rq, &r)) {
			kapi__log(c->k, KAPI_WARN, "%s: %s", what, r.why);
		} else if (r.status == 404) {
			kapi__log(c->k, KAPI_DEBUG, "%s: the policy is gone", what);
			failed = false;
		} else if (r.status != 200) {
			kapi_resp__problem(&r, what, RBAC_STATUS, line, sizeof(line));
			kapi__log(c->k, KAPI_ERR, "%s", line);
		} else {
			kapi__log(c->k, KAPI_DEBUG, "%s: reported", what);
			failed = false;
		}
		pthread_mutex_lock(&c->lock);
		p = find_pol(c, kind, ns, name);
		if (p) {
			/* a failed patch is sent again later, not at once in a loop */
			p->status_failed = failed ? mono_ms() : 0;
			if (failed) {
				free(p->status_sent);
				p->status_sent = NULL;
			} else if (r.status == 200 && !strcmp(p->uid, uid)) {
				send = want_event(c, p, sent, &suppressed);
			}
		}
		pthread_mutex_unlock(&c->lock);
		kapi_resp__fini(&r);
		free(body);
		free(path);
		pthread_mutex_lock(&c->m.lock);
		if (failed)
			c->m.status_failed++;
		else
			c->m.status_ok++;
		if (suppressed)
			c->m.events[CTL_EV_SUPPRESSED]++;
		pthread_mutex_unlock(&c->m.lock);
		if (failed)
			ret = -EIO;
		if (suppressed)
			kapi__log(c->k, KAPI_INFO,
				  "%s: no Event (more than %d for this policy within %u s)", what,
				  CTL_EVENT_BURST, c->o->event_interval_s);
		if (send) {
			struct ctl_event ev = {
				.api_version = "cilium.io/v1alpha1",
				.kind = kind_name[kind],
				.ns = ns,
				.name = name,
				.uid = uid,
				.reason = json_string_value(json_object_get(sent, "reason")),
				.note = json_string_value(json_object_get(sent, "message")),
				.instance = c->o->id,
			};
			int e = ctl_event__post(c->k, &ev);

			pthread_mutex_lock(&c->m.lock);
			c->m.events[e ? CTL_EV_FAILED : CTL_EV_SENT]++;
			pthread_mutex_unlock(&c->m.lock);
		}
		json_decref(sent);
	}
}

/* --- the loop ------------------------------------------------------------------------- */

static void on_leader(void *ctx, bool leader)
{
	struct ctl *c = ctx;

	pthread_mutex_lock(&c->lock);
	kick(c);
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_lock(&c->m.lock);
	c->m.leader_changes++;
	pthread_mutex_unlock(&c->m.lock);
	(void)leader;
}

static void reconcile(struct ctl *c)
{
	struct kapi_backoff bo = { 0 };

	while (!stop_flag) {
		struct timespec until;
		bool leader, listed;
		int err;

		beat(c);
		pthread_mutex_lock(&c->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		while (!c->dirty && !stop_flag)
			if (pthread_cond_timedwait(&c->cond, &c->lock, &until))
				break;
		c->dirty = false;
		listed = c->listed[K_TP] && c->listed[K_TPN];
		pthread_mutex_unlock(&c->lock);
		leader = ctl_lease__leader(c->lease);
		if (!leader) {
			if (c->was_leader)
				c->pub.loaded = false; /* another replica may write meanwhile */
			c->was_leader = false;
			continue;
		}
		if (!c->was_leader)
			c->t_leader = mono_ms();
		/* read the ConfigMaps again now and then: a hand edit (or a
		 * write nobody told us about) is put right */
		if (mono_ms() - c->t_loaded > RESYNC_MS) {
			c->pub.loaded = false;
			c->t_loaded = mono_ms();
		}
		c->was_leader = true;
		if (!listed)
			continue;
		build_all(c);
		if (stop_flag || !ctl_lease__leader(c->lease))
			continue;
		err = publish(c);
		if (err == -EAGAIN) {
			pthread_mutex_lock(&c->lock);
			kick(c); /* a conflict: plan again with what was read */
			pthread_mutex_unlock(&c->lock);
			continue;
		}
		if (err) {
			kapi__backoff(c->k, &bo);
			pthread_mutex_lock(&c->lock);
			kick(c);
			pthread_mutex_unlock(&c->lock);
			continue;
		}
		kapi_backoff__reset(&bo);
		if (ctl_lease__leader(c->lease) && !report_status(c)) {
			pthread_mutex_lock(&c->m.lock);
			c->m.last_sync = (double)time(NULL);
			pthread_mutex_unlock(&c->m.lock);
		}
	}
}

/* --- metrics and probes (the HTTP thread) ------------------------------------ */

/* The reason a policy's condition gives now (want_condition's), or
 * "Pending" before there is one.  Lock held. */
static const char *pol_state(struct ctl *c, struct pol *p)
{
	if (!p->built_gen)
		return "Pending";
	if (!p->built_ok)
		return p->reason ? p->reason : "Invalid";
	if (p->pub_err == -ENOSPC)
		return "NoRoom";
	return p->shard < 0 || p->pub_err ? "Pending" : "Compiled";
}

static void metrics_cb(void *ctx, struct jbuf *b)
{
	static const char *const states[] = { "Compiled", "Invalid",	"BuildFailed",
					      "TooLarge", "NoRoom", "Pending" };
	enum { NS = sizeof(states) / sizeof(states[0]) };
	struct ctl *c = ctx;
	uint64_t n[K_N][NS] = { { 0 } };
	bool listed[K_N];
	char holder[256];
	double age;

	pthread_mutex_lock(&c->lock);
	for (struct pol *p = c->pols; p; p = p->next) {
		const char *st = pol_state(c, p);

		for (int i = 0; i < NS; i++)
			if (!strcmp(st, states[i]))
				n[p->kind][i]++;
	}
	memcpy(listed, c->listed, sizeof(listed));
	pthread_mutex_unlock(&c->lock);
	prom__family(b, "tpc_controller_policies", "gauge",
		     "Policies seen (the label selector's), by kind and the Compiled condition's "
		     "reason (Pending: not built or not published yet).");
	for (int k = 0; k < K_N; k++)
		for (int i = 0; i < NS; i++)
			prom__u64(b, "tpc_controller_policies",
				  (const char *const[]){ "kind", kind_name[k], "reason", states[i],
							 NULL },
				  n[k][i]);
	prom__family(b, "tpc_controller_list_complete", "gauge",
		     "1 once the first complete list of the resource arrived.");
	for (int k = 0; k < K_N; k++)
		prom__u64(b, "tpc_controller_list_complete",
			  (const char *const[]){ "resource", ctl_resource_name[k], NULL },
			  listed[k]);
	prom__family(b, "tpc_controller_lists_total", "counter", "Complete lists received.");
	for (int k = 0; k < K_N; k++)
		prom__u64(b, "tpc_controller_lists_total",
			  (const char *const[]){ "resource", ctl_resource_name[k], NULL },
			  kapi_watch__lists(c->w[k]));
	prom__family(b, "tpc_controller_leader", "gauge",
		     "1 while this replica holds the Lease (and renewed it in time).");
	prom__u64(b, "tpc_controller_leader", NULL, ctl_lease__leader(c->lease));
	age = ctl_lease__observed(c->lease, holder, sizeof(holder));
	prom__family(b, "tpc_controller_lease_holder", "gauge",
		     "The Lease's holder as this replica last read it (\"\": released).");
	if (age >= 0)
		prom__u64(b, "tpc_controller_lease_holder",
			  (const char *const[]){ "holder", holder, NULL }, 1);
	prom__family(b, "tpc_controller_lease_read_age_seconds", "gauge",
		     "Seconds since the Lease was last read or written (-1: never).");
	prom__f64(b, "tpc_controller_lease_read_age_seconds", NULL, age < 0 ? -1 : age / 1e3);
	ctl_metrics__render(&c->m, b);
}

static bool healthz_cb(void *ctx, struct jbuf *why)
{
	struct ctl *c = ctx;
	double age = mono_ms() - (double)__atomic_load_n(&c->beat, __ATOMIC_ACQUIRE);
	char line[200];

	if (age <= c->o->stall_s * 1e3) {
		snprintf(line, sizeof(line), "ok: the main loop's last step %.1f s ago\n", age / 1e3);
		jbuf__cstr(why, line);
		return true;
	}
	snprintf(line, sizeof(line),
		 "stalled: the main loop made no step for %.0f s (--stall-seconds %u)\n",
		 age / 1e3, c->o->stall_s);
	jbuf__cstr(why, line);
	return false;
}

/* Ready: both lists complete, and either the leader or a standby that can
 * read the Lease (it would take over).  A standby is ready on purpose: a
 * Deployment's rollout waits for every replica to be ready. */
static bool readyz_cb(void *ctx, struct jbuf *why)
{
	struct ctl *c = ctx;
	char holder[256], line[600];
	bool listed[K_N];
	double age;

	pthread_mutex_lock(&c->lock);
	memcpy(listed, c->listed, sizeof(listed));
	pthread_mutex_unlock(&c->lock);
	for (int k = 0; k < K_N; k++)
		if (!listed[k]) {
			snprintf(line, sizeof(line),
				 "not ready: the %s list is not complete yet\n", kind_name[k]);
			jbuf__cstr(why, line);
			return false;
		}
	if (ctl_lease__leader(c->lease)) {
		jbuf__cstr(why, "ready: leader\n");
		return true;
	}
	age = ctl_lease__observed(c->lease, holder, sizeof(holder));
	if (age < 0 || age > c->o->lease_s * 1e3) {
		if (age < 0)
			snprintf(line, sizeof(line), "not ready: the Lease %s/%s was not read yet\n",
				 c->o->ns, c->o->lease_name);
		else
			snprintf(line, sizeof(line),
				 "not ready: the Lease %s/%s was last read %.0f s ago\n", c->o->ns,
				 c->o->lease_name, age / 1e3);
		jbuf__cstr(why, line);
		return false;
	}
	snprintf(line, sizeof(line), "ready: standby, the Lease is held by '%s'\n",
		 holder[0] ? holder : "(nobody: taking it over)");
	jbuf__cstr(why, line);
	return true;
}

int ctl__run(const struct ctl_opts *o)
{
	struct ctl c = { .o = o };
	struct kapi_cfg cfg;
	struct kind_ctx kc[K_N] = { { &c, K_TP }, { &c, K_TPN } };
	static const char *const paths[K_N] = { GROUP_PATH "/tracingpolicies",
						 GROUP_PATH "/tracingpoliciesnamespaced" };
	static const char *const what[K_N] = { "tracingpolicies", "tracingpoliciesnamespaced" };
	char reason[256], *query = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	struct ctl_lease_cfg lc = {
		.ns = o->ns, .name = o->lease_name, .id = o->id, .duration_s = o->lease_s,
		.changed = on_leader, .ctx = &c,
	};
	int err;

	verbosity = o->verbose;
	ctl_metrics__init(&c.m);
	beat(&c);
	pthread_mutex_init(&c.lock, NULL);
	pthread_cond_init(&c.cond, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		return -EIO;
	err = kapi__config(&cfg, o->api, o->ca, o->token, reason, sizeof(reason));
	if (err) {
		log_line(KAPI_ERR, reason);
		return err;
	}
	err = kapi__new(&c.k, &cfg, "tpc-controller/" TPC_VERSION, log_line);
	if (err)
		return err;
	kapi__set_observer(c.k, ctl_metrics__api, &c.m);
	err = ctl_pub__init(&c.pub, c.k, o->ns, o->prefix, o->shards, o->shard_bytes);
	if (err) {
		kapi__log(c.k, KAPI_ERR, "--configmaps %u / --configmap-bytes %zu: out of range",
			  o->shards, o->shard_bytes);
		goto cleanup;
	}
	if (o->label_selector && *o->label_selector) {
		char *esc = kapi__escape(o->label_selector);

		if (!esc || asprintf(&query, "labelSelector=%s", esc) < 0)
			query = NULL;
		free(esc);
		if (!query) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	for (int i = 0; i < K_N; i++) {
		struct kapi_watch_cfg wc = { .path = paths[i], .query = query, .what = what[i],
					     .rbac = RBAC_POLICIES };
		struct kapi_watch_ops ops = { .replace = on_replace, .event = on_event,
					      .note = on_note };

		err = kapi_watch__start(&c.w[i], c.k, &wc, &ops, &kc[i]);
		if (err)
			goto cleanup;
	}
	err = ctl_lease__start(&c.lease, c.k, &lc);
	if (err)
		goto cleanup;
	if (o->metrics_addr) {
		struct tpc_http_cfg hc = { .metrics = metrics_cb, .healthz = healthz_cb,
					   .readyz = readyz_cb, .ctx = &c };

		err = tpc_http__start(&c.http, o->metrics_addr, &hc);
		if (err) {
			kapi__log(c.k, KAPI_ERR, "--metrics-addr %s: cannot serve: %s",
				  o->metrics_addr, strerror(-err));
			goto cleanup;
		}
	}
	kapi__log(c.k, KAPI_INFO,
		  "started as '%s': objects in ConfigMaps %s/%s-0..%u (%zu bytes each), lease %s%s%s",
		  o->id, o->ns, o->prefix, o->shards - 1, o->shard_bytes, o->lease_name,
		  query ? ", policies matching " : "", query ? o->label_selector : "");
	reconcile(&c);
	kapi__log(c.k, KAPI_INFO, "stopping");
cleanup:
	tpc_http__stop(c.http); /* before what the callbacks read goes */
	ctl_lease__stop(c.lease); /* releases the lease while the client still works */
	kapi__stop(c.k);
	for (int i = 0; i < K_N; i++)
		kapi_watch__free(c.w[i]);
	ctl_pub__fini(&c.pub);
	while (c.pols) {
		struct pol *p = c.pols;

		c.pols = p->next;
		pol_free(p);
	}
	kapi__free(c.k);
	free(query);
	pthread_mutex_destroy(&c.lock);
	pthread_cond_destroy(&c.cond);
	ctl_metrics__fini(&c.m);
	return err;
}
