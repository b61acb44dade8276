/* netl7_client.c - test clients for the DNS/HTTP e2e tests and benchmark.
 *
 *   netl7_client gai NAME...            getaddrinfo() each NAME (AF_UNSPEC):
 *                                       prints "NAME ok ADDR..." or "NAME fail ERR"
 *   netl7_client dns ADDR N NAME        N A queries for NAME over UDP to ADDR:53,
 *                                       one at a time (1 s timeout each)
 *   netl7_client http ADDR PORT N PATH  N GETs on one keep-alive connection
 *
 * The loops print "sent N answered M seconds S" on stdout.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "netl7_dnsq.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int gai(int argc, char **argv)
{
	int bad = 0;

	for (int i = 0; i < argc; i++) {
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
		struct addrinfo *res, *r;
		int err = getaddrinfo(argv[i], NULL, &hints, &res);

		if (err) {
			printf("%s fail %s\n", argv[i], gai_strerror(err));
			bad = 1;
			continue;
		}
		printf("%s ok", argv[i]);
		for (r = res; r; r = r->ai_next) {
			char a[INET6_ADDRSTRLEN];
			void *p = r->ai_family == AF_INET
					  ? (void *)&((struct sockaddr_in *)r->ai_addr)->sin_addr
					  : (void *)&((struct sockaddr_in6 *)r->ai_addr)->sin6_addr;

			inet_ntop(r->ai_family, p, a, sizeof(a));
			printf(" %s", a);
		}
		printf("\n");
		freeaddrinfo(res);
	}
	return bad;
}

static int dns(const char *addr, int n, const char *name)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	struct timeval tv = { 1, 0 };
	unsigned char q[512], a[1500];
	int s = socket(AF_INET, SOCK_DGRAM, 0), ok = 0;
	double t0 = now();

	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (s < 0 || connect(s, (void *)&sa, sizeof(sa)))
		return perror("dns"), 1;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < n; i++) {
		size_t l = netl7_dns_query(q, i & 0xffff, name, 1);

		if (send(s, q, l, 0) < 0)
			continue;
		if (recv(s, a, sizeof(a), 0) >= 12 && a[0] == q[0] && a[1] == q[1])
			ok++;
	}
	printf("sent %d answered %d seconds %.3f\n", n, ok, now() - t0);
	close(s);
	return 0;
}

/* Read one response (headers + Content-Length body) from the buffered stream. */
static int read_response(int s, char *buf, size_t cap, size_t *have)
{
	for (;;) {
		char *end = memmem(buf, *have, "\r\n\r\n", 4);

		if (end) {
			size_t hlen = end + 4 - buf, clen = 0, total;
			char *cl = strcasestr(buf, "\r\nContent-Length:");

			if (cl && cl < end)
				clen = strtoul(cl + 17, NULL, 10);
			total = hlen + clen;
			if (*have >= total) {
				int status = atoi(buf + 9);

				memmove(buf, buf + total, *have - total);
				*have -= total;
				return status;
			}
		}
		if (*have >= cap)
			return -1;
		ssize_t r = recv(s, buf + *have, cap - *have, 0);
		if (r <= 0)
			return -1;
		*have += r;
	}
}

static int http(const char *addr, int port, int n, const char *path)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	static char buf[1 << 16];
	size_t have = 0;
	int s = socket(AF_INET, SOCK_STREAM, 0), ok = 0;
	double t0 = now();

	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (s < 0 || connect(s, (void *)&sa, sizeof(sa)))
		return perror("http"), 1;
	for (int i = 0; i < n; i++) {
		char req[512];
		int l = snprintf(req, sizeof(req), "GET %s?i=%d HTTP/1.1\r\nHost: load.test\r\n\r\n",
				 path, i);

		if (send(s, req, l, 0) != l)
			break;
		if (read_response(s, buf, sizeof(buf), &have) < 0)
			break;
		ok++;
	}
	printf("sent %d answered %d seconds %.3f\n", n, ok, now() - t0);
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "gai"))
		return gai(argc - 2, argv + 2);
	if (argc == 5 && !strcmp(argv[1], "dns"))
		return dns(argv[2], atoi(argv[3]), argv[4]);
	if (argc == 6 && !strcmp(argv[1], "http"))
		return http(argv[2], atoi(argv[3]), atoi(argv[4]), argv[5]);
	fprintf(stderr, "usage: netl7_client gai NAME... | dns ADDR N NAME | http ADDR PORT N PATH\n");
	return 2;
}
