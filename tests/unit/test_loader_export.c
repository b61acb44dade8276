/* test_loader_export.c - export file rotation and the Prometheus text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "export/ldr_export.h"
#include "export/ldr_metrics.h"

static off_t fsize(const char *p)
{
	struct stat st;

	return stat(p, &st) ? -1 : st.st_size;
}

static void test_rotation(void **state)
{
	char dir[] = "/tmp/tpc-export-XXXXXX", path[256], p1[300], p2[300], p3[300];
	char line[100];
	struct ldr_out o;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ev.log", dir);
	snprintf(p1, sizeof(p1), "%s.1", path);
	snprintf(p2, sizeof(p2), "%s.2", path);
	snprintf(p3, sizeof(p3), "%s.3", path);
	ldr_out__init(&o, NULL);
	assert_int_equal(ldr_out__open_file(&o, path, 1000, 2), 0);
	memset(line, 'x', sizeof(line));
	for (int i = 0; i < 35; i++) { /* 35 * 100 bytes: 3.5 files of 1000 */
		ldr_out__line(&o, line, sizeof(line) - 1);
		ldr_out__flush(&o);
	}
	ldr_out__close(&o);
	assert_true(fsize(path) > 0 && fsize(path) <= 1000);
	assert_int_equal(fsize(p1), 1000);
	assert_int_equal(fsize(p2), 1000);
	assert_int_equal(fsize(p3), -1);
	assert_int_equal(o.rotations, 3);
	unlink(path);
	unlink(p1);
	unlink(p2);
	rmdir(dir);
}

static void collect(void *ctx, struct jbuf *b)
{
	jbuf__cstr(b, "extra_metric 1\n");
}

static void test_metrics_text(void **state)
{
	struct ldr_metrics *m = ldr_metrics__new(collect, NULL);
	struct ldr_ctr *c = ldr_metrics__ctr(m, "process_kprobe", "a\"b\\c\nd", "KPROBE_ACTION_POST");
	struct jbuf b = { 0 };

	assert_ptr_equal(c, ldr_metrics__ctr(m, "process_kprobe", "a\"b\\c\nd", "KPROBE_ACTION_POST"));
	ldr_ctr__inc(c);
	ldr_ctr__inc(c);
	ldr_metrics__add(m, LDR_G_LOAD_ERRORS, 3);
	ldr_metrics__render(m, &b);
	jbuf__ch(&b, 0);
	assert_non_null(strstr(b.p, "tpc_events_total{type=\"process_kprobe\",policy=\"a\\\"b\\\\c\\nd\","
				    "action=\"KPROBE_ACTION_POST\"} 2\n"));
	assert_non_null(strstr(b.p, "\ntpc_policy_load_errors_total 3\n"));
	assert_non_null(strstr(b.p, "# TYPE tpc_events_total counter\n"));
	assert_non_null(strstr(b.p, "extra_metric 1\n"));
	assert_int_equal(ldr_metrics__serve(m, "nohostport"), -22);
	assert_int_equal(ldr_metrics__serve(m, "127.0.0.1:0"), -22);
	jbuf__free(&b);
	ldr_metrics__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_metrics_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
