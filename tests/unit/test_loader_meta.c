/* test_loader_meta.c - .tpc.meta parsing: the documented example, field
 * mapping, and hostile inputs (each must be refused with a reason naming the
 * field, never crash). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/ldr_meta.h"

#define GOOD                                                                                    \
	"{\"tpc_meta_version\":1,\"abi_version\":1,\"tpc_version\":\"0.1.0\","                  \
	"\"policies\":[{\"id\":0,\"name\":\"block-netcat\",\"namespace\":\"\",\"kind\":"        \
	"\"TracingPolicy\",\"mode\":\"enforce\"}],"                                             \
	"\"hooks\":[{\"id\":0,\"event\":\"process_exec\",\"type\":\"exec\",\"args\":[{\"label\":" \
	"\"path\",\"type\":\"string\",\"enc\":\"str\",\"signed\":false}]}],"                    \
	"\"rules\":[{\"id\":0,\"policy\":0,\"hook\":0,\"selector\":0,\"actions\":[\"Block\"],"   \
	"\"post\":true}],"                                                                      \
	"\"programs\":[{\"name\":\"tpc_h0_lsm\",\"attach\":\"lsm\",\"target\":"                  \
	"\"bprm_check_security\",\"group\":\"hook0\",\"prio\":0},{\"name\":\"tpc_h0_tp\","       \
	"\"attach\":\"tp_btf\",\"target\":\"sched_process_exec\",\"group\":\"hook0\",\"prio\":1}]," \
	"\"maps\":[{\"name\":\"tpc_bin0\",\"purpose\":\"x\",\"fill\":{\"kind\":\"path_set\","     \
	"\"key_size\":256,\"value\":1,\"resolve\":\"realpath\",\"values\":[\"/usr/bin/nc\"]}}],"  \
	"\"features\":[\"ringbuf\"]}"

static struct ldr_meta *parse(const char *s, char *err)
{
	return ldr_meta__parse(s, strlen(s), err, 256);
}

static void test_good(void **state)
{
	char err[256] = "";
	struct ldr_meta *m = parse(GOOD, err);

	assert_non_null(m);
	assert_int_equal(m->npolicies, 1);
	assert_string_equal(m->policies[0].name, "block-netcat");
	assert_int_equal(m->nhooks, 1);
	assert_int_equal(m->hooks[0].event, LDR_EV_EXEC);
	assert_int_equal(m->hooks[0].nargs, 1);
	assert_int_equal(m->hooks[0].args[0].enc, LDR_ENC_STR);
	assert_int_equal(m->hooks[0].args[0].kind, LDR_ARG_STRING);
	assert_int_equal(m->nrules, 1);
	assert_string_equal(m->rules[0].actions[0], "Block");
	assert_int_equal(m->nprograms, 2);
	assert_int_equal(m->programs[0].attach, LDR_AT_LSM);
	assert_int_equal(m->programs[1].attach, LDR_AT_TP_BTF);
	assert_int_equal(m->programs[1].prio, 1);
	assert_int_equal(m->nmaps, 1);
	assert_int_equal(m->maps[0].fill, LDR_FILL_PATH_SET);
	assert_true(m->maps[0].resolve_realpath);
	assert_int_equal(m->maps[0].key_size, 256);
	assert_string_equal(m->maps[0].values[0], "/usr/bin/nc");
	ldr_meta__free(m);
}

/* trailing NUL padding, as a section may carry */
static void test_nul_padded(void **state)
{
	char err[256], buf[sizeof(GOOD) + 8] = GOOD;
	struct ldr_meta *m = ldr_meta__parse(buf, sizeof(buf), err, sizeof(err));

	assert_non_null(m);
	ldr_meta__free(m);
}

static void replace_and_expect(const char *from, const char *to, const char *want)
{
	char err[256] = "", *s = malloc(strlen(GOOD) + strlen(to) + 1), *at;
	struct ldr_meta *m;

	at = strstr(GOOD, from);
	assert_non_null(at);
	memcpy(s, GOOD, at - GOOD);
	strcpy(s + (at - GOOD), to);
	strcat(s, at + strlen(from));
	m = parse(s, err);
	if (m)
		fail_msg("accepted after replacing %s with %s", from, to);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
	free(s);
}

static void test_hostile(void **state)
{
	char err[256];

	assert_null(parse("", err));
	assert_non_null(strstr(err, "not valid JSON"));
	assert_null(parse("[]", err));
	assert_non_null(strstr(err, "expected a JSON object"));
	assert_null(parse("{\"tpc_meta_version\":1}", err));
	assert_non_null(strstr(err, "abi_version"));
	assert_null(parse("\x7f" "ELF\x01\x02", err));
	replace_and_expect("\"tpc_meta_version\":1", "\"tpc_meta_version\":2", "metadata version 2");
	replace_and_expect("\"abi_version\":1", "\"abi_version\":0", "ABI version 0");
	replace_and_expect("\"abi_version\":1", "\"abi_version\":\"1\"", "expected an integer");
	replace_and_expect("\"policy\":0", "\"policy\":5", "rules[0].policy: 5 out of range");
	replace_and_expect("\"hook\":0", "\"hook\":-1", "rules[0].hook: -1 out of range");
	replace_and_expect("\"enc\":\"str\"", "\"enc\":\"blob\"", "unknown encoding");
	replace_and_expect("\"attach\":\"lsm\"", "\"attach\":\"kprobe.multi\"", "unknown attach kind");
	replace_and_expect("\"event\":\"process_exec\"", "\"event\":\"process_exit\"",
			   "unknown event type");
	replace_and_expect("\"kind\":\"path_set\"", "\"kind\":\"lpm\"", "unknown fill kind");
	replace_and_expect("\"key_size\":256", "\"key_size\":4", "longer than key_size");
	replace_and_expect("\"key_size\":256", "\"key_size\":1000000", "out of range");
	replace_and_expect("\"name\":\"tpc_h0_tp\"", "\"name\":\"tpc_h0_lsm\"", "duplicate program");
	replace_and_expect("\"target\":\"sched_process_exec\"", "\"target\":\"\"", "target: empty");
	replace_and_expect("\"name\":\"block-netcat\"", "\"name\":\"a\\u0000b\"", "");
	replace_and_expect("\"policies\":[", "\"policies\":[{\"id\":0,\"name\":\"x\"},",
			   "policies[1].id");
	replace_and_expect("\"tpc_meta_version\":1,", "\"tpc_meta_version\":1,\"tpc_meta_version\":1,",
			   "not valid JSON");
	replace_and_expect("\"values\":[\"/usr/bin/nc\"]", "\"values\":[7]", "expected a string");
	replace_and_expect("\"programs\":[", "\"programs\":[{\"name\":\"t\",\"attach\":"
			   "\"tracepoint\",\"target\":\"noslash\"},", "subsys/event");
	replace_and_expect("\"programs\":[", "\"programs\":[{\"name\":\"u\",\"attach\":"
			   "\"uprobe\",\"target\":\"/bin/bash\"},", "path:symbol");
}

static void test_deep_and_big(void **state)
{
	size_t n = 100000;
	char err[256], *s = malloc(2 * n + 1);

	/* deep nesting: jansson's depth limit turns it into a JSON error */
	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = 0;
	assert_null(ldr_meta__parse(s, 2 * n, err, sizeof(err)));
	free(s);
	assert_null(ldr_meta__parse("{}", LDR_META_MAX_BYTES + 1, err, sizeof(err)));
	assert_non_null(strstr(err, "allowed"));
}

static void test_attach_names(void **state)
{
	assert_int_equal(ldr_attach__parse("cgroup/connect6"), LDR_AT_CGROUP);
	assert_int_equal(ldr_attach__parse("uretprobe"), LDR_AT_URETPROBE);
	assert_int_equal(ldr_attach__parse("raw_tracepoint"), LDR_AT_RAW_TP);
	assert_int_equal(ldr_attach__parse("nope"), -1);
	assert_string_equal(ldr_attach__feature(LDR_AT_FEXIT), "fentry");
	assert_string_equal(ldr_attach__feature(LDR_AT_CGROUP), "cgroup");
	assert_string_equal(ldr_quote("a\nb"), "a\\x0ab");
}

/* unknown arg types still render by encoding (newer compiler, older loader) */
static void test_arg_kinds(void **state)
{
	char err[256];
	const char *s =
		"{\"tpc_meta_version\":1,\"abi_version\":1,\"policies\":[{\"name\":\"p\"}],"
		"\"hooks\":[{\"event\":\"process_kprobe\",\"args\":["
		"{\"type\":\"file\",\"enc\":\"str\"},{\"type\":\"size_t\",\"enc\":\"int\"},"
		"{\"type\":\"sock\",\"enc\":\"sa\"},{\"type\":\"future_t\",\"enc\":\"int\","
		"\"signed\":true},{\"type\":\"linux_binprm\",\"enc\":\"str\"}]}],"
		"\"rules\":[{\"policy\":0,\"hook\":0}],"
		"\"programs\":[{\"name\":\"x\",\"attach\":\"kprobe\",\"target\":\"f\"}]}";
	struct ldr_meta *m = parse(s, err);

	assert_non_null(m);
	assert_int_equal(m->hooks[0].args[0].kind, LDR_ARG_FILE);
	assert_int_equal(m->hooks[0].args[1].kind, LDR_ARG_SIZE);
	assert_int_equal(m->hooks[0].args[2].kind, LDR_ARG_SOCK);
	assert_int_equal(m->hooks[0].args[3].kind, LDR_ARG_LONG);
	assert_int_equal(m->hooks[0].args[4].kind, LDR_ARG_BINPRM);
	assert_true(m->rules[0].post);
	ldr_meta__free(m);
}

/* issue 14 (hooks): usdt targets, optional programs, node selectors */
static void test_hooks_fields(void **state)
{
	char err[256] = "", buf[64];
	const char *prov, *name;
	const char *s =
		"{\"tpc_meta_version\":1,\"abi_version\":1,\"policies\":[{\"name\":\"p\","
		"\"node_selector\":{\"match_labels\":{\"pool\":\"gpu\"},\"match_expressions\":"
		"[{\"key\":\"tier\",\"operator\":\"NotIn\",\"values\":[\"canary\"]}]}}],"
		"\"hooks\":[{\"event\":\"process_usdt\",\"type\":\"usdt\",\"args\":[]},"
		"{\"event\":\"process_loader\",\"type\":\"loader\",\"args\":[]}],"
		"\"rules\":[{\"policy\":0,\"hook\":0},{\"policy\":0,\"hook\":1}],"
		"\"programs\":[{\"name\":\"u\",\"attach\":\"usdt\",\"target\":\"/a:b/c:prov:nm\"},"
		"{\"name\":\"t\",\"attach\":\"tracepoint\",\"target\":\"syscalls/sys_enter_dup\","
		"\"group\":\"g\",\"optional\":true}]}";
	struct ldr_meta *m = parse(s, err);

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->programs[0].attach, LDR_AT_USDT);
	assert_false(m->programs[0].optional);
	assert_true(m->programs[1].optional);
	assert_int_equal(m->hooks[0].event, LDR_EV_USDT);
	assert_int_equal(m->hooks[1].event, LDR_EV_LOADER);
	assert_true(m->policies[0].node_selector.present);
	assert_int_equal(m->policies[0].node_selector.nreqs, 2);
	ldr_meta__free(m);
	/* the path may hold colons; provider and name are the last two fields */
	assert_int_equal(ldr_usdt__split("/a:b/c:prov:nm", buf, sizeof(buf), &prov, &name), 0);
	assert_string_equal(buf, "/a:b/c");
	assert_string_equal(prov, "prov");
	assert_string_equal(name, "nm");
	assert_int_not_equal(ldr_usdt__split("/bin/x:nm", buf, sizeof(buf), &prov, &name), 0);
	assert_int_not_equal(ldr_usdt__split("/bin/x::nm", buf, sizeof(buf), &prov, &name), 0);
	assert_int_not_equal(ldr_usdt__split("/bin/x:p:", buf, sizeof(buf), &prov, &name), 0);
	/* a usdt target without provider:name is refused by the parser */
	s = "{\"tpc_meta_version\":1,\"abi_version\":1,\"policies\":[{\"name\":\"p\"}],"
	    "\"hooks\":[{\"event\":\"process_usdt\",\"args\":[]}],"
	    "\"rules\":[{\"policy\":0,\"hook\":0}],"
	    "\"programs\":[{\"name\":\"u\",\"attach\":\"usdt\",\"target\":\"/bin/x:nm\"}]}";
	assert_null(parse(s, err));
	assert_non_null(strstr(err, "provider:name"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),	     cmocka_unit_test(test_nul_padded),
		cmocka_unit_test(test_hostile),	     cmocka_unit_test(test_deep_and_big),
		cmocka_unit_test(test_attach_names), cmocka_unit_test(test_arg_kinds),
		cmocka_unit_test(test_hooks_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
