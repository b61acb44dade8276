/* k8s.c - this node's pods from the Kubernetes API (an informer of
 * k8sapi/kapi.h) into the pod store; the pod watch stream parser. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "k8s/ldr_k8s.h"
#include "export/ldr_log.h"
#include "export/ldr_metrics.h"
#include "k8s/ldr_pods.h"

int ldr_k8s__config(struct ldr_k8s_cfg *cfg, const char *api_flag, const char *ca_flag,
		    const char *token_flag, const char *node, bool disabled, char *reason,
		    size_t reasonlen)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->node, sizeof(cfg->node), "%s", node);
	if (disabled) {
		snprintf(reason, reasonlen, "--no-k8s");
		return -ENOENT;
	}
	return kapi__config(&cfg->api, api_flag, ca_flag, token_flag, reason, reasonlen);
}

/* --- the watch stream ------------------------------------------------------- */

static int pod_event(void *ctx, enum kapi_ev ev, json_t *obj)
{
	struct ldr_pods *pods = ctx;
	const char *uid;

	if (ev != KAPI_DELETED)
		return pods__upsert_obj(pods, obj) ? -EINVAL : 0;
	uid = json_string_value(json_object_get(json_object_get(obj, "metadata"), "uid"));
	if (!uid)
		return -EINVAL;
	pods__delete(pods, uid); /* -ENOENT: never seen, fine */
	return 0;
}

void ldr_k8s_stream__init(struct ldr_k8s_stream *s, struct ldr_pods *pods, const char *rv)
{
	kapi_stream__init(&s->s, pod_event, pods, rv);
	s->pods = pods;
}

void ldr_k8s_stream__fini(struct ldr_k8s_stream *s)
{
	kapi_stream__fini(&s->s);
}

void ldr_k8s_stream__feed(struct ldr_k8s_stream *s, const char *data, size_t len)
{
	kapi_stream__feed(&s->s, data, len);
}

/* --- the watcher ---------------------------------------------------------- */

struct ldr_k8s {
	struct ldr_k8s_cfg cfg;
	struct ldr_pods *pods;
	struct ldr_metrics *metrics;
	struct kapi *api;
	struct kapi_watch *watch;
	char *query;
	bool listed_once; /* watch thread only */
};

static void log_k8s(enum kapi_level level, const char *msg)
{
	switch (level) {
	case KAPI_DEBUG:
		ldr_debug("kubernetes: %s", msg);
		break;
	case KAPI_INFO:
		ldr_info("kubernetes: %s", msg);
		break;
	case KAPI_WARN:
		ldr_warn("kubernetes: %s", msg);
		break;
	case KAPI_ERR:
		ldr_err("kubernetes: %s", msg);
		break;
	}
}

static int pods_replace(void *ctx, json_t *items, const char *rv)
{
	struct ldr_k8s *k = ctx;
	int n = pods__replace(k->pods, items);

	if (n < 0)
		return n;
	if (!k->listed_once)
		ldr_info("kubernetes: %d pods on node '%s' (resourceVersion %s) from %s", n,
			 k->cfg.node, rv, k->cfg.api.api);
	else
		ldr_info("kubernetes: relisted, %d pods (resourceVersion %s)", n, rv);
	k->listed_once = true;
	return n;
}

static int watch_event(void *ctx, enum kapi_ev ev, json_t *obj)
{
	return pod_event(((struct ldr_k8s *)ctx)->pods, ev, obj);
}

static void pods_note(void *ctx, bool relist)
{
	struct ldr_k8s *k = ctx;

	ldr_metrics__add(k->metrics, relist ? LDR_G_K8S_RELISTS : LDR_G_K8S_RECONNECTS, 1);
}

void ldr_k8s__stop(struct ldr_k8s *k)
{
	if (!k)
		return;
	kapi__stop(k->api);
	kapi_watch__free(k->watch);
	kapi__free(k->api);
	free(k->query);
	free(k);
}

int ldr_k8s__start(struct ldr_k8s **out, const struct ldr_k8s_cfg *cfg, struct ldr_pods *pods,
		   struct ldr_metrics *metrics)
{
	static const struct kapi_watch_ops ops = {
		.replace = pods_replace,
		.event = watch_event,
		.note = pods_note,
	};
	struct kapi_watch_cfg wc = {
		.path = "/api/v1/pods",
		.what = "pods",
		.rbac = "get, list and watch on pods",
	};
	struct ldr_k8s *k;
	char *node = NULL;
	int err;

	*out = NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->cfg = *cfg;
	k->pods = pods;
	k->metrics = metrics;
	err = kapi__new(&k->api, &cfg->api, "tpc-loader/" TPC_VERSION, log_k8s);
	if (err)
		goto cleanup;
	err = -ENOMEM;
	node = kapi__escape(cfg->node);
	if (!node || asprintf(&k->query, "fieldSelector=spec.nodeName%%3D%s", node) < 0) {
		k->query = NULL;
		goto cleanup;
	}
	wc.query = k->query;
	err = kapi_watch__start(&k->watch, k->api, &wc, &ops, k);
cleanup:
	free(node);
	if (err) {
		ldr_k8s__stop(k);
		return err;
	}
	*out = k;
	return 0;
}
