/* metrics.h - the Prometheus text format and the /metrics, /healthz and
 * /readyz endpoint (libmicrohttpd), shared by tpc-loader and tpc-controller.
 *
 * Contract:
 *  - tpc_http__start() serves GET and HEAD on ADDR ("HOST:PORT" or ":PORT",
 *    IPv4; "localhost" and "0.0.0.0" understood) from libmicrohttpd's own
 *    thread, at most 16 connections, 10 s per connection:
 *      /metrics  cfg->metrics appends the exposition text (format 0.0.4);
 *      /healthz  cfg->healthz: true 200, false 503 with the reason it
 *                wrote; NULL: always 200 "ok";
 *      /readyz   cfg->readyz, the same; NULL: 404 (no such probe).
 *    Everything else is 404.  The callbacks run on the HTTP thread, so they
 *    take whatever lock guards what they read, and must not block on the
 *    caller's main loop (a probe that waits for a stuck loop would hang the
 *    probe instead of failing it).
 *  - tpc_http__stop() ends the thread (in-flight answers finish); NULL-safe.
 *  - The prom__* helpers write families, samples with escaped label values
 *    (\, " and newline) and cumulative histograms; a NULL label list is no
 *    labels.  struct prom_hist is not locked: its owner serialises.
 * Functions return 0 or -errno; a TPC_NO_HTTP build (the static loader)
 * has no server: tpc_http__start() returns -EOPNOTSUPP.
 */
#ifndef TPC_METRICS_H
#define TPC_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "jbuf.h"

struct tpc_http;

struct tpc_http_cfg {
	void (*metrics)(void *ctx, struct jbuf *out);
	bool (*healthz)(void *ctx, struct jbuf *why);
	bool (*readyz)(void *ctx, struct jbuf *why);
	void *ctx;
};

int tpc_http__start(struct tpc_http **out, const char *addr, const struct tpc_http_cfg *cfg);
void tpc_http__stop(struct tpc_http *h);

/* "# HELP NAME HELP\n# TYPE NAME TYPE\n" */
void prom__family(struct jbuf *b, const char *name, const char *type, const char *help);
/* NAME{k1="v1",...} VALUE\n; labels: NULL, or key, value, ..., NULL */
void prom__u64(struct jbuf *b, const char *name, const char *const *labels, uint64_t v);
void prom__f64(struct jbuf *b, const char *name, const char *const *labels, double v);
/* One label, k="v" with the value escaped; a comma before it unless first. */
void prom__label(struct jbuf *b, const char *k, const char *v, bool first);

#define PROM_HIST_MAX 16

struct prom_hist {
	const double *le; /* upper bounds, ascending; +Inf is implied */
	unsigned n;	  /* <= PROM_HIST_MAX */
	uint64_t bucket[PROM_HIST_MAX + 1]; /* per bound (not cumulative), then +Inf */
	uint64_t count;
	double sum;
};

void prom_hist__observe(struct prom_hist *h, double v);
/* The family (TYPE histogram) with NAME_bucket{le=...}, NAME_sum, NAME_count. */
void prom__hist(struct jbuf *b, const char *name, const char *help, const struct prom_hist *h);

#endif
