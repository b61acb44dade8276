/* tcpconn N PORT: N TCP connections on 127.0.0.1:PORT to a listener in this
 * process: connect, accept, close both. Each connection is a full TCP
 * lifecycle (about ten inet_sock_set_state transitions, one connect(), two
 * sockets created), which is what tpcNetwork tcp programs see. errors
 * counts connections that failed. */
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
	int one = 1, ls;
	uint64_t t0, c0;

	if (argc != 3) {
		fprintf(stderr, "usage: tcpconn N PORT\n");
		return 2;
	}
	n = bench__count(argv[1]);
	sa.sin_port = htons((uint16_t)bench__count(argv[2]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 64)) {
		perror("tcpconn: listen");
		return 1;
	}
	c0 = bench__cpu_ns(RUSAGE_SELF);
	t0 = bench__now_ns();
	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), afd;

		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			errors++;
			if (fd >= 0)
				close(fd);
			continue;
		}
		afd = accept(ls, NULL, NULL);
		if (afd < 0)
			errors++;
		else
			close(afd);
		close(fd);
	}
	bench__report(n, bench__now_ns() - t0, bench__cpu_ns(RUSAGE_SELF) - c0, errors);
	close(ls);
	return 0;
}
