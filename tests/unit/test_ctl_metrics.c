/* test_ctl_metrics.c - the Prometheus helpers (common/metrics.c), the
 * controller's counters text and the Events rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctl_events.h"
#include "ctl_metrics.h"
#include "metrics.h"

static char *text(struct jbuf *b)
{
	jbuf__ch(b, 0);
	assert_false(b->oom);
	return b->p;
}

static void test_samples(void **state)
{
	struct jbuf b = { 0 };

	prom__family(&b, "x_total", "counter", "Things.");
	prom__u64(&b, "x_total", (const char *const[]){ "a", "q\"b\\\n", "c", "", NULL }, 7);
	prom__u64(&b, "x_total", NULL, 0);
	prom__f64(&b, "t_seconds", NULL, 1796649451.0);
	prom__f64(&b, "r", NULL, 0.25);
	assert_string_equal(text(&b), "# HELP x_total Things.\n# TYPE x_total counter\n"
				      "x_total{a=\"q\\\"b\\\\\\n\",c=\"\"} 7\nx_total 0\n"
				      "t_seconds 1796649451\nr 0.25\n");
	jbuf__free(&b);
}

static void test_histogram(void **state)
{
	static const double le[] = { 0.1, 1, 10 };
	struct prom_hist h = { .le = le, .n = 3 };
	struct jbuf b = { 0 };

	prom_hist__observe(&h, 0.05);
	prom_hist__observe(&h, 0.1); /* le is inclusive */
	prom_hist__observe(&h, 5);
	prom_hist__observe(&h, 50);
	prom__hist(&b, "d_seconds", "D.", &h);
	assert_string_equal(text(&b), "# HELP d_seconds D.\n# TYPE d_seconds histogram\n"
				      "d_seconds_bucket{le=\"0.1\"} 2\n"
				      "d_seconds_bucket{le=\"1\"} 2\n"
				      "d_seconds_bucket{le=\"10\"} 3\n"
				      "d_seconds_bucket{le=\"+Inf\"} 4\n"
				      "d_seconds_sum 55.15\nd_seconds_count 4\n");
	jbuf__free(&b);
}

static void test_api_codes(void **state)
{
	struct ctl_metrics m;
	struct jbuf b = { 0 };
	char *t;

	ctl_metrics__init(&m);
	ctl_metrics__api(&m, "GET", 200);
	ctl_metrics__api(&m, "GET", 403);
	ctl_metrics__api(&m, "PUT", 403);
	ctl_metrics__api(&m, "PATCH", 0);
	ctl_metrics__render(&m, &b);
	t = text(&b);
	assert_non_null(strstr(t, "tpc_controller_api_requests_total{method=\"GET\",code=\"200\"} 1\n"));
	assert_non_null(strstr(t, "tpc_controller_api_errors_total{code=\"403\"} 2\n"));
	assert_non_null(strstr(t, "tpc_controller_api_errors_total{code=\"none\"} 1\n"));
	assert_null(strstr(t, "tpc_controller_api_errors_total{code=\"200\"}"));
	/* known label values are there before anything happened */
	assert_non_null(strstr(t, "tpc_controller_builds_total{result=\"TooLarge\"} 0\n"));
	assert_non_null(strstr(t, "tpc_controller_events_total{result=\"suppressed\"} 0\n"));
	jbuf__free(&b);
	ctl_metrics__fini(&m);
}

static void test_ratelimit(void **state)
{
	struct ctl_ratelimit r = { 0 };
	int n = 0;

	for (int i = 0; i < 10; i++)
		n += ctl_ratelimit__take(&r, 1000 + i, 60000);
	assert_int_equal(n, CTL_EVENT_BURST);
	assert_false(ctl_ratelimit__take(&r, 1000 + 59000, 60000));
	assert_true(ctl_ratelimit__take(&r, 1000 + 61000, 60000)); /* one came back */
	assert_false(ctl_ratelimit__take(&r, 1000 + 62000, 60000));
	/* a long quiet time refills to the burst, not more */
	n = 0;
	for (int i = 0; i < 10; i++)
		n += ctl_ratelimit__take(&r, 1e9 + i, 60000);
	assert_int_equal(n, CTL_EVENT_BURST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_api_codes),
		cmocka_unit_test(test_ratelimit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
