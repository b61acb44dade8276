/* bench.c - `tpc-loader bench [N]`: the decode + JSON + write path on one
 * core, fed with synthetic records (no kernel needed).  Reports events/s for
 * hook records (a tracepoint with an int and a path argument) and for exec
 * records, writing to /dev/null through the normal stdio output; then hook
 * records again with the process in a container of a 100-pod store (the
 * events carry process.pod). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "export/ldr_events.h"
#include "export/ldr_export.h"
#include "k8s/ldr_pods.h"
#include "core/ldr_proc.h"
#include "tpc_abi.h"

static const char bench_meta[] =
	"{\"tpc_meta_version\":1,\"abi_version\":1,\"policies\":[{\"name\":\"bench-openat\"}],"
	"\"hooks\":[{\"event\":\"process_tracepoint\",\"type\":\"tracepoint\",\"subsys\":\"syscalls\","
	"\"tracepoint\":\"sys_enter_openat\",\"args\":[{\"type\":\"int\",\"enc\":\"int\","
	"\"signed\":true},{\"type\":\"string\",\"enc\":\"str\"}]}],"
	"\"rules\":[{\"policy\":0,\"hook\":0,\"actions\":[\"Post\"]}],"
	"\"programs\":[{\"name\":\"p\",\"attach\":\"tracepoint\",\"target\":\"syscalls/sys_enter_openat\"}]}";

static double secs(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* CPU time of this process: on a shared machine the wall-clock rate mostly
 * measures the neighbours; events per CPU-second measures the code. */
static double cpu_secs(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

static void hook_loop(struct ldr_events *ev, struct ldr_out *out, const struct ldr_meta *m,
		      struct tpc_ev_hdr *h, long n)
{
	for (long i = 0; i < n; i++) {
		h->ktime += 1000;
		ldr_events__hook(ev, m, NULL, h, h->size);
		if ((i & 1023) == 0)
			ldr_out__flush(out);
	}
}

int ldr_bench(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	char err[256], rec[512] = { 0 }, ex[1024] = { 0 };
	struct ldr_meta *m = ldr_meta__parse(bench_meta, sizeof(bench_meta) - 1, err, sizeof(err));
	struct ldr_proc_table *t = ldr_proc_table__new("bench-node", NULL);
	FILE *null = fopen("/dev/null", "w");
	struct tpc_ev_hdr *h = (void *)rec;
	struct tpc_ev_exec *e = (void *)ex;
	const char path[] = "/etc/hostname", bin[] = "/usr/bin/cat", args[] = "cat\0/etc/hostname",
		   cwd[] = "/root";
	struct tpc_ev_str st = { .len = sizeof(path) - 1, .orig = sizeof(path) - 1 };
	struct ldr_events ev;
	struct ldr_out out;
	int64_t fd = 3;
	size_t off;
	double t0, t1, t2, t2x, t3, c0, c1, c2, c2x, c3;
	struct ldr_pods *pods = pods__new();
	struct ldr_proc *self;

	if (!m || !t || !null || n <= 0) {
		fprintf(stderr, "bench: setup failed: %s\n", m ? "" : err);
		return 1;
	}
	/* an exec record for the process both kinds of event refer to */
	e->hdr.kind = TPC_EV_EXEC;
	e->hdr.pid = e->hdr.tid = getpid(); /* so its cgroup file exists */
	e->hdr.ktime = 123456789;
	e->ppid = 1;
	e->auid = UINT32_MAX;
	e->path_len = sizeof(bin) - 1;
	e->args_len = sizeof(args);
	e->cwd_len = sizeof(cwd) - 1;
	off = sizeof(*e);
	memcpy(ex + off, bin, e->path_len);
	off += e->path_len;
	memcpy(ex + off, args, e->args_len);
	off += e->args_len;
	memcpy(ex + off, cwd, e->cwd_len);
	off += e->cwd_len;
	e->hdr.size = off;

	h->kind = TPC_EV_HOOK;
	h->rule = 0;
	h->pid = h->tid = e->hdr.pid;
	h->ktime = 223456789;
	h->action = TPC_ACT_POST;
	memcpy(h->comm, "cat", 4);
	off = sizeof(*h);
	memcpy(rec + off, &fd, 8);
	off += 8;
	memcpy(rec + off, &st, sizeof(st));
	off += sizeof(st);
	memcpy(rec + off, path, st.len);
	off += (st.len + 7) & ~7u;
	h->size = off;

	ldr_out__init(&out, null);
	setvbuf(null, NULL, _IOFBF, 1 << 20);
	ldr_proc_table__scan(t, "/proc");
	ldr_events__init(&ev, t, "bench-node");
	ev.emit = ldr_out__line;
	ev.sink = &out;
	ldr_events__base(&ev, ex, e->hdr.size);

	t0 = secs();
	c0 = cpu_secs();
	hook_loop(&ev, &out, m, h, n);
	t1 = secs();
	c1 = cpu_secs();
	for (long i = 0; i < n / 4; i++) {
		e->hdr.ktime += 1000;
		ldr_events__base(&ev, ex, e->hdr.size);
	}
	t2x = secs();
	c2x = cpu_secs();
	/* the same hook events from a process in a known pod */
	for (int i = 0; i < 100; i++) {
		char pj[1024];

		snprintf(pj, sizeof(pj),
			 "{\"metadata\":{\"name\":\"web-%d\",\"namespace\":\"shop\",\"uid\":"
			 "\"0e4f7a6b-1c2d-4e5f-8a9b-%012d\",\"labels\":{\"app\":\"web\",\"tier\":"
			 "\"front\",\"pod-template-hash\":\"7d4b9c8f6d\"},\"ownerReferences\":[{"
			 "\"kind\":\"ReplicaSet\",\"name\":\"web-7d4b9c8f6d\",\"controller\":true}]},"
			 "\"status\":{\"containerStatuses\":[{\"name\":\"nginx\",\"image\":"
			 "\"docker.io/library/nginx:1.25\",\"imageID\":\"docker.io/library/nginx@"
			 "sha256:aa\",\"containerID\":\"containerd://%031d%033d\",\"state\":{"
			 "\"running\":{\"startedAt\":\"2026-11-30T10:00:01Z\"}}}]}}",
			 i, i, i + 1, 0);
		pods__upsert_json(pods, pj, strlen(pj));
	}
	ev.pods = pods;
	self = ldr_proc_table__lookup(t, e->hdr.pid);
	if (self)
		snprintf(self->docker, sizeof(self->docker), "%031d", 51);
	t2 = secs();
	c2 = cpu_secs();
	hook_loop(&ev, &out, m, h, n);
	t3 = secs();
	c3 = cpu_secs();
	ldr_out__flush(&out);
	printf("hook events (process_tracepoint, 2 args): %ld in %.3f s = %.0f events/s "
	       "(%.0f per CPU-second)\n",
	       n, t1 - t0, n / (t1 - t0), n / (c1 - c0));
	printf("exec events (process_exec, table update): %ld in %.3f s = %.0f events/s "
	       "(%.0f per CPU-second)\n",
	       n / 4, t2x - t1, (n / 4) / (t2x - t1), (n / 4) / (c2x - c1));
	printf("hook events with pod metadata (100 pods known): %ld in %.3f s = %.0f events/s "
	       "(%.0f per CPU-second)\n",
	       n, t3 - t2, n / (t3 - t2), n / (c3 - c2));
	printf("emitted %llu lines, decode errors %llu, RSS %ld kB, processes in table %zu\n",
	       (unsigned long long)ev.emitted, (unsigned long long)ev.decode_errors, rss_kb(),
	       ldr_proc_table__count(t));
	ldr_events__fini(&ev);
	ldr_out__close(&out);
	fclose(null);
	ldr_proc_table__free(t);
	pods__free(pods);
	ldr_meta__free(m);
	return 0;
}
