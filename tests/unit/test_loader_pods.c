/* test_loader_pods.c - the pod store: Pod JSON as the API server sends it
 * (ownerReferences -> workload, container statuses), missing fields,
 * hostile and oversized input, lookups, replace (relist) and subscribers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "k8s/ldr_pods.h"

#define CID "551e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3"
#define CID2 "9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"

#define POD(uid, rv, labels, owners, statuses)                                                 \
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-7d4b9c8f6d-x2x9q\"," \
	"\"namespace\":\"shop\",\"uid\":\"" uid "\",\"resourceVersion\":\"" rv "\","         \
	"\"labels\":" labels ",\"ownerReferences\":" owners "},\"spec\":{\"nodeName\":\"n1\"}," \
	"\"status\":{\"phase\":\"Running\",\"containerStatuses\":" statuses "}}"

#define RS_OWNER                                                                              \
	"[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"web-7d4b9c8f6d\","    \
	"\"uid\":\"u\",\"controller\":true,\"blockOwnerDeletion\":true}]"
#define STATUS1                                                                               \
	"[{\"name\":\"nginx\",\"image\":\"docker.io/library/nginx:1.25\",\"imageID\":"         \
	"\"docker.io/library/nginx@sha256:aa\",\"containerID\":\"containerd://" CID "\","      \
	"\"ready\":true,\"restartCount\":0,\"state\":{\"running\":{\"startedAt\":"             \
	"\"2026-11-30T10:00:01Z\"}}}]"
#define UID1 "0e4f7a6b-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
#define UID2 "11111111-2222-3333-4444-555555555555"

static void test_parse_full(void **state)
{
	const char *js = POD(UID1, "1001", "{\"app\":\"web\",\"pod-template-hash\":\"7d4b9c8f6d\"}",
			     RS_OWNER, STATUS1);
	json_t *o = json_loads(js, 0, NULL);
	unsigned dropped = 0;
	int err = 0;
	struct ldr_pod *p = pod__parse(o, &dropped, &err);

	assert_non_null(p);
	assert_string_equal(p->ns, "shop");
	assert_string_equal(p->name, "web-7d4b9c8f6d-x2x9q");
	assert_string_equal(p->uid, UID1);
	assert_string_equal(p->resource_version, "1001");
	assert_string_equal(p->workload, "web");
	assert_string_equal(p->workload_kind, "Deployment");
	assert_int_equal(p->nlabels, 2);
	assert_string_equal(p->labels[0].k, "app"); /* sorted */
	assert_string_equal(pod__label(p, "app"), "web");
	assert_null(pod__label(p, "nope"));
	assert_int_equal(p->ncontainers, 1);
	assert_string_equal(p->containers[0].id, CID);
	assert_string_equal(p->containers[0].runtime, "containerd");
	assert_string_equal(p->containers[0].name, "nginx");
	assert_string_equal(p->containers[0].image, "docker.io/library/nginx:1.25");
	assert_string_equal(p->containers[0].image_id, "docker.io/library/nginx@sha256:aa");
	assert_string_equal(p->containers[0].start_time, "2026-11-30T10:00:01Z");
	assert_int_equal(dropped, 0);
	pod__put(p);
	json_decref(o);
}

static struct ldr_pod *parse_str(const char *js, int *err)
{
	json_t *o = json_loads(js, 0, NULL);
	unsigned dropped = 0;
	struct ldr_pod *p;

	*err = 0;
	p = pod__parse(o, &dropped, err);
	json_decref(o);
	return p;
}

static void test_workloads(void **state)
{
	static const struct {
		const char *owners, *labels, *workload, *kind;
	} cases[] = {
		{ RS_OWNER, "{}", "web", "Deployment" },
		/* a ReplicaSet whose suffix is not the template hash stays one */
		{ RS_OWNER, "{\"pod-template-hash\":\"other\"}", "web-7d4b9c8f6d", "ReplicaSet" },
		{ "[{\"kind\":\"StatefulSet\",\"name\":\"db\",\"controller\":true}]", "{}", "db",
		  "StatefulSet" },
		{ "[{\"kind\":\"DaemonSet\",\"name\":\"agent\",\"controller\":true}]", "{}", "agent",
		  "DaemonSet" },
		{ "[{\"kind\":\"Job\",\"name\":\"backup-28912345\",\"controller\":true}]", "{}",
		  "backup", "CronJob" },
		{ "[{\"kind\":\"Job\",\"name\":\"migrate\",\"controller\":true}]", "{}", "migrate",
		  "Job" },
		/* the controller reference wins over the first one */
		{ "[{\"kind\":\"Node\",\"name\":\"n1\"},{\"kind\":\"DaemonSet\",\"name\":\"ds\","
		  "\"controller\":true}]",
		  "{}", "ds", "DaemonSet" },
		/* no owner: the pod is its own workload */
		{ "[]", "{}", "web-7d4b9c8f6d-x2x9q", "Pod" },
		{ "null", "null", "web-7d4b9c8f6d-x2x9q", "Pod" },
		{ "[{\"kind\":7,\"name\":[]}]", "{}", "web-7d4b9c8f6d-x2x9q", "Pod" },
	};
	char js[4096];
	int err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ldr_pod *p;

		snprintf(js, sizeof(js),
			 "{\"metadata\":{\"name\":\"web-7d4b9c8f6d-x2x9q\",\"namespace\":\"shop\","
			 "\"uid\":\"" UID1 "\",\"labels\":%s,\"ownerReferences\":%s}}",
			 cases[i].labels, cases[i].owners);
		p = parse_str(js, &err);
		if (!p)
			fail_msg("case %zu: refused (%d)", i, err);
		if (strcmp(p->workload, cases[i].workload) || strcmp(p->workload_kind, cases[i].kind))
			fail_msg("case %zu: %s/%s", i, p->workload_kind, p->workload);
		pod__put(p);
	}
}

static void test_missing_and_hostile(void **state)
{
	int err;
	struct ldr_pod *p;
	char *big;
	size_t n;

	/* required fields */
	assert_null(parse_str("{\"metadata\":{\"name\":\"a\",\"namespace\":\"b\"}}", &err));
	assert_int_equal(err, -EINVAL);
	assert_null(parse_str("{\"metadata\":{\"uid\":\"u\",\"namespace\":\"b\"}}", &err));
	assert_null(parse_str("{\"metadata\":{\"uid\":\"u\",\"name\":\"a\"}}", &err));
	assert_null(parse_str("{\"metadata\":{\"uid\":1,\"name\":\"a\",\"namespace\":\"b\"}}", &err));
	assert_null(parse_str("{\"metadata\":[]}", &err));
	assert_null(parse_str("[]", &err));
	assert_null(parse_str("{}", &err));
	/* everything optional missing: a pod without containers */
	p = parse_str("{\"metadata\":{\"uid\":\"u\",\"name\":\"a\",\"namespace\":\"b\"}}", &err);
	assert_non_null(p);
	assert_int_equal(p->ncontainers, 0);
	assert_int_equal(p->nlabels, 0);
	assert_string_equal(p->resource_version, "");
	pod__put(p);
	/* wrong types inside statuses are ignored field by field */
	p = parse_str("{\"metadata\":{\"uid\":\"u\",\"name\":\"a\",\"namespace\":\"b\",\"labels\":"
		      "{\"x\":1,\"y\":\"ok\"}},\"status\":{\"containerStatuses\":[7,{\"name\":3,"
		      "\"containerID\":\"docker://" CID2 "\",\"state\":{\"waiting\":{}}}]}}",
		      &err);
	assert_non_null(p);
	assert_int_equal(p->nlabels, 1);
	assert_int_equal(p->ncontainers, 1);
	assert_string_equal(p->containers[0].runtime, "docker");
	assert_string_equal(p->containers[0].name, "");
	assert_string_equal(p->containers[0].start_time, "");
	pod__put(p);
	/* an oversized name refuses the pod */
	n = LDR_POD_MAX_STR + 10;
	big = malloc(n + 200);
	n = snprintf(big, n + 200, "{\"metadata\":{\"uid\":\"u\",\"namespace\":\"b\",\"name\":\"");
	memset(big + n, 'a', LDR_POD_MAX_STR + 1);
	strcpy(big + n + LDR_POD_MAX_STR + 1, "\"}}");
	assert_null(parse_str(big, &err));
	assert_int_equal(err, -E2BIG);
	free(big);
	/* an embedded NUL in a string is refused, not truncated */
	assert_null(parse_str("{\"metadata\":{\"uid\":\"u\\u0000x\",\"name\":\"a\",\"namespace\":"
			      "\"b\"}}",
			      &err));
	assert_null(pod__parse(NULL, &(unsigned){ 0 }, &err));
}

static void test_too_many_labels(void **state)
{
	json_t *o = json_pack("{s:{s:s,s:s,s:s}}", "metadata", "uid", "u", "name", "a", "namespace",
			      "b");
	json_t *labels = json_object(), *statuses = json_array();
	unsigned dropped = 0;
	int err;
	struct ldr_pod *p;
	char k[32];

	for (int i = 0; i < LDR_POD_MAX_LABELS + 10; i++) {
		snprintf(k, sizeof(k), "k%04d", i);
		json_object_set_new(labels, k, json_string("v"));
	}
	for (int i = 0; i < LDR_POD_MAX_CONTAINERS + 3; i++)
		json_array_append_new(statuses, json_pack("{s:s}", "containerID", "containerd://" CID));
	json_object_set_new(json_object_get(o, "metadata"), "labels", labels);
	json_object_set_new(o, "status", json_pack("{s:o}", "containerStatuses", statuses));
	p = pod__parse(o, &dropped, &err);
	assert_non_null(p);
	assert_int_equal(p->nlabels, LDR_POD_MAX_LABELS);
	assert_int_equal(p->ncontainers, LDR_POD_MAX_CONTAINERS);
	assert_int_equal(dropped, 13);
	pod__put(p);
	json_decref(o);
}

struct rec {
	int added, modified, deleted;
	char last_app[32];
	struct ldr_pods *s;
	size_t count_in_cb;
};

static void on_change(void *ctx, enum ldr_pod_change what, const struct ldr_pod *old,
		      const struct ldr_pod *new_)
{
	struct rec *r = ctx;
	const char *app;

	if (what == POD_ADDED) {
		assert_null(old);
		r->added++;
	} else if (what == POD_MODIFIED) {
		assert_non_null(old);
		r->modified++;
	} else {
		assert_null(new_);
		r->deleted++;
	}
	app = new_ ? pod__label(new_, "app") : NULL;
	snprintf(r->last_app, sizeof(r->last_app), "%s", app ? app : "");
	/* lookups are allowed inside a callback (no deadlock) */
	r->count_in_cb = pods__count(r->s);
}

static void test_store(void **state)
{
	struct ldr_pods *s = pods__new();
	struct rec r = { .s = s };
	const char *a = POD(UID1, "1", "{\"app\":\"web\"}", RS_OWNER, STATUS1);
	const char *b = POD(UID1, "2", "{\"app\":\"web2\"}", RS_OWNER, STATUS1);
	struct ldr_pod *p, *held;
	size_t ci = 99;
	uint64_t g;

	assert_non_null(s);
	assert_int_equal(pods__upsert_json(s, a, strlen(a)), 0);
	/* a late subscriber is told about the pod already there */
	assert_int_equal(pods__subscribe(s, on_change, &r), 0);
	assert_int_equal(r.added, 1);
	g = pods__generation(s);
	/* lookups: full id, scheme, prefixes, upper case; too short refused */
	p = pods__by_container(s, CID, &ci);
	assert_non_null(p);
	assert_int_equal(ci, 0);
	held = p; /* a reader keeps its snapshot across an update */
	assert_non_null((p = pods__by_container(s, "containerd://" CID, NULL)));
	pod__put(p);
	assert_non_null((p = pods__by_container(s, "551e161c47d8ff0eb665438a7bcd5b4", NULL)));
	pod__put(p);
	assert_non_null((p = pods__by_container(s, "551E161C47D8", NULL)));
	pod__put(p);
	assert_null(pods__by_container(s, "551e161c47d", NULL));
	assert_null(pods__by_container(s, CID2, NULL));
	assert_non_null((p = pods__get(s, UID1)));
	pod__put(p);
	assert_null(pods__get(s, UID2));

	assert_int_equal(pods__upsert_json(s, b, strlen(b)), 0);
	assert_int_equal(r.modified, 1);
	assert_string_equal(r.last_app, "web2");
	assert_true(pods__generation(s) > g);
	assert_string_equal(pod__label(held, "app"), "web"); /* old snapshot intact */
	pod__put(held);
	assert_int_equal(pods__count(s), 1);

	assert_int_equal(pods__upsert_json(s, "{", 1), -EINVAL);
	assert_int_equal(pods__upsert_json(s, "{\"metadata\":{}}", 15), -EINVAL);
	assert_int_equal(pods__delete(s, UID2), -ENOENT);
	assert_int_equal(pods__delete(s, UID1), 0);
	assert_int_equal(r.deleted, 1);
	assert_int_equal(r.count_in_cb, 0);
	assert_int_equal(pods__count(s), 0);
	pods__free(s);
	pods__free(NULL);
}

static void test_replace_list(void **state)
{
	struct ldr_pods *s = pods__new();
	struct rec r = { .s = s };
	char err[256] = "";
	const char *list1 = "{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"metadata\":{"
			    "\"resourceVersion\":\"10\"},\"items\":["
			    POD(UID1, "5", "{\"app\":\"web\"}", RS_OWNER, STATUS1) ","
			    POD(UID2, "6", "{\"app\":\"db\"}", "[]", "[]") ","
			    "{\"metadata\":{\"name\":\"broken\"}}]}";
	const char *list2 = "{\"kind\":\"PodList\",\"items\":["
			    POD(UID2, "7", "{\"app\":\"db\"}", "[]", "[]") "]}";

	pods__subscribe(s, on_change, &r);
	assert_int_equal(pods__replace_list_json(s, list1, strlen(list1), err, sizeof(err)), 2);
	assert_int_equal(r.added, 2);
	assert_true(pods__dropped(s) >= 1); /* the broken item */
	/* a relist drops the pods it no longer names */
	assert_int_equal(pods__replace_list_json(s, list2, strlen(list2), err, sizeof(err)), 1);
	assert_int_equal(r.deleted, 1);
	assert_int_equal(r.modified, 1);
	/* the same list again: the same versions, no notification */
	assert_int_equal(pods__replace_list_json(s, list2, strlen(list2), err, sizeof(err)), 1);
	assert_int_equal(r.modified, 1);
	assert_int_equal(r.added + r.deleted, 3);
	assert_null(pods__get(s, UID1));
	assert_int_equal(pods__count(s), 1);
	assert_int_equal(pods__replace_list_json(s, "[1,2]", 5, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "not a PodList (no items[])");
	assert_int_equal(pods__replace_list_json(s, "{\"items\":", 9, err, sizeof(err)), -EINVAL);
	assert_int_equal(pods__count(s), 1);
	pods__free(s);
}

static int count_cb(void *ctx, const struct ldr_pod *p)
{
	(*(int *)ctx)++;
	return 0;
}

static void test_foreach(void **state)
{
	struct ldr_pods *s = pods__new();
	const char *a = POD(UID1, "1", "{}", "[]", "[]");
	const char *b = POD(UID2, "1", "{}", "[]", "[]");
	int n = 0;

	pods__upsert_json(s, a, strlen(a));
	pods__upsert_json(s, b, strlen(b));
	assert_int_equal(pods__foreach(s, count_cb, &n), 0);
	assert_int_equal(n, 2);
	pods__free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),   cmocka_unit_test(test_workloads),
		cmocka_unit_test(test_missing_and_hostile), cmocka_unit_test(test_too_many_labels),
		cmocka_unit_test(test_store),	     cmocka_unit_test(test_replace_list),
		cmocka_unit_test(test_foreach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
