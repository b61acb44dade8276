/* test_policy_reference.c - docs/policy-reference.md names every policy
 * name tpc knows and states every "not supported" reason exactly as
 * compiler/support.c words it, so the page cannot drift from the code.
 * Runs from the repository root (tests/run.sh does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sema/support.h"
#include "base/tables.h"

static char *doc;

static int setup(void **st)
{
	FILE *f = fopen("docs/policy-reference.md", "r");
	long n;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	doc = calloc(1, (size_t)n + 1);
	if (!doc || fread(doc, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	/* prose is wrapped: compare with line breaks as spaces */
	for (char *p = doc; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return 0;
}

static int teardown(void **st)
{
	free(doc);
	return 0;
}

static void need_name(const char *name)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "`%s`", name);
	if (!strstr(doc, buf))
		fail_msg("docs/policy-reference.md does not mention %s", buf);
}

static void need_reason(const char *what, const char *why)
{
	if (why && !strstr(doc, why))
		fail_msg("docs/policy-reference.md lacks the reason for '%s': \"%s\"", what, why);
}

static void t_names(void **st)
{
	const char *const *lists[] = { arg_type__names(), op__names(), action__names(),
				       ns_kind__names(), cap_type__names() };

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		for (const char *const *n = lists[i]; *n; n++)
			need_name(*n);
}

static void t_reasons(void **st)
{
	static const char *const fields[] = {
		"matchNamespaceChanges", "matchCapabilityChanges", "matchReturnActions",
		"matchWorkloads", "matchParentBinaries", "loader", "maxData", "returnCopy",
		"returnArgAction", "kernelStackTrace", "userStackTrace", "imaHash", "resolve",
		"btfTypeModule", "enforcers", "podSelector", "containerSelector",
		"hostSelector", "nodeSelector", "data", "matchData", "source: pt_regs", "parent.binary",
		"pod.namespace", "pod.name", "pod.labels", "container.name", "container.image",
		NULL,
	};
	static const char *const options[] = { "policy-mode", "disable-kprobe-multi",
					       "disable-uprobe-multi", "override-method",
					       "sleepable-preload-size", "no-such-option", NULL };

	for (int t = 0; t < ARG__COUNT; t++)
		need_reason(arg_type__name(t), support__arg_type(t));
	for (int o = 0; o < OP__COUNT; o++)
		need_reason(op__name(o), support__op(o));
	for (int a = 0; a < ACT__COUNT; a++)
		need_reason(action__name(a), support__action(a));
	need_reason("usdts", support__hook(HOOK_USDT));
	for (int i = 0; fields[i]; i++) {
		need_reason(fields[i], support__field(fields[i]));
		if (!strstr(doc, fields[i]))
			fail_msg("docs/policy-reference.md does not mention %s", fields[i]);
	}
	for (int i = 0; options[i]; i++)
		need_reason(options[i], support__option(options[i]));
}

static void t_supported_core(void **st)
{
	/* the constructs the seed and the corpus rely on stay supported */
	assert_null(support__hook(HOOK_KPROBE));
	assert_null(support__hook(HOOK_LSM));
	assert_null(support__hook(HOOK_EXEC));
	assert_null(support__action(ACT_BLOCK));
	assert_null(support__action(ACT_OVERRIDE));
	assert_null(support__arg_type(ARG_FILE));
	assert_null(support__option("policy-mode"));
	assert_non_null(support__option("override-method"));
	assert_null(support__field("matchWorkloads"));
	assert_null(support__field("hostSelector"));
	assert_non_null(support__field("returnCopy"));
	assert_null(support__selector_field("matchBinaries"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_names),
		cmocka_unit_test(t_reasons),
		cmocka_unit_test(t_supported_core),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
