/* probe.c - kernel feature probing by real loads and attaches.
 *
 * libbpf_probe_bpf_prog_type() says "yes" for program types that exist but
 * are refused at load (LSM and fentry return EPERM on the development VMs
 * although the types exist), and a kprobe program loads even when
 * CONFIG_KPROBES is off.  So hook kinds are probed by loading a two-insn
 * program with the right attach type and target, then attaching it where
 * that has no effect on the system.  Helpers and map types go through
 * libbpf, whose probes load a real program and read the verifier's answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "core/ldr_probe.h"

const char *const ldr_feat_names[LDR_FEAT__COUNT] = {
	[LDR_FEAT_TRACEPOINT] = "tracepoint",
	[LDR_FEAT_RAW_TP] = "raw_tp",
	[LDR_FEAT_TP_BTF] = "tp_btf",
	[LDR_FEAT_KPROBE] = "kprobe",
	[LDR_FEAT_FENTRY] = "fentry",
	[LDR_FEAT_LSM] = "lsm",
	[LDR_FEAT_UPROBE] = "uprobe",
	[LDR_FEAT_CGROUP] = "cgroup",
	[LDR_FEAT_RINGBUF] = "ringbuf",
	[LDR_FEAT_SEND_SIGNAL] = "send_signal",
	[LDR_FEAT_TASK_STORAGE] = "task_storage",
	[LDR_FEAT_BPF_LOOP] = "bpf_loop",
	[LDR_FEAT_OVERRIDE_RETURN] = "override_return",
	[LDR_FEAT_PROBE_WRITE_USER] = "probe_write_user",
	[LDR_FEAT_IMA_FILE_HASH] = "ima_file_hash",
};

static void set(struct ldr_features *f, enum ldr_feat k, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void set(struct ldr_features *f, enum ldr_feat k, bool ok, const char *fmt, ...)
{
	va_list ap;

	f->has[k] = ok;
	va_start(ap, fmt);
	vsnprintf(f->detail[k], sizeof(f->detail[k]), fmt, ap);
	va_end(ap);
}

/* "return ret" */
static int load_min(enum bpf_prog_type type, enum bpf_attach_type eat, int btf_id, int ret)
{
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = ret },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = eat,
		    .attach_btf_id = btf_id);
	int fd = bpf_prog_load(type, "tpc_probe", "GPL", insns, 2, &opts);

	return fd < 0 ? -errno : fd;
}

/* The kernel BTF is parsed once per probe run and freed at its end: it
 * takes several MB. Or the caller's (probe_shared), kept. */
static struct btf *probe_btf;
static const struct btf *probe_shared;

static int btf_id_of(const char *name, int kind)
{
	if (!probe_shared && !probe_btf)
		probe_btf = btf__load_vmlinux_btf();
	if (!probe_shared && !probe_btf)
		return -ENOENT;
	return btf__find_by_name_kind(probe_shared ? probe_shared : probe_btf, name, kind);
}

static long perf_open(struct perf_event_attr *attr)
{
	return syscall(__NR_perf_event_open, attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
}

static int read_int_file(const char *path, int *out)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%d", out) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

static void probe_tracepoint(struct ldr_features *f)
{
	struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr) };
	int fd = load_min(BPF_PROG_TYPE_TRACEPOINT, 0, 0, 0), id, pfd;

	if (fd < 0) {
		set(f, LDR_FEAT_TRACEPOINT, false, "load failed: %s", strerror(-fd));
		return;
	}
	if (read_int_file("/sys/kernel/tracing/events/sched/sched_process_exec/id", &id) &&
	    read_int_file("/sys/kernel/debug/tracing/events/sched/sched_process_exec/id", &id)) {
		set(f, LDR_FEAT_TRACEPOINT, true,
		    "loads; attach not tried: tracefs not mounted (mount -t tracefs nodev "
		    "/sys/kernel/tracing)");
		close(fd);
		return;
	}
	attr.config = id;
	attr.sample_period = 1;
	pfd = perf_open(&attr);
	if (pfd < 0 || ioctl(pfd, PERF_EVENT_IOC_SET_BPF, fd) < 0)
		set(f, LDR_FEAT_TRACEPOINT, false, "attach failed: %s", strerror(errno));
	else
		set(f, LDR_FEAT_TRACEPOINT, true, "loaded and attached to sched/sched_process_exec");
	if (pfd >= 0)
		close(pfd);
	close(fd);
}

static void probe_raw_tp(struct ldr_features *f)
{
	int fd = load_min(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, 0), lfd;

	if (fd < 0) {
		set(f, LDR_FEAT_RAW_TP, false, "load failed: %s", strerror(-fd));
		return;
	}
	lfd = bpf_raw_tracepoint_open("sched_process_exec", fd);
	if (lfd < 0)
		set(f, LDR_FEAT_RAW_TP, false, "attach failed: %s", strerror(errno));
	else
		set(f, LDR_FEAT_RAW_TP, true, "loaded and attached to sched_process_exec");
	if (lfd >= 0)
		close(lfd);
	close(fd);
}

/* tp_btf, fentry and lsm are BTF-typed trampolines/hooks: load with a real
 * target, then attach through a raw-tracepoint/link fd. */
static void probe_btf_kind(struct ldr_features *f, enum ldr_feat k, enum bpf_prog_type type,
			   enum bpf_attach_type eat, const char *target, int btf_kind)
{
	int id = btf_id_of(target, btf_kind), fd, lfd;

	if (id < 0) {
		set(f, k, false, "no BTF id for %s (kernel BTF missing?)", target);
		return;
	}
	fd = load_min(type, eat, id, 0);
	if (fd < 0) {
		set(f, k, false, "load with target %s failed: %s", target, strerror(-fd));
		return;
	}
	if (type == BPF_PROG_TYPE_LSM)
		lfd = bpf_link_create(fd, 0, BPF_LSM_MAC, NULL);
	else
		lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd < 0)
		set(f, k, false, "attach to %s failed: %s", target, strerror(errno));
	else
		set(f, k, true, "loaded and attached to %s", target);
	if (lfd >= 0)
		close(lfd);
	close(fd);
}

static void probe_kprobe(struct ldr_features *f)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	int fd = load_min(BPF_PROG_TYPE_KPROBE, 0, 0, 0), type;
	const char *sym = "do_sys_openat2";
	long pfd;

	if (fd < 0) {
		set(f, LDR_FEAT_KPROBE, false, "load failed: %s", strerror(-fd));
		return;
	}
	if (read_int_file("/sys/bus/event_source/devices/kprobe/type", &type)) {
		set(f, LDR_FEAT_KPROBE, false,
		    "program type loads, but there is no kprobe PMU (CONFIG_KPROBES off?)");
		close(fd);
		return;
	}
	attr.type = type;
	attr.config1 = (unsigned long)sym;
	pfd = perf_open(&attr);
	if (pfd < 0 || ioctl(pfd, PERF_EVENT_IOC_SET_BPF, fd) < 0)
		set(f, LDR_FEAT_KPROBE, false, "attach to %s failed: %s", sym, strerror(errno));
	else
		set(f, LDR_FEAT_KPROBE, true, "loaded and attached to %s", sym);
	if (pfd >= 0)
		close(pfd);
	close(fd);
}

static void probe_uprobe(struct ldr_features *f)
{
	int fd = load_min(BPF_PROG_TYPE_KPROBE, 0, 0, 0), type;

	if (fd < 0) {
		set(f, LDR_FEAT_UPROBE, false, "load failed: %s", strerror(-fd));
		return;
	}
	close(fd);
	/* Attaching needs a real function offset in some binary; the PMU plus
	 * a loadable program is what every uprobe attach requires. */
	if (read_int_file("/sys/bus/event_source/devices/uprobe/type", &type))
		set(f, LDR_FEAT_UPROBE, false, "no uprobe PMU (CONFIG_UPROBE_EVENTS off?)");
	else
		set(f, LDR_FEAT_UPROBE, true, "program loads and the uprobe PMU exists");
}

static void probe_cgroup(struct ldr_features *f)
{
	int fd = load_min(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, 0, 1);

	if (fd < 0) {
		set(f, LDR_FEAT_CGROUP, false, "cgroup/connect4 load failed: %s", strerror(-fd));
		return;
	}
	close(fd);
	set(f, LDR_FEAT_CGROUP, true, "cgroup/connect4 loads (not attached by the probe)");
}

static void probe_helper(struct ldr_features *f, enum ldr_feat k, enum bpf_prog_type type,
			 enum bpf_func_id id, const char *name)
{
	int r = libbpf_probe_bpf_helper(type, id, NULL);

	if (r > 0)
		set(f, k, true, "verifier accepts %s", name);
	else if (r == 0)
		set(f, k, false, "verifier rejects %s", name);
	else
		set(f, k, false, "probe failed: %s", strerror(-r));
}

static void probe_map(struct ldr_features *f, enum ldr_feat k, enum bpf_map_type type,
		      const char *name)
{
	int r = libbpf_probe_bpf_map_type(type, NULL);

	if (r > 0)
		set(f, k, true, "%s map created", name);
	else
		set(f, k, false, "%s map: %s", name, r == 0 ? "not supported" : strerror(-r));
}

/* libbpf's helper probe only recognises "unknown func" in the verifier log;
 * a helper refused by lockdown ("cannot use helper") reads as supported.  So
 * call the helper with valid arguments in a real load and trust the errno. */
#define INSN(c, d, sr, o, i) { .code = (c), .dst_reg = (d), .src_reg = (sr), .off = (o), .imm = (i) }
static int load_call(enum bpf_prog_type type, enum bpf_func_id id)
{
	/* probe_write_user(dst = 0, src = fp-8, 8) */
	struct bpf_insn write_user[] = {
		INSN(BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, -8, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -8),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, 8),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_probe_write_user),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	/* override_return(ctx, 0) */
	struct bpf_insn override[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_override_return),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	bool w = id == BPF_FUNC_probe_write_user;
	int fd = bpf_prog_load(type, "tpc_probe", "GPL", w ? write_user : override,
			       w ? 8 : 4, NULL);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Why bpf_probe_write_user is refused: lockdown (security/lockdown) turns
 * the helper off from its "integrity" level on, and says so in securityfs
 * ("none [integrity] confidentiality"). */
static const char *lockdown_state(void)
{
	static char buf[96];
	char line[128] = "", *a, *b;
	FILE *fp = fopen("/sys/kernel/security/lockdown", "r");

	if (!fp)
		return "kernel lockdown? (no /sys/kernel/security/lockdown to tell)";
	if (!fgets(line, sizeof(line), fp))
		line[0] = 0;
	fclose(fp);
	a = strchr(line, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!a || !b)
		return "kernel lockdown? (its state is unreadable)";
	*b = 0;
	snprintf(buf, sizeof(buf), "kernel lockdown is '%s'%s", a + 1,
		 strcmp(a + 1, "none") ? "" : " (so something else refuses it)");
	return buf;
}

/* imaHash: a sleepable LSM program on file_open calling
 * bpf_ima_file_hash(file, fp-64, 64) must load (BPF LSM, the helper:
 * 5.18+), and the kernel must have IMA: without CONFIG_IMA the helper
 * exists but every call fails (its ima_file_hash() is an inline stub, so
 * the function is not in the kernel's BTF). */
static void probe_ima(struct ldr_features *f)
{
	struct bpf_insn insns[] = {
		INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_1, 0, 0), /* file = ctx[0] */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -64),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, 64),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ima_file_hash),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	int id = btf_id_of("bpf_lsm_file_open", BTF_KIND_FUNC), fd;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_LSM_MAC,
		    .attach_btf_id = id, .prog_flags = BPF_F_SLEEPABLE);

	if (!f->has[LDR_FEAT_LSM]) {
		set(f, LDR_FEAT_IMA_FILE_HASH, false, "needs BPF LSM, which this kernel lacks");
		return;
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_LSM, "tpc_probe", "GPL", insns, 7, &opts);
	if (fd < 0) {
		set(f, LDR_FEAT_IMA_FILE_HASH, false,
		    "sleepable LSM program calling bpf_ima_file_hash (5.18+) refused: %s",
		    strerror(errno));
		return;
	}
	close(fd);
	if (btf_id_of("ima_file_hash", BTF_KIND_FUNC) < 0)
		set(f, LDR_FEAT_IMA_FILE_HASH, false,
		    "the helper loads but the kernel has no IMA (CONFIG_IMA; no ima_file_hash "
		    "in BTF)");
	else
		set(f, LDR_FEAT_IMA_FILE_HASH, true,
		    "sleepable LSM program calling bpf_ima_file_hash loads; IMA built in");
}

void ldr_features__probe_btf(struct ldr_features *f, const struct btf *btf)
{
	probe_shared = btf;
	ldr_features__probe(f);
	probe_shared = NULL;
}

void ldr_features__probe(struct ldr_features *f)
{
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	int r;

	memset(f, 0, sizeof(*f));
	probe_tracepoint(f);
	probe_raw_tp(f);
	probe_btf_kind(f, LDR_FEAT_TP_BTF, BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP,
		       "btf_trace_sched_process_exec", BTF_KIND_TYPEDEF);
	probe_kprobe(f);
	probe_btf_kind(f, LDR_FEAT_FENTRY, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY,
		       "do_sys_openat2", BTF_KIND_FUNC);
	probe_btf_kind(f, LDR_FEAT_LSM, BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_file_open",
		       BTF_KIND_FUNC);
	probe_uprobe(f);
	probe_cgroup(f);
	probe_map(f, LDR_FEAT_RINGBUF, BPF_MAP_TYPE_RINGBUF, "ringbuf");
	probe_map(f, LDR_FEAT_TASK_STORAGE, BPF_MAP_TYPE_TASK_STORAGE, "task storage");
	probe_helper(f, LDR_FEAT_SEND_SIGNAL, BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_send_signal,
		     "bpf_send_signal");
	probe_helper(f, LDR_FEAT_BPF_LOOP, BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_loop, "bpf_loop");
	r = load_call(BPF_PROG_TYPE_KPROBE, BPF_FUNC_override_return);
	if (r)
		set(f, LDR_FEAT_OVERRIDE_RETURN, false, "verifier rejects it: %s", strerror(-r));
	else if (!f->has[LDR_FEAT_KPROBE])
		set(f, LDR_FEAT_OVERRIDE_RETURN, false,
		    "verifier accepts it, but it needs a kprobe and kprobes do not attach");
	else
		set(f, LDR_FEAT_OVERRIDE_RETURN, true,
		    "verifier accepts it (attach also needs an error-injectable function)");
	r = load_call(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_probe_write_user);
	if (r == 0)
		set(f, LDR_FEAT_PROBE_WRITE_USER, true, "a program calling it loads");
	else
		set(f, LDR_FEAT_PROBE_WRITE_USER, false, "load refused (%s): %s", strerror(-r),
		    lockdown_state());
	probe_ima(f);
	f->probed = true;
	btf__free(probe_btf);
	probe_btf = NULL;
	libbpf_set_print(old);
}

bool ldr_features__has(const struct ldr_features *f, const char *name)
{
	for (int i = 0; i < LDR_FEAT__COUNT; i++)
		if (!strcmp(ldr_feat_names[i], name))
			return f->has[i];
	return false;
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

void ldr_features__print(const struct ldr_features *f, FILE *out, bool json)
{
	if (json) {
		fputs("{", out);
		for (int i = 0; i < LDR_FEAT__COUNT; i++) {
			fprintf(out, "%s\"%s\":{\"supported\":%s,\"detail\":", i ? "," : "",
				ldr_feat_names[i], f->has[i] ? "true" : "false");
			json_str(out, f->detail[i]);
			fputs("}", out);
		}
		fputs("}\n", out);
		return;
	}
	for (int i = 0; i < LDR_FEAT__COUNT; i++) {
		if (i == LDR_FEAT_RINGBUF)
			fputs("helpers and maps:\n", out);
		else if (i == 0)
			fputs("hook kinds:\n", out);
		fprintf(out, "  %-17s %-4s %s\n", ldr_feat_names[i], f->has[i] ? "yes" : "no",
			f->detail[i]);
	}
}
