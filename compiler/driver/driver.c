/* driver.c - see driver.h */
#include "driver/driver.h"
#include "driver/elfpost.h"
#include "sig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char runtime_buf[PATH_MAX + 32];

const char *driver__runtime_dir(const struct driver_opts *opts)
{
	char exe[PATH_MAX - 64], *slash;
	ssize_t n;
	struct stat st;

	if (opts->runtime)
		return opts->runtime;
	if (getenv("TPC_RUNTIME"))
		return getenv("TPC_RUNTIME");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(runtime_buf, sizeof(runtime_buf), "%s/../runtime/tpc.bpf.h", exe);
			if (!stat(runtime_buf, &st)) {
				snprintf(runtime_buf, sizeof(runtime_buf), "%s/../runtime", exe);
				return runtime_buf;
			}
		}
	}
	return "/usr/share/tpc/runtime";
}

static void print_cmd(char *const argv[])
{
	for (int i = 0; argv[i]; i++) {
		const char *a = argv[i];
		bool plain = *a != '\0';

		for (const char *p = a; *p; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				    "-_./=:,+@%",
				    *p))
				plain = false;
		if (i)
			putchar(' ');
		if (plain) {
			fputs(a, stdout);
		} else {
			putchar('\'');
			for (const char *p = a; *p; p++) {
				if (*p == '\'')
					fputs("'\\''", stdout);
				else
					putchar(*p);
			}
			putchar('\'');
		}
	}
	putchar('\n');
}

static int run(char *const argv[], const struct driver_opts *opts)
{
	pid_t pid;
	int status, err;

	if (opts->dry_run || opts->verbose)
		print_cmd(argv);
	if (opts->dry_run)
		return 0;
	err = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (err) {
		fprintf(stderr, "tpc: cannot run %s: %s\n", argv[0], strerror(err));
		return -err;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fprintf(stderr, "tpc: %s failed (%s %d)\n", argv[0],
		WIFEXITED(status) ? "exit" : "signal",
		WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return -ECHILD;
}

static int write_bytes(const char *path, const void *text, size_t n)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fwrite(text, 1, n, f) != n)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static int write_file(const char *path, const char *text)
{
	return write_bytes(path, text, strlen(text));
}

/* Sign the finished object at path in place: the placeholder section is
 * already there, so only its 64 signature bytes change. */
static int sign_file(const char *path, const unsigned char *sk)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	char err[512];
	int ret;

	ret = sig__read_file(path, SIG_MAX_OBJECT, &buf, &len, err, sizeof(err));
	if (!ret)
		ret = sig__sign(buf, len, sk, err, sizeof(err));
	if (ret)
		fprintf(stderr, "tpc: cannot sign %s: %s\n", path, err);
	else if ((ret = write_bytes(path, buf, len)))
		fprintf(stderr, "tpc: cannot write %s: %s\n", path, strerror(-ret));
	free(buf);
	return ret;
}

int driver__build(const char *c_text, const char *meta_json, const char *out_path,
		  const struct driver_opts *opts)
{
	const char *clang = opts->clang ? opts->clang
			    : getenv("TPC_CLANG") ? getenv("TPC_CLANG")
						  : "clang";
	const char *rt = driver__runtime_dir(opts);
	char tmpl[] = "/tmp/tpc-build.XXXXXX";
	char src[PATH_MAX], obj[PATH_MAX], inc1[PATH_MAX + 4], inc2[PATH_MAX + 16];
	char map1[PATH_MAX + 8], map2[PATH_MAX + 32], tmp_out[PATH_MAX], msg[PATH_MAX + 128];
	unsigned char ph[SIG_SECTION_SIZE];
	struct elfpost_section sect[2] = {
		{ ".tpc.meta", meta_json, strlen(meta_json) },
		/* the signature section comes last, after the object is complete */
		{ SIG_SECTION, ph, sizeof(ph) },
	};
	const char *dir;
	int err;

	dir = opts->dry_run ? "/tmp/tpc-build.XXXXXX" : mkdtemp(tmpl);
	if (!dir) {
		err = -errno;
		fprintf(stderr, "tpc: cannot create a temporary directory: %s\n", strerror(errno));
		return err;
	}
	/* Fixed file names inside the temp dir, and prefix maps, keep the
	 * object byte-identical from run to run. */
	snprintf(src, sizeof(src), "%s/policy.bpf.c", dir);
	snprintf(obj, sizeof(obj), "%s/policy.bpf.o", dir);
	snprintf(inc1, sizeof(inc1), "-I%s", rt);
	snprintf(inc2, sizeof(inc2), "-I%s/include", rt);
	snprintf(map1, sizeof(map1), "-fdebug-prefix-map=%s=.", dir);
	snprintf(map2, sizeof(map2), "-fdebug-prefix-map=%s=/tpc/runtime", rt);
	snprintf(tmp_out, sizeof(tmp_out), "%s.tmp.%d", out_path, (int)getpid());

	char *cc[] = { (char *)clang, "-g", "-O2", "-target", "bpf", "-D__TARGET_ARCH_x86",
		       "-D__bpf__", "-Wall", "-Werror", "-Wno-unused-function",
		       "-Wno-unused-variable", "-Wno-unused-but-set-variable",
		       "-Wno-unused-label", inc1, inc2, "-idirafter",
		       "/usr/include/x86_64-linux-gnu", "-idirafter", "/usr/include", map1, map2,
		       "-fdebug-compilation-dir=/tpc",
		       "-c", src, "-o", obj, NULL };

	if (opts->sign_sk)
		sig__placeholder(ph);
	if (!opts->dry_run && (err = write_file(src, c_text))) {
		fprintf(stderr, "tpc: cannot write %s: %s\n", dir, strerror(-err));
		goto cleanup;
	}
	err = run(cc, opts);
	if (err)
		goto cleanup;
	/* DWARF out, .tpc.meta (and .tpc.sig) in: libelf, in process
	 * (driver/elfpost.h); no llvm-objcopy processes */
	if (opts->dry_run || opts->verbose)
		printf("# %s, add .tpc.meta%s (in process, libelf) -> %s\n",
		       opts->keep_debug ? "keep DWARF" : "strip DWARF",
		       opts->sign_sk ? " and " SIG_SECTION : "", tmp_out);
	if (!opts->dry_run &&
	    (err = elfpost__write(obj, tmp_out, !opts->keep_debug, sect, opts->sign_sk ? 2 : 1,
				  msg, sizeof(msg)))) {
		fprintf(stderr, "tpc: %s\n", msg);
		goto cleanup;
	}
	if (opts->sign_sk) {
		if (opts->dry_run)
			printf("# sign %s in place (ed25519, docs/security.md)\n", tmp_out);
		else if ((err = sign_file(tmp_out, opts->sign_sk)))
			goto cleanup;
	}
	if (!opts->dry_run) {
		if (rename(tmp_out, out_path)) {
			err = -errno;
			fprintf(stderr, "tpc: cannot write %s: %s\n", out_path, strerror(errno));
		}
	} else {
		printf("mv %s %s\n", tmp_out, out_path);
	}
cleanup:
	if (!opts->dry_run) {
		unlink(tmp_out);
		unlink(src);
		unlink(obj);
		rmdir(dir);
	}
	return err;
}
