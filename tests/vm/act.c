/* act.c - the actions the kernel-matrix tests perform inside the VM, each
 * reporting the kernel's answer in one parseable word, so a test can tell
 * "denied with EPERM" from "killed by a signal" from "ran":
 *
 *   act exec PATH [ARG...]   exec=ok exit=N | exec=errno:NAME | exec=signal:N
 *   act open PATH            open=ok bytes=N | open=errno:NAME
 *   act mmap PATH            mmap=ok | mmap=errno:NAME (a read-only private mapping)
 *   act kill PID SIG         kill=ok | kill=errno:NAME
 *   act connect IP PORT      connect=ok | connect=errno:NAME (refused is fine)
 *   act link OLD NEW [OLD2 NEW2]  link=ok | link=errno:NAME per pair (linkat(2),
 *                            one thread)
 *   act symlink TARGET NEW   symlink=ok | symlink=errno:NAME (symlinkat(2))
 *   act udpchild PORT        creates a UDP socket, forks; the child sends 4242 bytes
 *                            to 127.0.0.1:PORT on it: udpchild=ok parent=P child=C
 *   act tcpx PORT N M        a server child on 127.0.0.1:PORT reads N bytes and
 *                            answers M; this process connects, sends N, reads to
 *                            EOF: tcpx=ok cport=P got=M | tcpx=errno:NAME
 *
 * Invoked under the name "nc" it only prints "nc-ran": it stands in for
 * /usr/bin/nc in the block-netcat test. Built -static: the initramfs has no libc.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ename(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ESRCH: return "ESRCH";
	case EINVAL: return "EINVAL";
	default: return strerror(e);
	}
}

static int do_exec(char **argv)
{
	int pfd[2], e = 0, st;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return 2;
	pid = fork();
	if (pid < 0)
		return 2;
	if (!pid) {
		close(pfd[0]);
		execv(argv[0], argv);
		e = errno;
		if (write(pfd[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	close(pfd[1]);
	/* the pipe closes on a successful exec (CLOEXEC) or carries errno */
	if (read(pfd[0], &e, sizeof(e)) != sizeof(e))
		e = 0;
	close(pfd[0]);
	if (waitpid(pid, &st, 0) < 0)
		return 2;
	if (e)
		printf("exec=errno:%s\n", ename(e));
	else if (WIFSIGNALED(st))
		printf("exec=signal:%d\n", WTERMSIG(st));
	else
		printf("exec=ok exit=%d\n", WEXITSTATUS(st));
	return 0;
}

static int do_open(const char *path)
{
	char buf[256];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		printf("open=errno:%s\n", ename(errno));
		return 0;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	printf("open=ok bytes=%zd\n", n);
	return 0;
}

/* mmap: a read-only private mapping of the file (the LSM mmap_file hook
 * sees a file that is open for reading, which file_open does not) */
static int do_mmap(const char *path)
{
	int fd = open(path, O_RDONLY);
	void *m;

	if (fd < 0) {
		printf("mmap=errno:%s\n", ename(errno));
		return 0;
	}
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		printf("mmap=errno:%s\n", ename(errno));
		return 0;
	}
	munmap(m, 4096);
	printf("mmap=ok\n");
	return 0;
}

static int do_connect(const char *ip, const char *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
		return 2;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		printf("connect=errno:%s\n", ename(errno));
	else
		printf("connect=ok\n");
	close(fd);
	return 0;
}

/* One whole TCP exchange with exact byte counts (tpcNetwork tcp test). */
static int do_tcpx(const char *port, long n, long m)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	socklen_t sl = sizeof(sin);
	char buf[4096];
	int ls, fd, one = 1, st;
	long got = 0;
	pid_t srv;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&sin, sizeof(sin)) || listen(ls, 4)) {
		printf("tcpx=errno:%s\n", ename(errno));
		return 0;
	}
	srv = fork();
	if (srv == 0) {
		int c = accept(ls, NULL, NULL);

		memset(buf, 'y', sizeof(buf));
		while (c >= 0 && got < n) {
			ssize_t r = read(c, buf, sizeof(buf));

			if (r <= 0)
				break;
			got += r;
		}
		for (long left = m; c >= 0 && left > 0;) {
			ssize_t w = write(c, buf, left < (long)sizeof(buf) ? left : (long)sizeof(buf));

			if (w <= 0)
				break;
			left -= w;
		}
		if (c >= 0)
			close(c);
		_exit(0);
	}
	close(ls);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		printf("tcpx=errno:%s\n", ename(errno));
		waitpid(srv, &st, 0);
		return 0;
	}
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	memset(buf, 'x', sizeof(buf));
	for (long left = n; left > 0;) {
		ssize_t w = write(fd, buf, left < (long)sizeof(buf) ? left : (long)sizeof(buf));

		if (w <= 0)
			break;
		left -= w;
	}
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r <= 0)
			break;
		got += r;
	}
	close(fd);
	waitpid(srv, &st, 0);
	printf("tcpx=ok cport=%u got=%ld\n", ntohs(sin.sin_port), got);
	return 0;
}

/* The socket is created here and used by a child (socket tracking: the
 * child's send reports this process when the socket is tracked). */
static int do_udpchild(const char *port)
{
	static char buf[4242];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), st;
	pid_t child;

	if (fd < 0) {
		printf("udpchild=errno:%s\n", ename(errno));
		return 0;
	}
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	child = fork();
	if (child < 0)
		return 2;
	if (!child)
		_exit(sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&sin, sizeof(sin)) < 0);
	waitpid(child, &st, 0);
	close(fd);
	printf("udpchild=%s parent=%d child=%d\n",
	       WIFEXITED(st) && !WEXITSTATUS(st) ? "ok" : "failed", (int)getpid(), (int)child);
	return 0;
}

/* writev PATH A B: one writev(2) of two segments (an ITER_IOVEC iterator) */
static int do_writev(const char *path, char *a, char *b)
{
	struct iovec v[2] = { { a, strlen(a) }, { b, strlen(b) } };
	int fd = open(path, O_WRONLY | O_NOCTTY);

	if (fd < 0) {
		printf("writev=errno:%s\n", ename(errno));
		return 0;
	}
	if (writev(fd, v, 2) < 0)
		printf("writev=errno:%s\n", ename(errno));
	else
		printf("writev=ok\n");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/');

	self = self ? self + 1 : argv[0];
	if (!strcmp(self, "nc")) {
		printf("nc-ran\n");
		return 0;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "exec"))
		return do_exec(argv + 2);
	if (argc == 3 && !strcmp(argv[1], "open"))
		return do_open(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "mmap"))
		return do_mmap(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "kill")) {
		if (kill(atoi(argv[2]), atoi(argv[3])))
			printf("kill=errno:%s\n", ename(errno));
		else
			printf("kill=ok\n");
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "connect"))
		return do_connect(argv[2], argv[3]);
	if ((argc == 4 || argc == 6) && !strcmp(argv[1], "link")) {
		/* a second pair: the same thread's next linkat */
		for (int i = 2; i + 1 < argc; i += 2) {
			if (linkat(AT_FDCWD, argv[i], AT_FDCWD, argv[i + 1], 0))
				printf("%slink=errno:%s", i > 2 ? " " : "", ename(errno));
			else
				printf("%slink=ok", i > 2 ? " " : "");
		}
		printf("\n");
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "symlink")) {
		if (symlinkat(argv[2], AT_FDCWD, argv[3]))
			printf("symlink=errno:%s\n", ename(errno));
		else
			printf("symlink=ok\n");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "udpchild"))
		return do_udpchild(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "tcpx"))
		return do_tcpx(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "writev"))
		return do_writev(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: act exec PATH [ARG...] | open PATH | kill PID SIG | "
			"connect IP PORT | link OLD NEW [OLD2 NEW2] | symlink TARGET NEW | udpchild PORT | "
			"tcpx PORT N M | writev PATH A B\n");
	return 2;
}
