/* rtime OUT CMD ARGS...: run CMD (argv, no shell) with stdout and stderr
 * to /dev/null, wait, and write "WALL_S CPU_S MAXRSS_KB" to OUT: wall time
 * from CLOCK_MONOTONIC, CPU = user+system of CMD and everything it waited
 * for (clang under tpc), peak RSS of the largest of them. The bench's
 * compile part compares builds of ~0.2 s, where time(1)'s 10 ms steps
 * are 5 %; this reports microseconds. Exit status: CMD's (1 if it died
 * on a signal), 127 if it could not run. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

int main(int argc, char **argv)
{
	struct rusage ru;
	uint64_t t0, t1;
	FILE *out;
	pid_t pid;
	int st;

	if (argc < 3) {
		fprintf(stderr, "usage: rtime OUT CMD [ARGS...]\n");
		return 2;
	}
	t0 = bench__now_ns();
	pid = fork();
	if (pid < 0)
		return 127;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return 127;
	t1 = bench__now_ns();
	if (getrusage(RUSAGE_CHILDREN, &ru))
		return 127;
	out = fopen(argv[1], "w");
	if (!out)
		return 127;
	fprintf(out, "%.6f %.6f %ld\n", (double)(t1 - t0) / 1e9,
		(double)(bench__tv_ns(ru.ru_utime) + bench__tv_ns(ru.ru_stime)) / 1e9, ru.ru_maxrss);
	fclose(out);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
