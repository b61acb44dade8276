/* test_ctl_render.c - tpc-controller's pure parts: the YAML rendering of
 * API objects in kubectl's style (go-yaml v2 rules: key order, quoting of
 * strings that read as other types, literal blocks, sequences not
 * indented, empty collections), the compile source (status dropped,
 * volatile metadata as empty lines, every other line where kubectl shows
 * it), the ConfigMap key of a policy and base64 sizes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctl.h"
#include "ctl_publish.h"
#include "ctl_render.h"

static void test_key_order(void **state)
{
	(void)state;
	/* digit runs as numbers, non-letters before letters */
	assert_true(ctl_render__key_cmp("a2", "a10") < 0);
	assert_true(ctl_render__key_cmp("a.b", "ab") < 0);
	assert_true(ctl_render__key_cmp("a_b", "aB") < 0); /* strcmp says the opposite */
	assert_true(ctl_render__key_cmp("apiVersion", "kind") < 0);
	assert_true(ctl_render__key_cmp("kind", "metadata") < 0);
	assert_true(ctl_render__key_cmp("spec", "status") < 0);
	assert_true(ctl_render__key_cmp("matchArgs", "matchActions") > 0);
	assert_int_equal(ctl_render__key_cmp("x", "x"), 0);
	assert_true(ctl_render__key_cmp("x", "xy") < 0);
}

static char *render(const char *json, enum ctl_render_mode mode)
{
	json_error_t e;
	json_t *o = json_loads(json, 0, &e);
	char *out = NULL;
	size_t len = 0;

	assert_non_null(o);
	assert_int_equal(ctl_render__yaml(o, mode, &out, &len), 0);
	assert_int_equal(strlen(out), len);
	json_decref(o);
	return out;
}

static void test_kubectl_style(void **state)
{
	char *y;

	(void)state;
	y = render("{\"spec\": {\"kprobes\": [{\"call\": \"sys_openat\", \"syscall\": true, "
		   "\"args\": [{\"index\": 1, \"type\": \"string\"}], \"selectors\": [{\"matchArgs\": "
		   "[{\"index\": 1, \"operator\": \"Equal\", \"values\": [\"/etc/shadow\", \"0\", "
		   "\"true\", \"yes\", \"1.5\", \"2026-12-01\", \"a: b\", \"\", \"null\", \"0x1f\", "
		   "\"1:30\", \"- x\"]}]}]}], \"empty\": {}, \"none\": [], \"ratio\": 0.25, "
		   "\"nothing\": null}, \"kind\": \"TracingPolicy\", \"apiVersion\": \"cilium.io/v1alpha1\", "
		   "\"metadata\": {\"name\": \"p\", \"annotations\": {\"note\": \"one\\ntwo\\n\"}, "
		   "\"managedFields\": [{\"manager\": \"kubectl\"}]}}",
		   CTL_RENDER_KUBECTL);
	assert_string_equal(y, "apiVersion: cilium.io/v1alpha1\n"
			       "kind: TracingPolicy\n"
			       "metadata:\n"
			       "  annotations:\n"
			       "    note: |\n"
			       "      one\n"
			       "      two\n"
			       "  name: p\n"
			       "spec:\n"
			       "  empty: {}\n"
			       "  kprobes:\n"
			       "  - args:\n"
			       "    - index: 1\n"
			       "      type: string\n"
			       "    call: sys_openat\n"
			       "    selectors:\n"
			       "    - matchArgs:\n"
			       "      - index: 1\n"
			       "        operator: Equal\n"
			       "        values:\n"
			       "        - /etc/shadow\n"
			       "        - \"0\"\n"
			       "        - \"true\"\n"
			       "        - \"yes\"\n"
			       "        - \"1.5\"\n"
			       "        - \"2026-12-01\"\n"
			       "        - 'a: b'\n"
			       "        - \"\"\n"
			       "        - \"null\"\n"
			       "        - \"0x1f\"\n"
			       "        - \"1:30\"\n"
			       "        - '- x'\n"
			       "    syscall: true\n"
			       "  none: []\n"
			       "  nothing: null\n"
			       "  ratio: 0.25\n");
	free(y);
}

static void test_source_lines(void **state)
{
	const char *obj = "{\"apiVersion\": \"cilium.io/v1alpha1\", \"kind\": \"TracingPolicy\", "
			  "\"metadata\": {\"name\": \"p\", \"uid\": \"0b1c\", \"generation\": 3, "
			  "\"resourceVersion\": \"4711\", \"creationTimestamp\": \"2026-12-07T01:00:00Z\", "
			  "\"labels\": {\"team\": \"sec\"}}, \"spec\": {\"kprobes\": [{\"call\": \"x\"}]}, "
			  "\"status\": {\"observedGeneration\": 3}}";
	char *view, *src, *a, *b;
	size_t lines_v = 0, lines_s = 0;

	(void)state;
	view = render(obj, CTL_RENDER_KUBECTL);
	src = render(obj, CTL_RENDER_SOURCE);
	assert_non_null(strstr(view, "resourceVersion: \"4711\"\n"));
	assert_non_null(strstr(view, "creationTimestamp: \"2026-12-07T01:00:00Z\"\n"));
	assert_non_null(strstr(view, "status:\n  observedGeneration: 3\n"));
	assert_null(strstr(src, "status"));
	assert_null(strstr(src, "4711"));
	assert_null(strstr(src, "0b1c"));
	assert_null(strstr(src, "generation"));
	/* line by line the same up to the end of spec, volatile lines empty */
	for (a = view, b = src; *a && *b; lines_v++, lines_s++) {
		char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');

		assert_non_null(ea);
		assert_non_null(eb);
		if (eb != b) {
			assert_int_equal(ea - a, eb - b);
			assert_memory_equal(a, b, (size_t)(ea - a));
		} else {
			assert_true(!strncmp(a, "  creationTimestamp:", 20) || !strncmp(a, "  generation:", 13) ||
				    !strncmp(a, "  resourceVersion:", 18) || !strncmp(a, "  uid:", 6));
		}
		a = ea + 1;
		b = eb + 1;
	}
	assert_string_equal(b, "");
	assert_string_equal(a, "status:\n  observedGeneration: 3\n");
	assert_true(lines_v == lines_s && lines_s > 8);
	free(view);
	free(src);
}

static void test_object_key(void **state)
{
	char k[256], name[300];

	(void)state;
	ctl__object_key("", "block-nc", k, sizeof(k));
	assert_string_equal(k, "tp.block-nc.bpf.o");
	ctl__object_key("shop", "block-nc", k, sizeof(k));
	assert_string_equal(k, "tpn.shop.block-nc.bpf.o");
	memset(name, 'n', 250);
	name[250] = 0;
	ctl__object_key("shop", name, k, sizeof(k));
	assert_true(strlen(k) <= 253);
	assert_int_equal(strncmp(k, "tpn.shop.nnn", 12), 0);
	assert_string_equal(k + strlen(k) - 6, ".bpf.o");
	/* a different long name gets a different key */
	{
		char k2[256];

		name[249] = 'm';
		ctl__object_key("shop", name, k2, sizeof(k2));
		assert_string_not_equal(k, k2);
	}
}

static void test_b64_len(void **state)
{
	(void)state;
	assert_int_equal(ctl_b64_len(""), 0);
	assert_int_equal(ctl_b64_len("eA=="), 1);
	assert_int_equal(ctl_b64_len("eHk="), 2);
	assert_int_equal(ctl_b64_len("eHl6"), 3);
	assert_int_equal(ctl_b64_len(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_order),
		cmocka_unit_test(test_kubectl_style),
		cmocka_unit_test(test_source_lines),
		cmocka_unit_test(test_object_key),
		cmocka_unit_test(test_b64_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
