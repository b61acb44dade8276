/* kobj.c - the workloads of the kernel-object VM tests (tests/vm/guest.sh,
 * "kernel objects"), each printing one parseable word:
 *
 *   kobj setuid UID          setresuid(UID, UID, UID): commit_creds with the
 *                            new cred                     setuid=ok | setuid=errno:N
 *   kobj progload NAME       BPF_PROG_LOAD of a 2-instruction socket filter
 *                            named NAME                   progload=ok | =errno:N
 *   kobj mapget NAME         BPF_MAP_CREATE (array, key 4, value 8, 16
 *                            entries) named NAME, then BPF_MAP_GET_FD_BY_ID
 *                            (security_bpf_map)           mapget=ok | =errno:N
 *   kobj perf-sw             perf_event_open of PERF_COUNT_SW_DUMMY (cpu-clock
 *                            would be rerouted to its own PMU type on 6.12)
 *   kobj perf-kprobe FUNC    perf_event_open of a kprobe PMU event on FUNC
 *                                                         perf=ok | perf=errno:N
 *   kobj udp IP PORT         one UDP datagram "kobj" to IP:PORT
 *                                                         udp=ok | udp=errno:N
 *   kobj capset              three capset(2) calls on the effective set:
 *                            drop CAP_NET_RAW, keep the set as it is, gain
 *                            CAP_NET_RAW back             capset=ok | =errno:N
 * Built -static: the initramfs has no libc.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int out(const char *what, long r)
{
	if (r < 0)
		printf("%s=errno:%d\n", what, errno);
	else
		printf("%s=ok\n", what);
	return 0;
}

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

static int progload(const char *name)
{
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = 2;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t)"GPL";
	strncpy(a.prog_name, name, sizeof(a.prog_name) - 1);
	return out("progload", sys_bpf(BPF_PROG_LOAD, &a));
}

static int mapget(const char *name)
{
	struct bpf_map_info info;
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 16;
	strncpy(a.map_name, name, sizeof(a.map_name) - 1);
	fd = sys_bpf(BPF_MAP_CREATE, &a);
	if (fd < 0)
		return out("mapget", fd);
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
		return out("mapget", -1);
	memset(&a, 0, sizeof(a));
	a.map_id = info.id;
	return out("mapget", sys_bpf(BPF_MAP_GET_FD_BY_ID, &a));
}

static int perf(const char *func)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	if (func) {
		FILE *f = fopen("/sys/bus/event_source/devices/kprobe/type", "r");
		int type = -1;

		if (!f || fscanf(f, "%d", &type) != 1) {
			printf("perf=nokprobepmu\n");
			return 0;
		}
		fclose(f);
		a.type = (uint32_t)type;
		a.kprobe_func = (uint64_t)(uintptr_t)func;
	} else {
		a.type = PERF_TYPE_SOFTWARE;
		a.config = PERF_COUNT_SW_DUMMY;
	}
	return out("perf", syscall(SYS_perf_event_open, &a, 0, -1, -1, 0));
}

static int udp(const char *ip, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0 || inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
		return out("udp", -1);
	return out("udp", sendto(s, "kobj", 4, 0, (struct sockaddr *)&sin, sizeof(sin)));
}

/* CapabilitiesGained's workload: only the third call gains a capability
 * (the first drops one, the second changes nothing) */
static int capset3(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	const uint32_t raw = 1u << CAP_NET_RAW;

	if (syscall(SYS_capget, &hdr, d) < 0)
		return out("capset", -1);
	d[0].effective &= ~raw;
	if (syscall(SYS_capset, &hdr, d) < 0)
		return out("capset", -1);
	if (syscall(SYS_capset, &hdr, d) < 0)
		return out("capset", -1);
	d[0].effective |= raw;
	return out("capset", syscall(SYS_capset, &hdr, d));
}

int main(int argc, char **argv)
{
	/* kernels before 5.11 charge BPF maps and programs to RLIMIT_MEMLOCK
	 * and fail BPF_PROG_LOAD with EPERM past it (5.10's default: 64 KiB) */
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	setrlimit(RLIMIT_MEMLOCK, &rl);
	if (argc == 3 && !strcmp(argv[1], "setuid")) {
		uid_t u = (uid_t)atoi(argv[2]);

		return out("setuid", setresuid(u, u, u));
	}
	if (argc == 3 && !strcmp(argv[1], "progload"))
		return progload(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "mapget"))
		return mapget(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "perf-sw"))
		return perf(NULL);
	if (argc == 3 && !strcmp(argv[1], "perf-kprobe"))
		return perf(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "capset"))
		return capset3();
	if (argc == 4 && !strcmp(argv[1], "udp"))
		return udp(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: kobj setuid|progload|mapget|perf-sw|perf-kprobe|udp|capset ...\n");
	return 2;
}
