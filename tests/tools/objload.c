/* objload.c - test tool: load (verify) every program of a tpc object that
 * this host can load, without attaching, and print each program's verified
 * instruction count. Programs of kinds this kernel refuses (kprobe, fentry,
 * fexit, lsm here) are skipped with a reason; those are verified in the VM
 * matrix. Exit 0 if every loadable program passed the verifier.
 *
 * usage: objload OBJ [--skip-none | --each]
 *   default      skip kprobe, kretprobe, fentry, fexit and lsm programs
 *   --skip-none  load every program, all at once (the object must load whole)
 *   --each       load each program alone (others off), so every program gets
 *                its own verdict: "ok NAME SEC verified_insns=N xlated=N" or
 *                "rejected NAME SEC: MESSAGE" where MESSAGE is the verifier's
 *                last line (or libbpf's reason) and "processed=N" when known;
 *                exit 1 if any was rejected. Used by `tpc verify` in the VMs.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int quiet_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	if (lvl == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* --each: libbpf's messages of the current load, to find the verifier's verdict */
static char logbuf[1 << 20];
static size_t loglen;

static int capture_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	int n;

	if (lvl == LIBBPF_DEBUG || loglen >= sizeof(logbuf) - 1)
		return 0;
	n = vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen, fmt, ap);
	if (n > 0)
		loglen += (size_t)n < sizeof(logbuf) - loglen ? (size_t)n : sizeof(logbuf) - loglen - 1;
	return 0;
}

/* The verifier's verdict: the last line of its log before "processed N
 * insns" (libbpf prints the log between BEGIN/END PROG LOAD LOG markers);
 * without a log, libbpf's last line. Writes one line into out. */
static void verdict(char *out, size_t outlen, long *processed)
{
	char *save = NULL, *line, *last = NULL, *last_lib = NULL;
	bool in_log = false;

	*processed = -1;
	out[0] = 0;
	for (line = strtok_r(logbuf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "-- BEGIN PROG LOAD LOG --")) {
			in_log = true;
			continue;
		}
		if (strstr(line, "-- END PROG LOAD LOG --")) {
			in_log = false;
			continue;
		}
		if (in_log) {
			if (!strncmp(line, "processed ", 10)) {
				*processed = strtol(line + 10, NULL, 10);
				continue;
			}
			if (!strncmp(line, "verification time", 17) || !strncmp(line, "stack depth", 11) ||
			    !*line)
				continue;
			last = line;
		} else if (*line && !strstr(line, "failed to load object")) {
			last_lib = line;
		}
	}
	snprintf(out, outlen, "%s", last ? last : last_lib ? last_lib : "load failed");
}

static int load_each(const char *path)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	int n = 0, bad = 0;

	libbpf_set_print(capture_print);
	obj = bpf_object__open(path);
	if (!obj) {
		fprintf(stderr, "objload: cannot open %s\n", path);
		return 1;
	}
	bpf_object__for_each_program(p, obj)
		n++;
	bpf_object__close(obj);
	for (int i = 0; i < n; i++) {
		struct bpf_program *mine = NULL;
		char msg[512];
		long processed;
		int k = 0, err;

		obj = bpf_object__open(path);
		if (!obj)
			return 1;
		bpf_object__for_each_program(p, obj) {
			bpf_program__set_autoload(p, k == i);
			if (k++ == i)
				mine = p;
		}
		loglen = 0;
		logbuf[0] = 0;
		err = bpf_object__load(obj);
		if (err) {
			verdict(msg, sizeof(msg), &processed);
			printf("rejected %s %s: %s", bpf_program__name(mine),
			       bpf_program__section_name(mine), msg);
			if (processed >= 0)
				printf(" (processed=%ld)", processed);
			printf(" [%s]\n", strerror(-err));
			bad = 1;
		} else {
			struct bpf_prog_info info = { 0 };
			__u32 len = sizeof(info);

			bpf_obj_get_info_by_fd(bpf_program__fd(mine), &info, &len);
			printf("ok %s %s verified_insns=%u xlated=%u\n", bpf_program__name(mine),
			       bpf_program__section_name(mine), info.verified_insns,
			       info.xlated_prog_len / 8);
		}
		fflush(stdout);
		bpf_object__close(obj);
	}
	return bad;
}

static const char *skip_default = "kprobe/,kretprobe/,fentry/,fexit/,lsm/";

int main(int argc, char **argv)
{
	const char *skip = skip_default;
	struct bpf_object *obj;
	struct bpf_program *p;
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: objload OBJ [--skip-none | --each]\n");
		return 2;
	}
	if (argc > 2 && !strcmp(argv[2], "--skip-none"))
		skip = "";
	if (argc > 2 && !strcmp(argv[2], "--each"))
		return load_each(argv[1]);
	libbpf_set_print(quiet_print);
	obj = bpf_object__open(argv[1]);
	if (!obj) {
		fprintf(stderr, "objload: cannot open %s\n", argv[1]);
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		const char *sec = bpf_program__section_name(p);
		char pre[32];
		const char *slash = strchr(sec, '/');
		size_t n = slash ? (size_t)(slash - sec) + 1 : strlen(sec);

		snprintf(pre, sizeof(pre), "%.*s", (int)n, sec);
		if (*skip && strstr(skip, pre) && slash) {
			bpf_program__set_autoload(p, false);
			printf("skip %s %s: this kernel cannot load %s programs\n",
			       bpf_program__name(p), sec, pre);
		}
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "objload: %s: load failed: %s\n", argv[1], strerror(-err));
		bpf_object__close(obj);
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(p))
			continue;
		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			continue;
		printf("ok %s %s verified_insns=%u xlated=%u\n", bpf_program__name(p),
		       bpf_program__section_name(p), info.verified_insns,
		       info.xlated_prog_len / 8);
	}
	bpf_object__close(obj);
	return 0;
}
