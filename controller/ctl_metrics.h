/* ctl_metrics.h - tpc-controller's counters and histograms.
 *
 * Contract: every field is under ->lock (the main thread, the watch and
 * lease threads and the API observer write; the HTTP thread renders).
 * ctl_metrics__render() writes the counters and histograms; the gauges
 * that describe the policy store and the lease are written by ctl.c's
 * metrics callback, which holds the store's lock for them.  Families and
 * label values are fixed here (docs/kubernetes.md, "Metrics and probes"),
 * and known label combinations are written at 0 so alerts see them before
 * the first occurrence.
 */
#ifndef TPC_CTL_METRICS_H
#define TPC_CTL_METRICS_H

#include <pthread.h>
#include <stdint.h>

#include "jbuf.h"
#include "metrics.h"

/* the outcome of one build (the condition's reason) */
enum ctl_result { CTL_R_COMPILED, CTL_R_INVALID, CTL_R_BUILD_FAILED, CTL_R_TOO_LARGE, CTL_R__N };
enum ctl_ev { CTL_EV_SENT, CTL_EV_SUPPRESSED, CTL_EV_FAILED, CTL_EV__N };

#define CTL_M_KINDS 2	/* TracingPolicy, TracingPolicyNamespaced */
#define CTL_M_CODES 48	/* distinct (method, status) pairs kept */

struct ctl_metrics {
	pthread_mutex_t lock;
	uint64_t builds[CTL_R__N];
	struct prom_hist compile; /* seconds per tpc build */
	struct prom_hist latency; /* watch event (or leadership) to the ConfigMap write */
	uint64_t cm_writes, cm_conflicts;
	uint64_t status_ok, status_failed;
	uint64_t events[CTL_EV__N];
	uint64_t restarts[CTL_M_KINDS], relists[CTL_M_KINDS];
	struct {
		char method[8];
		long code;
		uint64_t n;
	} api[CTL_M_CODES];
	unsigned napi;
	uint64_t leader_changes;
	double last_sync; /* unix seconds of the last error-free sync, 0: none */
};

extern const char *const ctl_result_name[CTL_R__N];
extern const char *const ctl_resource_name[CTL_M_KINDS];

void ctl_metrics__init(struct ctl_metrics *m);
void ctl_metrics__fini(struct ctl_metrics *m);
/* the API observer (kapi__set_observer) */
void ctl_metrics__api(void *m, const char *method, long status);
void ctl_metrics__render(struct ctl_metrics *m, struct jbuf *b);

#endif
