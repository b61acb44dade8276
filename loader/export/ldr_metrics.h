/* ldr_metrics.h - the loader's counters, served as Prometheus text on
 * /metrics (and /healthz) by common/metrics.h's endpoint.
 *
 * Contract: counters are created under a lock and never freed while the
 * loader runs, so the event path can cache a struct ldr_ctr pointer and
 * bump it with a relaxed atomic add.  The HTTP server runs in libmicrohttpd's
 * own thread; it renders under the same lock, and calls back into the run
 * loop (collect) for per-object figures: that callback must take whatever
 * lock guards the object list.
 */
#ifndef TPC_LDR_METRICS_H
#define TPC_LDR_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "jbuf.h"

struct ldr_ctr {
	uint64_t n;
	char *type;
	char *policy;
	char *action;
	struct ldr_ctr *next;
};

struct ldr_metrics;

/* collect appends extra Prometheus text (objects, losses, programs). */
struct ldr_metrics *ldr_metrics__new(void (*collect)(void *ctx, struct jbuf *out), void *ctx);
void ldr_metrics__free(struct ldr_metrics *m);
/* addr "HOST:PORT" or ":PORT"; 0 or -errno */
int ldr_metrics__serve(struct ldr_metrics *m, const char *addr);

struct ldr_ctr *ldr_metrics__ctr(struct ldr_metrics *m, const char *type, const char *policy,
				 const char *action);
static inline void ldr_ctr__inc(struct ldr_ctr *c)
{
	if (c)
		__atomic_fetch_add(&c->n, 1, __ATOMIC_RELAXED);
}
/* Process-wide counters shown as tpc_<name>_total. */
enum ldr_gctr {
	LDR_G_LOAD_ERRORS,
	LDR_G_DECODE_ERRORS,
	LDR_G_FILTERED,
	LDR_G_K8S_RECONNECTS,
	LDR_G_K8S_RELISTS,
	LDR_G_TARGETS_LOST,
	LDR_G_REQ_DONE,	   /* GetUrl/DnsLookup performed (loader/net/request.c) */
	LDR_G_REQ_FAILED,  /* performed, no answer */
	LDR_G_REQ_LIMITED, /* dropped by --request-rate or a full queue */
	LDR_G_REQ_SKIPPED, /* not allowed by --allow-url / --allow-dns */
	LDR_G__COUNT
};
void ldr_metrics__add(struct ldr_metrics *m, enum ldr_gctr which, uint64_t n);

/* The whole exposition text (for tests and /metrics). */
void ldr_metrics__render(struct ldr_metrics *m, struct jbuf *out);

#endif
