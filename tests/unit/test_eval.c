/* test_eval.c - the reference evaluator (compiler/eval/eval.c) on
 * hand-built IR: the semantics that are easy to get wrong (widths and
 * signedness, failed reads under negation, v4-mapped addresses, first match
 * per spec and every spec, binary canonical forms, workload scope) and the
 * refusal of what it does not model. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/values.h"
#include "eval/eval.h"

struct fx {
	struct arena *a;
	struct srcmap *m;
	struct diag_sink *d;
	struct ir_object o;
	struct ir_prog *p;
	struct ast_hook h;
	struct eval_proc proc;
	struct eval_val vals[8];
	bool have[8];
	uint32_t file;
};

static int setup(void **st)
{
	static const char text[] = "# spans point here\n";
	struct fx *f = calloc(1, sizeof(*f));

	f->a = arena__new();
	f->m = srcmap__new();
	f->d = diag_sink__new(f->m);
	f->file = srcmap__add(f->m, "t.yaml", text, sizeof(text) - 1);
	f->p = arena__alloc(f->a, sizeof(*f->p));
	f->p->key = "lsm:file_open";
	f->p->kind = HOOK_LSM;
	f->h.kind = HOOK_LSM;
	f->h.call.s = "file_open";
	VEC_PUSH(f->a, f->o.progs, f->p);
	for (int i = 0; i < NS__COUNT; i++)
		f->proc.ns[i].host = true;
	f->proc.binary = "/usr/bin/cat";
	f->proc.parent_binary = "/usr/bin/bash";
	*st = f;
	return 0;
}

static int teardown(void **st)
{
	struct fx *f = *st;

	diag_sink__free(f->d);
	srcmap__free(f->m);
	arena__free(f->a);
	free(f);
	return 0;
}

static int arg_cb(void *ctx, const struct ir_prog *p, const struct ir_spec *sp, int slot, int pos,
		  struct eval_val *out)
{
	struct fx *f = ctx;

	(void)p;
	(void)sp;
	(void)pos;
	if (!f->have[slot])
		return -ENOENT;
	*out = f->vals[slot];
	return 0;
}

static int add_arg(struct fx *f, enum ir_argkind k, uint32_t size, bool sgn)
{
	struct ir_arg a = { .slot = (int)f->p->args.n, .kind = k, .size = size, .is_signed = sgn };

	VEC_PUSH(f->a, f->p->args, a);
	return a.slot;
}

/* A policy with one spec whose rules are the given predicates, in order. */
static struct ir_spec *add_spec(struct fx *f, const char *policy, struct ir_pred **preds, int n)
{
	struct ir_policy pol = { .name = policy };
	struct ir_spec sp = { .policy = (int)f->o.policies.n, .hook = &f->h };

	VEC_PUSH(f->a, f->o.policies, pol);
	for (int i = 0; i < n; i++) {
		struct ir_rule r = { .id = f->o.nrules++, .selector = i, .pred = preds[i] };

		r.act.post = true;
		r.act.names[r.act.nnames++] = "Post";
		VEC_PUSH(f->a, sp.rules, r);
	}
	VEC_PUSH(f->a, f->p->specs, sp);
	return &f->p->specs.v[f->p->specs.n - 1];
}

static int run(struct fx *f, struct eval_result *res)
{
	struct eval_env env = { .a = f->a, .d = f->d, .m = f->m,
				.at = (struct span){ f->file, 0, 4 }, .arg = arg_cb, .ctx = f };

	return eval__run(&f->o, &env, "file_open", false, &f->proc, res);
}

static struct ir_pred *leaf(struct fx *f, enum ir_src src, enum ir_test t)
{
	return ir_pred__leaf(f->a, src, t, (struct span){ f->file, 0, 1 });
}

/* A uint32 argument given -1 holds 0xffffffff; a signed one compares signed. */
static void test_int_width_and_sign(void **st)
{
	struct fx *f = *st;
	int u = add_arg(f, AK_INT, 4, false), s = add_arg(f, AK_INT, 4, true);
	struct ir_pred *eq0 = leaf(f, SRC_ARG, T_IN), *lt = leaf(f, SRC_ARG, T_LT);
	struct ir_pred *rules[2];
	struct eval_result res;

	eq0->slot = u;
	ir_pred__add_int(f->a, eq0, 0xffffffffll, 0xffffffffll);
	lt->slot = s;
	ir_pred__add_int(f->a, lt, 0, 0);
	rules[0] = eq0;
	rules[1] = lt;
	add_spec(f, "p", rules, 1);
	add_spec(f, "q", rules + 1, 1);
	f->vals[u] = (struct eval_val){ .kind = EV_INT, .i = -1 };
	f->vals[s] = (struct eval_val){ .kind = EV_INT, .i = 0xffffffffll }; /* s32: -1 */
	f->have[u] = f->have[s] = true;
	assert_int_equal(run(f, &res), 0);
	assert_int_equal(res.n, 2);
	assert_int_equal(res.v[0].policy, 0);
	assert_int_equal(res.v[1].policy, 1);
}

/* A failed read matches no string test, so its negation matches. */
static void test_failed_read_negated(void **st)
{
	struct fx *f = *st;
	int sl = add_arg(f, AK_FILE, 8, false);
	struct ir_pred *eq = leaf(f, SRC_ARG, T_STR_EQ), *ne = leaf(f, SRC_ARG, T_STR_EQ);
	struct ir_pred *rules[2] = { eq, ne };
	struct eval_result res;

	eq->slot = ne->slot = sl;
	ir_pred__add_str(f->a, eq, "/etc/shadow", 11);
	ir_pred__add_str(f->a, ne, "/etc/shadow", 11);
	ne->negate = true;
	add_spec(f, "p", rules, 2);
	f->vals[sl] = (struct eval_val){ .kind = EV_NULL };
	f->have[sl] = true;
	assert_int_equal(run(f, &res), 0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.v[0].rule->selector, 1);
	/* equal, prefix of it, longer: only the equal one matches Equal */
	f->vals[sl] = (struct eval_val){ .kind = EV_STR, .s = "/etc/shadow-", .len = 12 };
	assert_int_equal(run(f, &res), 0);
	assert_int_equal(res.v[0].rule->selector, 1);
	f->vals[sl] = (struct eval_val){ .kind = EV_STR, .s = "/etc/shadow", .len = 11 };
	assert_int_equal(run(f, &res), 0);
	assert_int_equal(res.v[0].rule->selector, 0);
}

/* An IPv4 network matches the v4-mapped IPv6 form; an IPv6 network does
 * not match a plain IPv4 address. */
static void test_cidr_v4_mapped(void **st)
{
	struct fx *f = *st;
	int sl = add_arg(f, AK_SOCKADDR, 8, false);
	struct ir_pred *v4 = leaf(f, SRC_ARG, T_CIDR), *v6 = leaf(f, SRC_ARG, T_CIDR);
	struct ir_pred *rules[2] = { v4, v6 };
	struct value_cidr c;
	const char *why;
	struct eval_result res;
	static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3 };

	v4->slot = v6->slot = sl;
	assert_int_equal(value__parse_cidr("10.0.0.0/8", &c, &why), 0);
	ir_pred__add_cidr(f->a, v4, &c);
	assert_int_equal(value__parse_cidr("::/0", &c, &why), 0);
	ir_pred__add_cidr(f->a, v6, &c);
	add_spec(f, "p", rules, 1);
	add_spec(f, "q", rules + 1, 1);
	f->vals[sl] = (struct eval_val){ .kind = EV_SA };
	f->vals[sl].sa[0].family = 10;
	memcpy(f->vals[sl].sa[0].addr, mapped, 16);
	f->have[sl] = true;
	assert_int_equal(run(f, &res), 0);
	assert_int_equal(res.n, 2); /* both: the mapped address is IPv6 too */
	f->vals[sl].sa[0].family = 2;
	memcpy(f->vals[sl].sa[0].addr, (uint8_t[]){ 10, 1, 2, 3 }, 4);
	assert_int_equal(run(f, &res), 0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.v[0].policy, 0);
	memcpy(f->vals[sl].sa[0].addr, (uint8_t[]){ 11, 1, 2, 3 }, 4);
	assert_int_equal(run(f, &res), 0);
	assert_int_equal(res.n, 0);
}

/* matchBinaries In also matches a value's canonical form on the node;
 * Prefix compares the canonical path only. */
static const char *resolve_nc(void *ctx, const char *path)
{
	(void)ctx;
	return !strcmp(path, "/usr/bin/nc") ? "/usr/bin/nc.openbsd" : NULL;
}

static void test_binary_canonical(void **st)
{
	struct fx *f = *st;
	struct ast_str v = { .s = "/usr/bin/nc", .len = 11 };
	struct ir_pred *in = leaf(f, SRC_BINARY, T_BIT);
	struct eval_env env = { .a = f->a, .d = f->d, .m = f->m, .resolve = resolve_nc,
				.arg = arg_cb, .ctx = f };
	struct eval_result res;

	in->bit = ir_object__add_binset(f->a, &f->o, OP_IN, false, &v, 1, SPAN_NONE);
	add_spec(f, "p", &in, 1);
	f->proc.binary = "/usr/bin/nc.openbsd";
	assert_int_equal(eval__run(&f->o, &env, "file_open", false, &f->proc, &res), 0);
	assert_int_equal(res.n, 1);
	env.resolve = NULL;
	assert_int_equal(eval__run(&f->o, &env, "file_open", false, &f->proc, &res), 0);
	assert_int_equal(res.n, 0);
	f->proc.binary = "";
	in->negate = true; /* NotIn: an unknown image is in no set */
	assert_int_equal(eval__run(&f->o, &env, "file_open", false, &f->proc, &res), 0);
	assert_int_equal(res.n, 1);
}

/* First matching rule decides within a spec; a scope keeps host processes
 * out; NotIn holds when the label is absent. */
static void test_first_match_and_scope(void **st)
{
	struct fx *f = *st;
	struct ir_pred *a = leaf(f, SRC_UID, T_IN), *b = leaf(f, SRC_UID, T_GE);
	struct ir_pred *rules[2] = { a, b };
	struct ast_label_selector ls = { .present = true };
	struct ast_label_req req = { .key = { .s = "tier", .len = 4 },
				     .op_name = { .s = "NotIn", .len = 5 } };
	struct ast_str vals[1] = { { .s = "db", .len = 2 } };
	struct ir_map m = { .name = "s", .kind = MAP_SCOPE };
	struct ir_pred *scope;
	struct ir_spec *sp;
	struct eval_result res;

	ir_pred__add_int(f->a, a, 1000, 1000);
	ir_pred__add_int(f->a, b, 0, 0);
	sp = add_spec(f, "p", rules, 2);
	f->proc.uid = 1000;
	assert_int_equal(run(f, &res), 0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.v[0].rule->selector, 0);
	req.values.v = vals;
	req.values.n = 1;
	VEC_PUSH(f->a, ls.exprs, req);
	m.scope.pods = &ls;
	VEC_PUSH(f->a, f->o.maps, m);
	scope = leaf(f, SRC_SCOPE, T_BIT);
	scope->map = 0;
	sp->scope = scope;
	assert_int_equal(run(f, &res), 0);
	assert_int_equal(res.n, 0); /* a host process */
	f->proc.pod.present = true;
	f->proc.pod.ns = "web";
	assert_int_equal(run(f, &res), 0);
	assert_int_equal(res.n, 1); /* no 'tier' label: NotIn holds */
}

/* hostSelector {} with a podSelector: the host's processes or the
 * selected pods', not another pod's (the any-pod map holds every pod). */
static void test_host_scope(void **st)
{
	struct fx *f = *st;
	struct ir_pred *rule = leaf(f, SRC_UID, T_IN);
	struct ast_label_selector ls = { .present = true };
	struct ast_str k = { .s = "app", .len = 3 }, v = { .s = "web", .len = 3 };
	struct ir_map pods = { .name = "s", .kind = MAP_SCOPE };
	struct ir_map any = { .name = "tpc_pods", .kind = MAP_SCOPE, .scope.any_pod = true };
	struct ir_pred *in = leaf(f, SRC_SCOPE, T_BIT), *host = leaf(f, SRC_SCOPE, T_BIT);
	struct ir_pred *either = ir_pred__new(f->a, P_OR, SPAN_NONE);
	struct eval_label labels[] = { { .key = "app", .value = "db" } };
	struct ir_spec *sp;
	struct eval_result res;

	ir_pred__add_int(f->a, rule, 0, 0);
	sp = add_spec(f, "p", &rule, 1);
	VEC_PUSH(f->a, ls.label_keys, k);
	VEC_PUSH(f->a, ls.label_values, v);
	pods.scope.pods = &ls;
	VEC_PUSH(f->a, f->o.maps, pods);
	VEC_PUSH(f->a, f->o.maps, any);
	in->map = 0;
	host->map = 1;
	host->negate = true;
	ir_pred__add(f->a, either, in);
	ir_pred__add(f->a, either, host);
	sp->scope = either;
	assert_int_equal(run(f, &res), 0);
	assert_int_equal(res.n, 1); /* a host process */
	f->proc.pod.present = true;
	f->proc.pod.ns = "default";
	f->proc.pod.labels = labels;
	f->proc.pod.nlabels = 1;
	assert_int_equal(run(f, &res), 0);
	assert_int_equal(res.n, 0); /* a pod, not app=web */
	labels[0].value = "web";
	assert_int_equal(run(f, &res), 0);
	assert_int_equal(res.n, 1);
	sp->scope = host; /* hostSelector alone */
	assert_int_equal(run(f, &res), 0);
	assert_int_equal(res.n, 0);
}

/* What the evaluator does not model is refused with an error, never
 * guessed; a value the decision needs and the case lacks is an error. */
static void test_refusals(void **st)
{
	struct fx *f = *st;
	int sl = add_arg(f, AK_INT, 8, false);
	struct ir_pred *x = leaf(f, SRC_UID, T_STR_EQ), *y = leaf(f, SRC_ARG, T_IN);
	struct eval_result res;
	const struct diag *dg;

	add_spec(f, "p", &x, 1);
	assert_int_equal(run(f, &res), -EOPNOTSUPP);
	dg = diag_sink__get(f->d, 0);
	assert_non_null(dg);
	assert_non_null(strstr(dg->msg, "cannot evaluate"));
	f->p->specs.v[0].rules.v[0].pred = y;
	y->slot = sl;
	ir_pred__add_int(f->a, y, 1, 1);
	assert_int_equal(run(f, &res), -EINVAL);
	dg = diag_sink__get(f->d, diag_sink__count(f->d) - 1);
	assert_non_null(strstr(dg->msg, "gives no argument"));
	assert_int_equal(eval__run(&f->o, &(struct eval_env){ .a = f->a, .d = f->d, .arg = arg_cb,
							      .ctx = f },
				   "file_permission", false, &f->proc, &res),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_int_width_and_sign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_read_negated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cidr_v4_mapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binary_canonical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_match_and_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
