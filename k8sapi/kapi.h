/* kapi.h - the Kubernetes API client shared by tpc-loader (its pod watch)
 * and tpc-controller (policies, ConfigMaps, status, leases).
 *
 * Contract:
 *  - kapi__config() resolves the API server, CA and token from flags and
 *    the in-cluster environment (KUBERNETES_SERVICE_HOST/PORT and the
 *    service-account files).
 *  - struct kapi is one client: kapi__request() sends one request over
 *    libcurl (bearer token read again at every request, because projected
 *    tokens rotate; CA from the config) and returns the status and a
 *    bounded body.  kapi__stop() makes every request in flight and every
 *    kapi__sleep_ms() return within about a second; the client is
 *    thread-safe (each request has its own curl handle).
 *  - struct kapi_lines splits a byte stream into newline-terminated lines
 *    across any chunk boundaries; lines over KAPI_LINE_MAX are skipped whole.
 *    struct kapi_stream decodes watch lines ({"type", "object"}) on top:
 *    ADDED/MODIFIED/DELETED go to a callback, BOOKMARK moves the
 *    resourceVersion, ERROR 410 asks for a relist, other ERRORs for a
 *    reconnect.  Both are synchronous, so tests and fuzzers feed them.
 *  - struct kapi_watch is an informer: its own thread LISTs a collection
 *    (every page, limit/continue; the callback gets the complete list or
 *    nothing, so a list that fails half-way never looks like deletions),
 *    then WATCHes from the list's resourceVersion with bookmarks; 410
 *    (HTTP or watch ERROR) relists; the end of a stream or a network error
 *    reconnects from the last resourceVersion after an exponential backoff
 *    with jitter (KAPI_BACKOFF_MIN_MS to KAPI_BACKOFF_MAX_MS, reset once a
 *    stream delivered data); 401/403 are reported with a hint naming the
 *    RBAC the caller needs.  Callbacks run on the watch thread.
 *  - Messages go through the client's log callback (level, text), each
 *    distinct warning once in a row so a flapping API does not flood it.
 * All functions return 0 or -errno.  A build with TPC_NO_HTTP (the static
 * loader) has no client: kapi__new() fails with -EOPNOTSUPP; the parsers
 * and kapi__config() still work.
 */
#ifndef TPC_KAPI_H
#define TPC_KAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define KAPI_LINE_MAX (16u << 20)
#define KAPI_BACKOFF_MIN_MS 500
#define KAPI_BACKOFF_MAX_MS 30000
#define KAPI_RV_MAX 64
#define KAPI_ERR_BODY_MAX 4096

#define KAPI_TOKEN_FILE "/var/run/secrets/kubernetes.io/serviceaccount/token"
#define KAPI_CA_FILE "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"

struct kapi_cfg {
	char api[512];	      /* https://host:port, no trailing slash */
	char ca[512];	      /* "" = the system CAs */
	char token_file[512]; /* "" = no Authorization header */
};

/* Resolve the API from flags (NULL = not given) and the in-cluster
 * environment.  Returns 0 with cfg filled, or -ENOENT with a one-line
 * reason. */
int kapi__config(struct kapi_cfg *cfg, const char *api_flag, const char *ca_flag,
		 const char *token_flag, char *reason, size_t reasonlen);

/* --- lines and watch events ------------------------------------------------ */

/* A complete line (without its newline and trailing CR/blanks), or NULL
 * for a line that was skipped (too long, or out of memory). */
typedef void (*kapi_line_fn)(void *ctx, const char *line, size_t n);

struct kapi_lines {
	char *buf;
	size_t len, cap;
	bool skipping; /* inside an over-long line */
};

void kapi_lines__feed(struct kapi_lines *l, const char *data, size_t len, kapi_line_fn fn,
		      void *ctx);
void kapi_lines__fini(struct kapi_lines *l);

enum kapi_ev { KAPI_ADDED, KAPI_MODIFIED, KAPI_DELETED };

/* Apply one event; obj is borrowed.  Returns 0, or <0 for an object the
 * caller could not use (counted as bad). */
typedef int (*kapi_event_fn)(void *ctx, enum kapi_ev ev, json_t *obj);

struct kapi_stream {
	struct kapi_lines lines;
	kapi_event_fn event;
	void *ctx;
	bool need_relist; /* saw ERROR 410 */
	bool error;	  /* saw another ERROR: reconnect */
	char rv[KAPI_RV_MAX];
	uint64_t events; /* ADDED/MODIFIED/DELETED applied */
	uint64_t bookmarks;
	uint64_t bad; /* unparsable, unknown or refused lines */
	char last_error[256];
};

void kapi_stream__init(struct kapi_stream *s, kapi_event_fn event, void *ctx, const char *rv);
void kapi_stream__fini(struct kapi_stream *s);
/* Feed a chunk; complete lines are applied at once. */
void kapi_stream__feed(struct kapi_stream *s, const char *data, size_t len);

/* metadata.resourceVersion of obj, or NULL */
const char *kapi_obj__rv(json_t *obj);

/* --- backoff -------------------------------------------------------------- */

struct kapi_backoff {
	unsigned cur_ms; /* 0 = next failure waits KAPI_BACKOFF_MIN_MS */
};

/* The next wait: the ceiling doubles per failure up to the cap; the wait is
 * uniformly in [ceiling/2, ceiling] (rnd supplies the randomness). */
unsigned kapi_backoff__next(struct kapi_backoff *b, uint32_t rnd);
static inline void kapi_backoff__reset(struct kapi_backoff *b)
{
	b->cur_ms = 0;
}

/* --- the client ------------------------------------------------------------- */

enum kapi_level { KAPI_DEBUG, KAPI_INFO, KAPI_WARN, KAPI_ERR };
typedef void (*kapi_log_fn)(enum kapi_level level, const char *msg);

struct kapi;

/* user_agent: "tpc-loader/0.1.0"; log: where messages go (NULL: none). */
int kapi__new(struct kapi **out, const struct kapi_cfg *cfg, const char *user_agent,
	      kapi_log_fn log);
/* Called after every request the server answered or did not (status 0),
 * not after one cancelled by kapi__stop(), on the requesting thread: the
 * callback locks what it counts into.  Set it before any thread uses the
 * client; NULL: none. */
typedef void (*kapi_observe_fn)(void *ctx, const char *method, long status);
void kapi__set_observer(struct kapi *k, kapi_observe_fn fn, void *ctx);
/* Stop: requests in flight and sleeps end; kapi__free() after every thread
 * using the client has returned. */
void kapi__stop(struct kapi *k);
bool kapi__stopping(const struct kapi *k);
void kapi__free(struct kapi *k);
const struct kapi_cfg *kapi__cfg(const struct kapi *k);
/* Sleep up to ms, less when stopped; returns kapi__stopping(). */
bool kapi__sleep_ms(struct kapi *k, unsigned ms);
/* Sleep the backoff's next wait. */
bool kapi__backoff(struct kapi *k, struct kapi_backoff *b);
/* Log through the client's callback; a warning equal to the previous one
 * is dropped (kapi__log_reset() forgets it, e.g. once the API answers). */
void kapi__log(struct kapi *k, enum kapi_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void kapi__log_reset(struct kapi *k);

struct kapi_resp {
	long status; /* HTTP status; 0 = no answer */
	char *body;  /* NUL-terminated (malloc'd), at most the request's max_body */
	size_t len;
	bool too_big; /* a 2xx body over max_body: the request was aborted */
	uint64_t bytes; /* body bytes received (streams included) */
	char why[1024]; /* no answer: curl's reason; a stream: how it ended */
};

struct kapi_req {
	const char *method;	  /* "GET" (default), "POST", "PUT", "PATCH", "DELETE" */
	const char *path;	  /* with its query: /api/v1/pods?limit=500 */
	const char *body;	  /* NULL: none */
	size_t body_len;
	const char *content_type; /* default application/json */
	size_t max_body;	  /* a 2xx body larger than this aborts (0: 64 MiB) */
	long timeout_s;		  /* 0: 120 s */
	/* a watch: 2xx bodies go to the stream, the request has no total
	 * timeout, and a stream silent longer than idle_s is dead */
	struct kapi_stream *stream;
	long idle_s;
};

/* 0 once the server answered (resp->status set: the caller judges it), or
 * -EIO / -ENOMEM with resp->why filled; -ECANCELED when stopped. */
int kapi__request(struct kapi *k, const struct kapi_req *rq, struct kapi_resp *resp);
void kapi_resp__fini(struct kapi_resp *r);
/* The answer's Status message (or the body's first bytes), "" when none. */
void kapi_resp__message(const struct kapi_resp *r, char *out, size_t outlen);
/* "WHAT: HTTP 403: <message> (forbidden: the service account needs RBAC
 * <rbac>)": one line for a log or a condition. */
void kapi_resp__problem(const struct kapi_resp *r, const char *what, const char *rbac, char *out,
			size_t outlen);

/* URL-escape s for a query or a path segment (malloc'd; NULL on ENOMEM). */
char *kapi__escape(const char *s);

/* --- the informer ----------------------------------------------------------- */

struct kapi_watch_ops {
	/* the complete list (items borrowed), replacing everything known;
	 * returns the number of objects taken, or <0 to list again later */
	int (*replace)(void *ctx, json_t *items, const char *rv);
	kapi_event_fn event;
	/* a relist after 410 (relist = true) or a reconnect; may be NULL */
	void (*note)(void *ctx, bool relist);
};

struct kapi_watch_cfg {
	const char *path;  /* collection: /api/v1/pods */
	const char *query; /* selectors, URL-escaped, without '?'; NULL = none */
	const char *what;  /* for messages: "pods" */
	const char *rbac;  /* for 403 messages: "get, list and watch on pods" */
};

struct kapi_watch;

int kapi_watch__start(struct kapi_watch **out, struct kapi *k, const struct kapi_watch_cfg *cfg,
		      const struct kapi_watch_ops *ops, void *ctx);
/* Joins the thread: kapi__stop() the client first, or this waits for the
 * stream to end. */
void kapi_watch__free(struct kapi_watch *w);
/* Lists completed so far (0 until the first list was delivered). */
unsigned kapi_watch__lists(const struct kapi_watch *w);

#endif
