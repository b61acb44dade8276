/* objload.c - test tool: load (verify) every program of a tpc object that
 * this host can load, without attaching, and print each program's verified
 * instruction count. Programs of kinds this kernel refuses (kprobe, fentry,
 * fexit, lsm here) are skipped with a reason; those are verified in the VM
 * matrix. Exit 0 if every loadable program passed the verifier.
 *
 * usage: objload OBJ [--skip KIND,...]   (default skip: kprobe,kretprobe,fentry,fexit,lsm)
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int quiet_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	if (lvl == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static const char *skip_default = "kprobe/,kretprobe/,fentry/,fexit/,lsm/";

int main(int argc, char **argv)
{
	const char *skip = skip_default;
	struct bpf_object *obj;
	struct bpf_program *p;
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: objload OBJ [--skip-none]\n");
		return 2;
	}
	if (argc > 2 && !strcmp(argv[2], "--skip-none"))
		skip = "";
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
