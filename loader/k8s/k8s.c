/* k8s.c - list and watch this node's pods over the Kubernetes API (libcurl),
 * feeding the pod store; the watch stream parser; reconnect backoff. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "k8s/ldr_k8s.h"
#include "export/ldr_log.h"
#include "export/ldr_metrics.h"
#include "k8s/ldr_pods.h"

/* --- configuration ------------------------------------------------------------ */

int ldr_k8s__config(struct ldr_k8s_cfg *cfg, const char *api_flag, const char *ca_flag,
		    const char *token_flag, const char *node, bool disabled, char *reason,
		    size_t reasonlen)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->node, sizeof(cfg->node), "%s", node);
	if (disabled) {
		snprintf(reason, reasonlen, "--no-k8s");
		return -ENOENT;
	}
	if (api_flag && *api_flag) {
		size_t n = strlen(api_flag);

		while (n && api_flag[n - 1] == '/')
			n--;
		snprintf(cfg->api, sizeof(cfg->api), "%.*s", (int)n, api_flag);
	} else if (host && *host) {
		/* an IPv6 service address needs brackets in a URL */
		snprintf(cfg->api, sizeof(cfg->api), strchr(host, ':') ? "https://[%s]:%s"
									 : "https://%s:%s",
			 host, port && *port ? port : "443");
	} else {
		snprintf(reason, reasonlen, "not in a cluster: KUBERNETES_SERVICE_HOST is not set "
					    "and no --k8s-api");
		return -ENOENT;
	}
	if (ca_flag)
		snprintf(cfg->ca, sizeof(cfg->ca), "%s", ca_flag);
	else if (!access(LDR_K8S_CA_FILE, R_OK))
		snprintf(cfg->ca, sizeof(cfg->ca), "%s", LDR_K8S_CA_FILE);
	if (token_flag)
		snprintf(cfg->token_file, sizeof(cfg->token_file), "%s", token_flag);
	else if (!access(LDR_K8S_TOKEN_FILE, R_OK))
		snprintf(cfg->token_file, sizeof(cfg->token_file), "%s", LDR_K8S_TOKEN_FILE);
	return 0;
}

/* --- the watch stream ------------------------------------------------------- */

void ldr_k8s_stream__init(struct ldr_k8s_stream *s, struct ldr_pods *pods, const char *rv)
{
	memset(s, 0, sizeof(*s));
	s->pods = pods;
	snprintf(s->rv, sizeof(s->rv), "%s", rv ? rv : "");
}

void ldr_k8s_stream__fini(struct ldr_k8s_stream *s)
{
	jbuf__free(&s->line);
}

static void take_rv(struct ldr_k8s_stream *s, json_t *obj)
{
	json_t *md = json_object_get(obj, "metadata");
	const char *rv = json_string_value(json_object_get(md, "resourceVersion"));

	if (rv && *rv && strlen(rv) < sizeof(s->rv))
		snprintf(s->rv, sizeof(s->rv), "%s", rv);
}

static void apply_line(struct ldr_k8s_stream *s, const char *p, size_t n)
{
	json_t *o, *obj;
	const char *type;

	while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (!n)
		return;
	o = json_loadb(p, n, 0, NULL);
	type = json_string_value(json_object_get(o, "type"));
	obj = json_object_get(o, "object");
	if (!type || !json_is_object(obj)) {
		s->bad++;
		goto cleanup;
	}
	if (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED")) {
		if (pods__upsert_obj(s->pods, obj))
			s->bad++;
		else
			s->events++;
		take_rv(s, obj);
	} else if (!strcmp(type, "DELETED")) {
		const char *uid =
			json_string_value(json_object_get(json_object_get(obj, "metadata"), "uid"));

		if (uid) {
			pods__delete(s->pods, uid); /* -ENOENT: never seen, fine */
			s->events++;
		} else {
			s->bad++;
		}
		take_rv(s, obj);
	} else if (!strcmp(type, "BOOKMARK")) {
		take_rv(s, obj);
		s->bookmarks++;
	} else if (!strcmp(type, "ERROR")) {
		json_t *code = json_object_get(obj, "code");
		const char *msg = json_string_value(json_object_get(obj, "message"));

		snprintf(s->last_error, sizeof(s->last_error), "%s (code %lld)", msg ? msg : "?",
			 json_is_integer(code) ? (long long)json_integer_value(code) : 0LL);
		if (json_is_integer(code) && json_integer_value(code) == 410)
			s->need_relist = true;
		else
			s->error = true;
	} else {
		s->bad++;
	}
cleanup:
	json_decref(o);
}

void ldr_k8s_stream__feed(struct ldr_k8s_stream *s, const char *data, size_t len)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;

		if (!s->skipping) {
			if (s->line.len + n > LDR_K8S_LINE_MAX) {
				s->skipping = true;
				jbuf__reset(&s->line);
			} else if (n) {
				jbuf__raw(&s->line, data, n);
			}
		}
		if (nl) {
			if (s->skipping || s->line.oom)
				s->bad++;
			else
				apply_line(s, s->line.p, s->line.len);
			s->skipping = false;
			jbuf__reset(&s->line);
			n++;
		}
		data += n;
		len -= n;
	}
}

/* --- backoff -------------------------------------------------------------- */

unsigned ldr_backoff__next(struct ldr_backoff *b, uint32_t rnd)
{
	unsigned ceil;

	b->cur_ms = b->cur_ms ? b->cur_ms * 2 : LDR_K8S_BACKOFF_MIN_MS;
	if (b->cur_ms > LDR_K8S_BACKOFF_MAX_MS)
		b->cur_ms = LDR_K8S_BACKOFF_MAX_MS;
	ceil = b->cur_ms;
	return ceil / 2 + rnd % (ceil / 2 + 1);
}

/* --- the watcher ---------------------------------------------------------- */

#ifdef TPC_NO_HTTP
int ldr_k8s__start(struct ldr_k8s **out, const struct ldr_k8s_cfg *cfg, struct ldr_pods *pods,
		   struct ldr_metrics *metrics)
{
	*out = NULL;
	return -EOPNOTSUPP;
}

void ldr_k8s__stop(struct ldr_k8s *k)
{
}
#else
#include <curl/curl.h>

#define LIST_PAGE 500
#define LIST_MAX_BYTES (256u << 20)
#define ERR_BODY_MAX 4096
#define WATCH_TIMEOUT_S 300 /* server-side; the watch is renewed after it */

struct ldr_k8s {
	struct ldr_k8s_cfg cfg;
	struct ldr_pods *pods;
	struct ldr_metrics *metrics;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop; /* under mu; read unlocked (atomic) by curl's callback */
	char rv[LDR_K8S_RV_MAX];
	uint32_t rnd;
	struct ldr_backoff backoff;
	char last_warn[1600];
	bool listed_once;
};

struct req {
	struct ldr_k8s *k;
	long status;
	struct jbuf body; /* list body, or an error body */
	struct ldr_k8s_stream *stream;
	size_t limit;
	bool too_big;
	uint64_t bytes;
};

static bool stopping(struct ldr_k8s *k)
{
	return __atomic_load_n(&k->stop, __ATOMIC_RELAXED);
}

static size_t on_data(char *ptr, size_t sz, size_t nmemb, void *ctx)
{
	struct req *rq = ctx;
	size_t n = sz * nmemb;

	rq->bytes += n;
	if (rq->stream && rq->status == 200) {
		ldr_k8s_stream__feed(rq->stream, ptr, n);
		return n;
	}
	if (rq->body.len + n > (rq->status == 200 ? rq->limit : ERR_BODY_MAX)) {
		rq->too_big = rq->status == 200;
		return rq->too_big ? 0 : n; /* abort an oversized list; truncate errors */
	}
	jbuf__raw(&rq->body, ptr, n);
	return n;
}

/* The status line tells whether the body is the stream or an error. */
static size_t on_header(char *buf, size_t sz, size_t nmemb, void *ctx)
{
	struct req *rq = ctx;
	size_t n = sz * nmemb;
	int code;

	if (n > 9 && !strncmp(buf, "HTTP/", 5) && sscanf(buf, "HTTP/%*s %d", &code) == 1)
		rq->status = code;
	return n;
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	return stopping(((struct req *)ctx)->k);
}

static char *read_token(const char *path)
{
	FILE *f = fopen(path, "re");
	char buf[16384];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return strdup(buf);
}

/* Warn once per distinct message: a flapping API does not flood the log. */
static void warn_once(struct ldr_k8s *k, const char *msg)
{
	if (!strcmp(k->last_warn, msg))
		return;
	snprintf(k->last_warn, sizeof(k->last_warn), "%s", msg);
	ldr_warn("kubernetes: %s", msg);
}

/* GET path (with query); 0 with rq->status set, or -EIO with why filled. */
static int http_get(struct ldr_k8s *k, const char *path, struct req *rq, bool watch, char *why,
		    size_t whylen)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	char url[4096], auth[16400];
	char *token = NULL;
	CURLcode rc;
	int ret = -EIO;

	if (!c) {
		snprintf(why, whylen, "curl_easy_init failed");
		return -ENOMEM;
	}
	snprintf(url, sizeof(url), "%s%s", k->cfg.api, path);
	if (k->cfg.token_file[0]) {
		token = read_token(k->cfg.token_file);
		if (!token) {
			snprintf(why, whylen, "cannot read token %s: %s", k->cfg.token_file,
				 strerror(errno));
			goto cleanup;
		}
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		hdrs = curl_slist_append(hdrs, auth);
	}
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tpc-loader/" TPC_VERSION);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	if (k->cfg.ca[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, k->cfg.ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, rq);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, rq);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, rq);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (watch) {
		/* the server ends the watch after timeoutSeconds; a stream that
		 * stays silent much longer than that is dead */
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)WATCH_TIMEOUT_S + 60);
	} else {
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK || (watch && rq->status == 200 && rc != CURLE_ABORTED_BY_CALLBACK)) {
		/* a watch ends by the server's timeout or by an error: both
		 * are a reconnect; report the error text anyway */
		if (rc != CURLE_OK)
			snprintf(why, whylen, "%s", curl_easy_strerror(rc));
		ret = 0;
	} else {
		snprintf(why, whylen, "%s%s", rq->too_big ? "list too large: " : "",
			 curl_easy_strerror(rc));
	}
cleanup:
	curl_slist_free_all(hdrs);
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	explicit_bzero(auth, sizeof(auth));
	curl_easy_cleanup(c);
	return ret;
}

/* A non-200 answer: its Status message, with a hint for 401/403. */
static void http_problem(struct ldr_k8s *k, const char *what, struct req *rq)
{
	json_t *o = json_loadb(rq->body.p ? rq->body.p : "", rq->body.len, 0, NULL);
	const char *msg = json_string_value(json_object_get(o, "message"));
	char line[1600];

	snprintf(line, sizeof(line), "%s: HTTP %ld%s%s%s", what, rq->status, msg ? ": " : "",
		 msg ? msg : "",
		 rq->status == 401   ? " (authentication failed: check the service-account "
				       "token, --k8s-token-file)"
		 : rq->status == 403 ? " (forbidden: the service account needs RBAC get, list "
				       "and watch on pods)"
				     : "");
	if (rq->status == 401 || rq->status == 403) {
		if (strcmp(k->last_warn, line)) {
			snprintf(k->last_warn, sizeof(k->last_warn), "%s", line);
			ldr_err("kubernetes: %s", line);
		}
	} else {
		warn_once(k, line);
	}
	json_decref(o);
}

static void sleep_backoff(struct ldr_k8s *k)
{
	unsigned ms;
	struct timespec ts;

	k->rnd = k->rnd * 1103515245u + 12345u;
	ms = ldr_backoff__next(&k->backoff, k->rnd >> 8);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&k->mu);
	while (!k->stop && pthread_cond_timedwait(&k->cv, &k->mu, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&k->mu);
}

static char *esc(const char *s)
{
	return curl_easy_escape(NULL, s, 0);
}

/* LIST every page, then replace the store: 0, or -errno. */
static int do_list(struct ldr_k8s *k)
{
	json_t *all = json_array();
	char *node = esc(k->cfg.node), *cont = NULL, path[2048], why[1024], rv[LDR_K8S_RV_MAX] = "";
	int ret = -EIO, n;

	if (!all || !node)
		goto cleanup;
	for (;;) {
		struct req rq = { .k = k, .limit = LIST_MAX_BYTES };
		json_t *o, *items, *md;
		const char *c;

		snprintf(path, sizeof(path), "/api/v1/pods?fieldSelector=spec.nodeName%%3D%s&limit=%d%s%s",
			 node, LIST_PAGE, cont ? "&continue=" : "", cont ? cont : "");
		curl_free(cont);
		cont = NULL;
		if (http_get(k, path, &rq, false, why, sizeof(why))) {
			if (!stopping(k)) {
				char line[1600];

				snprintf(line, sizeof(line), "list pods at %s: %s", k->cfg.api, why);
				warn_once(k, line);
			}
			jbuf__free(&rq.body);
			goto cleanup;
		}
		if (rq.status != 200) {
			http_problem(k, "list pods", &rq);
			ret = rq.status == 410 ? -ESTALE : -EIO; /* expired continue token */
			jbuf__free(&rq.body);
			goto cleanup;
		}
		o = json_loadb(rq.body.p ? rq.body.p : "", rq.body.len, 0, NULL);
		jbuf__free(&rq.body);
		items = json_object_get(o, "items");
		md = json_object_get(o, "metadata");
		if (!json_is_array(items)) {
			warn_once(k, "list pods: the answer is not a PodList");
			json_decref(o);
			goto cleanup;
		}
		json_array_extend(all, items);
		if (!rv[0] && json_string_value(json_object_get(md, "resourceVersion")))
			snprintf(rv, sizeof(rv), "%s",
				 json_string_value(json_object_get(md, "resourceVersion")));
		c = json_string_value(json_object_get(md, "continue"));
		if (c && *c)
			cont = esc(c);
		json_decref(o);
		if (!cont)
			break;
	}
	n = pods__replace(k->pods, all);
	if (n < 0) {
		ret = n;
		goto cleanup;
	}
	snprintf(k->rv, sizeof(k->rv), "%s", rv);
	if (!k->listed_once)
		ldr_info("kubernetes: %d pods on node '%s' (resourceVersion %s) from %s", n,
			 k->cfg.node, rv, k->cfg.api);
	else
		ldr_info("kubernetes: relisted, %d pods (resourceVersion %s)", n, rv);
	k->listed_once = true;
	k->last_warn[0] = 0;
	ret = 0;
cleanup:
	curl_free(cont);
	curl_free(node);
	json_decref(all);
	return ret;
}

enum watch_end { W_RECONNECT, W_RELIST, W_FAIL };

static enum watch_end do_watch(struct ldr_k8s *k)
{
	struct ldr_k8s_stream st;
	struct req rq = { .k = k };
	char *node = esc(k->cfg.node), *rv = esc(k->rv), path[2048], why[1024] = "";
	enum watch_end end = W_FAIL;

	ldr_k8s_stream__init(&st, k->pods, k->rv);
	rq.stream = &st;
	if (!node || !rv)
		goto cleanup;
	snprintf(path, sizeof(path),
		 "/api/v1/pods?fieldSelector=spec.nodeName%%3D%s&watch=1&resourceVersion=%s"
		 "&allowWatchBookmarks=true&timeoutSeconds=%d",
		 node, rv, WATCH_TIMEOUT_S);
	ldr_debug("kubernetes: watch from resourceVersion %s", k->rv);
	if (http_get(k, path, &rq, true, why, sizeof(why))) {
		if (!stopping(k)) {
			char line[1600];

			snprintf(line, sizeof(line), "watch pods at %s: %s", k->cfg.api, why);
			warn_once(k, line);
		}
		goto cleanup;
	}
	if (rq.status == 410) {
		end = W_RELIST;
	} else if (rq.status != 200) {
		http_problem(k, "watch pods", &rq);
	} else {
		ldr_k8s_stream__feed(&st, "\n", 1); /* a last line without newline */
		snprintf(k->rv, sizeof(k->rv), "%s", st.rv);
		if (st.need_relist) {
			ldr_info("kubernetes: watch expired (%s): relisting", st.last_error);
			end = W_RELIST;
		} else if (st.error) {
			char line[1600];

			snprintf(line, sizeof(line), "watch error: %s", st.last_error);
			warn_once(k, line);
		} else if (st.events || st.bookmarks || rq.bytes) {
			end = W_RECONNECT;
		}
		if (st.events || st.bookmarks)
			k->last_warn[0] = 0;
		if (st.bad)
			ldr_debug("kubernetes: %llu unparsable watch lines",
				  (unsigned long long)st.bad);
		ldr_debug("kubernetes: watch ended after %llu events (%s), resourceVersion %s",
			  (unsigned long long)st.events, why[0] ? why : "closed", k->rv);
	}
cleanup:
	jbuf__free(&rq.body);
	ldr_k8s_stream__fini(&st);
	curl_free(node);
	curl_free(rv);
	return end;
}

static void *k8s_thread(void *arg)
{
	struct ldr_k8s *k = arg;
	bool need_list = true;
	unsigned relists_in_row = 0;

	while (!stopping(k)) {
		if (need_list) {
			if (do_list(k)) {
				if (!stopping(k))
					sleep_backoff(k);
				continue;
			}
			need_list = false;
		}
		switch (do_watch(k)) {
		case W_RELIST:
			need_list = true;
			ldr_metrics__add(k->metrics, LDR_G_K8S_RELISTS, 1);
			/* a server that expires every fresh watch must not
			 * turn this into a busy list/watch loop */
			if (++relists_in_row > 1 && !stopping(k))
				sleep_backoff(k);
			break;
		case W_RECONNECT:
			relists_in_row = 0;
			ldr_backoff__reset(&k->backoff);
			break;
		case W_FAIL:
			if (!stopping(k))
				sleep_backoff(k);
			break;
		}
		if (!stopping(k))
			ldr_metrics__add(k->metrics, LDR_G_K8S_RECONNECTS, 1);
	}
	return NULL;
}

int ldr_k8s__start(struct ldr_k8s **out, const struct ldr_k8s_cfg *cfg, struct ldr_pods *pods,
		   struct ldr_metrics *metrics)
{
	struct ldr_k8s *k;
	struct timespec ts;

	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -ENOMEM;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->cfg = *cfg;
	k->pods = pods;
	k->metrics = metrics;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	k->rnd = (uint32_t)ts.tv_nsec ^ (uint32_t)getpid();
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if (pthread_create(&k->th, NULL, k8s_thread, k)) {
		pthread_mutex_destroy(&k->mu);
		pthread_cond_destroy(&k->cv);
		free(k);
		return -EAGAIN;
	}
	*out = k;
	return 0;
}

void ldr_k8s__stop(struct ldr_k8s *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&k->mu);
	__atomic_store_n(&k->stop, true, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->th, NULL);
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->cv);
	free(k);
}
#endif
