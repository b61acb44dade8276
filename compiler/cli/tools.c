/* tools.c - see tools.h */
#include "cli/tools.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *tools__exe_dir(void)
{
	static char dir[PATH_MAX];
	ssize_t n;
	char *slash;

	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0)
		return strcpy(dir, ".");
	dir[n] = 0;
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	return dir;
}

/* First existing path among $env and candidates relative to tpc's dir. */
bool tools__find(char *out, size_t outlen, const char *env, const char *const *rel)
{
	struct stat st;

	if (getenv(env) && *getenv(env)) {
		snprintf(out, outlen, "%s", getenv(env));
		return !stat(out, &st);
	}
	for (; *rel; rel++) {
		if ((*rel)[0] == '/')
			snprintf(out, outlen, "%s", *rel);
		else
			snprintf(out, outlen, "%s/%s", tools__exe_dir(), *rel);
		if (!stat(out, &st))
			return true;
	}
	return false;
}

/* Run argv, capture stdout (stderr too if merge) into a malloc'd string.
 * Returns the exit status (128+sig when killed), -1 if it could not run. */
int tools__run(char *const argv[], char **out, bool merge, bool echo)
{
	int pfd[2], st;
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap);
	pid_t pid;
	ssize_t n;

	*out = NULL;
	if (!buf || pipe(pfd)) {
		free(buf);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		free(buf);
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (!pid) {
		dup2(pfd[1], 1);
		if (merge)
			dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "tpc: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(pfd[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (echo)
			fwrite(buf + len, 1, n, stderr);
		len += n;
	}
	close(pfd[0]);
	buf[len] = 0;
	*out = buf;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

bool tools__vm_scripts(char *out, size_t outlen)
{
	static const char *const rel[] = { "../scripts/vm", "scripts/vm", "/usr/share/tpc/vm",
					   NULL };

	return tools__find(out, outlen, "TPC_VM_SCRIPTS", rel);
}
