/* metrics.c - tpc-controller's counters and histograms (ctl_metrics.h). */
#include <stdio.h>
#include <string.h>

#include "ctl_metrics.h"

const char *const ctl_result_name[CTL_R__N] = {
	[CTL_R_COMPILED] = "Compiled",
	[CTL_R_INVALID] = "Invalid",
	[CTL_R_BUILD_FAILED] = "BuildFailed",
	[CTL_R_TOO_LARGE] = "TooLarge",
};
const char *const ctl_resource_name[CTL_M_KINDS] = { "tracingpolicies",
						      "tracingpoliciesnamespaced" };
static const char *const ev_name[CTL_EV__N] = {
	[CTL_EV_SENT] = "sent",
	[CTL_EV_SUPPRESSED] = "suppressed",
	[CTL_EV_FAILED] = "failed",
};

/* a build takes 0.1 s to a minute; the latency adds the API's round trips */
static const double bounds[] = { 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120 };

void ctl_metrics__init(struct ctl_metrics *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->compile.le = m->latency.le = bounds;
	m->compile.n = m->latency.n = sizeof(bounds) / sizeof(bounds[0]);
}

void ctl_metrics__fini(struct ctl_metrics *m)
{
	if (m)
		pthread_mutex_destroy(&m->lock);
}

void ctl_metrics__api(void *ctx, const char *method, long status)
{
	struct ctl_metrics *m = ctx;
	unsigned i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->napi; i++)
		if (m->api[i].code == status && !strcmp(m->api[i].method, method))
			break;
	if (i == m->napi && m->napi < CTL_M_CODES) {
		snprintf(m->api[i].method, sizeof(m->api[i].method), "%s", method);
		m->api[i].code = status;
		m->napi++;
	}
	if (i < m->napi)
		m->api[i].n++;
	pthread_mutex_unlock(&m->lock);
}

static void code_str(long code, char *out, size_t n)
{
	if (code)
		snprintf(out, n, "%ld", code);
	else
		snprintf(out, n, "none"); /* no answer: connection, TLS, timeout */
}

static void per_resource(struct jbuf *b, const char *name, const char *help,
			 const uint64_t v[CTL_M_KINDS])
{
	prom__family(b, name, "counter", help);
	for (int k = 0; k < CTL_M_KINDS; k++)
		prom__u64(b, name, (const char *const[]){ "resource", ctl_resource_name[k], NULL },
			  v[k]);
}

void ctl_metrics__render(struct ctl_metrics *m, struct jbuf *b)
{
	char code[16];
	uint64_t errs[CTL_M_CODES];
	long ecode[CTL_M_CODES];
	unsigned ne = 0;

	pthread_mutex_lock(&m->lock);
	prom__family(b, "tpc_controller_builds_total", "counter",
		     "tpc builds of a policy generation, by result (the Compiled condition's reason).");
	for (int i = 0; i < CTL_R__N; i++)
		prom__u64(b, "tpc_controller_builds_total",
			  (const char *const[]){ "result", ctl_result_name[i], NULL }, m->builds[i]);
	prom__hist(b, "tpc_controller_compile_duration_seconds",
		   "Wall time of one tpc build (a policy generation).", &m->compile);
	prom__hist(b, "tpc_controller_publish_latency_seconds",
		   "From the watch event of a policy generation (or from becoming the leader) to "
		   "its object's ConfigMap write.",
		   &m->latency);
	prom__family(b, "tpc_controller_configmap_writes_total", "counter",
		     "Object ConfigMap creates and updates the API accepted.");
	prom__u64(b, "tpc_controller_configmap_writes_total", NULL, m->cm_writes);
	prom__family(b, "tpc_controller_configmap_conflicts_total", "counter",
		     "Object ConfigMap writes refused with 409/404 (read again and planned again).");
	prom__u64(b, "tpc_controller_configmap_conflicts_total", NULL, m->cm_conflicts);
	prom__family(b, "tpc_controller_status_patches_total", "counter",
		     "Patches of a policy's status subresource, by result.");
	prom__u64(b, "tpc_controller_status_patches_total",
		  (const char *const[]){ "result", "ok", NULL }, m->status_ok);
	prom__u64(b, "tpc_controller_status_patches_total",
		  (const char *const[]){ "result", "failed", NULL }, m->status_failed);
	prom__family(b, "tpc_controller_events_total", "counter",
		     "Warning Events for a policy that failed: sent, suppressed by the rate limit, "
		     "or refused by the API.");
	for (int i = 0; i < CTL_EV__N; i++)
		prom__u64(b, "tpc_controller_events_total",
			  (const char *const[]){ "result", ev_name[i], NULL }, m->events[i]);
	per_resource(b, "tpc_controller_watch_restarts_total",
		     "Watch streams opened again (the stream ended, failed or was expired).",
		     m->restarts);
	per_resource(b, "tpc_controller_relists_total",
		     "Lists again after 410 Gone (an expired resourceVersion).", m->relists);
	prom__family(b, "tpc_controller_api_requests_total", "counter",
		     "Kubernetes API requests by method and HTTP status (none: no answer).");
	for (unsigned i = 0; i < m->napi; i++) {
		code_str(m->api[i].code, code, sizeof(code));
		prom__u64(b, "tpc_controller_api_requests_total",
			  (const char *const[]){ "method", m->api[i].method, "code", code, NULL },
			  m->api[i].n);
		if (m->api[i].code < 400 && m->api[i].code)
			continue;
		/* the same, summed over methods */
		unsigned j;

		for (j = 0; j < ne && ecode[j] != m->api[i].code; j++)
			;
		if (j == ne) {
			ecode[ne] = m->api[i].code;
			errs[ne++] = 0;
		}
		errs[j] += m->api[i].n;
	}
	prom__family(b, "tpc_controller_api_errors_total", "counter",
		     "Kubernetes API requests answered 4xx/5xx or not at all (code none).");
	for (unsigned j = 0; j < ne; j++) {
		code_str(ecode[j], code, sizeof(code));
		prom__u64(b, "tpc_controller_api_errors_total",
			  (const char *const[]){ "code", code, NULL }, errs[j]);
	}
	prom__family(b, "tpc_controller_leader_changes_total", "counter",
		     "Times this replica became or stopped being the leader.");
	prom__u64(b, "tpc_controller_leader_changes_total", NULL, m->leader_changes);
	prom__family(b, "tpc_controller_last_sync_timestamp_seconds", "gauge",
		     "Unix time of the last sync that published every object and status without "
		     "an error (0: none yet).");
	prom__f64(b, "tpc_controller_last_sync_timestamp_seconds", NULL, m->last_sync);
	pthread_mutex_unlock(&m->lock);
}
