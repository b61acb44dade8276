/* ldr_k8s.h - the Kubernetes API pod watch that feeds the pod store.
 *
 * Contract: ldr_k8s__start() runs an informer (k8sapi/kapi.h) on this
 * node's pods (GET /api/v1/pods?fieldSelector=spec.nodeName=NODE): the
 * complete list replaces the store, so pods gone meanwhile are deleted;
 * watch lines update the store as they arrive; 410 relists; reconnects back
 * off (KAPI_BACKOFF_*); 401 and 403 are reported as authentication/RBAC
 * problems; the token file is read again at every connect.
 * ldr_k8s__stop() ends the thread within about a second and frees
 * everything.  Relists and reconnects are counted in the metrics.
 *
 * The stream parser (struct ldr_k8s_stream: kapi_stream applying pod
 * events to the store) is synchronous so tests can feed it arbitrary
 * chunks: newline-delimited JSON across any chunk boundaries, lines over
 * KAPI_LINE_MAX skipped whole.
 */
#ifndef TPC_LDR_K8S_H
#define TPC_LDR_K8S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kapi.h"

struct ldr_pods;
struct ldr_metrics;

struct ldr_k8s_cfg {
	struct kapi_cfg api;
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
	struct kapi_stream s; /* rv, events, bookmarks, bad, need_relist, error */
	struct ldr_pods *pods;
};

void ldr_k8s_stream__init(struct ldr_k8s_stream *s, struct ldr_pods *pods, const char *rv);
void ldr_k8s_stream__fini(struct ldr_k8s_stream *s);
/* Feed a chunk; complete lines are applied at once. */
void ldr_k8s_stream__feed(struct ldr_k8s_stream *s, const char *data, size_t len);

/* --- the watcher thread --------------------------------------------------- */

struct ldr_k8s;

/* -EOPNOTSUPP in a build without libcurl (TPC_NO_HTTP). */
int ldr_k8s__start(struct ldr_k8s **out, const struct ldr_k8s_cfg *cfg, struct ldr_pods *pods,
		   struct ldr_metrics *metrics);
void ldr_k8s__stop(struct ldr_k8s *k);

#endif
