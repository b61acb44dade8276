/* test_yaml.c - the TracingPolicy YAML front end: AST fields, CRD
 * defaults, shorthand desugaring, spans, diagnostics and limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/srcmap.h"
#include "front/yaml_policy.h"
#include "front/yaml_tree.h"

struct fx {
	struct arena *a;
	struct srcmap *m;
	struct diag_sink *d;
	struct ast_bundle b;
	uint32_t id;
	const char *text;
	int rc;
};

static struct fx *parse_len(const char *text, size_t len)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->a = arena__new();
	f->m = srcmap__new();
	f->d = diag_sink__new(f->m);
	diag_sink__set_max_errors(f->d, 100000);
	f->id = srcmap__add(f->m, "t.yaml", text, len);
	f->text = srcmap__file(f->m, f->id)->text;
	f->rc = yaml_policy__parse(f->a, f->m, f->d, f->id, &f->b);
	return f;
}

static struct fx *parse(const char *text)
{
	return parse_len(text, strlen(text));
}

static void fx_free(struct fx *f)
{
	diag_sink__free(f->d);
	srcmap__free(f->m);
	arena__free(f->a);
	free(f);
}

/* offset of the n-th (0-based) occurrence of needle in the source */
static uint32_t off_of(const struct fx *f, const char *needle, int nth)
{
	const char *p = f->text;

	for (;;) {
		p = strstr(p, needle);
		assert_non_null(p);
		if (nth-- == 0)
			return (uint32_t)(p - f->text);
		p++;
	}
}

static const struct diag *find_diag(const struct fx *f, const char *substr)
{
	for (size_t i = 0; i < diag_sink__count(f->d); i++) {
		const struct diag *g = diag_sink__get(f->d, i);

		if (strstr(g->msg, substr))
			return g;
	}
	return NULL;
}

static void expect_diag_at(const struct fx *f, const char *substr, uint32_t off)
{
	const struct diag *g = find_diag(f, substr);

	if (!g) {
		for (size_t i = 0; i < diag_sink__count(f->d); i++)
			fprintf(stderr, "  have: %s\n", diag_sink__get(f->d, i)->msg);
		fail_msg("no diagnostic containing '%s'", substr);
	}
	assert_int_equal(g->span.start, off);
}

#define HDR "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: t\n"

static void test_seed_shorthand(void **state)
{
	struct fx *f = parse(HDR "spec:\n  selectors:\n    matchBinary: [\"/usr/bin/nc\"]\n"
				 "  action: Block\n");
	struct ast_policy *p;
	struct ast_hook *h;
	struct ast_selector *s;

	assert_int_equal(f->rc, 0);
	assert_int_equal(f->b.policies.n, 1);
	p = f->b.policies.v[0];
	assert_true(p->shorthand);
	assert_string_equal(p->name.s, "t");
	assert_int_equal(p->hooks.n, 1);
	h = &p->hooks.v[0];
	assert_int_equal(h->kind, HOOK_EXEC);
	assert_int_equal(h->span.start, off_of(f, "selectors", 0));
	assert_int_equal(h->selectors.n, 1);
	s = &h->selectors.v[0];
	assert_int_equal(s->match_binaries.n, 1);
	assert_int_equal(s->match_binaries.v[0].op, OP_IN);
	assert_int_equal(s->match_binaries.v[0].span.start, off_of(f, "matchBinary", 0));
	assert_int_equal(s->match_binaries.v[0].values.n, 1);
	assert_string_equal(s->match_binaries.v[0].values.v[0].s, "/usr/bin/nc");
	assert_int_equal(s->match_binaries.v[0].values.v[0].span.start,
			 off_of(f, "\"/usr/bin/nc\"", 0));
	assert_int_equal(s->match_actions.n, 1);
	assert_int_equal(s->match_actions.v[0].action, ACT_BLOCK);
	assert_int_equal(s->match_actions.v[0].name.span.start, off_of(f, "Block", 0));
	fx_free(f);
}

static void test_shorthand_matchbinaries_sigkill(void **state)
{
	struct fx *f = parse(HDR "spec:\n  selectors:\n    matchBinaries:\n    - /bin/a\n"
				 "    - /bin/b\n  action: Sigkill\n");
	struct ast_selector *s;

	assert_int_equal(f->rc, 0);
	s = &f->b.policies.v[0]->hooks.v[0].selectors.v[0];
	assert_int_equal(s->match_binaries.v[0].values.n, 2);
	assert_int_equal(s->match_actions.v[0].action, ACT_SIGKILL);
	fx_free(f);
}

static void test_shorthand_errors(void **state)
{
	struct fx *f = parse(HDR "spec:\n  selectors:\n    matchBinary: [/bin/a]\n"
				 "  action: Blok\n");

	assert_int_not_equal(f->rc, 0);
	expect_diag_at(f, "unknown shorthand action 'Blok'; did you mean 'Block'?",
		       off_of(f, "Blok", 0));
	fx_free(f);
	f = parse(HDR "spec:\n  action: Block\n");
	assert_int_not_equal(f->rc, 0);
	expect_diag_at(f, "needs 'selectors.matchBinary'", off_of(f, "action", 0));
	fx_free(f);
}

static void test_crd_defaults(void **state)
{
	struct fx *f = parse(HDR "spec:\n  kprobes:\n  - call: sys_openat\n    args:\n"
				 "    - index: 1\n    selectors:\n    - matchCapabilities:\n"
				 "      - operator: In\n        values: [CAP_SYS_ADMIN]\n");
	struct ast_hook *h;
	struct ast_match_caps *mc;

	assert_int_equal(f->rc, 0);
	h = &f->b.policies.v[0]->hooks.v[0];
	assert_int_equal(h->kind, HOOK_KPROBE);
	assert_true(h->syscall.v);
	assert_false(h->syscall.present);
	assert_int_equal(h->args.v[0].type_id, ARG_AUTO);
	assert_false(h->args.v[0].type.present);
	assert_string_equal(h->args.v[0].type.s, "auto");
	assert_int_equal(h->args.v[0].index.v, 1);
	mc = &h->selectors.v[0].match_capabilities.v[0];
	assert_int_equal(mc->type, CAPT_EFFECTIVE);
	assert_false(mc->type_name.present);
	assert_string_equal(mc->type_name.s, "Effective");
	assert_string_equal(mc->values.v[0].s, "CAP_SYS_ADMIN");
	fx_free(f);
}

static void test_explicit_syscall_false_fentry(void **state)
{
	struct fx *f = parse(HDR "spec:\n  fentries:\n  - call: tcp_close\n    syscall: false\n"
				 "    return: true\n    returnArg:\n      index: 0\n      type: int\n");
	struct ast_hook *h;

	assert_int_equal(f->rc, 0);
	h = &f->b.policies.v[0]->hooks.v[0];
	assert_int_equal(h->kind, HOOK_FENTRY);
	assert_false(h->syscall.v);
	assert_true(h->syscall.present);
	assert_true(h->ret.v);
	assert_true(h->has_return_arg);
	assert_int_equal(h->return_arg.type_id, ARG_INT);
	assert_int_equal(h->syscall.span.start, off_of(f, "false", 0));
	fx_free(f);
}

static void test_namespaced_kind(void **state)
{
	struct fx *f = parse("apiVersion: cilium.io/v1alpha1\nkind: TracingPolicyNamespaced\n"
			     "metadata:\n  name: n1\n  namespace: prod\n  labels: {a: b}\n"
			     "spec: {}\n");
	struct ast_policy *p;

	assert_int_equal(f->rc, 0);
	p = f->b.policies.v[0];
	assert_int_equal(p->kind, POLICY_NAMESPACED);
	assert_string_equal(p->namespace_.s, "prod");
	assert_string_equal(p->kind_name.s, "TracingPolicyNamespaced");
	assert_string_equal(p->api_version.s, "cilium.io/v1alpha1");
	fx_free(f);
}

static void test_multi_document(void **state)
{
	struct fx *f = parse(HDR "spec: {}\n---\n" HDR "spec: {}\n---\n# only a comment\n");

	assert_int_equal(f->rc, 0);
	assert_int_equal(f->b.policies.n, 2);
	assert_int_equal(f->b.policies.v[1]->span.start, off_of(f, "apiVersion", 1));
	fx_free(f);
}

static void test_hooks_file_order(void **state)
{
	struct fx *f = parse(HDR "spec:\n  tracepoints:\n  - subsystem: sched\n"
				 "    event: sched_process_exec\n    raw: true\n"
				 "  kprobes:\n  - call: a\n  lsmhooks:\n  - hook: file_open\n");
	struct ast_policy *p;

	assert_int_equal(f->rc, 0);
	p = f->b.policies.v[0];
	assert_int_equal(p->hooks.n, 3);
	assert_int_equal(p->hooks.v[0].kind, HOOK_TRACEPOINT);
	assert_string_equal(p->hooks.v[0].subsystem.s, "sched");
	assert_string_equal(p->hooks.v[0].event.s, "sched_process_exec");
	assert_true(p->hooks.v[0].raw.v);
	assert_int_equal(p->hooks.v[1].kind, HOOK_KPROBE);
	assert_int_equal(p->hooks.v[2].kind, HOOK_LSM);
	assert_string_equal(p->hooks.v[2].call.s, "file_open");
	fx_free(f);
}

/* tpcNetwork: each protocol becomes a HOOK_NET with its fixed labelled
 * args, in file order with the other hooks. */
static void test_tpc_network(void **state)
{
	static const char *const dns[] = { "name", "qtype", "server" };
	struct fx *f = parse(HDR "spec:\n  kprobes:\n  - call: a\n  tpcNetwork:\n"
				 "  - protocol: tcp\n    events: [connect, close]\n"
				 "  - protocol: dns\n    ports: [53, 5353]\n    message: mm\n");
	struct ast_policy *p;
	struct ast_hook *h;

	assert_int_equal(f->rc, 0);
	p = f->b.policies.v[0];
	assert_int_equal(p->hooks.n, 3);
	h = &p->hooks.v[1];
	assert_int_equal(h->kind, HOOK_NET);
	assert_int_equal(h->proto, NET_TCP);
	assert_true(h->has_events);
	assert_int_equal(h->events.n, 2);
	assert_int_equal(h->args.n, 2);
	assert_string_equal(h->args.v[0].label.s, "sk");
	assert_int_equal(h->args.v[0].type_id, ARG_SOCK);
	assert_string_equal(h->args.v[1].label.s, "event");
	assert_int_equal(h->args.v[1].type_id, ARG_TCP_EVENT);
	assert_int_equal(h->args.v[1].index.v, 1);
	h = &p->hooks.v[2];
	assert_int_equal(h->proto, NET_DNS);
	assert_true(h->has_ports);
	assert_int_equal(h->ports.n, 2);
	assert_int_equal(h->ports.v[1].v, 5353);
	assert_string_equal(h->message.s, "mm");
	assert_int_equal(h->args.n, 3);
	for (int i = 0; i < 3; i++)
		assert_string_equal(h->args.v[i].label.s, dns[i]);
	fx_free(f);
	/* an unknown protocol gets no args (and an error) */
	f = parse(HDR "spec:\n  tpcNetwork:\n  - protocol: udp\n");
	assert_int_not_equal(f->rc, 0);
	assert_int_equal(f->b.policies.v[0]->hooks.v[0].proto, NET_NONE);
	assert_int_equal(f->b.policies.v[0]->hooks.v[0].args.n, 0);
	fx_free(f);
}

static void test_uprobe_fields(void **state)
{
	struct fx *f = parse(HDR "spec:\n  uprobes:\n  - path: /bin/bash\n    btfPath: /b\n"
				 "    symbols: [readline, main]\n    offsets: [0x10, 020]\n"
				 "    addrs: [0xffffffffffffff00]\n    refCtrOffsets: [8]\n"
				 "    binaryDigests: [\"sha256:ab\"]\n    ignore:\n"
				 "      digestVerificationFailure: true\n");
	struct ast_hook *h;

	assert_int_equal(f->rc, 0);
	h = &f->b.policies.v[0]->hooks.v[0];
	assert_int_equal(h->kind, HOOK_UPROBE);
	assert_string_equal(h->path.s, "/bin/bash");
	assert_string_equal(h->btf_path.s, "/b");
	assert_int_equal(h->symbols.n, 2);
	assert_string_equal(h->symbols.v[1].s, "main");
	assert_int_equal(h->offsets.n, 2);
	assert_int_equal(h->offsets.v[0].v, 16);
	assert_int_equal(h->offsets.v[1].v, 16);
	assert_int_equal((uint64_t)h->addrs.v[0].v, 0xffffffffffffff00ull);
	assert_int_equal(h->ref_ctr_offsets.v[0].v, 8);
	assert_string_equal(h->binary_digests.v[0].s, "sha256:ab");
	assert_true(h->ignore_digest_failure.v);
	fx_free(f);
}

static void test_usdt_and_missing(void **state)
{
	struct fx *f = parse(HDR "spec:\n  usdts:\n  - path: /usr/bin/python3\n"
				 "    provider: python\n    name: audit\n");
	struct ast_hook *h;

	assert_int_equal(f->rc, 0);
	h = &f->b.policies.v[0]->hooks.v[0];
	assert_int_equal(h->kind, HOOK_USDT);
	assert_string_equal(h->provider.s, "python");
	assert_string_equal(h->name.s, "audit");
	fx_free(f);
	f = parse(HDR "spec:\n  usdts:\n  - path: /usr/bin/python3\n");
	assert_int_not_equal(f->rc, 0);
	assert_int_equal(diag_sink__errors(f->d), 2);
	expect_diag_at(f, "missing required key 'provider'", off_of(f, "path: /usr", 0));
	fx_free(f);
}

static void test_arg_all_fields(void **state)
{
	struct fx *f = parse(HDR "spec:\n  kprobes:\n  - call: c\n    args:\n"
				 "    - index: 1\n      type: char_buf\n      sizeArgIndex: 3\n"
				 "      returnCopy: true\n      maxData: true\n      label: buf\n"
				 "      resolve: a.b\n      btfType: file\n      btfTypeModule: m\n"
				 "    data:\n    - index: 0\n      type: string\n"
				 "      source: current_task\n      resolve: comm\n");
	struct ast_arg *a, *d;

	assert_int_equal(f->rc, 0);
	a = &f->b.policies.v[0]->hooks.v[0].args.v[0];
	assert_int_equal(a->type_id, ARG_CHAR_BUF);
	assert_int_equal(a->size_arg_index.v, 3);
	assert_true(a->return_copy.v);
	assert_int_equal(a->max_data.v, 1);
	assert_string_equal(a->label.s, "buf");
	assert_string_equal(a->resolve.s, "a.b");
	assert_string_equal(a->btf_type.s, "file");
	assert_string_equal(a->btf_type_module.s, "m");
	d = &f->b.policies.v[0]->hooks.v[0].data.v[0];
	assert_string_equal(d->source.s, "current_task");
	assert_int_equal(d->type_id, ARG_STRING);
	fx_free(f);
}

static void test_match_args_forms(void **state)
{
	struct fx *f = parse(HDR "spec:\n  kprobes:\n  - call: c\n    selectors:\n"
				 "    - matchArgs:\n      - args: [0, 2]\n        operator: gt\n"
				 "        values: [1, 0x20, \"x\"]\n"
				 "      matchData:\n      - index: 0\n        operator: GreaterThan\n"
				 "        values: [1]\n"
				 "      matchReturnArgs:\n      - index: 0\n        operator: notequal\n"
				 "        values: [0]\n");
	struct ast_selector *s;

	assert_int_equal(f->rc, 0);
	s = &f->b.policies.v[0]->hooks.v[0].selectors.v[0];
	assert_int_equal(s->match_args.v[0].args.n, 2);
	assert_int_equal(s->match_args.v[0].args.v[1].v, 2);
	assert_false(s->match_args.v[0].index.present);
	assert_int_equal(s->match_args.v[0].op, OP_GT);
	assert_string_equal(s->match_args.v[0].op_name.s, "gt");
	assert_int_equal(s->match_args.v[0].values.n, 3);
	assert_string_equal(s->match_args.v[0].values.v[1].s, "0x20");
	assert_int_equal(s->match_data.v[0].op, OP_GT);
	assert_int_equal(s->match_return_args.v[0].op, OP_NOT_EQUAL);
	fx_free(f);
}

static void test_action_fields(void **state)
{
	struct fx *f = parse(HDR "spec:\n  kprobes:\n  - call: c\n    selectors:\n"
				 "    - matchActions:\n      - action: Override\n        argError: -1\n"
				 "      - action: Post\n        rateLimit: 1m\n        rateLimitScope: thread\n"
				 "        kernelStackTrace: true\n        userStackTrace: false\n"
				 "        imaHash: true\n"
				 "      matchReturnActions:\n      - action: sigkill\n"
				 "      - action: Set\n        argIndex: 1\n        argValue: -5\n"
				 "      - action: TrackSock\n        argSock: 2\n"
				 "      - action: GetUrl\n        argUrl: http://x\n"
				 "      - action: DnsLookup\n        argFqdn: a.b\n"
				 "      - action: Signal\n        argSig: SIGUSR1\n"
				 "      - action: Override\n        argRegs: [\"rax=1\"]\n"
				 "        argNewSymbol: f\n        argNewAddr: 16\n        argNewOffset: 4\n"
				 "      - action: FollowFD\n        argFd: 0\n        argName: 1\n");
	struct ast_selector *s;

	assert_int_equal(f->rc, 0);
	s = &f->b.policies.v[0]->hooks.v[0].selectors.v[0];
	assert_int_equal(s->match_actions.n, 2);
	assert_int_equal(s->match_actions.v[0].action, ACT_OVERRIDE);
	assert_string_equal(s->match_actions.v[0].arg_error.s, "-1");
	assert_string_equal(s->match_actions.v[1].rate_limit.s, "1m");
	assert_string_equal(s->match_actions.v[1].rate_limit_scope.s, "thread");
	assert_true(s->match_actions.v[1].kernel_stack_trace.v);
	assert_true(s->match_actions.v[1].user_stack_trace.present);
	assert_false(s->match_actions.v[1].user_stack_trace.v);
	assert_true(s->match_actions.v[1].ima_hash.v);
	assert_int_equal(s->match_return_actions.n, 8);
	assert_int_equal(s->match_return_actions.v[0].action, ACT_SIGKILL);
	assert_int_equal(s->match_return_actions.v[1].arg_value.v, -5);
	assert_int_equal(s->match_return_actions.v[2].arg_sock.v, 2);
	assert_string_equal(s->match_return_actions.v[3].arg_url.s, "http://x");
	assert_string_equal(s->match_return_actions.v[4].arg_fqdn.s, "a.b");
	assert_string_equal(s->match_return_actions.v[5].arg_sig.s, "SIGUSR1");
	assert_string_equal(s->match_return_actions.v[6].arg_regs.v[0].s, "rax=1");
	assert_string_equal(s->match_return_actions.v[6].arg_new_symbol.s, "f");
	assert_int_equal(s->match_return_actions.v[6].arg_new_addr.v, 16);
	assert_int_equal(s->match_return_actions.v[6].arg_new_offset.v, 4);
	assert_int_equal(s->match_return_actions.v[7].action, ACT_FOLLOWFD);
	assert_int_equal(s->match_return_actions.v[7].arg_name.v, 1);
	fx_free(f);
}

static void test_namespaces_caps_pids(void **state)
{
	struct fx *f = parse(HDR "spec:\n  kprobes:\n  - call: c\n    selectors:\n"
				 "    - matchNamespaces:\n      - namespace: pid\n        operator: NotIn\n"
				 "        values: [host_ns]\n"
				 "      matchNamespaceChanges:\n      - operator: In\n        values: [Mnt, net]\n"
				 "      matchCapabilityChanges:\n      - type: Permitted\n        operator: In\n"
				 "        isNamespaceCapability: true\n        values: [CAP_BPF]\n"
				 "      matchPIDs:\n      - operator: notin\n        values: [1, 2]\n"
				 "        isNamespacePID: true\n        followForks: true\n"
				 "      matchParentBinaries:\n      - operator: Postfix\n        values: [/sh]\n"
				 "        followChildren: true\n");
	struct ast_selector *s;

	assert_int_equal(f->rc, 0);
	s = &f->b.policies.v[0]->hooks.v[0].selectors.v[0];
	assert_int_equal(s->match_namespaces.v[0].ns, NS_PID);
	assert_int_equal(s->match_namespaces.v[0].op, OP_NOT_IN);
	assert_int_equal(s->match_namespace_changes.v[0].values.n, 2);
	assert_int_equal(s->match_capability_changes.v[0].type, CAPT_PERMITTED);
	assert_true(s->match_capability_changes.v[0].is_namespace_capability.v);
	assert_int_equal(s->match_pids.v[0].op, OP_NOT_IN);
	assert_string_equal(s->match_pids.v[0].values.v[1].s, "2");
	assert_true(s->match_pids.v[0].follow_forks.v);
	assert_true(s->match_pids.v[0].is_namespace_pid.v);
	assert_int_equal(s->match_parent_binaries.v[0].op, OP_POSTFIX);
	assert_true(s->match_parent_binaries.v[0].follow_children.v);
	fx_free(f);
}

static void test_label_selectors_workloads(void **state)
{
	struct fx *f = parse(HDR "spec:\n  podSelector:\n    matchLabels:\n      app: x\n"
				 "    matchExpressions:\n    - key: tier\n      operator: In\n"
				 "      values: [a]\n  hostSelector: null\n  nodeSelector: {}\n"
				 "  kprobes:\n  - call: c\n    selectors:\n    - matchWorkloads:\n"
				 "        containerSelector:\n          matchLabels: {name: n}\n");
	struct ast_policy *p;
	struct ast_selector *s;

	assert_int_equal(f->rc, 0);
	p = f->b.policies.v[0];
	assert_true(p->pod_selector.present);
	assert_string_equal(p->pod_selector.label_keys.v[0].s, "app");
	assert_string_equal(p->pod_selector.label_values.v[0].s, "x");
	assert_string_equal(p->pod_selector.exprs.v[0].op_name.s, "In");
	assert_true(p->host_selector.present);
	assert_true(p->host_selector.is_null);
	assert_true(p->node_selector.present);
	assert_false(p->node_selector.is_null);
	assert_false(p->container_selector.present);
	s = &p->hooks.v[0].selectors.v[0];
	assert_true(s->has_match_workloads);
	assert_true(s->wl_container.present);
	assert_false(s->wl_pod.present);
	assert_string_equal(s->wl_container.label_values.v[0].s, "n");
	fx_free(f);
}

static void test_macros_lists_enforcers_options(void **state)
{
	struct fx *f = parse(HDR "spec:\n  loader: true\n  selectorsMacros:\n    m1:\n"
				 "      matchPIDs:\n      - operator: In\n        values: [1]\n"
				 "  lists:\n  - name: l\n    type: syscalls\n    values: [sys_dup]\n"
				 "    validated: false\n  - name: g\n    type: generated_ftrace\n"
				 "    pattern: \"^vfs_\"\n"
				 "  enforcers:\n  - calls: [sys_bpf, sys_kill]\n"
				 "  options:\n  - name: policy-mode\n    value: monitor\n"
				 "  kprobes:\n  - call: c\n    selectors:\n    - macros: [m1]\n"
				 "      label: sel1\n");
	struct ast_policy *p;

	assert_int_equal(f->rc, 0);
	p = f->b.policies.v[0];
	assert_true(p->loader.v);
	assert_int_equal(p->macros.n, 1);
	assert_string_equal(p->macros.v[0].name.s, "m1");
	assert_int_equal(p->macros.v[0].sel.match_pids.n, 1);
	assert_int_equal(p->lists.n, 2);
	assert_string_equal(p->lists.v[0].values.v[0].s, "sys_dup");
	assert_true(p->lists.v[0].validated.present);
	assert_string_equal(p->lists.v[1].pattern.s, "^vfs_");
	assert_int_equal(p->enforcers.n, 1);
	assert_int_equal(p->enforcers.v[0].n, 2);
	assert_string_equal(p->options.v[0].value.s, "monitor");
	assert_string_equal(p->hooks.v[0].selectors.v[0].macros.v[0].s, "m1");
	assert_string_equal(p->hooks.v[0].selectors.v[0].label.s, "sel1");
	fx_free(f);
}

static void test_unknown_key_suggestion(void **state)
{
	struct fx *f = parse(HDR "spec:\n  kprobes:\n  - calll: x\n    call: y\n");
	const struct diag *g;

	assert_int_not_equal(f->rc, 0);
	assert_int_equal(diag_sink__errors(f->d), 1);
	g = find_diag(f, "unknown key 'calll' in kprobe; did you mean 'call'?");
	assert_non_null(g);
	assert_int_equal(g->span.start, off_of(f, "calll", 0));
	assert_int_equal(g->span.end, off_of(f, "calll", 0) + 5);
	assert_string_equal(g->code, "unknown-key");
	fx_free(f);
}

static void test_duplicate_key_note(void **state)
{
	struct fx *f = parse(HDR "spec:\n  kprobes:\n  - call: x\n    call: y\n");
	const struct diag *e, *n;

	assert_int_not_equal(f->rc, 0);
	assert_int_equal(diag_sink__errors(f->d), 1);
	assert_int_equal(diag_sink__count(f->d), 2);
	e = diag_sink__get(f->d, 0);
	n = diag_sink__get(f->d, 1);
	assert_int_equal(e->level, DIAG_ERROR);
	assert_int_equal(e->span.start, off_of(f, "call", 1));
	assert_int_equal(n->level, DIAG_NOTE);
	assert_int_equal(n->span.start, off_of(f, "call", 0));
	/* the first one wins */
	assert_string_equal(f->b.policies.v[0]->hooks.v[0].call.s, "x");
	fx_free(f);
}

static void test_wrong_types(void **state)
{
	struct fx *f = parse(HDR "spec:\n  kprobes:\n    call: x\n  tracepoints:\n"
				 "  - subsystem: a\n    event: b\n    raw: yes\n    args:\n"
				 "    - index: abc\n    - index: \"3\"\n    - index: -1\n");

	assert_int_not_equal(f->rc, 0);
	expect_diag_at(f, "expected a list for 'kprobes', got a mapping", off_of(f, "call", 0));
	expect_diag_at(f, "expected true or false for 'raw', got a string 'yes'",
		       off_of(f, "yes", 0));
	expect_diag_at(f, "expected an integer for 'index', got a string 'abc'",
		       off_of(f, "abc", 0));
	expect_diag_at(f, "got a string '3'", off_of(f, "\"3\"", 0));
	expect_diag_at(f, "must not be negative", off_of(f, "-1", 0));
	assert_int_equal(diag_sink__errors(f->d), 5);
	fx_free(f);
}

static void test_missing_required(void **state)
{
	struct fx *f = parse("apiVersion: cilium.io/v1alpha1\nmetadata:\n  labels: {}\n"
			     "spec:\n  kprobes:\n  - syscall: true\n    selectors:\n"
			     "    - matchArgs:\n      - index: 0\n");

	assert_int_not_equal(f->rc, 0);
	assert_non_null(find_diag(f, "the policy is missing required key 'kind'"));
	expect_diag_at(f, "metadata is missing required key 'name'", off_of(f, "labels", 0));
	expect_diag_at(f, "kprobe is missing required key 'call'", off_of(f, "syscall", 0));
	expect_diag_at(f, "matchArgs entry is missing required key 'operator'",
		       off_of(f, "index: 0", 0));
	assert_int_equal(diag_sink__errors(f->d), 4);
	fx_free(f);
}

static void test_bad_api_version_and_kind(void **state)
{
	struct fx *f = parse("apiVersion: cilium.io/v1\nkind: TracingPolicyNamespace\n"
			     "metadata:\n  name: x\nspec: {}\n");

	assert_int_not_equal(f->rc, 0);
	expect_diag_at(f, "unsupported apiVersion 'cilium.io/v1'", off_of(f, "cilium.io/v1", 0));
	expect_diag_at(f, "unknown kind 'TracingPolicyNamespace'; did you mean "
			  "'TracingPolicyNamespaced'?",
		       off_of(f, "TracingPolicyNamespace", 0));
	fx_free(f);
}

static void test_bad_enums(void **state)
{
	struct fx *f = parse(HDR "spec:\n  kprobes:\n  - call: c\n    args:\n"
				 "    - index: 0\n      type: fille\n    selectors:\n"
				 "    - matchArgs:\n      - index: 0\n        operator: Prefx\n"
				 "      matchPIDs:\n      - operator: Equal\n        values: [1]\n"
				 "      matchNamespaces:\n      - namespace: Mount\n        operator: In\n"
				 "        values: [host_ns]\n");

	assert_int_not_equal(f->rc, 0);
	expect_diag_at(f, "unknown argument type 'fille'; did you mean 'file'?",
		       off_of(f, "fille", 0));
	expect_diag_at(f, "unknown operator 'Prefx'; did you mean 'Prefix'?", off_of(f, "Prefx", 0));
	expect_diag_at(f, "operator 'Equal' is not valid in matchPIDs", off_of(f, "Equal", 0));
	expect_diag_at(f, "unknown namespace 'Mount'", off_of(f, "Mount", 0));
	fx_free(f);
}

static void test_syntax_error(void **state)
{
	struct fx *f = parse(HDR "spec:\n  kprobes: [a, b\n");
	const struct diag *g;
	unsigned line, col;

	assert_int_not_equal(f->rc, 0);
	g = diag_sink__get(f->d, 0);
	assert_non_null(g);
	assert_non_null(strstr(g->msg, "yaml: "));
	assert_string_equal(g->code, "yaml-syntax");
	srcmap__linecol(f->m, f->id, g->span.start, &line, &col);
	assert_int_equal(line, 7);
	fx_free(f);
}

static void test_invalid_utf8_and_nul(void **state)
{
	static const char bad[] = HDR "spec:\n  x: \"\xc3\x28\"\n";
	static const char nul[] = HDR "spec: {}\0\n";
	struct fx *f = parse_len(bad, sizeof(bad) - 1);

	assert_int_not_equal(f->rc, 0);
	/* the offending byte is the bad continuation byte after 0xc3 */
	expect_diag_at(f, "invalid trailing UTF-8 octet (byte 0x28)", off_of(f, "\xc3", 0) + 1);
	fx_free(f);
	f = parse_len(nul, sizeof(nul) - 1);
	assert_int_not_equal(f->rc, 0);
	expect_diag_at(f, "control characters", (uint32_t)strlen(nul));
	fx_free(f);
}

/* a UTF-8 byte order mark is skipped, and offsets still count from the
 * first byte of the file */
static void test_utf8_bom(void **state)
{
	static const char text[] = "\xef\xbb\xbf" HDR "spec:\n  kprobez: []\n";
	struct fx *f = parse_len(text, sizeof(text) - 1);

	assert_int_not_equal(f->rc, 0);
	assert_int_equal(diag_sink__errors(f->d), 1);
	expect_diag_at(f, "unknown key 'kprobez'", off_of(f, "kprobez", 0));
	assert_int_equal(f->b.policies.v[0]->api_version.span.start, off_of(f, "cilium.io", 0));
	fx_free(f);
}

static void test_limit_depth(void **state)
{
	char buf[512];
	struct fx *f;

	memset(buf, '[', 200);
	buf[200] = '\0';
	f = parse(buf);
	assert_int_not_equal(f->rc, 0);
	expect_diag_at(f, "nesting is too deep", YAML_MAX_DEPTH);
	fx_free(f);
}

static void test_limit_documents(void **state)
{
	size_t n = (YAML_MAX_DOCS + 10) * 6 + 1;
	char *buf = calloc(1, n);
	struct fx *f;

	for (int i = 0; i < YAML_MAX_DOCS + 10; i++)
		strcat(buf, "---\na\n");
	f = parse(buf);
	assert_int_not_equal(f->rc, 0);
	assert_non_null(find_diag(f, "too many YAML documents"));
	free(buf);
	fx_free(f);
}

static void test_limit_scalar(void **state)
{
	size_t n = YAML_MAX_SCALAR + 100;
	char *buf = malloc(n + 16);
	struct fx *f;

	memcpy(buf, "x: ", 3);
	memset(buf + 3, 'a', n);
	buf[n + 3] = '\0';
	f = parse(buf);
	assert_int_not_equal(f->rc, 0);
	expect_diag_at(f, "is too long", 3);
	free(buf);
	fx_free(f);
}

/* "billion laughs" shaped like the schema: 60 aliases per level over five
 * levels would be 60^5 selectors; the walk budget must stop it. The
 * anchors live in annotations, which are not walked. */
static void test_alias_blowup(void **state)
{
	static const char *const lv[] = { "v", "e", "ma", "s", "ss" };
	static const char *const open[] = { "[", "{index: 0, operator: Equal, values: ", "[",
					    "{matchArgs: ", "[" };
	static const char *const close[] = { "]", "}", "]", "}", "]" };
	size_t cap = 64 * 1024, len;
	char *buf = calloc(1, cap);
	struct fx *f;

	strcpy(buf, "apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n"
		    "  name: t\n  annotations:\n");
	for (int l = 0; l < 5; l++) {
		bool list = open[l][0] == '[';

		len = strlen(buf);
		snprintf(buf + len, cap - len, "    %s: &%s %s", lv[l], lv[l], open[l]);
		for (int k = 0; k < (list ? 60 : 1); k++) {
			len = strlen(buf);
			if (l == 0)
				snprintf(buf + len, cap - len, "%sx", k ? ", " : "");
			else
				snprintf(buf + len, cap - len, "%s*%s", k ? ", " : "", lv[l - 1]);
		}
		strcat(buf, close[l]);
		strcat(buf, "\n");
	}
	strcat(buf, "spec:\n  kprobes:\n");
	for (int k = 0; k < 60; k++)
		strcat(buf, "  - {call: c, selectors: *ss}\n");
	f = parse(buf);
	assert_int_not_equal(f->rc, 0);
	assert_non_null(find_diag(f, "too many YAML nodes through aliases"));
	assert_int_equal(diag_sink__errors(f->d), 1);
	free(buf);
	fx_free(f);
}

static void test_aliases_accepted(void **state)
{
	struct fx *f = parse(HDR "spec:\n  kprobes:\n  - call: c\n    tags: &t [a, b]\n"
				 "  - call: d\n    tags: *t\n");

	assert_int_equal(f->rc, 0);
	assert_int_equal(f->b.policies.v[0]->hooks.v[1].tags.n, 2);
	fx_free(f);
}

/* YAML 1.1 merge keys: explicit keys win, then the merged mappings in
 * order; merged pairs keep the spans of the anchored mapping */
static void test_merge_keys(void **state)
{
	struct fx *f = parse(HDR "  annotations:\n    a: &a {syscall: false, message: from-a}\n"
				 "    b: &b {message: from-b, tags: [x]}\n"
				 "spec:\n  kprobes:\n  - <<: [*a, *b]\n    call: c\n"
				 "  - <<: *b\n    message: own\n    call: d\n");
	struct ast_hook *h;

	assert_int_equal(f->rc, 0);
	h = &f->b.policies.v[0]->hooks.v[0];
	assert_string_equal(h->call.s, "c");
	assert_false(h->syscall.v);
	assert_true(h->syscall.present);
	assert_string_equal(h->message.s, "from-a");
	assert_int_equal(h->message.span.start, off_of(f, "from-a", 0));
	assert_int_equal(h->tags.n, 1);
	h = &f->b.policies.v[0]->hooks.v[1];
	assert_string_equal(h->message.s, "own");
	assert_true(h->syscall.v); /* the CRD default: *b has no syscall */
	fx_free(f);
	f = parse(HDR "spec:\n  kprobes:\n  - <<: [1]\n    call: c\n");
	assert_int_not_equal(f->rc, 0);
	expect_diag_at(f, "'<<' merges a mapping or a list of mappings", off_of(f, "1]", 0));
	fx_free(f);
}

static void test_empty_file(void **state)
{
	struct fx *f = parse("# nothing here\n");

	assert_int_not_equal(f->rc, 0);
	assert_non_null(find_diag(f, "no TracingPolicy document"));
	fx_free(f);
}

static void test_errors_in_file_order(void **state)
{
	struct fx *f = parse(HDR "spec:\n  kprobes:\n  - call: c\n    selectors:\n"
				 "    - matchPIDs:\n      - operator: Bad\n        values: [1]\n"
				 "      matchArgs:\n      - index: 0\n        operator: Worse\n");
	const struct diag *a, *b;

	assert_int_equal(diag_sink__errors(f->d), 2);
	a = diag_sink__get(f->d, 0);
	b = diag_sink__get(f->d, 1);
	assert_true(a->span.start < b->span.start);
	fx_free(f);
}

static void test_match_dsl_source(void **state)
{
	struct fx *f = parse(HDR "spec:\n  kprobes:\n  - call: c\n    selectors:\n"
				 "    - match: 'uid == 0 && binary in [''/bin/sh'']'\n");
	struct ast_selector *s = &f->b.policies.v[0]->hooks.v[0].selectors.v[0];

	/* the DSL's verdict is its own business; the text and span are ours */
	assert_true(s->match_src.present);
	assert_string_equal(s->match_src.s, "uid == 0 && binary in ['/bin/sh']");
	assert_int_equal(s->match_src.span.start, off_of(f, "'uid", 0));
	fx_free(f);
}

/* ---- offset maps ---- */

struct cap {
	const struct ynode *root;
};

static void grab(void *ctx, const struct ydoc *doc)
{
	((struct cap *)ctx)->root = doc->root;
}

static void check_offmap(const char *text, size_t value_byte, const char *src_needle)
{
	struct arena *a = arena__new();
	struct srcmap *m = srcmap__new();
	struct diag_sink *d = diag_sink__new(m);
	uint32_t id = srcmap__add(m, "t.yaml", text, strlen(text));
	struct cap c = { 0 };
	const struct ynode *v;
	uint32_t *map;

	assert_int_equal(yaml_tree__load_all(a, m, d, id, grab, &c), 1);
	assert_non_null(c.root);
	assert_int_equal(c.root->kind, YN_MAP);
	v = c.root->vals[0];
	map = yaml_tree__offmap(a, m, v);
	assert_true(value_byte < v->len);
	assert_int_equal(map[value_byte], (uint32_t)(strstr(text, src_needle) - text));
	/* end of input: where the last visible byte's source text ends */
	{
		size_t k = v->len;
		bool quoted = v->style == YS_SINGLE || v->style == YS_DOUBLE;
		uint32_t want;

		while (k > 0 && strchr(" \t\r\n", v->s[k - 1]))
			k--;
		if (!k)
			want = v->span.end;
		else if (k < v->len)
			want = map[k];
		else if (quoted)
			want = v->span.end - 1;
		else
			want = map[k - 1] + 1;
		assert_int_equal(map[v->len], want);
		if (k)
			assert_true(map[v->len] > map[k - 1]);
	}
	diag_sink__free(d);
	srcmap__free(m);
	arena__free(a);
}

static void test_offmap_styles(void **state)
{
	/* plain, folded over two lines: "a &&  b" -> "a && b" */
	check_offmap("m: a &&\n   bee\n", 5, "bee");
	/* single quotes: '' is one quote */
	check_offmap("m: 'x == ''q'' && zed'\n", 12, "zed");
	/* double quotes with escapes and \u */
	check_offmap("m: \"a\\tb \\u00e9 \\\"s\\\" tail\"\n", 11, "tail");
	check_offmap("m: \"a\\tb \\u00e9 \\\"s\\\" tail\"\n", 4, "\\u00e9");
	/* literal block */
	check_offmap("m: |\n  one\n  two && three\n", 8, "&& three");
	/* folded block */
	check_offmap("m: >-\n  one\n  two\n", 4, "two");
	/* literal block with a trailing newline: end of input after "two" */
	check_offmap("m: |\n  one\n  two\nx: 1\n", 4, "two");
	/* non-ASCII before the scalar: marks count characters, maps count bytes */
	check_offmap("m: \"é\" \n", 0, "é");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_shorthand),
		cmocka_unit_test(test_shorthand_matchbinaries_sigkill),
		cmocka_unit_test(test_shorthand_errors),
		cmocka_unit_test(test_crd_defaults),
		cmocka_unit_test(test_explicit_syscall_false_fentry),
		cmocka_unit_test(test_namespaced_kind),
		cmocka_unit_test(test_multi_document),
		cmocka_unit_test(test_hooks_file_order),
		cmocka_unit_test(test_uprobe_fields),
		cmocka_unit_test(test_usdt_and_missing),
		cmocka_unit_test(test_arg_all_fields),
		cmocka_unit_test(test_match_args_forms),
		cmocka_unit_test(test_action_fields),
		cmocka_unit_test(test_namespaces_caps_pids),
		cmocka_unit_test(test_label_selectors_workloads),
		cmocka_unit_test(test_macros_lists_enforcers_options),
		cmocka_unit_test(test_unknown_key_suggestion),
		cmocka_unit_test(test_duplicate_key_note),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_tpc_network),
		cmocka_unit_test(test_bad_api_version_and_kind),
		cmocka_unit_test(test_bad_enums),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_invalid_utf8_and_nul),
		cmocka_unit_test(test_utf8_bom),
		cmocka_unit_test(test_limit_depth),
		cmocka_unit_test(test_limit_documents),
		cmocka_unit_test(test_limit_scalar),
		cmocka_unit_test(test_alias_blowup),
		cmocka_unit_test(test_aliases_accepted),
		cmocka_unit_test(test_merge_keys),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_errors_in_file_order),
		cmocka_unit_test(test_match_dsl_source),
		cmocka_unit_test(test_offmap_styles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
