/* sys NAME N: N calls of one system call, with arguments no stdlib policy
 * matches (the common case the per-policy bench measures): writes to
 * /dev/null, opens/renames/unlinks of paths under /tmp/tpcbench-*, calls
 * that fail on a bad argument before doing anything (bpf with an unknown
 * command, ptrace of no process, mount on a missing target, clone with
 * invalid flags). Every call still enters the syscall, so its
 * sys_enter_NAME tracepoint fires once per call. Failures are expected and
 * not counted; errors counts only set-up failures. connect6 is a TCP
 * connect to [::1]:1 (refused, like bench/connect for IPv4). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench_util.h"

#define OTHER "/tmp/tpcbench-other"
#define MISSING "/tmp/tpcbench-missing"

static int fd_other = -1, fd_null = -1;

static long one_connect6(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(1) };
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	long bad;

	if (fd < 0)
		return 1;
	sa.sin6_addr = in6addr_loopback;
	bad = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) && errno != ECONNREFUSED;
	close(fd);
	return bad;
}

/* One call of syscall NAME; returns 1 on a set-up failure. */
static long one(const char *name)
{
	static char *const argv[] = { "x", NULL };
	char c = 0;

	if (!strcmp(name, "write"))
		return write(fd_null, &c, 1) != 1;
	if (!strcmp(name, "pwrite64"))
		return pwrite(fd_null, &c, 1, 0) != 1;
	if (!strcmp(name, "unlinkat"))
		return unlinkat(AT_FDCWD, MISSING, 0), 0;
	if (!strcmp(name, "truncate"))
		return truncate(OTHER, 0) != 0;
	if (!strcmp(name, "ftruncate"))
		return ftruncate(fd_other, 0) != 0;
	if (!strcmp(name, "rename"))
		return syscall(SYS_rename, MISSING, MISSING "2"), 0;
	if (!strcmp(name, "renameat"))
		return renameat(AT_FDCWD, MISSING, AT_FDCWD, MISSING "2"), 0;
	if (!strcmp(name, "renameat2"))
		return syscall(SYS_renameat2, AT_FDCWD, MISSING, AT_FDCWD, MISSING "2", 0), 0;
	if (!strcmp(name, "socket")) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return 1;
		close(fd);
		return 0;
	}
	if (!strcmp(name, "bpf"))
		return syscall(SYS_bpf, 1000, NULL, 0), 0;
	if (!strcmp(name, "capset"))
		return syscall(SYS_capset, NULL, NULL), 0;
	if (!strcmp(name, "mount"))
		return mount("tpcbench", MISSING, "tmpfs", MS_RDONLY, NULL), 0;
	if (!strcmp(name, "ptrace"))
		return ptrace(PTRACE_PEEKDATA, -1, NULL, NULL), 0;
	if (!strcmp(name, "setuid"))
		return setuid(getuid()) != 0;
	if (!strcmp(name, "setgid"))
		return setgid(getgid()) != 0;
	if (!strcmp(name, "setreuid"))
		return setreuid(-1, -1) != 0;
	if (!strcmp(name, "setregid"))
		return setregid(-1, -1) != 0;
	if (!strcmp(name, "setresuid"))
		return setresuid(-1, -1, -1) != 0;
	if (!strcmp(name, "setresgid"))
		return setresgid(-1, -1, -1) != 0;
	if (!strcmp(name, "unshare"))
		return unshare(0) != 0;
	if (!strcmp(name, "clone"))
		/* CLONE_SIGHAND without CLONE_VM: EINVAL before anything is copied */
		return syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, NULL, NULL, NULL, 0) >= 0;
	if (!strcmp(name, "execveat"))
		return syscall(SYS_execveat, AT_FDCWD, MISSING, argv, argv + 1, 0), 0;
	if (!strcmp(name, "connect6"))
		return one_connect6();
	return -1;
}

int main(int argc, char **argv)
{
	long n, i, errors = 0, r;
	uint64_t t0, c0;

	if (argc != 3) {
		fprintf(stderr, "usage: sys NAME N\n");
		return 2;
	}
	n = bench__count(argv[2]);
	fd_null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fd_other = open(OTHER, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd_null < 0 || fd_other < 0) {
		perror("sys: open");
		return 1;
	}
	if (one(argv[1]) < 0) {
		fprintf(stderr, "sys: no workload for '%s'\n", argv[1]);
		return 2;
	}
	c0 = bench__cpu_ns(RUSAGE_SELF);
	t0 = bench__now_ns();
	for (i = 0; i < n; i++) {
		r = one(argv[1]);
		errors += r > 0;
	}
	bench__report(n, bench__now_ns() - t0, bench__cpu_ns(RUSAGE_SELF) - c0, errors);
	return 0;
}
