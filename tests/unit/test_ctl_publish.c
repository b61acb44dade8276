/* test_ctl_publish.c - tpc-controller's placement of objects in its
 * ConfigMaps (ctl_pub__plan, no API involved): first fit for new objects,
 * updates in place while they fit, a grown object moving with its old copy
 * kept until the second phase, `keep` (a failed new version) leaving the
 * published copy alone, unwanted keys dropped, NoRoom, and the cleanup of a
 * copy an interrupted move left in two ConfigMaps. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctl_publish.h"

/* base64 text of an object of n bytes (n a multiple of 3), tagged */
static char *b64(size_t n, char tag)
{
	char *s = malloc(n / 3 * 4 + 1);

	memset(s, tag, n / 3 * 4);
	s[n / 3 * 4] = 0;
	return s;
}

struct fx {
	struct ctl_pub p;
	json_t *target[CTL_PUB_SHARDS_MAX];
	char *bufs[16];
	int nbufs;
};

static struct fx *fx_new(unsigned shards, size_t budget)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_int_equal(ctl_pub__init(&f->p, NULL, "ns", "obj", shards, budget), 0);
	f->p.loaded = true;
	return f;
}

static const char *fx_b64(struct fx *f, size_t n, char tag)
{
	return f->bufs[f->nbufs++] = b64(n, tag);
}

static void publish_as(struct fx *f, unsigned shard, const char *key, size_t n, char tag)
{
	json_object_set_new(f->p.shards[shard].data, key, json_string(fx_b64(f, n, tag)));
	f->p.shards[shard].exists = true;
}

static void fx_free(struct fx *f)
{
	for (unsigned i = 0; i < CTL_PUB_SHARDS_MAX; i++)
		json_decref(f->target[i]);
	for (int i = 0; i < f->nbufs; i++)
		free(f->bufs[i]);
	ctl_pub__fini(&f->p);
	free(f);
}

static bool holds(struct fx *f, unsigned shard, const char *key, char tag)
{
	const char *v = json_string_value(json_object_get(f->target[shard], key));

	return v && v[0] == tag;
}

static void test_first_fit(void **state)
{
	struct fx *f = fx_new(3, 100);
	struct ctl_pub_want w[] = {
		{ .key = "a", .b64 = fx_b64(f, 60, 'a'), .len = 60 },
		{ .key = "b", .b64 = fx_b64(f, 60, 'b'), .len = 60 },
		{ .key = "c", .b64 = fx_b64(f, 30, 'c'), .len = 30 },
	};

	(void)state;
	assert_int_equal(ctl_pub__plan(&f->p, w, 3, f->target), 0);
	assert_int_equal(w[0].shard, 0);
	assert_int_equal(w[1].shard, 1);
	assert_int_equal(w[2].shard, 0); /* 60 + 30 fit in the first */
	assert_true(holds(f, 0, "a", 'a') && holds(f, 0, "c", 'c') && holds(f, 1, "b", 'b'));
	assert_int_equal(json_object_size(f->target[2]), 0);
	for (int i = 0; i < 3; i++) {
		assert_false(w[i].moved);
		assert_int_equal(w[i].err, 0);
	}
	fx_free(f);
}

static void test_update_in_place_and_move(void **state)
{
	struct fx *f = fx_new(2, 100);
	struct ctl_pub_want w[] = {
		{ .key = "a", .len = 81 }, /* grew from 60: 81 + 30 > 100 */
		{ .key = "c", .len = 33 }, /* grew from 30, still fits with the rest */
	};

	(void)state;
	publish_as(f, 0, "a", 60, 'o');
	publish_as(f, 0, "c", 30, 'o');
	w[0].b64 = fx_b64(f, 81, 'A');
	w[1].b64 = fx_b64(f, 33, 'C');
	assert_int_equal(ctl_pub__plan(&f->p, w, 2, f->target), 0);
	/* c is updated where it is */
	assert_int_equal(w[1].shard, 0);
	assert_false(w[1].moved);
	assert_true(holds(f, 0, "c", 'C'));
	/* a moves to shard 1; its old copy stays in shard 0 for phase 1 */
	assert_int_equal(w[0].shard, 1);
	assert_int_equal(w[0].old, 0);
	assert_true(w[0].moved);
	assert_true(holds(f, 1, "a", 'A'));
	assert_true(holds(f, 0, "a", 'o'));
	fx_free(f);
}

static void test_keep_and_drop(void **state)
{
	struct fx *f = fx_new(2, 100);
	struct ctl_pub_want w[] = {
		{ .key = "failed", .keep = true },	/* new version did not compile */
		{ .key = "never-built", .keep = true }, /* nothing published yet */
	};

	(void)state;
	publish_as(f, 1, "failed", 30, 'o');
	publish_as(f, 1, "deleted", 30, 'd'); /* its policy is gone */
	assert_int_equal(ctl_pub__plan(&f->p, w, 2, f->target), 0);
	assert_true(holds(f, 1, "failed", 'o'));
	assert_int_equal(w[0].shard, 1);
	assert_int_equal(w[1].shard, -1);
	assert_null(json_object_get(f->target[1], "deleted"));
	assert_null(json_object_get(f->target[0], "never-built"));
	assert_null(json_object_get(f->target[1], "never-built"));
	fx_free(f);
}

static void test_no_room(void **state)
{
	struct fx *f = fx_new(1, 100);
	struct ctl_pub_want w[] = {
		{ .key = "x", .keep = true },
		{ .key = "y", .len = 21 },
		{ .key = "z", .len = 99 }, /* grew from 6: no room even in place */
	};

	(void)state;
	publish_as(f, 0, "x", 90, 'x');
	publish_as(f, 0, "z", 6, 'o');
	w[1].b64 = fx_b64(f, 21, 'y');
	w[2].b64 = fx_b64(f, 99, 'z');
	assert_int_equal(ctl_pub__plan(&f->p, w, 3, f->target), 0);
	assert_int_equal(w[1].err, -ENOSPC);
	assert_int_equal(w[1].shard, -1);
	assert_null(json_object_get(f->target[0], "y"));
	/* z keeps its old copy where it was */
	assert_int_equal(w[2].err, -ENOSPC);
	assert_int_equal(w[2].shard, 0);
	assert_true(holds(f, 0, "z", 'o'));
	fx_free(f);
}

static void test_duplicate_cleaned(void **state)
{
	struct fx *f = fx_new(3, 100);
	struct ctl_pub_want w[] = { { .key = "a", .keep = true } };

	(void)state;
	publish_as(f, 0, "a", 30, 'n');
	publish_as(f, 2, "a", 30, 'o');
	assert_int_equal(ctl_pub__where(&f->p, "a"), 0);
	assert_int_equal(ctl_pub__plan(&f->p, w, 1, f->target), 0);
	assert_true(holds(f, 0, "a", 'n'));
	assert_null(json_object_get(f->target[2], "a"));
	fx_free(f);
}

static void test_init_limits(void **state)
{
	struct ctl_pub p;

	(void)state;
	assert_int_equal(ctl_pub__init(&p, NULL, "ns", "x", 0, 100), -EINVAL);
	assert_int_equal(ctl_pub__init(&p, NULL, "ns", "x", CTL_PUB_SHARDS_MAX + 1, 100), -EINVAL);
	assert_int_equal(ctl_pub__init(&p, NULL, "ns", "x", 1, CTL_PUB_LIMIT + 1), -EINVAL);
	assert_int_equal(ctl_pub__init(&p, NULL, "ns", "x", 2, 100), 0);
	assert_string_equal(p.shards[1].name, "x-1");
	ctl_pub__fini(&p);
	ctl_pub__fini(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_fit),
		cmocka_unit_test(test_update_in_place_and_move),
		cmocka_unit_test(test_keep_and_drop),
		cmocka_unit_test(test_no_room),
		cmocka_unit_test(test_duplicate_cleaned),
		cmocka_unit_test(test_init_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
