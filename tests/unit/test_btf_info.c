/* test_btf_info.c - BTF and tracepoint queries against the host kernel.
 * Tests that need /sys/kernel/btf/vmlinux skip (with the reason) without it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/btf.h>

#include "kernel/btf_info.h"

#define VMLINUX "/sys/kernel/btf/vmlinux"

static int setup(void **st)
{
	int err;

	*st = NULL;
	if (access(VMLINUX, R_OK))
		return 0;
	*st = btf_info__open(VMLINUX, "/nonexistent-tracefs", &err);
	return *st ? 0 : -1;
}

static int teardown(void **st)
{
	btf_info__free(*st);
	return 0;
}

#define NEED_BTF(st)                                                           \
	do {                                                                   \
		if (!*(st)) {                                                  \
			fprintf(stderr, "skip: %s is not readable\n", VMLINUX); \
			skip();                                                \
		}                                                              \
	} while (0)

static void t_open_missing(void **st)
{
	int err = 0;

	assert_null(btf_info__open("/nonexistent/vmlinux", NULL, &err));
	assert_true(err < 0);
}

static void t_func_proto(void **st)
{
	struct btf_func_info fi;

	NEED_BTF(st);
	/* int security_file_open(struct file *file) */
	assert_int_equal(btf_info__func(*st, "security_file_open", &fi), 0);
	assert_int_equal(fi.nparams, 1);
	assert_int_equal(fi.params[0].cls, BTFT_PTR_STRUCT);
	assert_string_equal(fi.params[0].type_name, "file");
	assert_string_equal(fi.params[0].desc, "struct file *");
	assert_int_equal(fi.ret.cls, BTFT_INT);
	assert_int_equal(fi.ret.bits, 32);
	assert_true(fi.ret.is_signed);
}

static void t_func_missing(void **st)
{
	NEED_BTF(st);
	assert_int_equal(btf_info__func(*st, "no_such_function_xyz", NULL), -ENOENT);
}

static void t_func_int_params(void **st)
{
	struct btf_func_info fi;

	NEED_BTF(st);
	/* long do_sys_openat2(int dfd, const char *filename, struct open_how *how) */
	assert_int_equal(btf_info__func(*st, "do_sys_openat2", &fi), 0);
	assert_int_equal(fi.nparams, 3);
	assert_int_equal(fi.params[0].cls, BTFT_INT);
	assert_int_equal(fi.params[0].bits, 32);
	assert_true(fi.params[0].is_signed);
	assert_int_equal(fi.params[1].cls, BTFT_PTR_CHAR);
	assert_int_equal(fi.params[2].cls, BTFT_PTR_STRUCT);
	assert_string_equal(fi.params[2].type_name, "open_how");
	assert_string_equal(fi.param_names[1], "filename");
}

static void t_lsm_hook(void **st)
{
	struct btf_func_info fi;

	NEED_BTF(st);
	assert_int_equal(btf_info__lsm_hook(*st, "file_open", &fi), 0);
	assert_int_equal(fi.nparams, 1);
	assert_string_equal(fi.params[0].type_name, "file");
	assert_int_equal(btf_info__lsm_hook(*st, "bprm_check_security", &fi), 0);
	assert_string_equal(fi.params[0].type_name, "linux_binprm");
	assert_int_equal(btf_info__lsm_hook(*st, "file_opn", NULL), -ENOENT);
}

static void t_syscall(void **st)
{
	char buf[128];

	NEED_BTF(st);
	assert_int_equal(btf_info__syscall(*st, "sys_openat", buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "_sys_openat"));
	assert_int_equal(strncmp(buf, "__", 2), 0);
	assert_int_equal(btf_info__syscall(*st, "openat", buf, sizeof(buf)), 0);
	assert_int_equal(btf_info__syscall(*st, "sys_no_such_call", buf, sizeof(buf)), -ENOENT);
}

static void t_suggest_func(void **st)
{
	const char *s;

	NEED_BTF(st);
	s = btf_info__suggest_func(*st, "security_file_opn", NULL);
	assert_non_null(s);
	assert_string_equal(s, "security_file_open");
	s = btf_info__suggest_func(*st, "file_opne", "bpf_lsm_");
	assert_non_null(s);
	assert_string_equal(s, "file_open");
	assert_null(btf_info__suggest_func(*st, "zzzzqqqq_nothing_like_it", NULL));
}

static void t_field_path(void **st)
{
	uint32_t id;
	size_t off, len;

	NEED_BTF(st);
	id = btf_info__struct_id(*st, "file");
	assert_true(id > 0);
	assert_int_equal(btf_info__field_path(*st, id, "f_path.dentry", &off, &len), 0);
	assert_int_equal(btf_info__field_path(*st, id, "f_path.dentry.d_name", &off, &len), 0);
	assert_int_equal(btf_info__field_path(*st, id, "f_path.nope", &off, &len), -ENOENT);
	assert_int_equal(off, 7);
	assert_int_equal(len, 4);
	id = btf_info__struct_id(*st, "task_struct");
	assert_int_equal(btf_info__field_path(*st, id, "mm.owner.real_parent.comm", &off, &len), 0);
	/* comm is char[16]: no members below it */
	assert_int_equal(btf_info__field_path(*st, id, "comm.x", &off, &len), -ENOTDIR);
}

/* What resolve compiles from: each component's kind, the pointer hops,
 * the owner structs CO-RE relocates by name, and candidates on a miss. */
static void t_member_path(void **st)
{
	struct btf_path bp;
	const char *cands[64];
	uint32_t id;
	size_t off, len;
	bool found = false;

	NEED_BTF(st);
	id = btf_info__struct_id(*st, "task_struct");
	assert_int_equal(btf_info__member_path(*st, id, "mm.exe_file.f_path.dentry", &bp, &off,
					       &len, NULL, 0), 0);
	assert_int_equal(bp.n, 4);
	assert_int_equal(bp.steps[0].kind, BTF_STEP_PTR);
	assert_true(bp.steps[0].ptr_to_struct);
	assert_string_equal(bp.steps[0].owner, "task_struct");
	assert_true(bp.steps[1].deref); /* through mm */
	assert_string_equal(bp.steps[1].owner, "mm_struct");
	assert_int_equal(bp.steps[2].kind, BTF_STEP_COMPOSITE); /* f_path is embedded */
	assert_true(bp.steps[2].deref);
	assert_false(bp.steps[3].deref); /* dentry is a member of the embedded path */
	assert_int_equal(bp.steps[3].kind, BTF_STEP_PTR);
	assert_int_equal(bp.steps[3].off, 19);
	assert_int_equal(bp.steps[3].len, 6);
	assert_int_equal(btf_info__member_path(*st, id, "comm", &bp, &off, &len, NULL, 0), 0);
	assert_int_equal(bp.steps[0].kind, BTF_STEP_ARRAY);
	assert_int_equal(bp.steps[0].elem_size, 1);
	assert_int_equal(bp.steps[0].nelems, 16);
	assert_int_equal(btf_info__member_path(*st, id, "tgid", &bp, &off, &len, NULL, 0), 0);
	assert_int_equal(bp.steps[0].kind, BTF_STEP_INT);
	assert_int_equal(bp.steps[0].size, 4);
	assert_true(bp.steps[0].is_signed);
	assert_int_equal(btf_info__member_path(*st, id, "mm.ownr", &bp, &off, &len, cands, 64),
			 -ENOENT);
	assert_int_equal(off, 3);
	for (int i = 0; cands[i]; i++)
		found |= !strcmp(cands[i], "owner");
	assert_true(found);
}

static void t_raw_tracepoint(void **st)
{
	struct btf_func_info fi;

	NEED_BTF(st);
	/* TP_PROTO(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) */
	assert_int_equal(btf_info__raw_tracepoint(*st, "sched_process_exec", &fi), 0);
	assert_int_equal(fi.nparams, 3);
	assert_string_equal(fi.params[0].type_name, "task_struct");
	assert_int_equal(fi.params[1].cls, BTFT_INT);
	assert_string_equal(fi.params[2].type_name, "linux_binprm");
	assert_int_equal(btf_info__raw_tracepoint(*st, "no_such_tp", &fi), -ENOENT);
}

static void t_tp_btf_fallback(void **st)
{
	struct tp_format f;

	NEED_BTF(st);
	/* tracefs is pointed at a missing directory: BTF is the source */
	assert_false(btf_info__has_tracefs(*st));
	assert_int_equal(btf_info__tracepoint(*st, "sched", "sched_process_exec", &f), 0);
	assert_int_equal(f.source, TP_SRC_BTF);
	assert_int_equal(f.ncommon, 4);
	assert_int_equal(f.nfields, 7);
	assert_string_equal(f.fields[4].name, "filename");
	assert_true(f.fields[4].data_loc);
	assert_string_equal(f.fields[5].name, "pid");
	assert_true(f.fields[5].is_signed);
	assert_int_equal(f.fields[5].offset, 12);
	tp_format__release(&f);
	assert_int_equal(btf_info__tracepoint(*st, "sched", "no_such_event", &f), -ENOENT);
	/* sched_wakeup shares its class struct: exists, fields unknown */
	assert_int_equal(btf_info__tracepoint(*st, "sched", "sched_wakeup", &f), -EOPNOTSUPP);
	assert_string_equal(btf_info__suggest_event(*st, "sched", "sched_process_exex"),
			    "sched_process_exec");
	assert_int_equal(btf_info__tracepoint(*st, "../x", "y", &f), -ENOENT);
}

static const char openat_fmt[] =
	"name: sys_enter_openat\n"
	"ID: 782\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;\n"
	"\n"
	"print fmt: \"dfd: 0x%08lx\", ((unsigned long)(REC->dfd))\n";

static void t_tp_format_parse(void **st)
{
	struct tp_format f;

	assert_int_equal(tp_format__parse(openat_fmt, &f), 0);
	assert_int_equal(f.nfields, 9);
	assert_int_equal(f.ncommon, 4);
	/* Tetragon's index counts the common fields: filename is index 6 */
	assert_string_equal(f.fields[6].name, "filename");
	assert_string_equal(f.fields[6].type, "const char *");
	assert_true(f.fields[6].is_ptr);
	assert_int_equal(f.fields[6].offset, 24);
	assert_int_equal(f.fields[6].size, 8);
	assert_string_equal(f.fields[8].type, "umode_t");
	assert_false(f.fields[5].is_signed);
	assert_true(f.fields[4].is_signed);
	tp_format__release(&f);
}

static void t_tp_format_arrays(void **st)
{
	static const char fmt[] =
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
		"\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n"
		"\tfield:char comm[16];\toffset:64;\tsize:16;\tsigned:0;\n";
	struct tp_format f;

	assert_int_equal(tp_format__parse(fmt, &f), 0);
	assert_int_equal(f.nfields, 4);
	assert_string_equal(f.fields[1].name, "filename");
	assert_true(f.fields[1].data_loc);
	assert_false(f.fields[1].is_array);
	assert_string_equal(f.fields[2].name, "args");
	assert_true(f.fields[2].is_array);
	assert_string_equal(f.fields[3].name, "comm");
	assert_string_equal(f.fields[3].type, "char");
	tp_format__release(&f);
}

static void t_tp_format_garbage(void **st)
{
	struct tp_format f;

	assert_true(tp_format__parse("", &f) < 0);
	assert_true(tp_format__parse("field:int;", &f) < 0);
	assert_true(tp_format__parse("name: x\nformat:\n", &f) < 0);
}

static void t_tp_tracefs_live(void **st)
{
	struct btf_info *bi;
	struct tp_format f;
	int err;

	NEED_BTF(st);
	if (access("/sys/kernel/tracing/events/syscalls/sys_enter_openat/format", R_OK)) {
		fprintf(stderr, "skip: tracefs is not mounted at /sys/kernel/tracing\n");
		skip();
	}
	bi = btf_info__open(VMLINUX, NULL, &err);
	assert_non_null(bi);
	assert_int_equal(btf_info__tracepoint(bi, "syscalls", "sys_enter_openat", &f), 0);
	assert_int_equal(f.source, TP_SRC_TRACEFS);
	assert_string_equal(f.fields[6].name, "filename");
	tp_format__release(&f);
	assert_int_equal(btf_info__tracepoint(bi, "syscalls", "sys_enter_opnat", &f), -ENOENT);
	assert_string_equal(btf_info__suggest_event(bi, "syscalls", "sys_enter_opnat"),
			    "sys_enter_openat");
	btf_info__free(bi);
}

/* A BTF of its own: struct btf_func_model (with arg_flags when new is
 * true, as since Linux 6.1) and int f(struct pair p, int *q), written to a
 * file btf_info__open reads. */
static struct btf_info *open_synthetic(bool new)
{
	char path[] = "/tmp/tpc-btf-XXXXXX";
	struct btf *b = btf__new_empty();
	struct btf_info *bi;
	const void *raw;
	uint32_t size;
	int fd, err, u8, i32, pair, ptr, proto;
	FILE *f;

	assert_non_null(b);
	u8 = btf__add_int(b, "u8", 1, 0);
	i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	btf__add_struct(b, "btf_func_model", new ? 2 : 1);
	btf__add_field(b, "nr_args", u8, 0, 0);
	if (new)
		btf__add_field(b, "arg_flags", u8, 8, 0);
	pair = btf__add_struct(b, "pair", 8);
	btf__add_field(b, "a", i32, 0, 0);
	btf__add_field(b, "b", i32, 32, 0);
	ptr = btf__add_ptr(b, i32);
	proto = btf__add_func_proto(b, i32);
	btf__add_func_param(b, "p", pair);
	btf__add_func_param(b, "q", ptr);
	assert_true(btf__add_func(b, "f", BTF_FUNC_GLOBAL, proto) > 0);
	raw = btf__raw_data(b, &size);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_int_equal(fwrite(raw, 1, size, f), size);
	fclose(f);
	btf__free(b);
	bi = btf_info__open(path, "", &err);
	unlink(path);
	assert_non_null(bi);
	return bi;
}

static void t_trampoline_struct_args(void **st)
{
	struct btf_info *old = open_synthetic(false), *new = open_synthetic(true);
	struct btf_func_info fi;

	(void)st;
	assert_false(btf_info__trampoline_struct_args(old));
	assert_true(btf_info__trampoline_struct_args(new));
	assert_int_equal(btf_info__func(old, "f", &fi), 0);
	assert_int_equal(fi.params[0].cls, BTFT_STRUCT);
	assert_int_equal(btf_func_info__struct_param(&fi), 0);
	fi.params[0].cls = BTFT_PTR_STRUCT;
	assert_int_equal(btf_func_info__struct_param(&fi), -1);
	btf_info__free(old);
	btf_info__free(new);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_open_missing),    cmocka_unit_test(t_func_proto),
		cmocka_unit_test(t_func_missing),    cmocka_unit_test(t_func_int_params),
		cmocka_unit_test(t_lsm_hook),	     cmocka_unit_test(t_syscall),
		cmocka_unit_test(t_suggest_func),    cmocka_unit_test(t_field_path),
		cmocka_unit_test(t_member_path),
		cmocka_unit_test(t_raw_tracepoint),  cmocka_unit_test(t_tp_btf_fallback),
		cmocka_unit_test(t_tp_format_parse), cmocka_unit_test(t_tp_format_arrays),
		cmocka_unit_test(t_tp_format_garbage), cmocka_unit_test(t_tp_tracefs_live),
		cmocka_unit_test(t_trampoline_struct_args),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
