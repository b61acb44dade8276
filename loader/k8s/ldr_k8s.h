/* ldr_k8s.h - the Kubernetes API pod watch that feeds the pod store.
 *
 * Contract: ldr_k8s__start() runs one thread that LISTs this node's pods
 * (GET /api/v1/pods?fieldSelector=spec.nodeName=NODE, paginated with
 * limit/continue; the list replaces the store, so pods gone meanwhile are
 * deleted), then WATCHes from the list's resourceVersion with bookmarks.
 * Watch lines update the store as they arrive; a BOOKMARK moves the
 * resourceVersion; ERROR 410 (Expired/Gone) or HTTP 410 forces a relist;
 * the end of a stream, a timeout or a network error reconnects from the
 * last resourceVersion after an exponential backoff with jitter (capped at
 * LDR_K8S_BACKOFF_MAX_MS; reset once a stream has delivered data).  401 and
 * 403 are reported as authentication/RBAC problems.  The token file is read
 * again at every connect (projected tokens rotate).  ldr_k8s__stop() ends
 * the thread within about a second (curl's progress callback and the
 * backoff wait both watch the stop flag) and frees everything.
 *
 * The stream parser (struct ldr_k8s_stream) is separate and synchronous so
 * tests can feed it arbitrary chunks: newline-delimited JSON across any
 * chunk boundaries, lines over LDR_K8S_LINE_MAX skipped whole.
 */
#ifndef TPC_LDR_K8S_H
#define TPC_LDR_K8S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export/ldr_jbuf.h"

struct ldr_pods;
struct ldr_metrics;

#define LDR_K8S_LINE_MAX (16u << 20)
#define LDR_K8S_BACKOFF_MIN_MS 500
#define LDR_K8S_BACKOFF_MAX_MS 30000
#define LDR_K8S_RV_MAX 64

#define LDR_K8S_TOKEN_FILE "/var/run/secrets/kubernetes.io/serviceaccount/token"
#define LDR_K8S_CA_FILE "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"

struct ldr_k8s_cfg {
	char api[512];	      /* https://host:port, no trailing slash */
	char ca[512];	      /* "" = the system CAs */
	char token_file[512]; /* "" = no Authorization header */
	char node[256];
};

/* Resolve the API from flags and the in-cluster environment.  Returns 0
 * with cfg filled, or -ENOENT with a one-line reason ("--no-k8s",
 * "KUBERNETES_SERVICE_HOST not set", ...). */
int ldr_k8s__config(struct ldr_k8s_cfg *cfg, const char *api_flag, const char *ca_flag,
		    const char *token_flag, const char *node, bool disabled, char *reason,
		    size_t reasonlen);

/* --- the watch stream parser ----------------------------------------------- */

struct ldr_k8s_stream {
	struct ldr_pods *pods;
	struct jbuf line;
	bool skipping;	   /* inside an over-long line */
	bool need_relist;  /* saw ERROR 410 */
	bool error;	   /* saw another ERROR: reconnect */
	char rv[LDR_K8S_RV_MAX];
	uint64_t events;   /* ADDED/MODIFIED/DELETED applied */
	uint64_t bookmarks;
	uint64_t bad;	   /* unparsable or unknown lines */
	char last_error[256];
};

void ldr_k8s_stream__init(struct ldr_k8s_stream *s, struct ldr_pods *pods, const char *rv);
void ldr_k8s_stream__fini(struct ldr_k8s_stream *s);
/* Feed a chunk; complete lines are applied at once. */
void ldr_k8s_stream__feed(struct ldr_k8s_stream *s, const char *data, size_t len);

/* --- backoff -------------------------------------------------------------- */

struct ldr_backoff {
	unsigned cur_ms; /* 0 = next failure waits LDR_K8S_BACKOFF_MIN_MS */
};

/* The next wait: the ceiling doubles per failure up to the cap; the wait is
 * uniformly in [ceiling/2, ceiling] (rnd supplies the randomness). */
unsigned ldr_backoff__next(struct ldr_backoff *b, uint32_t rnd);
static inline void ldr_backoff__reset(struct ldr_backoff *b)
{
	b->cur_ms = 0;
}

/* --- the watcher thread --------------------------------------------------- */

struct ldr_k8s;

/* -EOPNOTSUPP in a build without libcurl (TPC_NO_HTTP). */
int ldr_k8s__start(struct ldr_k8s **out, const struct ldr_k8s_cfg *cfg, struct ldr_pods *pods,
		   struct ldr_metrics *metrics);
void ldr_k8s__stop(struct ldr_k8s *k);

#endif
