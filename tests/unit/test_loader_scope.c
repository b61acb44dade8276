/* test_loader_scope.c - workload scope: the cgroup_scope metadata as the
 * loader parses it (good and hostile), and selector evaluation against
 * pods as the store holds them: matchLabels, In/NotIn/Exists/DoesNotExist,
 * the namespace key, namespaced policies, container name and image repo. */
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

#include "core/ldr_meta.h"
#include "k8s/ldr_pods.h"
#include "k8s/ldr_scope.h"

#define HEAD                                                                                  \
	"{\"tpc_meta_version\":1,\"abi_version\":1,\"tpc_version\":\"0.1.0\","                  \
	"\"policies\":[{\"id\":0,\"name\":\"p\",\"namespace\":\"\",\"kind\":\"TracingPolicy\","  \
	"\"mode\":\"enforce\"}],\"hooks\":[],\"rules\":[],"                                      \
	"\"programs\":[{\"name\":\"x\",\"attach\":\"tp_btf\",\"target\":\"sched_process_exec\","  \
	"\"group\":\"\",\"prio\":0}],"
#define MAP(scope)                                                                            \
	HEAD "\"maps\":[{\"name\":\"tpc_scope0\",\"purpose\":\"s\",\"fill\":{\"kind\":"           \
	     "\"cgroup_scope\",\"key_size\":8,\"value\":1,\"values\":[],\"scope\":" scope "}}],"  \
	     "\"features\":[]}"

static struct ldr_meta *parse(const char *s, char *err)
{
	return ldr_meta__parse(s, strlen(s), err, 256);
}

static const struct ldr_meta_scope *scope_of(struct ldr_meta *m)
{
	assert_non_null(m);
	assert_int_equal(m->nmaps, 1);
	assert_int_equal(m->maps[0].fill, LDR_FILL_CGROUP_SCOPE);
	assert_non_null(m->maps[0].scope);
	return m->maps[0].scope;
}

static struct ldr_pod *pod(const char *ns, const char *labels, const char *statuses)
{
	char js[2048];
	json_t *o;
	unsigned dropped = 0;
	int err = 0;
	struct ldr_pod *p;

	snprintf(js, sizeof(js),
		 "{\"metadata\":{\"name\":\"n\",\"namespace\":\"%s\",\"uid\":"
		 "\"0e4f7a6b-1c2d-4e5f-8a9b-0c1d2e3f4a5b\",\"labels\":%s},"
		 "\"status\":{\"containerStatuses\":%s}}",
		 ns, labels, statuses);
	o = json_loads(js, 0, NULL);
	assert_non_null(o);
	p = pod__parse(o, &dropped, &err);
	json_decref(o);
	assert_non_null(p);
	return p;
}

static void test_meta_pod_level(void **state)
{
	char err[256] = "";
	struct ldr_meta *m = parse(
		MAP("{\"policy\":0,\"index\":0,\"namespace\":\"\",\"level\":\"pod\",\"pods\":{\"match_labels\":"
		    "{\"app\":\"web\"},\"match_expressions\":[{\"key\":\"tier\",\"operator\":"
		    "\"NotIn\",\"values\":[\"canary\",\"test\"]},{\"key\":\"debug\",\"operator\":"
		    "\"DoesNotExist\",\"values\":[]}]},\"containers\":null}"),
		err);
	const struct ldr_meta_scope *s;

	(void)state;
	if (!m)
		fail_msg("%s", err);
	s = scope_of(m);
	assert_false(s->container_level);
	assert_true(s->pods.present);
	assert_false(s->containers.present);
	assert_int_equal(s->pods.nreqs, 3);
	assert_string_equal(s->pods.reqs[0].key, "app");
	assert_int_equal(s->pods.reqs[0].op, LDR_SEL_IN);
	assert_int_equal(s->pods.reqs[0].nvalues, 1);
	assert_int_equal(s->pods.reqs[1].op, LDR_SEL_NOT_IN);
	assert_int_equal(s->pods.reqs[1].nvalues, 2);
	assert_int_equal(s->pods.reqs[2].op, LDR_SEL_NOT_EXISTS);
	ldr_meta__free(m);
}

static void test_meta_refused(void **state)
{
	static const struct {
		const char *json, *why;
	} bad[] = {
		{ MAP("{\"policy\":1,\"index\":0,\"level\":\"pod\",\"pods\":null,\"containers\":null}"),
		  "out of range" },
		{ MAP("{\"policy\":0,\"index\":0,\"level\":\"node\",\"pods\":null,\"containers\":null}"),
		  "unknown \"node\"" },
		{ MAP("{\"policy\":0,\"index\":0,\"level\":\"pod\",\"pods\":{\"match_expressions\":[{\"key\":"
		      "\"a\",\"operator\":\"Contains\",\"values\":[\"x\"]}]},\"containers\":null}"),
		  "unknown \"Contains\"" },
		{ MAP("{\"policy\":0,\"index\":0,\"level\":\"pod\",\"pods\":{\"match_expressions\":[{\"key\":"
		      "\"a\",\"operator\":\"In\",\"values\":[]}]},\"containers\":null}"),
		  "In/NotIn need values" },
		{ MAP("{\"policy\":0,\"index\":0,\"level\":\"pod\",\"pods\":{\"match_expressions\":[{\"key\":"
		      "\"a\",\"operator\":\"Exists\",\"values\":[\"x\"]}]},\"containers\":null}"),
		  "Exists/DoesNotExist take none" },
		{ MAP("{\"policy\":0,\"index\":0,\"level\":\"pod\",\"pods\":{\"match_labels\":{\"a\":1}},"
		      "\"containers\":null}"),
		  "values must be strings" },
		{ MAP("{\"policy\":0,\"index\":0,\"level\":\"pod\",\"pods\":null,\"containers\":"
		      "{\"match_labels\":{\"name\":\"c\"}}}"),
		  "\"container\" exactly when" },
		{ MAP("7"), "expected an object" },
		{ HEAD "\"maps\":[{\"name\":\"s\",\"fill\":{\"kind\":\"cgroup_scope\",\"key_size\":"
		       "16,\"values\":[],\"scope\":{}}}],\"features\":[]}",
		  "key_size 8 and no values" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "";
		struct ldr_meta *m = parse(bad[i].json, err);

		if (m || !strstr(err, bad[i].why))
			fail_msg("case %zu: want an error with '%s', got '%s'", i, bad[i].why,
				 m ? "(accepted)" : err);
	}
}

#define STATUSES                                                                              \
	"[{\"name\":\"nginx\",\"image\":\"docker.io/library/nginx:1.25\",\"containerID\":"      \
	"\"containerd://551e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3\"},"  \
	"{\"name\":\"proxy\",\"image\":\"registry.local:5000/mesh/proxy@sha256:ab\","           \
	"\"containerID\":"                                                                      \
	"\"containerd://9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b\"}]"

static void test_pod_matching(void **state)
{
	char err[256] = "";
	struct ldr_meta *m = parse(
		MAP("{\"policy\":0,\"index\":0,\"namespace\":\"\",\"level\":\"pod\",\"pods\":{\"match_labels\":"
		    "{\"app\":\"web\"},\"match_expressions\":[{\"key\":\"tier\",\"operator\":"
		    "\"NotIn\",\"values\":[\"canary\"]},{\"key\":\"team\",\"operator\":\"Exists\","
		    "\"values\":[]},{\"key\":\"k8s:io.kubernetes.pod.namespace\",\"operator\":"
		    "\"In\",\"values\":[\"shop\",\"prod\"]}]},\"containers\":null}"),
		err);
	const struct ldr_meta_scope *s = scope_of(m);
	struct ldr_pod *web = pod("shop", "{\"app\":\"web\",\"team\":\"a\"}", "[]");
	struct ldr_pod *canary = pod("shop", "{\"app\":\"web\",\"team\":\"a\",\"tier\":\"canary\"}",
				     "[]");
	struct ldr_pod *noteam = pod("shop", "{\"app\":\"web\"}", "[]");
	struct ldr_pod *other_ns = pod("dev", "{\"app\":\"web\",\"team\":\"a\"}", "[]");
	struct ldr_pod *db = pod("shop", "{\"app\":\"db\",\"team\":\"a\"}", "[]");

	(void)state;
	assert_true(ldr_scope__pod_matches(s, web));	    /* NotIn holds when absent */
	assert_false(ldr_scope__pod_matches(s, canary));
	assert_false(ldr_scope__pod_matches(s, noteam));   /* Exists */
	assert_false(ldr_scope__pod_matches(s, other_ns)); /* the namespace key */
	assert_false(ldr_scope__pod_matches(s, db));	    /* matchLabels */
	pod__put(web);
	pod__put(canary);
	pod__put(noteam);
	pod__put(other_ns);
	pod__put(db);
	ldr_meta__free(m);
}

static void test_namespaced_and_empty(void **state)
{
	char err[256] = "";
	struct ldr_meta *m =
		parse(MAP("{\"policy\":0,\"index\":0,\"namespace\":\"shop\",\"level\":\"pod\",\"pods\":null,"
			  "\"containers\":null}"),
		      err);
	struct ldr_meta *all = parse(MAP("{\"policy\":0,\"index\":0,\"namespace\":\"\",\"level\":\"pod\","
					 "\"pods\":{\"match_labels\":{},\"match_expressions\":[]},"
					 "\"containers\":null}"),
				     err);
	struct ldr_pod *shop = pod("shop", "{}", "[]"), *dev = pod("dev", "{\"app\":\"x\"}", "[]");

	(void)state;
	assert_true(ldr_scope__pod_matches(scope_of(m), shop));
	assert_false(ldr_scope__pod_matches(scope_of(m), dev));
	/* podSelector: {} selects every pod */
	assert_true(ldr_scope__pod_matches(scope_of(all), shop));
	assert_true(ldr_scope__pod_matches(scope_of(all), dev));
	pod__put(shop);
	pod__put(dev);
	ldr_meta__free(m);
	ldr_meta__free(all);
}

static void test_container_matching(void **state)
{
	char err[256] = "";
	struct ldr_meta *byname = parse(
		MAP("{\"policy\":0,\"index\":0,\"level\":\"container\",\"pods\":null,\"containers\":"
		    "{\"match_labels\":{\"name\":\"nginx\"},\"match_expressions\":[]}}"),
		err);
	struct ldr_meta *byrepo = parse(
		MAP("{\"policy\":0,\"index\":0,\"level\":\"container\",\"pods\":null,\"containers\":"
		    "{\"match_labels\":{},\"match_expressions\":[{\"key\":\"repo\",\"operator\":"
		    "\"In\",\"values\":[\"registry.local:5000/mesh/proxy\"]}]}}"),
		err);
	struct ldr_pod *p = pod("shop", "{}", STATUSES);

	(void)state;
	assert_int_equal(p->ncontainers, 2);
	assert_true(scope_of(byname)->container_level);
	assert_true(ldr_scope__container_matches(scope_of(byname), &p->containers[0]));
	assert_false(ldr_scope__container_matches(scope_of(byname), &p->containers[1]));
	assert_false(ldr_scope__container_matches(scope_of(byrepo), &p->containers[0]));
	assert_true(ldr_scope__container_matches(scope_of(byrepo), &p->containers[1]));
	pod__put(p);
	ldr_meta__free(byname);
	ldr_meta__free(byrepo);
}

static void test_image_repo(void **state)
{
	static const char *const cases[][2] = {
		{ "docker.io/library/nginx:1.25", "docker.io/library/nginx" },
		{ "nginx", "nginx" },
		{ "registry.local:5000/mesh/proxy", "registry.local:5000/mesh/proxy" },
		{ "registry.local:5000/mesh/proxy:v2", "registry.local:5000/mesh/proxy" },
		{ "quay.io/a/b@sha256:0123", "quay.io/a/b" },
		{ "quay.io/a/b:1@sha256:0123", "quay.io/a/b" },
		{ "", "" },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ldr_image__repo(cases[i][0], out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
	}
	ldr_image__repo("averyveryverylongregistryname.example.com/x:1", out, 8);
	assert_int_equal(strlen(out), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meta_pod_level),
		cmocka_unit_test(test_meta_refused),
		cmocka_unit_test(test_pod_matching),
		cmocka_unit_test(test_namespaced_and_empty),
		cmocka_unit_test(test_container_matching),
		cmocka_unit_test(test_image_repo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
