/* lease.c - leader election (ctl_lease.h). */
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_lease.h"

#define RBAC_LEASE "get, create and update on leases (coordination.k8s.io) in the controller's namespace"

struct ctl_lease {
	struct kapi *k;
	struct ctl_lease_cfg cfg;
	char ns[256], name[256], id[256];
	pthread_t thread;
	bool started, stop, leader;
	int64_t last_ok; /* monotonic ms of the last successful create/renew */
	/* the record as last observed, and when it last changed */
	char obs[1024];
	double obs_at;
	/* for the probes and metrics (other threads): the holder last read */
	pthread_mutex_t mu;
	char holder[256];
	double read_at; /* 0: never */
};

static double mono_ms(void);

static void observed(struct ctl_lease *l, const char *holder)
{
	pthread_mutex_lock(&l->mu);
	snprintf(l->holder, sizeof(l->holder), "%s", holder);
	l->read_at = mono_ms();
	pthread_mutex_unlock(&l->mu);
}

double ctl_lease__observed(struct ctl_lease *l, char *holder, size_t n)
{
	double age;

	pthread_mutex_lock(&l->mu);
	snprintf(holder, n, "%s", l->holder);
	age = l->read_at ? mono_ms() - l->read_at : -1;
	pthread_mutex_unlock(&l->mu);
	return age;
}

static double mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* RFC 3339 with microseconds: a metav1.MicroTime */
static void micro_now(char *out, size_t n)
{
	struct timespec t;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &t);
	gmtime_r(&t.tv_sec, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, t.tv_nsec / 1000);
}

static void set_leader(struct ctl_lease *l, bool on)
{
	bool was = __atomic_exchange_n(&l->leader, on, __ATOMIC_ACQ_REL);

	if (was == on)
		return;
	kapi__log(l->k, on ? KAPI_INFO : KAPI_WARN, "lease %s/%s: %s", l->ns, l->name,
		  on ? "acquired, this replica is the leader" :
		       "lost, this replica stops writing");
	if (l->cfg.changed)
		l->cfg.changed(l->cfg.ctx, on);
}

bool ctl_lease__leader(struct ctl_lease *l)
{
	unsigned deadline_ms = l->cfg.duration_s * 1000 * 2 / 3;

	if (!__atomic_load_n(&l->leader, __ATOMIC_ACQUIRE))
		return false;
	return (int64_t)mono_ms() - __atomic_load_n(&l->last_ok, __ATOMIC_ACQUIRE) < deadline_ms;
}

/* PUT or POST the lease with this replica as holder; 0 when it holds it. */
static int write_lease(struct ctl_lease *l, json_t *lease, bool create, const char *holder,
		       bool new_term)
{
	struct kapi_req rq = { 0 };
	struct kapi_resp r;
	char now[64], *path = NULL, *body = NULL, line[1600];
	json_t *spec;
	int err = -ENOMEM;

	micro_now(now, sizeof(now));
	spec = json_object_get(lease, "spec");
	if (!json_is_object(spec)) {
		spec = json_object();
		json_object_set_new(lease, "spec", spec);
	}
	json_object_set_new(spec, "holderIdentity", json_string(holder));
	json_object_set_new(spec, "leaseDurationSeconds",
			    json_integer(holder[0] ? l->cfg.duration_s : 1));
	json_object_set_new(spec, "renewTime", json_string(now));
	if (new_term) {
		json_int_t t = json_integer_value(json_object_get(spec, "leaseTransitions"));

		json_object_set_new(spec, "acquireTime", json_string(now));
		json_object_set_new(spec, "leaseTransitions", json_integer(create ? 0 : t + 1));
	}
	body = json_dumps(lease, JSON_COMPACT);
	if (!body || asprintf(&path, "/apis/coordination.k8s.io/v1/namespaces/%s/leases%s%s",
			      l->ns, create ? "" : "/", create ? "" : l->name) < 0) {
		path = NULL;
		goto cleanup;
	}
	rq.method = create ? "POST" : "PUT";
	rq.path = path;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.timeout_s = l->cfg.duration_s / 3 + 1;
	err = kapi__request(l->k, &rq, &r);
	if (err) {
		kapi__log(l->k, KAPI_WARN, "lease %s/%s: %s", l->ns, l->name, r.why);
	} else if (r.status == 200 || r.status == 201) {
		err = 0;
	} else if (r.status == 409) {
		err = -EBUSY; /* another replica wrote it first */
	} else {
		kapi_resp__problem(&r, "write lease", RBAC_LEASE, line, sizeof(line));
		kapi__log(l->k, KAPI_ERR, "%s", line);
		err = -EIO;
	}
	kapi_resp__fini(&r);
cleanup:
	free(path);
	free(body);
	return err;
}

static void try_once(struct ctl_lease *l)
{
	struct kapi_req rq = { 0 };
	struct kapi_resp r;
	char *path = NULL, line[1600], *rec = NULL, holder_buf[256];
	const char *holder;
	json_t *lease = NULL, *spec;
	json_int_t dur;
	int err;

	if (asprintf(&path, "/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s", l->ns,
		     l->name) < 0)
		return;
	rq.path = path;
	rq.timeout_s = l->cfg.duration_s / 3 + 1;
	err = kapi__request(l->k, &rq, &r);
	free(path);
	if (err) {
		kapi__log(l->k, KAPI_WARN, "lease %s/%s: %s", l->ns, l->name, r.why);
		goto cleanup;
	}
	if (r.status == 404) {
		lease = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "coordination.k8s.io/v1",
				  "kind", "Lease", "metadata", "name", l->name, "namespace", l->ns);
		if (lease && !write_lease(l, lease, true, l->id, true)) {
			__atomic_store_n(&l->last_ok, (int64_t)mono_ms(), __ATOMIC_RELEASE);
			observed(l, l->id);
			set_leader(l, true);
		}
		goto cleanup;
	}
	if (r.status != 200) {
		kapi_resp__problem(&r, "get lease", RBAC_LEASE, line, sizeof(line));
		kapi__log(l->k, KAPI_ERR, "%s", line);
		goto cleanup;
	}
	lease = json_loadb(r.body ? r.body : "", r.len, 0, NULL);
	spec = json_object_get(lease, "spec");
	/* a copy: writing the lease replaces the string */
	snprintf(holder_buf, sizeof(holder_buf), "%s",
		 json_string_value(json_object_get(spec, "holderIdentity")) ?: "");
	holder = holder_buf;
	if (json_is_object(spec))
		observed(l, holder);
	dur = json_integer_value(json_object_get(spec, "leaseDurationSeconds"));
	if (dur <= 0)
		dur = l->cfg.duration_s;
	/* the record without its resourceVersion: a holder's renewal changes it */
	rec = json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS);
	if (rec && strcmp(rec, l->obs)) {
		snprintf(l->obs, sizeof(l->obs), "%s", rec);
		l->obs_at = mono_ms();
	}
	if (!strcmp(holder, l->id)) {
		if (!write_lease(l, lease, false, l->id, false)) {
			__atomic_store_n(&l->last_ok, (int64_t)mono_ms(), __ATOMIC_RELEASE);
			set_leader(l, true);
		} else {
			set_leader(l, false);
		}
	} else if (!holder[0] || mono_ms() - l->obs_at > dur * 1000.0) {
		if (!write_lease(l, lease, false, l->id, true)) {
			kapi__log(l->k, KAPI_INFO, "lease %s/%s: taken over from '%s'", l->ns,
				  l->name, holder[0] ? holder : "(released)");
			observed(l, l->id);
			__atomic_store_n(&l->last_ok, (int64_t)mono_ms(), __ATOMIC_RELEASE);
			set_leader(l, true);
		} else {
			set_leader(l, false);
		}
	} else {
		set_leader(l, false);
	}
cleanup:
	free(rec);
	json_decref(lease);
	kapi_resp__fini(&r);
	if (ctl_lease__leader(l) == false && __atomic_load_n(&l->leader, __ATOMIC_ACQUIRE))
		set_leader(l, false); /* renewals failed past the deadline */
}

static void *lease_thread(void *arg)
{
	struct ctl_lease *l = arg;
	unsigned period = l->cfg.duration_s * 1000 / 3;

	while (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE) && !kapi__stopping(l->k)) {
		try_once(l);
		for (unsigned t = 0; t < period && !__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE);
		     t += 100)
			if (kapi__sleep_ms(l->k, 100))
				break;
	}
	return NULL;
}

int ctl_lease__start(struct ctl_lease **out, struct kapi *k, const struct ctl_lease_cfg *cfg)
{
	struct ctl_lease *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->k = k;
	l->cfg = *cfg;
	if (l->cfg.duration_s < 3)
		l->cfg.duration_s = 3;
	snprintf(l->ns, sizeof(l->ns), "%s", cfg->ns);
	snprintf(l->name, sizeof(l->name), "%s", cfg->name);
	snprintf(l->id, sizeof(l->id), "%s", cfg->id);
	l->cfg.ns = l->ns;
	l->cfg.name = l->name;
	l->cfg.id = l->id;
	l->obs_at = mono_ms();
	pthread_mutex_init(&l->mu, NULL);
	if (pthread_create(&l->thread, NULL, lease_thread, l)) {
		pthread_mutex_destroy(&l->mu);
		free(l);
		return -EAGAIN;
	}
	l->started = true;
	*out = l;
	return 0;
}

void ctl_lease__stop(struct ctl_lease *l)
{
	if (!l)
		return;
	__atomic_store_n(&l->stop, true, __ATOMIC_RELEASE);
	if (l->started)
		pthread_join(l->thread, NULL);
	if (ctl_lease__leader(l) && !kapi__stopping(l->k)) {
		/* hand it over at once instead of after leaseDurationSeconds */
		struct kapi_req rq = { 0 };
		struct kapi_resp r;
		char *path = NULL;

		if (asprintf(&path, "/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s", l->ns,
			     l->name) >= 0) {
			rq.path = path;
			rq.timeout_s = 3;
			if (!kapi__request(l->k, &rq, &r) && r.status == 200) {
				json_t *lease = json_loadb(r.body, r.len, 0, NULL);

				if (lease && !write_lease(l, lease, false, "", false))
					kapi__log(l->k, KAPI_INFO, "lease %s/%s: released", l->ns,
						  l->name);
				json_decref(lease);
			}
			kapi_resp__fini(&r);
			free(path);
		}
	}
	pthread_mutex_destroy(&l->mu);
	free(l);
}
