/* metrics.c - Prometheus text and the HTTP endpoint (metrics.h). */
#include <arpa/inet.h>
#include <errno.h>
#ifndef TPC_NO_HTTP
#include <microhttpd.h>
#endif
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

void prom__family(struct jbuf *b, const char *name, const char *type, const char *help)
{
	jbuf__cstr(b, "# HELP ");
	jbuf__cstr(b, name);
	jbuf__ch(b, ' ');
	jbuf__cstr(b, help);
	jbuf__cstr(b, "\n# TYPE ");
	jbuf__cstr(b, name);
	jbuf__ch(b, ' ');
	jbuf__cstr(b, type);
	jbuf__ch(b, '\n');
}

void prom__label(struct jbuf *b, const char *k, const char *v, bool first)
{
	if (!first)
		jbuf__ch(b, ',');
	jbuf__cstr(b, k);
	jbuf__cstr(b, "=\"");
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			jbuf__ch(b, '\\');
		if (*v == '\n') {
			jbuf__cstr(b, "\\n");
			continue;
		}
		jbuf__ch(b, *v);
	}
	jbuf__ch(b, '"');
}

static void name_labels(struct jbuf *b, const char *name, const char *const *labels)
{
	jbuf__cstr(b, name);
	if (!labels || !labels[0])
		return;
	jbuf__ch(b, '{');
	for (unsigned i = 0; labels[i] && labels[i + 1]; i += 2)
		prom__label(b, labels[i], labels[i + 1], i == 0);
	jbuf__ch(b, '}');
}

void prom__u64(struct jbuf *b, const char *name, const char *const *labels, uint64_t v)
{
	name_labels(b, name, labels);
	jbuf__ch(b, ' ');
	jbuf__u64(b, v);
	jbuf__ch(b, '\n');
}

void prom__f64(struct jbuf *b, const char *name, const char *const *labels, double v)
{
	char num[40];

	name_labels(b, name, labels);
	/* whole numbers (timestamps) in full, others to 9 digits */
	if (v == (double)(int64_t)v && v > -1e15 && v < 1e15)
		snprintf(num, sizeof(num), " %lld\n", (long long)v);
	else
		snprintf(num, sizeof(num), " %.9g\n", v);
	jbuf__cstr(b, num);
}

void prom_hist__observe(struct prom_hist *h, double v)
{
	unsigned i = 0;

	while (i < h->n && v > h->le[i])
		i++;
	h->bucket[i]++;
	h->count++;
	h->sum += v;
}

void prom__hist(struct jbuf *b, const char *name, const char *help, const struct prom_hist *h)
{
	char n[128], le[40];
	uint64_t cum = 0;

	prom__family(b, name, "histogram", help);
	snprintf(n, sizeof(n), "%s_bucket", name);
	for (unsigned i = 0; i <= h->n; i++) {
		cum += h->bucket[i];
		if (i < h->n)
			snprintf(le, sizeof(le), "%g", h->le[i]);
		prom__u64(b, n, (const char *const[]){ "le", i < h->n ? le : "+Inf", NULL }, cum);
	}
	snprintf(n, sizeof(n), "%s_sum", name);
	prom__f64(b, n, NULL, h->sum);
	snprintf(n, sizeof(n), "%s_count", name);
	prom__u64(b, n, NULL, h->count);
}

#ifdef TPC_NO_HTTP
int tpc_http__start(struct tpc_http **out, const char *addr, const struct tpc_http_cfg *cfg)
{
	*out = NULL;
	return -EOPNOTSUPP; /* static build: no libmicrohttpd */
}

void tpc_http__stop(struct tpc_http *h)
{
}
#else
struct tpc_http {
	struct tpc_http_cfg cfg;
	struct MHD_Daemon *httpd;
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct tpc_http *h = cls;
	struct MHD_Response *resp;
	struct jbuf b = { 0 };
	enum MHD_Result ret;
	unsigned code = MHD_HTTP_OK;
	bool (*probe)(void *, struct jbuf *) = NULL;
	bool is_metrics = false;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return MHD_NO;
	if (!strcmp(url, "/metrics")) {
		is_metrics = true;
		if (h->cfg.metrics)
			h->cfg.metrics(h->cfg.ctx, &b);
	} else if (!strcmp(url, "/healthz") || (!strcmp(url, "/readyz") && h->cfg.readyz)) {
		probe = url[1] == 'h' ? h->cfg.healthz : h->cfg.readyz;
		if (!probe) {
			jbuf__cstr(&b, "ok\n");
		} else if (probe(h->cfg.ctx, &b)) {
			if (!b.len)
				jbuf__cstr(&b, "ok\n");
		} else {
			code = MHD_HTTP_SERVICE_UNAVAILABLE;
		}
	} else {
		jbuf__cstr(&b, h->cfg.readyz ? "not found: try /metrics, /healthz or /readyz\n"
					     : "not found: try /metrics or /healthz\n");
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
				is_metrics ? "text/plain; version=0.0.4" : "text/plain");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

int tpc_http__start(struct tpc_http **out, const char *addr, const struct tpc_http_cfg *cfg)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	const char *colon = strrchr(addr, ':');
	struct tpc_http *h;
	char host[64];
	unsigned long port;
	char *end;

	*out = NULL;
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
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->cfg = *cfg;
	h->httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
				    NULL, answer, h, MHD_OPTION_SOCK_ADDR, &sin,
				    MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT,
				    10u, MHD_OPTION_END);
	if (!h->httpd) {
		free(h);
		return -EADDRINUSE;
	}
	*out = h;
	return 0;
}

void tpc_http__stop(struct tpc_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->httpd);
	free(h);
}
#endif
