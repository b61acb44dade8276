/* metrics.c - counters and the Prometheus/healthz endpoint (libmicrohttpd). */
#include <arpa/inet.h>
#include <errno.h>
#ifndef TPC_NO_HTTP
#include <microhttpd.h>
#endif
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/ldr_metrics.h"

struct ldr_metrics {
	pthread_mutex_t lock;
	struct ldr_ctr *ctrs;
	uint64_t g[LDR_G__COUNT];
	void (*collect)(void *ctx, struct jbuf *out);
	void *ctx;
#ifndef TPC_NO_HTTP
	struct MHD_Daemon *httpd;
#endif
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
#ifndef TPC_NO_HTTP
	if (m->httpd)
		MHD_stop_daemon(m->httpd);
#endif
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

/* Prometheus label values escape \, " and newline. */
static void label(struct jbuf *b, const char *k, const char *v, bool last)
{
	jbuf__cstr(b, k);
	jbuf__cstr(b, "=\"");
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			jbuf__ch(b, '\\');
		if (*v == '\n') {
			jbuf__cstr(b, "\\n");
			continue;
		}
		jbuf__ch(b, *v);
	}
	jbuf__ch(b, '"');
	if (!last)
		jbuf__ch(b, ',');
}

void ldr_metrics__render(struct ldr_metrics *m, struct jbuf *b)
{
	jbuf__cstr(b, "# HELP tpc_events_total Events decoded, by type, policy and action.\n"
		      "# TYPE tpc_events_total counter\n");
	pthread_mutex_lock(&m->lock);
	for (struct ldr_ctr *c = m->ctrs; c; c = c->next) {
		jbuf__cstr(b, "tpc_events_total{");
		label(b, "type", c->type, false);
		label(b, "policy", c->policy, false);
		label(b, "action", c->action, true);
		jbuf__cstr(b, "} ");
		jbuf__u64(b, __atomic_load_n(&c->n, __ATOMIC_RELAXED));
		jbuf__ch(b, '\n');
	}
	pthread_mutex_unlock(&m->lock);
	for (int i = 0; i < LDR_G__COUNT; i++) {
		jbuf__cstr(b, "# HELP ");
		jbuf__cstr(b, gnames[i]);
		jbuf__ch(b, ' ');
		jbuf__cstr(b, ghelp[i]);
		jbuf__cstr(b, "\n# TYPE ");
		jbuf__cstr(b, gnames[i]);
		jbuf__cstr(b, " counter\n");
		jbuf__cstr(b, gnames[i]);
		jbuf__ch(b, ' ');
		jbuf__u64(b, __atomic_load_n(&m->g[i], __ATOMIC_RELAXED));
		jbuf__ch(b, '\n');
	}
	if (m->collect)
		m->collect(m->ctx, b);
}

#ifdef TPC_NO_HTTP
int ldr_metrics__serve(struct ldr_metrics *m, const char *addr)
{
	return -EOPNOTSUPP; /* static build: no libmicrohttpd */
}
#else
static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct ldr_metrics *m = cls;
	struct MHD_Response *resp;
	struct jbuf b = { 0 };
	enum MHD_Result ret;
	unsigned code = MHD_HTTP_OK;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return MHD_NO;
	if (!strcmp(url, "/metrics")) {
		ldr_metrics__render(m, &b);
	} else if (!strcmp(url, "/healthz")) {
		jbuf__cstr(&b, "ok\n");
	} else {
		jbuf__cstr(&b, "not found: try /metrics or /healthz\n");
		code = MHD_HTTP_NOT_FOUND;
	}
	if (b.oom) {
		jbuf__free(&b);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(b.len, b.p, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		jbuf__free(&b);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
				code == MHD_HTTP_OK && !strcmp(url, "/metrics")
					? "text/plain; version=0.0.4"
					: "text/plain");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

int ldr_metrics__serve(struct ldr_metrics *m, const char *addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	const char *colon = strrchr(addr, ':');
	char host[64];
	unsigned long port;
	char *end;

	if (!colon)
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (*end || !port || port > 65535)
		return -EINVAL;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	if (!host[0] || !strcmp(host, "0.0.0.0"))
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
	else if (!strcmp(host, "localhost"))
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return -EINVAL;
	sin.sin_port = htons(port);
	m->httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
				    NULL, answer, m, MHD_OPTION_SOCK_ADDR, &sin,
				    MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT,
				    10u, MHD_OPTION_END);
	return m->httpd ? 0 : -EADDRINUSE;
}
#endif
