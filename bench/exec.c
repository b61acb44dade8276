/* exec N BINARY: N times fork, execve BINARY (no arguments), wait.
 * CPU time includes the reaped children. */
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

int main(int argc, char **argv)
{
	long n, i, errors = 0;
	uint64_t t0, c0;

	if (argc != 3) {
		fprintf(stderr, "usage: exec N BINARY\n");
		return 2;
	}
	n = bench__count(argv[1]);
	c0 = bench__cpu_ns(RUSAGE_SELF) + bench__cpu_ns(RUSAGE_CHILDREN);
	t0 = bench__now_ns();
	for (i = 0; i < n; i++) {
		char *args[] = { argv[2], NULL }, *env[] = { NULL };
		int st;
		pid_t pid = fork();

		if (pid < 0) {
			errors++;
			continue;
		}
		if (pid == 0) {
			execve(argv[2], args, env);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			errors++;
	}
	bench__report(n, bench__now_ns() - t0,
		      bench__cpu_ns(RUSAGE_SELF) + bench__cpu_ns(RUSAGE_CHILDREN) - c0, errors);
	return 0;
}
