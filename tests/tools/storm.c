/* storm.c - test tool: an event storm the fault tests can count exactly.
 * Names itself "tpcstorm" (the comm tests/e2e/objs/storm.bpf.c matches) and
 * calls getppid(2) as fast as it can for SECONDS, then prints how many
 * calls it made: each call is one event for the storm object, either
 * written to its ring buffer or counted as lost.
 *
 * usage: storm SECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t;
	unsigned long long calls = 0;
	double secs;

	if (argc != 2 || (secs = atof(argv[1])) <= 0) {
		fprintf(stderr, "usage: storm SECONDS\n");
		return 2;
	}
	if (prctl(PR_SET_NAME, "tpcstorm", 0, 0, 0)) {
		perror("storm: prctl");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		/* the clock is read every 1024 calls: its cost stays out of the loop */
		for (int i = 0; i < 1024; i++) {
			syscall(SYS_getppid);
			calls++;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >= secs)
			break;
	}
	printf("%llu\n", calls);
	return 0;
}
