/* test_loader_k8s.c - the watch stream parser (lines split at every
 * possible chunk boundary, partial lines, BOOKMARK, ERROR 410, garbage and
 * over-long lines), the reconnect backoff, and API configuration. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "k8s/ldr_k8s.h"
#include "k8s/ldr_pods.h"

#define UID1 "0e4f7a6b-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
#define CID "551e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3"
#define POD(rv, app)                                                                          \
	"{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"web-1\",\"namespace\":" \
	"\"shop\",\"uid\":\"" UID1 "\",\"resourceVersion\":\"" rv "\",\"labels\":{\"app\":\""   \
	app "\"}},\"spec\":{\"nodeName\":\"n1\"},\"status\":{\"containerStatuses\":[{\"name\":"  \
	"\"c\",\"containerID\":\"containerd://" CID "\"}]}}"

static const char stream[] =
	"{\"type\":\"ADDED\",\"object\":" POD("101", "web") "}\n"
	"{\"type\":\"MODIFIED\",\"object\":" POD("102", "web2") "}\r\n"
	"\n"
	"{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{"
	"\"resourceVersion\":\"150\",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}}}}\n"
	"this is not json\n"
	"{\"type\":\"SURPRISE\",\"object\":{}}\n"
	"{\"type\":\"DELETED\",\"object\":" POD("160", "web2") "}\n";

/* Every split of the stream into two chunks gives the same result. */
static void test_every_split(void **state)
{
	size_t len = sizeof(stream) - 1;

	for (size_t cut = 0; cut <= len; cut++) {
		struct ldr_pods *s = pods__new();
		struct ldr_k8s_stream st;

		ldr_k8s_stream__init(&st, s, "100");
		ldr_k8s_stream__feed(&st, stream, cut);
		ldr_k8s_stream__feed(&st, stream + cut, len - cut);
		if (st.s.events != 3 || st.s.bookmarks != 1 || st.s.bad != 2 || strcmp(st.s.rv, "160") ||
		    pods__count(s) != 0 || st.s.need_relist || st.s.error)
			fail_msg("cut %zu: events %llu bookmarks %llu bad %llu rv %s pods %zu", cut,
				 (unsigned long long)st.s.events, (unsigned long long)st.s.bookmarks,
				 (unsigned long long)st.s.bad, st.s.rv, pods__count(s));
		ldr_k8s_stream__fini(&st);
		pods__free(s);
	}
}

/* Byte by byte, checking the store as lines complete. */
static void test_bytewise_and_partial(void **state)
{
	struct ldr_pods *s = pods__new();
	struct ldr_k8s_stream st;
	const char *line1 = "{\"type\":\"ADDED\",\"object\":" POD("101", "web") "}\n";
	const char *line2 = "{\"type\":\"MODIFIED\",\"object\":" POD("102", "web2") "}";
	struct ldr_pod *p;

	ldr_k8s_stream__init(&st, s, "100");
	for (size_t i = 0; line1[i]; i++) {
		assert_int_equal(pods__count(s), 0);
		ldr_k8s_stream__feed(&st, line1 + i, 1);
	}
	assert_int_equal(pods__count(s), 1);
	assert_string_equal(st.s.rv, "101");
	/* a partial line is not applied until its newline arrives */
	ldr_k8s_stream__feed(&st, line2, strlen(line2));
	p = pods__get(s, UID1);
	assert_string_equal(pod__label(p, "app"), "web");
	pod__put(p);
	ldr_k8s_stream__feed(&st, "\n", 1);
	p = pods__get(s, UID1);
	assert_string_equal(pod__label(p, "app"), "web2");
	pod__put(p);
	assert_string_equal(st.s.rv, "102");
	ldr_k8s_stream__fini(&st);
	pods__free(s);
}

static void test_error_410(void **state)
{
	struct ldr_pods *s = pods__new();
	struct ldr_k8s_stream st;
	const char *e410 = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
			   "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource "
			   "version: 100 (200)\",\"reason\":\"Expired\",\"code\":410}}\n";
	const char *e500 = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":500,"
			   "\"message\":\"etcd\"}}\n";

	ldr_k8s_stream__init(&st, s, "100");
	ldr_k8s_stream__feed(&st, e410, strlen(e410));
	assert_true(st.s.need_relist);
	assert_false(st.s.error);
	assert_non_null(strstr(st.s.last_error, "too old resource version"));
	assert_string_equal(st.s.rv, "100"); /* an error never moves the version */
	ldr_k8s_stream__fini(&st);
	ldr_k8s_stream__init(&st, s, "100");
	ldr_k8s_stream__feed(&st, e500, strlen(e500));
	assert_false(st.s.need_relist);
	assert_true(st.s.error);
	ldr_k8s_stream__fini(&st);
	pods__free(s);
}

static void test_garbage(void **state)
{
	struct ldr_pods *s = pods__new();
	struct ldr_k8s_stream st;
	static const char *const bad[] = {
		"{}\n", "[]\n", "null\n", "{\"type\":5,\"object\":{}}\n",
		"{\"type\":\"ADDED\"}\n", "{\"type\":\"ADDED\",\"object\":[]}\n",
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{}}}\n",
		"{\"type\":\"DELETED\",\"object\":{\"metadata\":{}}}\n", "\xff\xfe\x00garbage\n",
		"{\"type\":\"ADDED\",\"object\":{\n",
	};
	char *big;
	size_t n = KAPI_LINE_MAX + 100;

	ldr_k8s_stream__init(&st, s, "1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ldr_k8s_stream__feed(&st, bad[i], strlen(bad[i]) + (bad[i][0] == '\xff' ? 9 : 0));
	assert_int_equal(st.s.bad, sizeof(bad) / sizeof(bad[0]));
	assert_int_equal(pods__count(s), 0);
	assert_string_equal(st.s.rv, "1");
	/* an over-long line is skipped whole, the next one still works */
	big = malloc(n);
	memset(big, 'x', n);
	ldr_k8s_stream__feed(&st, big, n / 2);
	ldr_k8s_stream__feed(&st, big, n - n / 2);
	ldr_k8s_stream__feed(&st, "\n", 1);
	free(big);
	assert_int_equal(st.s.bad, sizeof(bad) / sizeof(bad[0]) + 1);
	{
		const char *ok = "{\"type\":\"ADDED\",\"object\":" POD("7", "web") "}\n";

		ldr_k8s_stream__feed(&st, ok, strlen(ok));
	}
	assert_int_equal(pods__count(s), 1);
	assert_string_equal(st.s.rv, "7");
	ldr_k8s_stream__fini(&st);
	pods__free(s);
}

static void test_backoff(void **state)
{
	struct kapi_backoff b = { 0 };
	unsigned prev_ceil = 0, w;

	/* with the smallest randomness: half the ceiling; with the largest:
	 * the ceiling; the ceiling doubles to the cap and stays there */
	for (int i = 0; i < 12; i++) {
		unsigned ceil = KAPI_BACKOFF_MIN_MS << i;

		if (ceil > KAPI_BACKOFF_MAX_MS)
			ceil = KAPI_BACKOFF_MAX_MS;
		w = kapi_backoff__next(&b, 0);
		assert_int_equal(w, ceil / 2);
		assert_true(ceil >= prev_ceil);
		prev_ceil = ceil;
	}
	assert_int_equal(b.cur_ms, KAPI_BACKOFF_MAX_MS);
	w = kapi_backoff__next(&b, KAPI_BACKOFF_MAX_MS / 2);
	assert_int_equal(w, KAPI_BACKOFF_MAX_MS);
	for (uint32_t r = 1; r < 100000; r += 7919) {
		w = kapi_backoff__next(&b, r);
		assert_true(w >= KAPI_BACKOFF_MAX_MS / 2 && w <= KAPI_BACKOFF_MAX_MS);
	}
	kapi_backoff__reset(&b);
	assert_int_equal(kapi_backoff__next(&b, 0), KAPI_BACKOFF_MIN_MS / 2);
}

static void test_config(void **state)
{
	struct ldr_k8s_cfg c;
	char why[256];

	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_int_equal(ldr_k8s__config(&c, NULL, NULL, NULL, "n1", false, why, sizeof(why)),
			 -ENOENT);
	assert_non_null(strstr(why, "KUBERNETES_SERVICE_HOST"));
	assert_int_equal(ldr_k8s__config(&c, "https://x:6443", NULL, NULL, "n1", true, why,
					 sizeof(why)),
			 -ENOENT);
	assert_string_equal(why, "--no-k8s");
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	assert_int_equal(ldr_k8s__config(&c, NULL, "/ca", "/tok", "n1", false, why, sizeof(why)),
			 0);
	assert_string_equal(c.api.api, "https://10.96.0.1:443");
	assert_string_equal(c.api.ca, "/ca");
	assert_string_equal(c.api.token_file, "/tok");
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	assert_int_equal(ldr_k8s__config(&c, NULL, NULL, NULL, "n1", false, why, sizeof(why)), 0);
	assert_string_equal(c.api.api, "https://[fd00::1]:443");
	/* the flag wins; trailing slashes go */
	assert_int_equal(ldr_k8s__config(&c, "https://127.0.0.1:8443//", NULL, NULL, "n1", false,
					 why, sizeof(why)),
			 0);
	assert_string_equal(c.api.api, "https://127.0.0.1:8443");
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_split), cmocka_unit_test(test_bytewise_and_partial),
		cmocka_unit_test(test_error_410),   cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_backoff),	    cmocka_unit_test(test_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
