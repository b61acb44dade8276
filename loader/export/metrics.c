/* metrics.c - the loader's counters; the text format and the HTTP endpoint
 * are common/metrics.c's. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/ldr_metrics.h"
#include "metrics.h"

struct ldr_metrics {
	pthread_mutex_t lock;
	struct ldr_ctr *ctrs;
	uint64_t g[LDR_G__COUNT];
	void (*collect)(void *ctx, struct jbuf *out);
	void *ctx;
	struct tpc_http *http;
};

static const char *const gnames[LDR_G__COUNT] = {
	[LDR_G_LOAD_ERRORS] = "tpc_policy_load_errors_total",
	[LDR_G_DECODE_ERRORS] = "tpc_event_decode_errors_total",
	[LDR_G_FILTERED] = "tpc_events_filtered_total",
	[LDR_G_K8S_RECONNECTS] = "tpc_k8s_watch_reconnects_total",
	[LDR_G_K8S_RELISTS] = "tpc_k8s_relists_total",
	[LDR_G_TARGETS_LOST] = "tpc_hook_targets_lost_total",
	[LDR_G_REQ_DONE] = "tpc_policy_requests_total",
	[LDR_G_REQ_FAILED] = "tpc_policy_requests_failed_total",
	[LDR_G_REQ_LIMITED] = "tpc_policy_requests_limited_total",
	[LDR_G_REQ_SKIPPED] = "tpc_policy_requests_skipped_total",
};
static const char *const ghelp[LDR_G__COUNT] = {
	[LDR_G_LOAD_ERRORS] = "Objects refused at load (bad metadata, verifier, attach).",
	[LDR_G_DECODE_ERRORS] = "Ring-buffer records that could not be decoded.",
	[LDR_G_FILTERED] = "Events dropped by the export allow/deny filters.",
	[LDR_G_K8S_RECONNECTS] = "Kubernetes pod watch streams re-opened.",
	[LDR_G_K8S_RELISTS] = "Kubernetes pod relists after an expired resourceVersion.",
	[LDR_G_TARGETS_LOST] = "uprobe target files deleted or replaced while probed.",
	[LDR_G_REQ_DONE] = "GetUrl/DnsLookup requests performed for a policy.",
	[LDR_G_REQ_FAILED] = "GetUrl/DnsLookup requests that got no answer.",
	[LDR_G_REQ_LIMITED] = "GetUrl/DnsLookup requests dropped by --request-rate or a full queue.",
	[LDR_G_REQ_SKIPPED] = "GetUrl/DnsLookup requests skipped: destination not allowed.",
};

struct ldr_metrics *ldr_metrics__new(void (*collect)(void *ctx, struct jbuf *out), void *ctx)
{
	struct ldr_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->collect = collect;
	m->ctx = ctx;
	return m;
}

void ldr_metrics__free(struct ldr_metrics *m)
{
	struct ldr_ctr *c, *n;

	if (!m)
		return;
	tpc_http__stop(m->http);
	for (c = m->ctrs; c; c = n) {
		n = c->next;
		free(c->type);
		free(c->policy);
		free(c->action);
		free(c);
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

struct ldr_ctr *ldr_metrics__ctr(struct ldr_metrics *m, const char *type, const char *policy,
				 const char *action)
{
	struct ldr_ctr *c;

	if (!m)
		return NULL;
	pthread_mutex_lock(&m->lock);
	for (c = m->ctrs; c; c = c->next)
		if (!strcmp(c->type, type) && !strcmp(c->policy, policy) &&
		    !strcmp(c->action, action))
			goto out;
	c = calloc(1, sizeof(*c));
	if (c) {
		c->type = strdup(type);
		c->policy = strdup(policy);
		c->action = strdup(action);
		c->next = m->ctrs;
		m->ctrs = c;
	}
out:
	pthread_mutex_unlock(&m->lock);
	return c;
}

void ldr_metrics__add(struct ldr_metrics *m, enum ldr_gctr which, uint64_t n)
{
	if (m)
		__atomic_fetch_add(&m->g[which], n, __ATOMIC_RELAXED);
}

void ldr_metrics__render(struct ldr_metrics *m, struct jbuf *b)
{
	prom__family(b, "tpc_events_total", "counter", "Events decoded, by type, policy and action.");
	pthread_mutex_lock(&m->lock);
	for (struct ldr_ctr *c = m->ctrs; c; c = c->next)
		prom__u64(b, "tpc_events_total",
			  (const char *const[]){ "type", c->type, "policy", c->policy, "action",
						 c->action, NULL },
			  __atomic_load_n(&c->n, __ATOMIC_RELAXED));
	pthread_mutex_unlock(&m->lock);
	for (int i = 0; i < LDR_G__COUNT; i++) {
		prom__family(b, gnames[i], "counter", ghelp[i]);
		prom__u64(b, gnames[i], NULL, __atomic_load_n(&m->g[i], __ATOMIC_RELAXED));
	}
	if (m->collect)
		m->collect(m->ctx, b);
}

static void render_cb(void *ctx, struct jbuf *b)
{
	ldr_metrics__render(ctx, b);
}

int ldr_metrics__serve(struct ldr_metrics *m, const char *addr)
{
	struct tpc_http_cfg cfg = { .metrics = render_cb, .ctx = m };

	return tpc_http__start(&m->http, addr, &cfg);
}
