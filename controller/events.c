/* events.c - Warning Events on policies (ctl_events.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_events.h"

#define RBAC_EVENTS "create on events (events.k8s.io) in the policies' namespaces and default"

bool ctl_ratelimit__take(struct ctl_ratelimit *r, double now_ms, double interval_ms)
{
	if (!r->t_ms) {
		r->tokens = CTL_EVENT_BURST;
	} else if (interval_ms > 0) {
		r->tokens += (now_ms - r->t_ms) / interval_ms;
		if (r->tokens > CTL_EVENT_BURST)
			r->tokens = CTL_EVENT_BURST;
	}
	r->t_ms = now_ms;
	if (r->tokens < 1)
		return false;
	r->tokens -= 1;
	return true;
}

/* at most max bytes of s, not ending inside a UTF-8 sequence */
static size_t utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

int ctl_event__post(struct kapi *k, const struct ctl_event *ev)
{
	const char *ns = ev->ns && *ev->ns ? ev->ns : "default";
	struct kapi_req rq = { .method = "POST" };
	struct kapi_resp r;
	struct timespec t;
	struct tm tm;
	char when[64], name[300], *path = NULL, *body = NULL, line[1600], what[600];
	json_t *e = NULL, *regarding;
	int err = -ENOMEM;

	clock_gettime(CLOCK_REALTIME, &t);
	gmtime_r(&t.tv_sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, t.tv_nsec / 1000);
	/* client-go's naming: the object's name and the time in hex */
	snprintf(name, sizeof(name), "%.200s.%llx", ev->name,
		 (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec);
	regarding = json_pack("{s:s, s:s, s:s, s:s}", "apiVersion", ev->api_version, "kind",
			      ev->kind, "name", ev->name, "uid", ev->uid);
	if (regarding && ev->ns && *ev->ns)
		json_object_set_new(regarding, "namespace", json_string(ev->ns));
	e = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:s, s:s%, s:s, s:o}",
		      "apiVersion", "events.k8s.io/v1", "kind", "Event", "metadata", "name", name,
		      "namespace", ns, "eventTime", when, "reportingController",
		      CTL_EVENT_CONTROLLER, "reportingInstance", ev->instance, "action", "Compile",
		      "reason", ev->reason, "note", ev->note,
		      utf8_cut(ev->note, CTL_EVENT_NOTE_MAX), "type", "Warning", "regarding",
		      regarding);
	body = e ? json_dumps(e, JSON_COMPACT) : NULL;
	if (!body || asprintf(&path, "/apis/events.k8s.io/v1/namespaces/%s/events", ns) < 0) {
		path = NULL;
		goto cleanup;
	}
	rq.path = path;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.timeout_s = 10;
	snprintf(what, sizeof(what), "event on %s %s%s%s", ev->kind, ev->ns ? ev->ns : "",
		 ev->ns && *ev->ns ? "/" : "", ev->name);
	err = kapi__request(k, &rq, &r);
	if (err) {
		kapi__log(k, KAPI_WARN, "%s: %s", what, r.why);
	} else if (r.status == 201 || r.status == 200) {
		kapi__log(k, KAPI_DEBUG, "%s: %s sent", what, ev->reason);
	} else {
		kapi_resp__problem(&r, what, RBAC_EVENTS, line, sizeof(line));
		kapi__log(k, KAPI_WARN, "%s", line);
		err = r.status == 401 || r.status == 403 ? -EACCES : -EIO;
	}
	kapi_resp__fini(&r);
cleanup:
	json_decref(e);
	free(body);
	free(path);
	return err;
}
