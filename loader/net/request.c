/* request.c - see ldr_request.h. */
#include "net/ldr_request.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#ifndef TPC_NO_HTTP
#include <curl/curl.h>
#endif

#include "export/ldr_log.h"
#include "export/ldr_metrics.h"

#define REQ_QUEUE 64
#define REQ_TIMEOUT_MS 5000

enum req_kind { REQ_URL, REQ_DNS };

struct req_item {
	enum req_kind kind;
	char *dest;
};

struct ldr_req {
	char **allow_url, **allow_dns; /* owned copies */
	unsigned rate;
	bool have_server;
	struct sockaddr_in server;
	struct ldr_metrics *metrics;
	/* token bucket: touched by the event path only */
	double tokens;
	struct timespec last;
	/* queue: the event path pushes, the worker pops */
	pthread_mutex_t lock;
	pthread_cond_t cond, idle;
	struct req_item q[REQ_QUEUE];
	unsigned head, n;
	bool busy, stop, started;
	unsigned done;
	pthread_t worker;
};

static char **copy_list(char **v)
{
	size_t n = 0;
	char **c;

	while (v && v[n])
		n++;
	c = calloc(n + 1, sizeof(*c));
	for (size_t i = 0; c && i < n; i++)
		if (!(c[i] = strdup(v[i]))) {
			for (size_t k = 0; k < i; k++)
				free(c[k]);
			free(c);
			return NULL;
		}
	return c;
}

static void free_list(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

bool ldr_req__url_allowed(const struct ldr_req *r, const char *url)
{
	for (char **p = r->allow_url; p && *p; p++)
		if (**p && !strncmp(url, *p, strlen(*p)))
			return true;
	return false;
}

bool ldr_req__dns_allowed(const struct ldr_req *r, const char *fqdn)
{
	size_t n = strlen(fqdn);

	/* a trailing dot names the same host */
	if (n && fqdn[n - 1] == '.')
		n--;
	for (char **p = r->allow_dns; p && *p; p++) {
		const char *a = *p;
		size_t an = strlen(a);

		if (an && a[an - 1] == '.')
			an--;
		if (an > 2 && a[0] == '*' && a[1] == '.') {
			/* "*.example.com": a subdomain, not example.com itself */
			if (n > an - 1 && !strncasecmp(fqdn + n - (an - 1), a + 1, an - 1))
				return true;
			continue;
		}
		if (an == n && !strncasecmp(fqdn, a, n))
			return true;
	}
	return false;
}

#ifndef TPC_NO_HTTP
static size_t discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}
#endif

static int do_url(const char *url)
{
#ifndef TPC_NO_HTTP
	CURL *c = curl_easy_init();
	CURLcode rc;
	long code = 0;

	if (!c)
		return -ENOMEM;
	curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)REQ_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tpc-loader");
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	ldr_debug("GetUrl %s: %s (HTTP %ld)", ldr_quote(url),
		  rc == CURLE_OK ? "done" : curl_easy_strerror(rc), code);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -EIO;
#else
	(void)url;
	return -EOPNOTSUPP;
#endif
}

static int do_dns(struct ldr_req *r, const char *fqdn)
{
	struct __res_state st;
	unsigned char ans[512];
	int n;

	memset(&st, 0, sizeof(st));
	if (res_ninit(&st))
		return -EIO;
	st.retrans = 2;
	st.retry = 1;
	if (r->have_server) {
		st.nscount = 1;
		st.nsaddr_list[0] = r->server;
	}
	n = res_nquery(&st, fqdn, ns_c_in, ns_t_a, ans, sizeof(ans));
	ldr_debug("DnsLookup %s: %s", ldr_quote(fqdn), n >= 0 ? "answered" : "no answer");
	res_nclose(&st);
	return n >= 0 ? 0 : -EIO;
}

static void *worker(void *arg)
{
	struct ldr_req *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct req_item it;
		int err;

		while (!r->n && !r->stop)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->stop)
			break;
		it = r->q[r->head];
		r->head = (r->head + 1) % REQ_QUEUE;
		r->n--;
		r->busy = true;
		pthread_mutex_unlock(&r->lock);
		err = it.kind == REQ_URL ? do_url(it.dest) : do_dns(r, it.dest);
		ldr_metrics__add(r->metrics, err ? LDR_G_REQ_FAILED : LDR_G_REQ_DONE, 1);
		free(it.dest);
		pthread_mutex_lock(&r->lock);
		r->busy = false;
		r->done++;
		pthread_cond_broadcast(&r->idle);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static int parse_server(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strchr(s, ':');
	size_t hl = colon ? (size_t)(colon - s) : strlen(s);
	unsigned long port = 53;
	char *end;

	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	if (colon) {
		port = strtoul(colon + 1, &end, 10);
		if (!colon[1] || *end || !port || port > 65535)
			return -EINVAL;
	}
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

struct ldr_req *ldr_req__new(const struct ldr_req_opts *o, struct ldr_metrics *metrics, char *err,
			     size_t errlen)
{
	struct ldr_req *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	pthread_cond_init(&r->idle, NULL);
	r->metrics = metrics;
	r->rate = o->rate ? o->rate : 1;
	r->tokens = r->rate;
	clock_gettime(CLOCK_MONOTONIC, &r->last);
	r->allow_url = copy_list(o->allow_url);
	r->allow_dns = copy_list(o->allow_dns);
	if (!r->allow_url || !r->allow_dns) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
#ifdef TPC_NO_HTTP
	if (r->allow_url[0]) {
		snprintf(err, errlen, "--allow-url: this build has no HTTP client (static build; "
				      "use the dynamic tpc-loader)");
		goto fail;
	}
#endif
	if (o->dns_server) {
		if (parse_server(o->dns_server, &r->server)) {
			snprintf(err, errlen, "--dns-server: '%s' is not ADDR or ADDR:PORT (IPv4)",
				 ldr_quote(o->dns_server));
			goto fail;
		}
		r->have_server = true;
	}
	if (!r->allow_url[0] && !r->allow_dns[0])
		return r; /* nothing allowed: no worker, requests are reported skipped */
#ifndef TPC_NO_HTTP
	if (r->allow_url[0])
		curl_global_init(CURL_GLOBAL_DEFAULT);
#endif
	if (pthread_create(&r->worker, NULL, worker, r)) {
		snprintf(err, errlen, "cannot start the request thread: %s", strerror(errno));
		goto fail;
	}
	r->started = true;
	return r;
fail:
	ldr_req__free(r);
	return NULL;
}

void ldr_req__free(struct ldr_req *r)
{
	if (!r)
		return;
	if (r->started) {
		pthread_mutex_lock(&r->lock);
		r->stop = true;
		pthread_cond_broadcast(&r->cond);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->worker, NULL);
	}
	for (unsigned i = 0; i < r->n; i++)
		free(r->q[(r->head + i) % REQ_QUEUE].dest);
	free_list(r->allow_url);
	free_list(r->allow_dns);
	pthread_cond_destroy(&r->idle);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void ldr_req__object(struct ldr_req *r, const char *obj, const struct ldr_meta *m)
{
	if (!r)
		return;
	for (size_t i = 0; i < m->nrules; i++) {
		const struct ldr_meta_rule *ru = &m->rules[i];
		const char *pol = m->policies[ru->policy].name;

		if (ru->url && ru->url[0] && !ldr_req__url_allowed(r, ru->url))
			ldr_info("object '%s': policy '%s': GetUrl %s is skipped: no --allow-url "
				 "prefix matches it",
				 obj, ldr_quote(pol), ldr_quote(ru->url));
		if (ru->fqdn && ru->fqdn[0] && !ldr_req__dns_allowed(r, ru->fqdn))
			ldr_info("object '%s': policy '%s': DnsLookup %s is skipped: no "
				 "--allow-dns names it",
				 obj, ldr_quote(pol), ldr_quote(ru->fqdn));
	}
}

/* The token bucket: rate per second, a burst of rate. */
static bool take_token(struct ldr_req *r)
{
	struct timespec now;
	double dt;

	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = (double)(now.tv_sec - r->last.tv_sec) + (now.tv_nsec - r->last.tv_nsec) / 1e9;
	r->last = now;
	r->tokens += dt * r->rate;
	if (r->tokens > r->rate)
		r->tokens = r->rate;
	if (r->tokens < 1)
		return false;
	r->tokens -= 1;
	return true;
}

static void submit(struct ldr_req *r, enum req_kind kind, const char *dest)
{
	char *d;

	if (!take_token(r) || !(d = strdup(dest))) {
		ldr_metrics__add(r->metrics, LDR_G_REQ_LIMITED, 1);
		return;
	}
	pthread_mutex_lock(&r->lock);
	if (r->n == REQ_QUEUE) {
		pthread_mutex_unlock(&r->lock);
		free(d);
		ldr_metrics__add(r->metrics, LDR_G_REQ_LIMITED, 1);
		return;
	}
	r->q[(r->head + r->n) % REQ_QUEUE] = (struct req_item){ .kind = kind, .dest = d };
	r->n++;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

void ldr_req__rule(struct ldr_req *r, const struct ldr_meta *m, const struct ldr_meta_rule *rule)
{
	(void)m;
	if (!r || !rule)
		return;
	if (rule->url && rule->url[0]) {
		if (ldr_req__url_allowed(r, rule->url) && r->started)
			submit(r, REQ_URL, rule->url);
		else
			ldr_metrics__add(r->metrics, LDR_G_REQ_SKIPPED, 1);
	}
	if (rule->fqdn && rule->fqdn[0]) {
		if (ldr_req__dns_allowed(r, rule->fqdn) && r->started)
			submit(r, REQ_DNS, rule->fqdn);
		else
			ldr_metrics__add(r->metrics, LDR_G_REQ_SKIPPED, 1);
	}
}

unsigned ldr_req__drain(struct ldr_req *r, unsigned ms)
{
	struct timespec until;
	unsigned done;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&r->lock);
	while (r->started && (r->n || r->busy))
		if (pthread_cond_timedwait(&r->idle, &r->lock, &until))
			break;
	done = r->done;
	pthread_mutex_unlock(&r->lock);
	return done;
}
