/* connect N PORT: N TCP connect(2) attempts on 127.0.0.1:PORT. With no
 * listener each attempt fails fast with ECONNREFUSED, which is what we
 * want: only the syscall and its hooks are under test. errors counts
 * attempts that failed with anything other than ECONNREFUSED. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	long n, i, errors = 0;
	uint64_t t0, c0;

	if (argc != 3) {
		fprintf(stderr, "usage: connect N PORT\n");
		return 2;
	}
	n = bench__count(argv[1]);
	sa.sin_port = htons((uint16_t)bench__count(argv[2]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c0 = bench__cpu_ns(RUSAGE_SELF);
	t0 = bench__now_ns();
	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			errors++;
			continue;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) && errno != ECONNREFUSED)
			errors++;
		close(fd);
	}
	bench__report(n, bench__now_ns() - t0, bench__cpu_ns(RUSAGE_SELF) - c0, errors);
	return 0;
}
