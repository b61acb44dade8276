/* openat N PATH: N openat(2) calls on PATH, each followed by close(2).
 * A missing PATH is fine (ENOENT still enters sys_enter_openat); only the
 * syscall entry is under test. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "bench_util.h"

int main(int argc, char **argv)
{
	long n, i, errors = 0;
	uint64_t t0, c0;

	if (argc != 3) {
		fprintf(stderr, "usage: openat N PATH\n");
		return 2;
	}
	n = bench__count(argv[1]);
	c0 = bench__cpu_ns(RUSAGE_SELF);
	t0 = bench__now_ns();
	for (i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, argv[2], O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			close(fd);
		else
			errors++;
	}
	bench__report(n, bench__now_ns() - t0, bench__cpu_ns(RUSAGE_SELF) - c0, errors);
	return 0;
}
