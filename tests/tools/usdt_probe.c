/* usdt_probe.c - a program with USDT probes for tests/e2e/hooks.sh.
 *
 * usdt_probe N: N rounds, 50 ms apart, each firing
 *   tpctest:hit(42, 1 << 40)   the probe the test policy selects
 *   tpctest:hit(41, 7)         same probe, an argument the selector refuses
 *   tpctest:miss(42, 1 << 40)  a look-alike probe the policy does not name
 * and printing "semaphore N" (the hit probe's semaphore, which the kernel
 * increments while a uprobe with its ref_ctr_offset is attached) once per
 * round, so the test sees the semaphore handled as <sys/sdt.h> expects.
 */
#define _SDT_HAS_SEMAPHORES 1
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include <time.h>

__extension__ unsigned short tpctest_hit_semaphore __attribute__((unused))
__attribute__((section(".probes")));
__extension__ unsigned short tpctest_miss_semaphore __attribute__((unused))
__attribute__((section(".probes")));

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 1;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	for (int i = 0; i < rounds; i++) {
		volatile int32_t a = 42, c = 41;
		volatile int64_t b = (int64_t)1 << 40, d = 7;

		STAP_PROBE2(tpctest, hit, a, b);
		STAP_PROBE2(tpctest, hit, c, d);
		STAP_PROBE2(tpctest, miss, a, b);
		printf("semaphore %u\n", (unsigned)tpctest_hit_semaphore);
		fflush(stdout);
		nanosleep(&ts, NULL);
	}
	return 0;
}
