/* test_kapi.c - the shared Kubernetes API client's pure parts: line
 * splitting at every chunk boundary, watch event decoding with a caller
 * that refuses objects, URL escaping, and the one-line problem reports
 * (401/403 hints) built from Status bodies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kapi.h"

struct seen {
	char text[1024];
	size_t n, skipped;
};

static void on_line(void *ctx, const char *line, size_t n)
{
	struct seen *s = ctx;

	if (!line) {
		s->skipped++;
		return;
	}
	assert_int_equal(strlen(line), n); /* NUL-terminated */
	snprintf(s->text + strlen(s->text), sizeof(s->text) - strlen(s->text), "[%s]", line);
	s->n++;
}

static void test_lines_every_split(void **state)
{
	static const char in[] = "one\r\n\n  \ntwo \t\nthree";

	for (size_t cut = 0; cut <= sizeof(in) - 1; cut++) {
		struct kapi_lines l = { 0 };
		struct seen s = { 0 };

		kapi_lines__feed(&l, in, cut, on_line, &s);
		kapi_lines__feed(&l, in + cut, sizeof(in) - 1 - cut, on_line, &s);
		/* blank lines vanish; the last line waits for its newline */
		assert_string_equal(s.text, "[one][two]");
		kapi_lines__feed(&l, "\n", 1, on_line, &s);
		assert_string_equal(s.text, "[one][two][three]");
		kapi_lines__fini(&l);
	}
}

static void test_lines_too_long(void **state)
{
	struct kapi_lines l = { 0 };
	struct seen s = { 0 };
	size_t n = KAPI_LINE_MAX / 4 + 1;
	char *big = malloc(n);

	memset(big, 'x', n);
	for (int i = 0; i < 4; i++)
		kapi_lines__feed(&l, big, n, on_line, &s);
	kapi_lines__feed(&l, "\nok\n", 4, on_line, &s);
	assert_int_equal(s.skipped, 1);
	assert_string_equal(s.text, "[ok]");
	free(big);
	kapi_lines__fini(&l);
}

struct evs {
	int added, modified, deleted;
};

/* accepts objects with a name, refuses the others */
static int on_event(void *ctx, enum kapi_ev ev, json_t *obj)
{
	struct evs *e = ctx;

	if (!json_string_value(json_object_get(json_object_get(obj, "metadata"), "name")))
		return -EINVAL;
	if (ev == KAPI_ADDED)
		e->added++;
	else if (ev == KAPI_MODIFIED)
		e->modified++;
	else
		e->deleted++;
	return 0;
}

static void test_stream(void **state)
{
	static const char in[] =
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":"
		"\"5\"}}}\n"
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"resourceVersion\":\"6\"}}}\n"
		"{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":"
		"\"7\"}}}\n"
		"{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"9\"}}}\n"
		"{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":"
		"\"10\"}}}\n";
	struct kapi_stream st;
	struct evs e = { 0 };

	kapi_stream__init(&st, on_event, &e, "4");
	for (size_t i = 0; i < sizeof(in) - 1; i += 7)
		kapi_stream__feed(&st, in + i, sizeof(in) - 1 - i < 7 ? sizeof(in) - 1 - i : 7);
	assert_int_equal(e.added, 1);
	assert_int_equal(e.modified, 1);
	assert_int_equal(e.deleted, 1);
	assert_int_equal(st.events, 3);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.bookmarks, 1);
	assert_string_equal(st.rv, "10");
	assert_false(st.need_relist || st.error);
	kapi_stream__fini(&st);
}

static void test_escape(void **state)
{
	char *e = kapi__escape("app in (web, db)/x=1&y~_.-");

	assert_string_equal(e, "app%20in%20%28web%2C%20db%29%2Fx%3D1%26y~_.-");
	free(e);
}

static void test_problem(void **state)
{
	char body[] = "{\"kind\":\"Status\",\"message\":\"tracingpolicies.cilium.io is forbidden\","
		      "\"code\":403}";
	struct kapi_resp r = { .status = 403, .body = body, .len = sizeof(body) - 1 };
	char out[512];

	kapi_resp__problem(&r, "list tracingpolicies", "get, list and watch on tracingpolicies",
			   out, sizeof(out));
	assert_string_equal(out, "list tracingpolicies: HTTP 403: tracingpolicies.cilium.io is "
				 "forbidden (forbidden: the service account needs RBAC get, list "
				 "and watch on tracingpolicies)");
	r.status = 401;
	kapi_resp__problem(&r, "x", NULL, out, sizeof(out));
	assert_non_null(strstr(out, "HTTP 401"));
	assert_non_null(strstr(out, "authentication failed"));
	/* not a Status: its first line, unprintable bytes replaced */
	char html[] = "<html>\x01oops\nsecond line";
	r = (struct kapi_resp){ .status = 502, .body = html, .len = sizeof(html) - 1 };
	kapi_resp__problem(&r, "x", NULL, out, sizeof(out));
	assert_string_equal(out, "x: HTTP 502: <html>?oops");
	r = (struct kapi_resp){ .status = 500 };
	kapi_resp__problem(&r, "x", NULL, out, sizeof(out));
	assert_string_equal(out, "x: HTTP 500");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_every_split),
		cmocka_unit_test(test_lines_too_long),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_problem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
