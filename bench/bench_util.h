/* bench_util.h - timing shared by the bench workloads.
 *
 * Contract: every workload prints exactly one line on stdout when it is done,
 *     n=N wall_ns=W cpu_ns=C errors=E
 * where wall_ns is CLOCK_MONOTONIC elapsed time of the loop and cpu_ns the
 * user+system time of the process (and of its reaped children, for exec),
 * so the driver can compare a run under BPF programs with a run with
 * nothing attached without trusting any absolute time.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static inline uint64_t bench__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t bench__tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
}

static inline uint64_t bench__cpu_ns(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru))
		return 0;
	return bench__tv_ns(ru.ru_utime) + bench__tv_ns(ru.ru_stime);
}

static inline long bench__count(const char *s)
{
	char *end;
	long n = strtol(s, &end, 0);

	if (*end || n <= 0) {
		fprintf(stderr, "bad count '%s'\n", s);
		exit(2);
	}
	return n;
}

static inline void bench__report(long n, uint64_t wall, uint64_t cpu, long errors)
{
	printf("n=%ld wall_ns=%llu cpu_ns=%llu errors=%ld\n", n, (unsigned long long)wall,
	       (unsigned long long)cpu, errors);
}

#endif
