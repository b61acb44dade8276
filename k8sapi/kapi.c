/* kapi.c - the Kubernetes API client: configuration, line splitting, watch
 * event decoding, backoff, requests over libcurl, and the list+watch
 * informer thread (see kapi.h). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kapi.h"

/* --- configuration ------------------------------------------------------------ */

int kapi__config(struct kapi_cfg *cfg, const char *api_flag, const char *ca_flag,
		 const char *token_flag, char *reason, size_t reasonlen)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");

	memset(cfg, 0, sizeof(*cfg));
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
	else if (!access(KAPI_CA_FILE, R_OK))
		snprintf(cfg->ca, sizeof(cfg->ca), "%s", KAPI_CA_FILE);
	if (token_flag)
		snprintf(cfg->token_file, sizeof(cfg->token_file), "%s", token_flag);
	else if (!access(KAPI_TOKEN_FILE, R_OK))
		snprintf(cfg->token_file, sizeof(cfg->token_file), "%s", KAPI_TOKEN_FILE);
	return 0;
}

/* --- lines -------------------------------------------------------------------- */

/* Append n bytes to a growing, NUL-terminated buffer; false on ENOMEM. */
static bool buf_append(char **buf, size_t *len, size_t *capp, const char *p, size_t n)
{
	if (*len + n + 1 > *capp) {
		size_t cap = *capp ? *capp : 4096;
		char *nb;

		while (cap < *len + n + 1)
			cap *= 2;
		nb = realloc(*buf, cap);
		if (!nb)
			return false;
		*buf = nb;
		*capp = cap;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = 0;
	return true;
}

static bool lines_append(struct kapi_lines *l, const char *p, size_t n)
{
	return buf_append(&l->buf, &l->len, &l->cap, p, n);
}

void kapi_lines__feed(struct kapi_lines *l, const char *data, size_t len, kapi_line_fn fn,
		      void *ctx)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;

		if (!l->skipping && n) {
			/* too long, or no memory: the line is dropped whole */
			if (l->len + n > KAPI_LINE_MAX || !lines_append(l, data, n)) {
				l->skipping = true;
				l->len = 0;
			}
		}
		if (nl) {
			size_t m = l->len;

			if (l->skipping) {
				fn(ctx, NULL, 0);
			} else {
				while (m && (l->buf[m - 1] == '\r' || l->buf[m - 1] == ' ' ||
					     l->buf[m - 1] == '\t'))
					m--;
				if (m) {
					l->buf[m] = 0;
					fn(ctx, l->buf, m);
				}
			}
			l->skipping = false;
			l->len = 0;
			n++;
		}
		data += n;
		len -= n;
	}
}

void kapi_lines__fini(struct kapi_lines *l)
{
	free(l->buf);
	memset(l, 0, sizeof(*l));
}

/* --- watch events ------------------------------------------------------------- */

void kapi_stream__init(struct kapi_stream *s, kapi_event_fn event, void *ctx, const char *rv)
{
	memset(s, 0, sizeof(*s));
	s->event = event;
	s->ctx = ctx;
	snprintf(s->rv, sizeof(s->rv), "%s", rv ? rv : "");
}

void kapi_stream__fini(struct kapi_stream *s)
{
	kapi_lines__fini(&s->lines);
}

const char *kapi_obj__rv(json_t *obj)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"),
						 "resourceVersion"));
}

static void take_rv(struct kapi_stream *s, json_t *obj)
{
	const char *rv = kapi_obj__rv(obj);

	if (rv && *rv && strlen(rv) < sizeof(s->rv))
		snprintf(s->rv, sizeof(s->rv), "%s", rv);
}

static void stream_line(void *ctx, const char *p, size_t n)
{
	struct kapi_stream *s = ctx;
	json_t *o, *obj;
	const char *type;

	if (!p) {
		s->bad++;
		return;
	}
	o = json_loadb(p, n, 0, NULL);
	type = json_string_value(json_object_get(o, "type"));
	obj = json_object_get(o, "object");
	if (!type || !json_is_object(obj)) {
		s->bad++;
		goto cleanup;
	}
	if (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED") || !strcmp(type, "DELETED")) {
		enum kapi_ev ev = type[0] == 'A' ? KAPI_ADDED
				  : type[0] == 'M' ? KAPI_MODIFIED
						   : KAPI_DELETED;

		if (s->event(s->ctx, ev, obj))
			s->bad++;
		else
			s->events++;
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

void kapi_stream__feed(struct kapi_stream *s, const char *data, size_t len)
{
	kapi_lines__feed(&s->lines, data, len, stream_line, s);
}

/* --- backoff -------------------------------------------------------------- */

unsigned kapi_backoff__next(struct kapi_backoff *b, uint32_t rnd)
{
	unsigned ceil;

	b->cur_ms = b->cur_ms ? b->cur_ms * 2 : KAPI_BACKOFF_MIN_MS;
	if (b->cur_ms > KAPI_BACKOFF_MAX_MS)
		b->cur_ms = KAPI_BACKOFF_MAX_MS;
	ceil = b->cur_ms;
	return ceil / 2 + rnd % (ceil / 2 + 1);
}

/* --- the client ------------------------------------------------------------- */

#ifdef TPC_NO_HTTP
int kapi__new(struct kapi **out, const struct kapi_cfg *cfg, const char *user_agent,
	      kapi_log_fn log)
{
	*out = NULL;
	return -EOPNOTSUPP;
}

void kapi__stop(struct kapi *k)
{
}

void kapi__free(struct kapi *k)
{
}

void kapi__set_observer(struct kapi *k, kapi_observe_fn fn, void *ctx)
{
}
#else
#include <curl/curl.h>

#define DEFAULT_MAX_BODY (64u << 20)
#define LIST_PAGE 500
#define LIST_MAX_BYTES (256u << 20)
#define WATCH_TIMEOUT_S 300 /* server-side; the watch is renewed after it */

struct kapi {
	struct kapi_cfg cfg;
	char agent[64];
	kapi_log_fn log;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop; /* under mu; read unlocked (atomic) by curl's callbacks */
	uint32_t rnd;
	char last_warn[1600]; /* under mu */
	kapi_observe_fn observe;
	void *observe_ctx;
};

void kapi__set_observer(struct kapi *k, kapi_observe_fn fn, void *ctx)
{
	k->observe = fn;
	k->observe_ctx = ctx;
}

int kapi__new(struct kapi **out, const struct kapi_cfg *cfg, const char *user_agent,
	      kapi_log_fn log)
{
	struct kapi *k;
	struct timespec ts;

	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -ENOMEM;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->cfg = *cfg;
	snprintf(k->agent, sizeof(k->agent), "%s", user_agent ? user_agent : "tpc");
	k->log = log;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	k->rnd = (uint32_t)ts.tv_nsec ^ (uint32_t)getpid();
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	*out = k;
	return 0;
}

void kapi__stop(struct kapi *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&k->mu);
	__atomic_store_n(&k->stop, true, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&k->cv);
	pthread_mutex_unlock(&k->mu);
}

void kapi__free(struct kapi *k)
{
	if (!k)
		return;
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->cv);
	free(k);
}
#endif

bool kapi__stopping(const struct kapi *k)
{
#ifdef TPC_NO_HTTP
	return true;
#else
	return __atomic_load_n(&k->stop, __ATOMIC_RELAXED);
#endif
}

#ifndef TPC_NO_HTTP
const struct kapi_cfg *kapi__cfg(const struct kapi *k)
{
	return &k->cfg;
}

bool kapi__sleep_ms(struct kapi *k, unsigned ms)
{
	struct timespec ts;

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
	return kapi__stopping(k);
}

bool kapi__backoff(struct kapi *k, struct kapi_backoff *b)
{
	uint32_t r;

	pthread_mutex_lock(&k->mu);
	k->rnd = k->rnd * 1103515245u + 12345u;
	r = k->rnd >> 8;
	pthread_mutex_unlock(&k->mu);
	return kapi__sleep_ms(k, kapi_backoff__next(b, r));
}

void kapi__log(struct kapi *k, enum kapi_level level, const char *fmt, ...)
{
	char msg[1600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (level >= KAPI_WARN) {
		bool same;

		pthread_mutex_lock(&k->mu);
		same = !strcmp(k->last_warn, msg);
		if (!same)
			snprintf(k->last_warn, sizeof(k->last_warn), "%s", msg);
		pthread_mutex_unlock(&k->mu);
		if (same)
			return;
	}
	if (k->log)
		k->log(level, msg);
}

void kapi__log_reset(struct kapi *k)
{
	pthread_mutex_lock(&k->mu);
	k->last_warn[0] = 0;
	pthread_mutex_unlock(&k->mu);
}

struct xfer {
	struct kapi *k;
	const struct kapi_req *rq;
	struct kapi_resp *resp;
	size_t cap, limit;
};

static bool ok_status(long s)
{
	return s >= 200 && s < 300;
}

static size_t on_data(char *ptr, size_t sz, size_t nmemb, void *ctx)
{
	struct xfer *x = ctx;
	struct kapi_resp *r = x->resp;
	size_t n = sz * nmemb, limit = ok_status(r->status) ? x->limit : KAPI_ERR_BODY_MAX;

	r->bytes += n;
	if (x->rq->stream && ok_status(r->status)) {
		kapi_stream__feed(x->rq->stream, ptr, n);
		return n;
	}
	if (r->len + n > limit) {
		r->too_big = ok_status(r->status);
		if (r->too_big)
			return 0; /* abort an oversized answer */
		n = limit - r->len; /* truncate an error body */
		if (!n)
			return sz * nmemb;
	}
	return buf_append(&r->body, &r->len, &x->cap, ptr, n) ? sz * nmemb : 0;
}

/* The last status line decides whether the body is a stream or an error. */
static size_t on_header(char *buf, size_t sz, size_t nmemb, void *ctx)
{
	struct xfer *x = ctx;
	size_t n = sz * nmemb;
	int code;

	if (n > 9 && !strncmp(buf, "HTTP/", 5) && sscanf(buf, "HTTP/%*s %d", &code) == 1)
		x->resp->status = code;
	return n;
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	return kapi__stopping(((struct xfer *)ctx)->k);
}

static char *read_token(const char *path)
{
	FILE *f = fopen(path, "re");
	char buf[16384];
	size_t n;
	char *t;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = 0;
	t = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return t;
}

int kapi__request(struct kapi *k, const struct kapi_req *rq, struct kapi_resp *resp)
{
	struct xfer x = { .k = k, .rq = rq, .resp = resp };
	const char *method = rq->method ? rq->method : "GET";
	CURL *c = NULL;
	struct curl_slist *hdrs = NULL;
	char *url = NULL, *token = NULL, auth[16400], ctype[128];
	CURLcode rc;
	int ret = -EIO;

	memset(resp, 0, sizeof(*resp));
	x.limit = rq->max_body ? rq->max_body : DEFAULT_MAX_BODY;
	if (kapi__stopping(k)) {
		snprintf(resp->why, sizeof(resp->why), "stopped");
		return -ECANCELED;
	}
	c = curl_easy_init();
	if (!c || asprintf(&url, "%s%s", k->cfg.api, rq->path) < 0) {
		url = NULL;
		snprintf(resp->why, sizeof(resp->why), "out of memory");
		ret = -ENOMEM;
		goto cleanup;
	}
	if (k->cfg.token_file[0]) {
		token = read_token(k->cfg.token_file);
		if (!token) {
			snprintf(resp->why, sizeof(resp->why), "cannot read token %s: %s",
				 k->cfg.token_file, strerror(errno));
			goto cleanup;
		}
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		hdrs = curl_slist_append(hdrs, auth);
	}
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	/* no "Expect: 100-continue" round trip before large bodies */
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (rq->body) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s",
			 rq->content_type ? rq->content_type : "application/json");
		hdrs = curl_slist_append(hdrs, ctype);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
	}
	if (strcmp(method, "GET") && strcmp(method, "POST"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	else if (!strcmp(method, "POST") && !rq->body)
		curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, k->agent);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	if (k->cfg.ca[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, k->cfg.ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (rq->stream) {
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, rq->idle_s ? rq->idle_s : 60L);
	} else {
		curl_easy_setopt(c, CURLOPT_TIMEOUT, rq->timeout_s ? rq->timeout_s : 120L);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_ABORTED_BY_CALLBACK && kapi__stopping(k)) {
		snprintf(resp->why, sizeof(resp->why), "stopped");
		ret = -ECANCELED;
	} else if (rc == CURLE_OK ||
		   (rq->stream && ok_status(resp->status) && rc != CURLE_ABORTED_BY_CALLBACK)) {
		/* a stream ends by the server's timeout or by an error: both
		 * are a reconnect; keep the error text anyway */
		if (rc != CURLE_OK)
			snprintf(resp->why, sizeof(resp->why), "%s", curl_easy_strerror(rc));
		ret = 0;
	} else {
		snprintf(resp->why, sizeof(resp->why), "%s%s",
			 resp->too_big ? "answer too large: " : "", curl_easy_strerror(rc));
		resp->status = 0;
	}
	if (ret != -ECANCELED && k->observe)
		k->observe(k->observe_ctx, method, resp->status);
cleanup:
	curl_slist_free_all(hdrs);
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	explicit_bzero(auth, sizeof(auth));
	free(url);
	curl_easy_cleanup(c);
	return ret;
}

#endif /* TPC_NO_HTTP */

/* RFC 3986 unreserved bytes stay, every other byte is %XX */
char *kapi__escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = 0;
	return out;
}

void kapi_resp__fini(struct kapi_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

void kapi_resp__message(const struct kapi_resp *r, char *out, size_t outlen)
{
	json_t *o = r->body ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(o, "message"));

	if (msg) {
		snprintf(out, outlen, "%s", msg);
	} else {
		size_t n = 0;

		/* not a Status: the body's first line, printable bytes only */
		for (size_t i = 0; r->body && i < r->len && n + 1 < outlen && i < 200; i++) {
			unsigned char ch = (unsigned char)r->body[i];

			if (ch == '\n')
				break;
			out[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		}
		if (outlen)
			out[n < outlen ? n : outlen - 1] = 0;
	}
	json_decref(o);
}

void kapi_resp__problem(const struct kapi_resp *r, const char *what, const char *rbac, char *out,
			size_t outlen)
{
	char msg[1024];

	kapi_resp__message(r, msg, sizeof(msg));
	if (r->status == 401)
		snprintf(out, outlen, "%s: HTTP 401%s%s (authentication failed: check the "
				      "service-account token, --k8s-token-file)",
			 what, msg[0] ? ": " : "", msg);
	else if (r->status == 403)
		snprintf(out, outlen, "%s: HTTP 403%s%s (forbidden: the service account needs "
				      "RBAC %s)",
			 what, msg[0] ? ": " : "", msg, rbac ? rbac : "for this request");
	else
		snprintf(out, outlen, "%s: HTTP %ld%s%s", what, r->status, msg[0] ? ": " : "", msg);
}

/* --- the informer ----------------------------------------------------------- */

#ifdef TPC_NO_HTTP
int kapi_watch__start(struct kapi_watch **out, struct kapi *k, const struct kapi_watch_cfg *cfg,
		      const struct kapi_watch_ops *ops, void *ctx)
{
	*out = NULL;
	return -EOPNOTSUPP;
}

void kapi_watch__free(struct kapi_watch *w)
{
}

unsigned kapi_watch__lists(const struct kapi_watch *w)
{
	return 0;
}
#else
struct kapi_watch {
	struct kapi *k;
	char *path, *query, *what, *rbac;
	struct kapi_watch_ops ops;
	void *ctx;
	pthread_t th;
	bool started;
	char rv[KAPI_RV_MAX];
	struct kapi_backoff backoff;
	unsigned lists; /* atomic */
};

static void report(struct kapi_watch *w, const char *verb, const struct kapi_resp *r)
{
	char what[256], line[1600];

	snprintf(what, sizeof(what), "%s %s", verb, w->what);
	kapi_resp__problem(r, what, w->rbac, line, sizeof(line));
	kapi__log(w->k, r->status == 401 || r->status == 403 ? KAPI_ERR : KAPI_WARN, "%s", line);
}

/* LIST every page, then hand over the whole list: 0, or -errno. */
static int do_list(struct kapi_watch *w)
{
	json_t *all = json_array();
	char *cont = NULL, *path = NULL, rv[KAPI_RV_MAX] = "";
	int ret = -EIO, n;

	if (!all)
		goto cleanup;
	for (;;) {
		struct kapi_req rq = { .max_body = LIST_MAX_BYTES };
		struct kapi_resp r;
		json_t *o, *items, *md;
		const char *c;
		int err;

		free(path);
		if (asprintf(&path, "%s?%s%slimit=%d%s%s", w->path, w->query, w->query[0] ? "&" : "",
			     LIST_PAGE, cont ? "&continue=" : "", cont ? cont : "") < 0) {
			path = NULL;
			goto cleanup;
		}
		free(cont);
		cont = NULL;
		rq.path = path;
		err = kapi__request(w->k, &rq, &r);
		if (err) {
			if (err != -ECANCELED)
				kapi__log(w->k, KAPI_WARN, "list %s at %s: %s", w->what,
					  kapi__cfg(w->k)->api, r.why);
			kapi_resp__fini(&r);
			goto cleanup;
		}
		if (r.status != 200) {
			report(w, "list", &r);
			ret = r.status == 410 ? -ESTALE : -EIO; /* expired continue token */
			kapi_resp__fini(&r);
			goto cleanup;
		}
		o = json_loadb(r.body ? r.body : "", r.len, 0, NULL);
		kapi_resp__fini(&r);
		items = json_object_get(o, "items");
		md = json_object_get(o, "metadata");
		if (!json_is_array(items)) {
			kapi__log(w->k, KAPI_WARN, "list %s: the answer is not a list", w->what);
			json_decref(o);
			goto cleanup;
		}
		json_array_extend(all, items);
		if (!rv[0] && json_string_value(json_object_get(md, "resourceVersion")))
			snprintf(rv, sizeof(rv), "%s",
				 json_string_value(json_object_get(md, "resourceVersion")));
		c = json_string_value(json_object_get(md, "continue"));
		if (c && *c)
			cont = kapi__escape(c);
		json_decref(o);
		if (!cont)
			break;
	}
	n = w->ops.replace(w->ctx, all, rv);
	if (n < 0) {
		ret = n;
		goto cleanup;
	}
	snprintf(w->rv, sizeof(w->rv), "%s", rv);
	__atomic_fetch_add(&w->lists, 1, __ATOMIC_RELEASE);
	kapi__log_reset(w->k);
	ret = 0;
cleanup:
	free(cont);
	free(path);
	json_decref(all);
	return ret;
}

enum watch_end { W_RECONNECT, W_RELIST, W_FAIL };

static enum watch_end do_watch(struct kapi_watch *w)
{
	struct kapi_stream st;
	struct kapi_resp r = { 0 };
	struct kapi_req rq = { .stream = &st, .idle_s = WATCH_TIMEOUT_S + 60 };
	char *rv = kapi__escape(w->rv), *path = NULL;
	enum watch_end end = W_FAIL;
	int err;

	kapi_stream__init(&st, w->ops.event, w->ctx, w->rv);
	if (!rv || asprintf(&path,
			    "%s?%s%swatch=1&resourceVersion=%s&allowWatchBookmarks=true"
			    "&timeoutSeconds=%d",
			    w->path, w->query, w->query[0] ? "&" : "", rv, WATCH_TIMEOUT_S) < 0) {
		path = NULL;
		goto cleanup;
	}
	rq.path = path;
	kapi__log(w->k, KAPI_DEBUG, "watch %s from resourceVersion %s", w->what, w->rv);
	err = kapi__request(w->k, &rq, &r);
	if (err) {
		if (err != -ECANCELED)
			kapi__log(w->k, KAPI_WARN, "watch %s at %s: %s", w->what,
				  kapi__cfg(w->k)->api, r.why);
		goto cleanup;
	}
	if (r.status == 410) {
		end = W_RELIST;
	} else if (r.status != 200) {
		report(w, "watch", &r);
	} else {
		kapi_stream__feed(&st, "\n", 1); /* a last line without newline */
		snprintf(w->rv, sizeof(w->rv), "%s", st.rv);
		if (st.need_relist) {
			kapi__log(w->k, KAPI_INFO, "watch %s expired (%s): relisting", w->what,
				  st.last_error);
			end = W_RELIST;
		} else if (st.error) {
			kapi__log(w->k, KAPI_WARN, "watch %s error: %s", w->what, st.last_error);
		} else if (st.events || st.bookmarks || r.bytes) {
			end = W_RECONNECT;
		}
		if (st.events || st.bookmarks)
			kapi__log_reset(w->k);
		if (st.bad)
			kapi__log(w->k, KAPI_DEBUG, "%llu unparsable or refused watch lines (%s)",
				  (unsigned long long)st.bad, w->what);
		kapi__log(w->k, KAPI_DEBUG, "watch %s ended after %llu events (%s), resourceVersion %s",
			  w->what, (unsigned long long)st.events, r.why[0] ? r.why : "closed",
			  w->rv);
	}
cleanup:
	kapi_resp__fini(&r);
	kapi_stream__fini(&st);
	free(rv);
	free(path);
	return end;
}

static void *watch_thread(void *arg)
{
	struct kapi_watch *w = arg;
	bool need_list = true;
	unsigned relists_in_row = 0;

	while (!kapi__stopping(w->k)) {
		if (need_list) {
			if (do_list(w)) {
				kapi__backoff(w->k, &w->backoff);
				continue;
			}
			need_list = false;
		}
		switch (do_watch(w)) {
		case W_RELIST:
			need_list = true;
			if (w->ops.note)
				w->ops.note(w->ctx, true);
			/* a server that expires every fresh watch must not
			 * turn this into a busy list/watch loop */
			if (++relists_in_row > 1)
				kapi__backoff(w->k, &w->backoff);
			break;
		case W_RECONNECT:
			relists_in_row = 0;
			kapi_backoff__reset(&w->backoff);
			break;
		case W_FAIL:
			kapi__backoff(w->k, &w->backoff);
			break;
		}
		if (!kapi__stopping(w->k) && w->ops.note)
			w->ops.note(w->ctx, false);
	}
	return NULL;
}

void kapi_watch__free(struct kapi_watch *w)
{
	if (!w)
		return;
	if (w->started)
		pthread_join(w->th, NULL);
	free(w->path);
	free(w->query);
	free(w->what);
	free(w->rbac);
	free(w);
}

int kapi_watch__start(struct kapi_watch **out, struct kapi *k, const struct kapi_watch_cfg *cfg,
		      const struct kapi_watch_ops *ops, void *ctx)
{
	struct kapi_watch *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->k = k;
	w->ops = *ops;
	w->ctx = ctx;
	w->path = strdup(cfg->path);
	w->query = strdup(cfg->query ? cfg->query : "");
	w->what = strdup(cfg->what ? cfg->what : cfg->path);
	w->rbac = strdup(cfg->rbac ? cfg->rbac : "get, list and watch");
	if (!w->path || !w->query || !w->what || !w->rbac) {
		kapi_watch__free(w);
		return -ENOMEM;
	}
	if (pthread_create(&w->th, NULL, watch_thread, w)) {
		kapi_watch__free(w);
		return -EAGAIN;
	}
	w->started = true;
	*out = w;
	return 0;
}

unsigned kapi_watch__lists(const struct kapi_watch *w)
{
	return w ? __atomic_load_n(&w->lists, __ATOMIC_ACQUIRE) : 0;
}
#endif /* TPC_NO_HTTP */
