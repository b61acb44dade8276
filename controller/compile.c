/* compile.c - run `tpc build` on one rendered policy (ctl_compile.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl_compile.h"
#include "sig.h"

#define DIAG_MAX (16u << 10)

extern char **environ;

void ctl_sha256_hex(const unsigned char *buf, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, buf, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

void ctl_build__fini(struct ctl_build *res)
{
	if (!res)
		return;
	free(res->obj);
	free(res->diag);
	memset(res, 0, sizeof(*res));
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int write_all(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ssize_t n = 0;

	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < len; off += (size_t)n) {
		n = write(fd, buf + off, len - off);
		if (n < 0) {
			int e = -errno;

			close(fd);
			return e;
		}
	}
	return close(fd) ? -errno : 0;
}

/* Read the child's output until it exits or the deadline passes; kills it
 * then.  Returns the wait status, or -ETIMEDOUT. */
static int collect(pid_t pid, int fd, char *out, size_t outmax, size_t *outlen, double deadline,
		   const volatile int *cancel)
{
	int st = 0;
	bool eof = false;

	*outlen = 0;
	while (!eof) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - now_ms();
		ssize_t n;
		char sink[4096];

		if (left <= 0 || (cancel && *cancel)) {
			/* tpc and the clang it runs: its own process group */
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return left <= 0 ? -ETIMEDOUT : -ECANCELED;
		}
		if (poll(&p, 1, left > 1000 ? 1000 : (int)left + 1) <= 0)
			continue;
		if (*outlen + 1 < outmax) {
			n = read(fd, out + *outlen, outmax - 1 - *outlen);
			if (n > 0)
				*outlen += (size_t)n;
		} else {
			n = read(fd, sink, sizeof(sink)); /* the rest is dropped */
		}
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			eof = true;
	}
	out[*outlen] = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* rm -r of the private directory (it holds at most the source, its
 * folder and the object) */
static void remove_dir(const char *dir, const char *relpath)
{
	char p[PATH_MAX * 2], *slash;

	snprintf(p, sizeof(p), "%s/%s", dir, relpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s/out.bpf.o", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%s", dir, relpath);
	while ((slash = strrchr(p, '/')) && (size_t)(slash - p) > strlen(dir)) {
		*slash = 0;
		rmdir(p);
	}
	rmdir(dir);
}

int ctl_compile__run(const struct ctl_compile_cfg *cfg, const char *relpath, const char *src,
		     size_t srclen, struct ctl_build *res)
{
	char dir[PATH_MAX], path[PATH_MAX * 2], *argv[32], *text = NULL, why[512];
	int pipefd[2] = { -1, -1 }, err, st, argc = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	bool fa_init = false, sa_init = false;
	double t0 = now_ms();
	size_t textlen = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	why[0] = 0;
	snprintf(dir, sizeof(dir), "%s/tpc-controller.XXXXXX", cfg->tmpdir ? cfg->tmpdir : "/tmp");
	if (!mkdtemp(dir)) {
		err = -errno;
		snprintf(why, sizeof(why), "temporary directory: %s", strerror(-err));
		dir[0] = 0;
		goto cleanup;
	}
	/* RELPATH's folders */
	snprintf(path, sizeof(path), "%s/%s", dir, relpath);
	for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(path, 0700);
		*s = '/';
	}
	err = write_all(path, src, srclen);
	if (err) {
		snprintf(why, sizeof(why), "writing the source: %s", strerror(-err));
		goto cleanup;
	}
	argv[argc++] = (char *)cfg->tpc;
	argv[argc++] = "build";
	argv[argc++] = "--format";
	argv[argc++] = "text";
	if (cfg->sign_key) {
		argv[argc++] = "--sign";
		argv[argc++] = (char *)cfg->sign_key;
	}
	for (size_t i = 0; cfg->extra && cfg->extra[i] && argc < 24; i++)
		argv[argc++] = (char *)cfg->extra[i];
	argv[argc++] = (char *)relpath;
	argv[argc++] = "-o";
	argv[argc++] = "out.bpf.o";
	argv[argc] = NULL;
	text = malloc(DIAG_MAX);
	if (!text || pipe2(pipefd, O_CLOEXEC)) {
		err = text ? -errno : -ENOMEM;
		snprintf(why, sizeof(why), "%s", strerror(-err));
		goto cleanup;
	}
	if (posix_spawn_file_actions_init(&fa)) {
		err = -ENOMEM;
		goto cleanup;
	}
	fa_init = true;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawn_file_actions_addchdir_np(&fa, dir);
	if (posix_spawnattr_init(&sa)) {
		err = -ENOMEM;
		goto cleanup;
	}
	sa_init = true;
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&sa, 0);
	err = -posix_spawn(&pid, cfg->tpc, &fa, &sa, argv, environ);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (err) {
		snprintf(why, sizeof(why), "cannot run %s: %s", cfg->tpc, strerror(-err));
		goto cleanup;
	}
	st = collect(pid, pipefd[0], text, DIAG_MAX, &textlen,
		     t0 + 1e3 * (cfg->timeout_s ? cfg->timeout_s : 120), cfg->cancel);
	res->ms = now_ms() - t0;
	if (st == -ECANCELED) {
		snprintf(why, sizeof(why), "stopped");
		err = -ECANCELED;
		goto cleanup;
	}
	if (st == -ETIMEDOUT) {
		snprintf(why, sizeof(why), "tpc build did not finish within %u s",
			 cfg->timeout_s ? cfg->timeout_s : 120);
		err = -ETIMEDOUT;
		goto cleanup;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		char err_s[256];

		snprintf(path, sizeof(path), "%s/out.bpf.o", dir);
		err = sig__read_file(path, SIG_MAX_OBJECT, &res->obj, &res->len, err_s,
				     sizeof(err_s));
		if (err) {
			snprintf(why, sizeof(why), "reading the object: %s", err_s);
			goto cleanup;
		}
		ctl_sha256_hex(res->obj, res->len, res->sha256);
		res->ok = true;
	} else if (WIFEXITED(st) && WEXITSTATUS(st) == 1) {
		/* an invalid policy: the diagnostics are the answer */
		while (textlen && (text[textlen - 1] == '\n' || text[textlen - 1] == ' '))
			text[--textlen] = 0;
		res->diag = text;
		text = NULL;
	} else {
		err = -EIO;
		snprintf(why, sizeof(why), "tpc build %s %d: %.*s",
			 WIFEXITED(st) ? "exited with" : "killed by signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), 400, text);
		goto cleanup;
	}
	err = 0;
cleanup:
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	if (sa_init)
		posix_spawnattr_destroy(&sa);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	free(text);
	if (dir[0])
		remove_dir(dir, relpath);
	if (err) {
		free(res->obj);
		res->obj = NULL;
		res->len = 0;
		res->ok = false;
		free(res->diag);
		res->diag = strdup(why[0] ? why : strerror(-err));
	}
	if (!res->ms)
		res->ms = now_ms() - t0;
	return err;
}
