/* test_sema.c - semantic checks on hand-built ASTs (independent of the
 * YAML front end). Tests needing kernel BTF skip without it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "front/ast.h"
#include "kernel/btf_info.h"
#include "base/diag.h"
#include "sema/sema.h"

#define VMLINUX "/sys/kernel/btf/vmlinux"

struct fx {
	struct arena *a;
	struct srcmap *m;
	struct diag_sink *d;
	struct ast_bundle b;
	struct ast_policy *p;
	struct sema_opts opts;
	uint32_t file;
};

static int setup(void **st)
{
	static const char text[] = "# test policy text, spans point here\n";
	struct fx *f = calloc(1, sizeof(*f));

	f->a = arena__new();
	f->m = srcmap__new();
	f->d = diag_sink__new(f->m);
	f->file = srcmap__add(f->m, "t.yaml", text, sizeof(text) - 1);
	f->p = arena__alloc(f->a, sizeof(*f->p));
	f->p->file = f->file;
	VEC_PUSH(f->a, f->b.policies, f->p);
	f->opts.tracefs = "/nonexistent-tracefs"; /* formats from BTF: same on every host */
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

#define NEED_BTF()                                                             \
	do {                                                                   \
		if (access(VMLINUX, R_OK)) {                                   \
			fprintf(stderr, "skip: %s is not readable\n", VMLINUX); \
			skip();                                                \
		}                                                              \
	} while (0)

static struct span SP(struct fx *f)
{
	return (struct span){ f->file, 0, 4 };
}

static struct ast_str S(struct fx *f, const char *s)
{
	return ast_str__make(f->a, s, strlen(s), SP(f));
}

static struct ast_int I(struct fx *f, int64_t v)
{
	return (struct ast_int){ v, SP(f), true };
}

static struct ast_bool B(struct fx *f, bool v)
{
	return (struct ast_bool){ v, SP(f), true };
}

static struct ast_hook *hook(struct fx *f, enum hook_kind k, const char *call)
{
	struct ast_hook h = { .kind = k, .span = SP(f) };

	if (call)
		h.call = S(f, call);
	VEC_PUSH(f->a, f->p->hooks, h);
	return &f->p->hooks.v[f->p->hooks.n - 1];
}

static struct ast_hook *kprobe(struct fx *f, const char *call, bool syscall)
{
	struct ast_hook *h = hook(f, HOOK_KPROBE, call);

	h->syscall = B(f, syscall);
	return h;
}

static struct ast_hook *tracepoint(struct fx *f, const char *sub, const char *ev)
{
	struct ast_hook *h = hook(f, HOOK_TRACEPOINT, NULL);

	h->subsystem = S(f, sub);
	h->event = S(f, ev);
	return h;
}

static struct ast_arg *arg(struct fx *f, struct ast_hook *h, int idx, enum arg_type t)
{
	struct ast_arg a = { .span = SP(f), .index = I(f, idx), .type_id = t };

	a.type = S(f, arg_type__name(t));
	VEC_PUSH(f->a, h->args, a);
	return &h->args.v[h->args.n - 1];
}

static struct ast_selector *sel(struct fx *f, struct ast_hook *h)
{
	struct ast_selector s = { .span = SP(f) };

	VEC_PUSH(f->a, h->selectors, s);
	return &h->selectors.v[h->selectors.n - 1];
}

static struct ast_match_arg *marg(struct fx *f, struct ast_selector *s, int idx, enum op o,
				  const char *v1, const char *v2)
{
	struct ast_match_arg m = { .span = SP(f), .index = I(f, idx), .op = o };

	m.op_name = S(f, op__name(o));
	if (v1)
		VEC_PUSH(f->a, m.values, S(f, v1));
	if (v2)
		VEC_PUSH(f->a, m.values, S(f, v2));
	VEC_PUSH(f->a, s->match_args, m);
	return &s->match_args.v[s->match_args.n - 1];
}

static struct ast_action *action(struct fx *f, struct ast_selector *s, enum action a)
{
	struct ast_action x = { .span = SP(f), .action = a };

	x.name = S(f, action__name(a));
	VEC_PUSH(f->a, s->match_actions, x);
	return &s->match_actions.v[s->match_actions.n - 1];
}

static void dump(struct fx *f);

static int run(struct fx *f)
{
	int err = sema__check(f->a, f->d, &f->b, &f->opts);

	if (getenv("TEST_SEMA_DUMP"))
		dump(f);
	return err;
}

/* Number of diagnostics of level whose message contains sub. */
static int count(struct fx *f, enum diag_level lv, const char *sub)
{
	int n = 0;

	for (size_t i = 0; i < diag_sink__count(f->d); i++) {
		const struct diag *g = diag_sink__get(f->d, i);

		if (g->level == lv && strstr(g->msg, sub))
			n++;
	}
	return n;
}

static void dump(struct fx *f)
{
	diag__render(f->d, DIAG_FMT_TEXT, stderr);
}

#define EXPECT(f, lv, sub)                                                     \
	do {                                                                   \
		if (count((f), (lv), (sub)) < 1) {                             \
			dump(f);                                               \
			fail_msg("missing diagnostic: %s", (sub));             \
		}                                                              \
	} while (0)

#define CLEAN(f)                                                               \
	do {                                                                   \
		if (diag_sink__errors((f)->d) || diag_sink__warnings((f)->d)) { \
			dump(f);                                               \
			fail_msg("unexpected diagnostics");                    \
		}                                                              \
	} while (0)

/* ---- names ---- */

static void t_kprobe_unknown_suggest(void **st)
{
	struct fx *f = *st;

	NEED_BTF();
	kprobe(f, "security_file_opn", false);
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "did you mean 'security_file_open'?");
}

static void t_kprobe_ok_file_arg(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;

	NEED_BTF();
	h = kprobe(f, "security_file_open", false);
	arg(f, h, 0, ARG_FILE);
	marg(f, sel(f, h), 0, OP_PREFIX, "/etc/", NULL);
	assert_int_equal(run(f), 0);
	CLEAN(f);
}

static void t_ignore_call_not_found(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;

	NEED_BTF();
	h = kprobe(f, "no_such_function_in_any_kernel", false);
	h->ignore_call_not_found = B(f, true);
	arg(f, h, 7, ARG_INT); /* not checked: the hook is skipped */
	assert_int_equal(run(f), 0);
	EXPECT(f, DIAG_WARNING, "the hook is skipped");
	assert_true(h->skipped);
}

static void t_syscall_wrapper(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;

	NEED_BTF();
	h = kprobe(f, "sys_openat", true);
	arg(f, h, 1, ARG_STRING);
	assert_int_equal(run(f), 0);
	CLEAN(f);
}

static void t_not_a_syscall(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;

	NEED_BTF();
	h = hook(f, HOOK_KPROBE, "fd_install"); /* syscall left at its default */
	(void)h;
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "'syscall' defaults to true");
	EXPECT(f, DIAG_NOTE, "syscall: false");
}

static void t_lsm_names(void **st)
{
	struct fx *f = *st;

	NEED_BTF();
	hook(f, HOOK_LSM, "file_opne");
	hook(f, HOOK_LSM, "security_file_open");
	hook(f, HOOK_LSM, "bprm_check_security");
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "LSM hook 'file_opne' does not exist");
	EXPECT(f, DIAG_ERROR, "did you mean 'file_open'?");
	EXPECT(f, DIAG_ERROR, "without the 'security_' prefix");
	assert_int_equal(diag_sink__errors(f->d), 2);
}

static void t_no_btf_note(void **st)
{
	struct fx *f = *st;

	f->opts.btf_path = "/nonexistent/vmlinux";
	kprobe(f, "whatever_function", false);
	hook(f, HOOK_LSM, "whatever_hook");
	assert_int_equal(run(f), 0);
	assert_int_equal(count(f, DIAG_NOTE, "kernel BTF not readable"), 1);
}

/* ---- args ---- */

static void t_arg_index_range(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;

	NEED_BTF();
	h = kprobe(f, "security_file_open", false);
	arg(f, h, 5, ARG_INT);
	arg(f, h, 2, ARG_INT);
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "tpc reads arguments 0 to 4");
	EXPECT(f, DIAG_ERROR, "has 1 parameter; index 2 is out of range");
}

static void t_arg_type_mismatch(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;

	NEED_BTF();
	h = hook(f, HOOK_LSM, "file_open");
	arg(f, h, 0, ARG_PATH);
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "type 'path' needs 'struct path *'");
	EXPECT(f, DIAG_NOTE, "type 'file' (or 'auto') fits");
}

static void t_arg_auto_resolved(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_arg *a, *b;

	NEED_BTF();
	h = hook(f, HOOK_LSM, "bprm_check_security");
	a = arg(f, h, 0, ARG_AUTO);
	h = kprobe(f, "do_sys_openat2", false);
	b = arg(f, h, 1, ARG_AUTO);
	assert_int_equal(run(f), 0);
	assert_int_equal(a->type_id, ARG_LINUX_BINPRM);
	assert_int_equal(b->type_id, ARG_STRING);
}

static void t_tracepoint_fields(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_arg *a;

	NEED_BTF();
	h = tracepoint(f, "sched", "sched_process_exec");
	a = arg(f, h, 4, ARG_AUTO); /* common fields counted: filename */
	arg(f, h, 5, ARG_INT);	    /* pid */
	arg(f, h, 9, ARG_INT);
	arg(f, h, 6, ARG_STRING);   /* old_pid is an int */
	assert_int_equal(run(f), -EINVAL);
	assert_int_equal(a->type_id, ARG_DATA_LOC);
	EXPECT(f, DIAG_ERROR, "has 7 fields (the 4 common_* fields included); index 9");
	EXPECT(f, DIAG_ERROR, "type 'string' needs a character pointer");
	assert_int_equal(diag_sink__errors(f->d), 2);
}

static void t_arg_rules(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_arg *a;

	NEED_BTF();
	h = kprobe(f, "do_sys_openat2", false);
	a = arg(f, h, 0, ARG_INT);
	a->size_arg_index = I(f, 2);
	a = arg(f, h, 1, ARG_STRING);
	a->return_copy = B(f, true);
	a = arg(f, h, 2, ARG_AUTO);
	a->resolve = S(f, "nope");
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "'sizeArgIndex' applies only to char_buf");
	EXPECT(f, DIAG_ERROR, "'returnCopy' applies only to char_buf");
	EXPECT(f, DIAG_ERROR, "resolve: no member 'nope'");
}

/* ---- selectors ---- */

static void t_match_arg_index(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;

	f->opts.no_btf = true;
	h = kprobe(f, "sys_openat", true);
	arg(f, h, 1, ARG_STRING);
	marg(f, sel(f, h), 0, OP_EQUAL, "/etc/passwd", NULL);
	marg(f, sel(f, h), 1, OP_EQUAL, "/etc/passwd", NULL);
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "matchArgs index 0 refers to no declared argument");
	assert_int_equal(diag_sink__errors(f->d), 1);
}

static void t_match_args_form(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_match_arg *m;

	f->opts.no_btf = true;
	h = kprobe(f, "sys_openat", true);
	arg(f, h, 1, ARG_STRING);
	arg(f, h, 2, ARG_INT);
	/* args: [1] is the second declared arg (an int): Prefix does not fit */
	m = marg(f, sel(f, h), 0, OP_PREFIX, "/etc", NULL);
	VEC_PUSH(f->a, m->args, I(f, 1));
	m = marg(f, sel(f, h), 0, OP_EQUAL, "1", NULL);
	VEC_PUSH(f->a, m->args, I(f, 2));
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "operator 'Prefix' does not apply to an argument of type 'int'");
	EXPECT(f, DIAG_ERROR, "'args: [2]' is out of range");
}

static void t_values_by_type(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_selector *s;

	f->opts.no_btf = true;
	h = kprobe(f, "tcp_connect", false);
	arg(f, h, 0, ARG_SOCK);
	arg(f, h, 1, ARG_UINT8);
	s = sel(f, h);
	marg(f, s, 0, OP_DADDR, "10.0.0.0/33", "::1");
	marg(f, s, 0, OP_DPORT, "65536", "1024:80");
	marg(f, s, 0, OP_FAMILY, "AF_INET", "AF_BOGUS");
	marg(f, s, 1, OP_EQUAL, "256", "0x10");
	marg(f, s, 0, OP_PREFIX, "x", NULL);
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "invalid address '10.0.0.0/33'");
	EXPECT(f, DIAG_ERROR, "invalid port '65536'");
	EXPECT(f, DIAG_ERROR, "invalid port '1024:80'");
	EXPECT(f, DIAG_ERROR, "invalid address family 'AF_BOGUS'");
	EXPECT(f, DIAG_ERROR, "invalid uint8 '256'");
	EXPECT(f, DIAG_ERROR, "operator 'Prefix' does not apply to an argument of type 'sock'");
	assert_int_equal(diag_sink__errors(f->d), 6);
}

static void t_empty_values(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_selector *s;
	struct ast_match_pids p = { .op = OP_IN };

	f->opts.no_btf = true;
	h = kprobe(f, "sys_openat", true);
	arg(f, h, 1, ARG_STRING);
	s = sel(f, h);
	marg(f, s, 1, OP_EQUAL, NULL, NULL);
	p.span = SP(f);
	VEC_PUSH(f->a, s->match_pids, p);
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "operator 'Equal' needs at least one value");
	EXPECT(f, DIAG_ERROR, "matchPIDs needs at least one value");
}

static void t_process_filters(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_selector *s;
	struct ast_match_pids p = { .op = OP_NOT_IN };
	struct ast_match_binaries mb = { .op = OP_IN };
	struct ast_match_ns ns = { .op = OP_IN, .ns = NS_MNT };
	struct ast_match_caps mc = { .op = OP_IN };

	f->opts.no_btf = true;
	h = kprobe(f, "sys_openat", true);
	s = sel(f, h);
	VEC_PUSH(f->a, p.values, S(f, "4294967296"));
	VEC_PUSH(f->a, p.values, S(f, "1"));
	VEC_PUSH(f->a, s->match_pids, p);
	VEC_PUSH(f->a, mb.values, S(f, "nc"));
	VEC_PUSH(f->a, mb.values, S(f, "/usr/bin/nc"));
	VEC_PUSH(f->a, s->match_binaries, mb);
	VEC_PUSH(f->a, ns.values, S(f, "host_ns"));
	VEC_PUSH(f->a, ns.values, S(f, "4026531840"));
	VEC_PUSH(f->a, ns.values, S(f, "mine"));
	VEC_PUSH(f->a, s->match_namespaces, ns);
	VEC_PUSH(f->a, mc.values, S(f, "CAP_SYS_ADMN"));
	VEC_PUSH(f->a, mc.values, S(f, "CAP_NET_RAW"));
	VEC_PUSH(f->a, s->match_capabilities, mc);
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "invalid pid '4294967296'");
	EXPECT(f, DIAG_WARNING, "matchBinaries compares canonical absolute paths; 'nc' never");
	EXPECT(f, DIAG_ERROR, "invalid namespace 'mine'");
	EXPECT(f, DIAG_ERROR, "did you mean 'CAP_SYS_ADMIN'?");
	assert_int_equal(diag_sink__errors(f->d), 3);
}

static void t_in_map_lists(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_selector *s;
	struct ast_list l = { .span = SP(f) };

	f->opts.no_btf = true;
	l.name = S(f, "dangerous");
	l.type = S(f, "syscalls");
	VEC_PUSH(f->a, l.values, S(f, "sys_ptrace"));
	VEC_PUSH(f->a, l.values, S(f, "i386/sys_ptrac"));
	VEC_PUSH(f->a, l.values, S(f, "__x64_sys_bpf"));
	VEC_PUSH(f->a, f->p->lists, l);
	h = tracepoint(f, "raw_syscalls", "sys_enter");
	arg(f, h, 4, ARG_INT);
	arg(f, h, 5, ARG_INT64);
	s = sel(f, h);
	marg(f, s, 4, OP_IN_MAP, "list:dangerous", "list:dangerus");
	marg(f, s, 4, OP_IN_MAP, "1:5", "7");
	/* a 64-bit integer on raw_syscalls: Tetragon's old form, a warning */
	marg(f, s, 5, OP_IN_MAP, "list:dangerous", NULL);
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "must have type 'syscall64', not 'int'");
	EXPECT(f, DIAG_ERROR, "unknown list 'dangerus'; did you mean 'dangerous'?");
	EXPECT(f, DIAG_WARNING, "with 'int64' tpc compares the raw syscall number");
	EXPECT(f, DIAG_ERROR, "unknown syscall 'i386/sys_ptrac' in list 'dangerous': no such "
			      "i386 syscall; did you mean 'i386/sys_ptrace'?");
	assert_int_equal(diag_sink__errors(f->d), 3);
}

static void t_call_list(void **st)
{
	struct fx *f = *st;
	struct ast_list l = { .span = SP(f) };

	NEED_BTF();
	l.name = S(f, "calls");
	l.type = S(f, "syscalls");
	VEC_PUSH(f->a, l.values, S(f, "sys_dup"));
	VEC_PUSH(f->a, l.values, S(f, "i386/sys_dup2"));
	VEC_PUSH(f->a, l.values, S(f, "sys_dupp"));
	VEC_PUSH(f->a, f->p->lists, l);
	kprobe(f, "list:calls", true);
	kprobe(f, "list:cals", true);
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "syscall 'sys_dupp' does not exist");
	EXPECT(f, DIAG_ERROR, "unknown list 'cals'; did you mean 'calls'?");
	assert_int_equal(diag_sink__errors(f->d), 2);
}

/* ---- actions ---- */

static void t_override_where(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_action *a;

	NEED_BTF();
	h = hook(f, HOOK_LSM, "file_open");
	a = action(f, sel(f, h), ACT_OVERRIDE);
	a->arg_error = S(f, "-1");
	h = kprobe(f, "security_file_open", false);
	a = action(f, sel(f, h), ACT_OVERRIDE);
	a->arg_error = S(f, "EACCES");
	h = kprobe(f, "sys_openat", true); /* denied at lsm/file_open */
	a = action(f, sel(f, h), ACT_OVERRIDE);
	a->arg_error = S(f, "-1");
	h = kprobe(f, "sys_dup", true); /* no LSM hook denies dup */
	a = action(f, sel(f, h), ACT_OVERRIDE);
	a->arg_error = S(f, "-1");
	h = tracepoint(f, "sched", "sched_process_exec");
	a = action(f, sel(f, h), ACT_OVERRIDE);
	a->arg_error = S(f, "-1");
	h = hook(f, HOOK_LSM, "file_open");
	a = action(f, sel(f, h), ACT_OVERRIDE); /* no argError */
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_NOTE, "compiled as the BPF LSM hook");
	EXPECT(f, DIAG_NOTE, "carried out at the BPF LSM hook 'file_open'");
	EXPECT(f, DIAG_ERROR, "tpc knows no LSM hook that denies this syscall");
	EXPECT(f, DIAG_ERROR, "a tracepoint observes and cannot change");
	EXPECT(f, DIAG_ERROR, "Override needs 'argError'");
	assert_int_equal(diag_sink__errors(f->d), 3);
}

static void t_signal_block_ratelimit(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_selector *s;
	struct ast_action *a;

	f->opts.no_btf = true;
	h = hook(f, HOOK_LSM, "file_open");
	s = sel(f, h);
	action(f, s, ACT_SIGNAL);
	action(f, s, ACT_BLOCK);
	a = action(f, s, ACT_SIGKILL);
	a->rate_limit = S(f, "1m");
	a = action(f, sel(f, h), ACT_POST);
	a->rate_limit = S(f, "10x");
	a = action(f, sel(f, h), ACT_POST);
	a->rate_limit = S(f, "10s");
	a->rate_limit_scope = S(f, "proces");
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "Signal needs 'argSig'");
	EXPECT(f, DIAG_ERROR, "'Block' is tpc's shorthand");
	EXPECT(f, DIAG_ERROR, "'rateLimit' applies only to the Post action");
	EXPECT(f, DIAG_ERROR, "invalid rateLimit '10x'");
	EXPECT(f, DIAG_ERROR, "did you mean 'process'?");
}

static void t_sigkill_syscall_entry(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;

	f->opts.no_btf = true;
	h = tracepoint(f, "syscalls", "sys_enter_unlinkat");
	action(f, sel(f, h), ACT_SIGKILL);
	action(f, sel(f, h), ACT_SIGKILL);
	assert_int_equal(run(f), 0);
	assert_int_equal(count(f, DIAG_WARNING, "Sigkill at syscall entry does not undo"), 1);
}

static void t_raw_path_warning(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;

	f->opts.no_btf = true;
	h = kprobe(f, "sys_openat", true);
	arg(f, h, 1, ARG_STRING);
	marg(f, sel(f, h), 1, OP_PREFIX, "/etc/shadow", NULL);
	assert_int_equal(run(f), 0);
	EXPECT(f, DIAG_WARNING, "is bypassable");
	EXPECT(f, DIAG_NOTE, "lsmhooks entry 'file_open'");
}

static void t_never_matches(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_selector *s;

	f->opts.no_btf = true;
	h = kprobe(f, "sys_openat", true);
	arg(f, h, 1, ARG_STRING);
	arg(f, h, 2, ARG_INT);
	s = sel(f, h);
	marg(f, s, 1, OP_EQUAL, "/a", NULL);
	marg(f, s, 1, OP_EQUAL, "/b", NULL);
	s = sel(f, h);
	marg(f, s, 2, OP_GT, "10", NULL);
	marg(f, s, 2, OP_LT, "5", NULL);
	s = sel(f, h);
	marg(f, s, 2, OP_EQUAL, "3", NULL);
	marg(f, s, 2, OP_NOT_EQUAL, "3", "4");
	s = sel(f, h); /* satisfiable: 5 < x < 10 */
	marg(f, s, 2, OP_GT, "5", NULL);
	marg(f, s, 2, OP_LT, "10", NULL);
	assert_int_equal(run(f), 0);
	EXPECT(f, DIAG_WARNING, "must Equal two different values");
	EXPECT(f, DIAG_WARNING, "no integer is greater than 10 and less than 5");
	EXPECT(f, DIAG_WARNING, "every Equal value is excluded by NotEqual");
	assert_int_equal(count(f, DIAG_WARNING, "can never match"), 3);
}

/* ---- macros, unsupported ---- */

static void t_macros(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_selector *s1, *s2, *s3;
	struct ast_macro m = { .span = SP(f) };
	struct ast_match_binaries mb = { .op = OP_IN };

	f->opts.no_btf = true;
	m.name = S(f, "onlync");
	VEC_PUSH(f->a, mb.values, S(f, "/usr/bin/nc"));
	VEC_PUSH(f->a, m.sel.match_binaries, mb);
	VEC_PUSH(f->a, f->p->macros, m);
	h = hook(f, HOOK_LSM, "bprm_check_security");
	s1 = sel(f, h);
	VEC_PUSH(f->a, s1->macros, S(f, "onlync"));
	s2 = sel(f, h);
	VEC_PUSH(f->a, s2->macros, S(f, "onlync"));
	VEC_PUSH(f->a, s2->match_binaries, mb);
	s3 = sel(f, h);
	VEC_PUSH(f->a, s3->macros, S(f, "onlyn"));
	assert_int_equal(run(f), -EINVAL);
	assert_int_equal(s1->match_binaries.n, 1);
	assert_int_equal(s1->macros.n, 0);
	EXPECT(f, DIAG_ERROR, "'matchBinaries' is defined both in this selector and in macro");
	EXPECT(f, DIAG_ERROR, "unknown selector macro 'onlyn'; did you mean 'onlync'?");
	assert_int_equal(diag_sink__errors(f->d), 2);
}

static void t_unsupported(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_selector *s;
	struct ast_match_ns_changes nc = { .op = OP_IN };

	f->opts.no_btf = true;
	h = hook(f, HOOK_LSM, "file_open");
	arg(f, h, 0, ARG_TCP_EVENT);
	s = sel(f, h);
	action(f, s, ACT_FOLLOWFD);
	nc.span = SP(f);
	VEC_PUSH(f->a, s->match_namespace_changes, nc);
	f->p->host_selector.present = true;
	f->p->host_selector.span = SP(f);
	{
		struct ast_str k = { .s = "role", .len = 4, .present = true, .span = SP(f) };

		VEC_PUSH(f->a, f->p->host_selector.label_keys, k);
		VEC_PUSH(f->a, f->p->host_selector.label_values, k);
	}
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "'tcp_event' is not supported by tpc");
	EXPECT(f, DIAG_ERROR, "'FollowFD' is not supported by tpc: removed from Tetragon");
	EXPECT(f, DIAG_ERROR, "matchNamespaceChanges 'In' needs at least one namespace");
	EXPECT(f, DIAG_ERROR, "hostSelector is null (no host process) or {} (every host process)");
}

/* ---- DSL ---- */

static struct ast_expr *fld(struct fx *f, const char *name)
{
	struct ast_expr *e = ast_expr__new(f->a, EXPR_FIELD, SP(f));

	e->field.name = name;
	return e;
}

static struct ast_expr *cmp(struct fx *f, enum expr_cmp op, struct ast_expr *l,
			    struct ast_expr *r)
{
	struct ast_expr *e = ast_expr__new(f->a, EXPR_CMP, SP(f));

	e->cmp.op = op;
	e->cmp.lhs = l;
	e->cmp.rhs = r;
	return e;
}

static struct ast_expr *lit_str(struct fx *f, enum expr_kind k, const char *s)
{
	struct ast_expr *e = ast_expr__new(f->a, k, SP(f));

	e->sval = S(f, s);
	return e;
}

static struct ast_expr *lit_int(struct fx *f, int64_t v)
{
	struct ast_expr *e = ast_expr__new(f->a, EXPR_INT, SP(f));

	e->ival = v;
	return e;
}

static struct ast_expr *and(struct fx *f, struct ast_expr *l, struct ast_expr *r)
{
	struct ast_expr *e = ast_expr__new(f->a, EXPR_AND, SP(f));

	e->bin.l = l;
	e->bin.r = r;
	return e;
}

static void t_dsl(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_arg *a;
	struct ast_selector *s;
	struct ast_expr *e;

	f->opts.no_btf = true;
	h = kprobe(f, "tcp_connect", false);
	a = arg(f, h, 0, ARG_SOCK);
	a->label = S(f, "sk");
	a = arg(f, h, 1, ARG_STRING);
	a->label = S(f, "name");
	s = sel(f, h);
	e = and(f, cmp(f, CMP_STARTSWITH, fld(f, "pid"), lit_str(f, EXPR_STR, "1")),
		cmp(f, CMP_EQ, fld(f, "binry"), lit_str(f, EXPR_STR, "/bin/sh")));
	e = and(f, e, cmp(f, CMP_EQ, fld(f, "args.nme"), lit_str(f, EXPR_STR, "x")));
	e = and(f, e, cmp(f, CMP_EQ, fld(f, "arg3"), lit_int(f, 1)));
	e = and(f, e, cmp(f, CMP_EQ, fld(f, "args.sk.daddr"), lit_str(f, EXPR_CIDR, "10.0.0.0/40")));
	e = and(f, e, cmp(f, CMP_EQ, fld(f, "args.sk.dport"), lit_int(f, 443)));
	e = and(f, e, cmp(f, CMP_LT, fld(f, "args.name"), lit_int(f, 3)));
	e = and(f, e, cmp(f, CMP_EQ, fld(f, "uid"), lit_int(f, -1)));
	s->match = e;
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "'startswith' does not apply to 'pid'");
	EXPECT(f, DIAG_ERROR, "unknown field 'binry'; did you mean 'binary'?");
	EXPECT(f, DIAG_ERROR, "no argument has label 'nme'; did you mean 'name'?");
	EXPECT(f, DIAG_ERROR, "'arg3' refers to no declared argument");
	EXPECT(f, DIAG_ERROR, "invalid address '10.0.0.0/40'");
	EXPECT(f, DIAG_ERROR, "'<' does not apply to 'args.name'");
	EXPECT(f, DIAG_ERROR, "-1 is negative; 'uid' is unsigned");
	assert_int_equal(diag_sink__errors(f->d), 7);
}

static void t_options_and_messages(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_option o = { .span = SP(f) };

	f->opts.no_btf = true;
	o.name = S(f, "policy-mode");
	o.value = S(f, "monitr");
	VEC_PUSH(f->a, f->p->options, o);
	h = hook(f, HOOK_LSM, "file_open");
	h->message = S(f, "x");
	VEC_PUSH(f->a, h->tags, S(f, "t"));
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "did you mean 'monitor'?");
	EXPECT(f, DIAG_ERROR, "'message' must be at least 2 characters");
	EXPECT(f, DIAG_ERROR, "tag 't' is shorter than 2 characters");
}

static void t_tracepoint_matchargs_position(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_match_arg *m;

	f->opts.no_btf = true;
	h = tracepoint(f, "raw_syscalls", "sys_enter");
	arg(f, h, 4, ARG_INT64);
	m = marg(f, sel(f, h), 0, OP_EQUAL, "59", NULL);
	assert_int_equal(run(f), 0);
	/* normalized to the field index, so lower sees one rule */
	assert_int_equal(m->index.v, 4);
}

static void t_override_void_hook(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_action *a;

	NEED_BTF();
	h = hook(f, HOOK_LSM, "bprm_committing_creds");
	a = action(f, sel(f, h), ACT_OVERRIDE);
	a->arg_error = S(f, "-1");
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "it returns void");
}

static void t_sockaddr_ports(void **st)
{
	struct fx *f = *st;
	struct ast_hook *h;
	struct ast_selector *s;

	f->opts.no_btf = true;
	h = hook(f, HOOK_LSM, "socket_connect");
	arg(f, h, 1, ARG_SOCKADDR);
	s = sel(f, h);
	marg(f, s, 1, OP_DPORT, "4242", NULL);
	marg(f, s, 1, OP_DADDR, "127.0.0.0/8", "::1/128");
	marg(f, s, 1, OP_SPORT, "1:1023", NULL);
	assert_int_equal(run(f), 0);
	CLEAN(f);
	marg(f, s, 1, OP_PROTOCOL, "IPPROTO_TCP", NULL);
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "operator 'Protocol' does not apply to an argument of type 'sockaddr'");
}

static void t_shared_btf(void **st)
{
	struct fx *f = *st;
	int err;

	NEED_BTF();
	f->opts.btf = btf_info__open(NULL, "/nonexistent-tracefs", &err);
	assert_non_null(f->opts.btf);
	kprobe(f, "security_file_opn", false);
	assert_int_equal(run(f), -EINVAL);
	EXPECT(f, DIAG_ERROR, "did you mean 'security_file_open'?");
	/* sema left the shared BTF open: a second run can use it */
	assert_int_equal(btf_info__func(f->opts.btf, "security_file_open", NULL), 0);
	btf_info__free(f->opts.btf);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(t_kprobe_unknown_suggest), T(t_kprobe_ok_file_arg), T(t_ignore_call_not_found),
		T(t_syscall_wrapper),	     T(t_not_a_syscall),      T(t_lsm_names),
		T(t_no_btf_note),	     T(t_arg_index_range),    T(t_arg_type_mismatch),
		T(t_arg_auto_resolved),	     T(t_tracepoint_fields),  T(t_arg_rules),
		T(t_match_arg_index),	     T(t_match_args_form),    T(t_values_by_type),
		T(t_empty_values),	     T(t_process_filters),    T(t_in_map_lists),
		T(t_call_list),		     T(t_override_where),     T(t_signal_block_ratelimit),
		T(t_sigkill_syscall_entry),  T(t_raw_path_warning),   T(t_never_matches),
		T(t_macros),		     T(t_unsupported),	      T(t_dsl),
		T(t_options_and_messages),   T(t_tracepoint_matchargs_position),
		T(t_override_void_hook),     T(t_sockaddr_ports),     T(t_shared_btf),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
