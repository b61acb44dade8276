/* test_diag_merge.c - diagnostics of runs against several kernels
 * (diag_sink__merge): one problem reported once, tagged with the kernels
 * that have it; kernel-independent ones untagged; notes stay with their
 * head; order follows the runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/diag.h"

struct fx {
	struct srcmap *m;
	uint32_t file;
	struct diag_sink *out, *base, *k[3];
};

static const char *const labels[] = { "5.10", "6.1", "6.12" };

static int setup(void **st)
{
	static const char text[] = "spec:\n  kprobes:\n  - call: kfree_skb_reason\n";
	struct fx *f = calloc(1, sizeof(*f));

	f->m = srcmap__new();
	f->file = srcmap__add(f->m, "p.yaml", text, sizeof(text) - 1);
	f->out = diag_sink__new(f->m);
	f->base = diag_sink__new_like(f->out);
	for (int i = 0; i < 3; i++)
		f->k[i] = diag_sink__new_like(f->out);
	*st = f;
	return 0;
}

static int teardown(void **st)
{
	struct fx *f = *st;

	for (int i = 0; i < 3; i++)
		diag_sink__free(f->k[i]);
	diag_sink__free(f->base);
	diag_sink__free(f->out);
	srcmap__free(f->m);
	free(f);
	return 0;
}

static struct span at(struct fx *f, uint32_t start, uint32_t end)
{
	return (struct span){ f->file, start, end };
}

static const struct diag *get(struct fx *f, size_t i)
{
	const struct diag *g = diag_sink__get(f->out, i);

	assert_non_null(g);
	return g;
}

static void t_common_untagged(void **st)
{
	struct fx *f = *st;

	diag__error(f->base, at(f, 0, 4), "unsupported", "'x' is not supported");
	for (int i = 0; i < 3; i++)
		diag__error(f->k[i], at(f, 0, 4), "unsupported", "'x' is not supported");
	assert_int_equal(diag_sink__merge(f->out, f->k, labels, 3, f->base), 0);
	assert_int_equal(diag_sink__count(f->out), 1);
	assert_string_equal(get(f, 0)->msg, "'x' is not supported");
	assert_null(get(f, 0)->kernels);
	assert_int_equal(diag_sink__errors(f->out), 1);
}

static void t_some_kernels_tagged(void **st)
{
	struct fx *f = *st;

	/* 5.10 and 6.12 lack the function, 6.1 has it */
	diag__error(f->k[0], at(f, 30, 46), "call-not-found", "kernel function 'k' does not exist");
	diag__error(f->k[2], at(f, 30, 46), "call-not-found", "kernel function 'k' does not exist");
	assert_int_equal(diag_sink__merge(f->out, f->k, labels, 3, f->base), 0);
	assert_int_equal(diag_sink__count(f->out), 1);
	assert_string_equal(get(f, 0)->msg, "[5.10, 6.12] kernel function 'k' does not exist");
	assert_string_equal(get(f, 0)->kernels, "5.10, 6.12");
	assert_string_equal(get(f, 0)->code, "call-not-found");
}

static void t_all_kernels_not_baseline_tagged(void **st)
{
	struct fx *f = *st;

	/* every kernel lacks it, but it is still about the kernels */
	for (int i = 0; i < 3; i++)
		diag__error(f->k[i], at(f, 30, 46), NULL, "no such function");
	assert_int_equal(diag_sink__merge(f->out, f->k, labels, 3, f->base), 0);
	assert_string_equal(get(f, 0)->msg, "[5.10, 6.1, 6.12] no such function");
}

static void t_different_text_separate(void **st)
{
	struct fx *f = *st;

	/* the suggestion differs per kernel: two diagnostics */
	diag__error(f->k[0], at(f, 30, 46), NULL, "no 'k'; did you mean 'a'?");
	diag__error(f->k[1], at(f, 30, 46), NULL, "no 'k'; did you mean 'b'?");
	diag__error(f->k[2], at(f, 30, 46), NULL, "no 'k'; did you mean 'b'?");
	assert_int_equal(diag_sink__merge(f->out, f->k, labels, 3, f->base), 0);
	assert_int_equal(diag_sink__count(f->out), 2);
	assert_string_equal(get(f, 0)->msg, "[5.10] no 'k'; did you mean 'a'?");
	assert_string_equal(get(f, 1)->msg, "[6.1, 6.12] no 'k'; did you mean 'b'?");
	assert_int_equal(diag_sink__errors(f->out), 2);
}

static void t_notes_follow_head(void **st)
{
	struct fx *f = *st;

	diag__warning(f->k[1], at(f, 0, 4), "w", "a warning");
	diag__note(f->k[1], at(f, 6, 10), "its note");
	diag__warning(f->k[2], at(f, 0, 4), "w", "a warning");
	diag__note(f->k[2], at(f, 6, 10), "its note");
	/* same head, different note: another unit */
	diag__warning(f->k[0], at(f, 0, 4), "w", "a warning");
	diag__note(f->k[0], at(f, 6, 10), "another note");
	assert_int_equal(diag_sink__merge(f->out, f->k, labels, 3, f->base), 0);
	assert_int_equal(diag_sink__count(f->out), 4);
	assert_string_equal(get(f, 0)->msg, "[5.10] a warning");
	assert_string_equal(get(f, 1)->msg, "another note");
	assert_null(get(f, 1)->kernels);
	assert_string_equal(get(f, 2)->msg, "[6.1, 6.12] a warning");
	assert_string_equal(get(f, 3)->msg, "its note");
	assert_int_equal(diag_sink__warnings(f->out), 2);
}

static void t_order_interleaves(void **st)
{
	struct fx *f = *st;

	/* A (all), B (6.1 only), C (all): B lands between A and C */
	for (int i = 0; i < 3; i++) {
		diag__error(f->base, at(f, 0, 1), NULL, "A");
		diag__error(f->k[i], at(f, 0, 1), NULL, "A");
		if (i == 1)
			diag__error(f->k[i], at(f, 5, 6), NULL, "B");
		diag__error(f->k[i], at(f, 9, 10), NULL, "C");
	}
	diag__error(f->base, at(f, 9, 10), NULL, "C");
	assert_int_equal(diag_sink__merge(f->out, f->k, labels, 3, f->base), 0);
	assert_int_equal(diag_sink__count(f->out), 3);
	assert_string_equal(get(f, 0)->msg, "A");
	assert_string_equal(get(f, 1)->msg, "[6.1] B");
	assert_string_equal(get(f, 2)->msg, "C");
}

static void t_render_json_kernels(void **st)
{
	struct fx *f = *st;
	char *buf = NULL;
	size_t len = 0;
	FILE *o;

	diag__error(f->k[0], at(f, 30, 46), NULL, "missing");
	assert_int_equal(diag_sink__merge(f->out, f->k, labels, 3, f->base), 0);
	o = open_memstream(&buf, &len);
	assert_int_equal(diag__render(f->out, DIAG_FMT_JSON, o), 0);
	fclose(o);
	assert_non_null(strstr(buf, "\"kernels\": [\n        \"5.10\"\n      ]"));
	free(buf);
}

static void t_bad_count(void **st)
{
	struct fx *f = *st;

	assert_int_equal(diag_sink__merge(f->out, f->k, labels, 0, f->base), -EINVAL);
	assert_int_equal(diag_sink__merge(f->out, f->k, labels, 33, f->base), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_common_untagged, setup, teardown),
		cmocka_unit_test_setup_teardown(t_some_kernels_tagged, setup, teardown),
		cmocka_unit_test_setup_teardown(t_all_kernels_not_baseline_tagged, setup, teardown),
		cmocka_unit_test_setup_teardown(t_different_text_separate, setup, teardown),
		cmocka_unit_test_setup_teardown(t_notes_follow_head, setup, teardown),
		cmocka_unit_test_setup_teardown(t_order_interleaves, setup, teardown),
		cmocka_unit_test_setup_teardown(t_render_json_kernels, setup, teardown),
		cmocka_unit_test_setup_teardown(t_bad_count, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
