/* run.c - the run loop: base sensor, objects, policy dir, signals, polling. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libelf.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "core/ldr_attach.h"
#include "k8s/ldr_cgroup.h"
#include "k8s/ldr_pods.h"
#include "k8s/ldr_scope.h"
#include "base.skel.h"
#include "base_legacy.skel.h"
#include "export/ldr_export.h"
#include "k8s/ldr_k8s.h"
#include "export/ldr_log.h"
#include "export/ldr_metrics.h"
#include "core/ldr_corebtf.h"
#include "core/ldr_ident.h"
#include "core/ldr_obj.h"
#include "core/ldr_proc.h"
#include "core/ldr_run.h"
#include "core/ldr_watch.h"
#include "sig.h"

enum { TAG_SIG = 1, TAG_INOTIFY, TAG_RING };

#define LDR_EXIT_QUEUE 4096 /* exits held back per drain (72 bytes each) */

struct run {
	struct ldr_opts *o;
	struct ldr_features feat;
	struct ldr_attach_env env;
	char cgpath[PATH_MAX];
	struct tpc_base *base;
	struct ring_buffer *base_rb;
	struct ldr_core_btf *core_btf; /* the kernel BTF, during start-up only */
	int base_stats_fd;
	bool in_base;
	bool base_budgeted; /* a top-level base drain: the budget applies */
	unsigned budget;    /* records the ring being drained may still hand over */
	uint64_t base_limit; /* queue exits newer than this */
	struct tpc_ev_exit exits[LDR_EXIT_QUEUE];
	size_t nexits;
	struct ldr_proc_table *procs;
	struct ldr_events ev;
	struct ldr_out out;
	struct ldr_metrics *metrics;
	pthread_mutex_t lock; /* guards objs against the metrics thread */
	struct ldr_obj *objs;
	int epfd;
	int sigfd;
	int inofd;
	bool stop;
	/* losses: totals and what the last warning covered */
	uint64_t base_drops;
	uint64_t base_drops_warned;
	uint64_t drops_warned_total;
	time_t last_loss_warning;
	uint64_t out_errors_warned;
	char (*failed)[NAME_MAX + 1]; /* objects refused at start (pins kept) */
	size_t nfailed;
	struct ldr_pods *pods;	  /* this node's pods (API watch or --pods-file) */
	struct ldr_cgmap *cgmap; /* cgroup v2 id -> path, under --cgroup-root */
	struct ldr_scope *scope; /* scoped policies' cgroup maps */
	struct ldr_k8s *k8s;	 /* the API watch thread, or NULL */
	struct ldr_req *req;	 /* GetUrl/DnsLookup (loader/net/request.c) */
};

static uint64_t now_boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- ring buffer callbacks --------------------------------------------------- */

/* Records one ring may hand over per drain pass.  ring_buffer__consume()
 * keeps going for as long as the producer keeps writing, so a workload that
 * posts events faster than we decode them (a storm on a loaded node) kept
 * the run loop from ever reading SIGTERM.  A callback returning < 0 makes
 * libbpf stop after that record, its consumer position saved; epoll reports
 * a ring with data left at once, so a cut pass costs no latency.  4096
 * records take a few ms to decode, ~100 ms at a load of 10 per core. */
#define LDR_DRAIN_BUDGET 4096
#define LDR_DRAIN_CUT (-EAGAIN)
/* how long the rings are drained after SIGTERM */
#define LDR_EXIT_DRAIN_NS 500000000ull

/* 0 to go on, LDR_DRAIN_CUT when the pass has used its budget */
static int spend(struct run *r)
{
	return --r->budget ? 0 : LDR_DRAIN_CUT;
}

/* One budgeted pass over rb; true when it was cut (records may be left). */
static bool consume_some(struct run *r, struct ring_buffer *rb)
{
	r->budget = LDR_DRAIN_BUDGET;
	return ring_buffer__consume(rb) == LDR_DRAIN_CUT;
}

/* Exit records newer than the hook record being decoded wait here, so a
 * blocked process reads exec, block, exit.  Exec and fork records are never
 * held back: a policy program may run before the base sensor on the same
 * tracepoint (a perf tracepoint program registered earlier runs first), and
 * its event needs the new image in the table whatever the timestamps say. */
static int on_base_event(void *ctx, void *data, size_t size)
{
	struct run *r = ctx;
	const struct tpc_ev_hdr *h = data;

	if (size >= sizeof(struct tpc_ev_exit) && h->kind == TPC_EV_EXIT &&
	    h->ktime > r->base_limit && r->nexits < LDR_EXIT_QUEUE) {
		memcpy(&r->exits[r->nexits++], data, sizeof(struct tpc_ev_exit));
		return r->base_budgeted ? spend(r) : 0;
	}
	ldr_events__base(&r->ev, data, size);
	/* a hook record's own catch-up is not cut: its process must be known */
	return r->base_budgeted ? spend(r) : 0;
}

/* Emit queued exits up to ktime, keeping the others in order. */
static void flush_exits(struct run *r, uint64_t ktime)
{
	size_t keep = 0;

	for (size_t i = 0; i < r->nexits; i++) {
		if (r->exits[i].hdr.ktime <= ktime)
			ldr_events__base(&r->ev, &r->exits[i], sizeof(r->exits[i]));
		else
			r->exits[keep++] = r->exits[i];
	}
	r->nexits = keep;
}

static int on_obj_event(void *ctx, void *data, size_t size)
{
	struct ldr_obj *o = ctx;
	struct run *r = o->user;

	const struct tpc_ev_hdr *h = data;

	ldr_events__hook(&r->ev, o->meta, o->rule_ctr, data, size);
	/* GetUrl/DnsLookup of the record's rule: queued, never performed here */
	if (size >= sizeof(*h) && (h->kind == TPC_EV_HOOK || h->kind == TPC_EV_NET) &&
	    h->rule < o->meta->nrules)
		ldr_req__rule(r->req, o->meta, &o->meta->rules[h->rule]);
	return spend(r);
}

/* Drain the base sensor before a hook record of time ktime is decoded: the
 * process that triggered it is then in the table, and exits after ktime
 * stay queued until their turn. */
static void sync_base(void *ctx, uint64_t ktime)
{
	struct run *r = ctx;

	if (!r->base_rb || r->in_base)
		return;
	r->in_base = true;
	flush_exits(r, ktime);
	r->base_limit = ktime;
	ring_buffer__consume(r->base_rb);
	r->base_limit = UINT64_MAX;
	r->in_base = false;
}

/* Policy rings first: each hook record pulls in the base records older
 * than itself; what is left of the base ring goes last.  One budgeted pass
 * each; returns how many passes were cut. */
static int drain_all(struct run *r)
{
	/* Exits newer than the start of the policy pass wait for the next
	 * pass (poll_ms later): a hook record submitted while that pass ran
	 * was missed by it, and the exit of the process it killed must not
	 * overtake it. An exit older than t0 cannot: its hook record was
	 * submitted before the process could exit, so before t0. */
	uint64_t t0 = now_boot_ns();
	int left = 0;

	for (struct ldr_obj *o = r->objs; o; o = o->next)
		if (o->rb && consume_some(r, o->rb))
			left++;
	if (r->base_rb && !r->in_base) {
		r->in_base = r->base_budgeted = true;
		flush_exits(r, t0);
		r->base_limit = t0;
		left += consume_some(r, r->base_rb);
		r->base_limit = UINT64_MAX;
		r->in_base = r->base_budgeted = false;
	}
	ldr_out__flush(&r->out);
	return left;
}

/* --- objects ------------------------------------------------------------------- */

/* DNS/HTTP parser counters (malformed packets among them) when an object
 * with such programs goes away. */
static void log_l7_stats(struct ldr_obj *o)
{
	char buf[512];

	if (!ldr_l7__stats(o->bpf, buf, sizeof(buf)))
		ldr_info("object '%s' dns/http parsers: %s", o->name, buf);
}

static struct ldr_obj *find_obj(struct run *r, const char *name)
{
	for (struct ldr_obj *o = r->objs; o; o = o->next)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

static void epoll_ring(struct run *r, struct ring_buffer *rb, int op)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = TAG_RING };

	if (rb)
		epoll_ctl(r->epfd, op, ring_buffer__epoll_fd(rb), &e);
}

static void unlink_obj(struct run *r, struct ldr_obj *o)
{
	for (struct ldr_obj **pp = &r->objs; *pp; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			return;
		}
}

static void note_failed(struct run *r, const char *name)
{
	void *n = realloc(r->failed, (r->nfailed + 1) * sizeof(*r->failed));

	if (!n)
		return;
	r->failed = n;
	snprintf(r->failed[r->nfailed++], NAME_MAX + 1, "%s", name);
}

/* Register an opened object; it replaces a loaded object of the same name
 * only now, after its own programs are attached: no enforcement gap. */
/* " 12 13": kernel ids of the loaded programs, to match bpftool output */
static void prog_ids(struct bpf_object *bpf, char *out, size_t outlen)
{
	struct bpf_program *prog;
	size_t n = 0;

	out[0] = 0;
	bpf_object__for_each_program(prog, bpf) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) || n >= outlen)
			continue;
		n += snprintf(out + n, outlen - n, " %u", info.id);
	}
}

static void install_object(struct run *r, struct ldr_obj *o, double ms)
{
	struct ldr_obj *old;
	char err[1024], names[512], ids[128];

	pthread_mutex_lock(&r->lock);
	old = find_obj(r, o->name);
	if (r->o->pin_dir && ldr_obj__pin(o, r->o->pin_dir, err, sizeof(err)))
		ldr_warn("object '%s': %s; it runs unpinned", o->name, err);
	if (old) {
		unlink_obj(r, old);
		epoll_ring(r, old->rb, EPOLL_CTL_DEL);
		/* its pins were replaced by the new copy's */
		free(old->pinned);
		old->pinned = NULL;
		/* events the old copy posted before it goes */
		if (old->rb)
			consume_some(r, old->rb);
		ldr_events__l7_flush(&r->ev, old->meta); /* held queries name its policies */
		log_l7_stats(old);
		ldr_obj__destroy(old, false);
	}
	o->next = r->objs;
	r->objs = o;
	pthread_mutex_unlock(&r->lock);
	epoll_ring(r, o->rb, EPOLL_CTL_ADD);
	/* the attached program names say which variant of each group won */
	names[0] = 0;
	for (size_t i = 0, n = 0; i < o->nlinks && n + 1 < sizeof(names); i++)
		n += snprintf(names + n, sizeof(names) - n, "%s%s", i ? "," : "", o->link_names[i]);
	prog_ids(o->bpf, ids, sizeof(ids));
	ldr_info("%s '%s': %zu polic%s, %zu program%s attached in %.1f ms: %s (ids%s)",
		 old ? "replaced" : "loaded", o->name, o->meta->npolicies,
		 o->meta->npolicies == 1 ? "y" : "ies", o->nlinks, o->nlinks == 1 ? "" : "s", ms,
		 names, ids);
	ldr_req__object(r->req, o->name, o->meta);
}

static void refuse_object(struct run *r, const char *path, const char *err, bool at_start)
{
	const char *s = strrchr(path, '/');

	/* spec.nodeSelector: another node's object is skipped, not refused */
	if (!strncmp(err, LDR_NOT_FOR_NODE, strlen(LDR_NOT_FOR_NODE))) {
		ldr_info("object '%s' not loaded: %s", ldr_quote(path),
			 err + strlen(LDR_NOT_FOR_NODE));
		return;
	}
	ldr_err("object '%s' refused: %s", ldr_quote(path), err);
	ldr_metrics__add(r->metrics, LDR_G_LOAD_ERRORS, 1);
	if (at_start)
		note_failed(r, s ? s + 1 : path);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int add_object(struct run *r, const char *path, bool at_start)
{
	struct timespec t0;
	struct ldr_obj *o;
	char err[1024];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	o = ldr_obj__open(path, &r->env, r, err, sizeof(err));
	if (!o) {
		refuse_object(r, path, err, at_start);
		return -1;
	}
	install_object(r, o, ms_since(&t0));
	malloc_trim(0);
	return 0;
}

/* Start-up: each object takes tens of ms (the verifier; CO-RE against
 * r->core_btf), so objects are opened in parallel, one worker per CPU, and
 * installed in order by the main thread. */
struct batch {
	struct run *r;
	char **paths;
	size_t n;
	size_t next; /* atomic */
	struct ldr_obj **objs;
	char (*errs)[1024];
	double *ms;
};

static void *batch_worker(void *arg)
{
	struct batch *b = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED)) < b->n) {
		struct timespec t0;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		b->objs[i] = ldr_obj__open(b->paths[i], &b->r->env, b->r, b->errs[i],
					   sizeof(b->errs[i]));
		b->ms[i] = ms_since(&t0);
	}
	return NULL;
}

static void load_batch(struct run *r, char **paths, size_t n)
{
	struct batch b = { .r = r, .paths = paths, .n = n };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nthreads = ncpu > 0 ? (size_t)ncpu : 1, started = 0;
	pthread_t tids[16];

	if (!n)
		return;
	if (nthreads > 16)
		nthreads = 16;
	if (nthreads > n)
		nthreads = n;
	b.objs = calloc(n, sizeof(*b.objs));
	b.errs = calloc(n, sizeof(*b.errs));
	b.ms = calloc(n, sizeof(*b.ms));
	if (!b.objs || !b.errs || !b.ms)
		nthreads = 0;
	for (size_t i = 1; i < nthreads; i++)
		if (!pthread_create(&tids[started], NULL, batch_worker, &b))
			started++;
	if (nthreads)
		batch_worker(&b);
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	for (size_t i = 0; i < n; i++) {
		if (!nthreads)
			add_object(r, paths[i], true);
		else if (b.objs[i])
			install_object(r, b.objs[i], b.ms[i]);
		else
			refuse_object(r, paths[i], b.errs[i], true);
	}
	free(b.objs);
	free(b.errs);
	free(b.ms);
	/* libbpf's parsed kernel BTF (several MB per object, where an object
	 * does not use r->core_btf) is freed by now;
	 * hand the pages back instead of keeping them in malloc arenas */
	malloc_trim(0);
}

static void remove_object(struct run *r, const char *name)
{
	struct ldr_obj *o;

	pthread_mutex_lock(&r->lock);
	o = find_obj(r, name);
	if (o) {
		unlink_obj(r, o);
		epoll_ring(r, o->rb, EPOLL_CTL_DEL);
		if (o->rb)
			consume_some(r, o->rb);
		ldr_events__l7_flush(&r->ev, o->meta);
		log_l7_stats(o);
		ldr_obj__destroy(o, false);
	}
	pthread_mutex_unlock(&r->lock);
	if (o)
		ldr_info("removed '%s'", name);
}

static bool same_file(const struct ldr_obj *o, const struct stat *st)
{
	return o->dev == st->st_dev && o->ino == st->st_ino && o->size == st->st_size &&
	       o->mtime.tv_sec == st->st_mtim.tv_sec && o->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* A ConfigMap swap gives every file a new inode, changed or not: an object
 * whose bytes are the loaded ones keeps running (its identity is renewed)
 * instead of being reloaded for nothing. */
static bool same_bytes(struct ldr_obj *o, const char *path, const struct stat *st)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	char err[256];
	bool same;

	if (!o->image || st->st_size != (off_t)o->image_len ||
	    sig__read_file(path, SIG_MAX_OBJECT, &buf, &len, err, sizeof(err)))
		return false;
	same = len == o->image_len && !memcmp(buf, o->image, len);
	free(buf);
	if (same) {
		o->dev = st->st_dev;
		o->ino = st->st_ino;
		o->size = st->st_size;
		o->mtime = st->st_mtim;
	}
	return same;
}

static bool in_policy_dir(struct run *r, const struct ldr_obj *o)
{
	size_t n = strlen(r->o->policy_dir);

	return !strncmp(o->path, r->o->policy_dir, n) && o->path[n] == '/';
}

static void rescan(struct run *r, bool at_start)
{
	DIR *d = opendir(r->o->policy_dir);
	struct dirent *de;
	char path[PATH_MAX], **todo = NULL;
	size_t ntodo = 0;
	struct ldr_obj *o, *next;

	if (!d) {
		ldr_err("policy dir %s: %s", r->o->policy_dir, strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		void *nt;

		if (!ldr_is_object_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", r->o->policy_dir, de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		o = find_obj(r, de->d_name);
		if (o && (same_file(o, &st) || same_bytes(o, path, &st)))
			continue;
		nt = realloc(todo, (ntodo + 1) * sizeof(*todo));
		if (!nt)
			break;
		todo = nt;
		todo[ntodo++] = strdup(path);
	}
	closedir(d);
	if (at_start) {
		load_batch(r, todo, ntodo);
	} else {
		for (size_t i = 0; i < ntodo; i++)
			add_object(r, todo[i], false);
	}
	for (size_t i = 0; i < ntodo; i++)
		free(todo[i]);
	free(todo);
	for (o = r->objs; o; o = next) {
		next = o->next;
		if (in_policy_dir(r, o) && access(o->path, F_OK)) {
			char name[NAME_MAX + 1];

			/* o->name dies with the object, before the log line */
			snprintf(name, sizeof(name), "%s", o->name);
			remove_object(r, name);
		}
	}
}

static void on_dir_change(void *ctx, const char *name, enum ldr_watch_ev ev)
{
	struct run *r = ctx;
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", r->o->policy_dir, name);
	switch (ev) {
	case LDR_WATCH_WRITTEN:
		add_object(r, path, false);
		break;
	case LDR_WATCH_CREATED:
		/* a new key's symlink after a ..data swap; a regular file is
		 * still being written and comes again as WRITTEN */
		if (!lstat(path, &st) && S_ISLNK(st.st_mode))
			rescan(r, false);
		break;
	case LDR_WATCH_REMOVED:
		remove_object(r, name);
		break;
	case LDR_WATCH_SWAPPED:
		ldr_info("policy dir %s: %s swapped, rescanning", r->o->policy_dir,
			 LDR_WATCH_DATA_LINK);
		rescan(r, false);
		break;
	}
}

/* Pinned copies nobody asked for any more are detached; those whose object
 * failed to load now keep enforcing the old version - with
 * --require-signature only if that copy was verified with the same key
 * when it was loaded (its marker says so): the loader cannot re-verify
 * bytes loaded by an earlier run. */
static void adopt_pins(struct run *r)
{
	DIR *d = opendir(r->o->pin_dir);
	struct dirent *de;
	char key_id[33] = "";

	if (!d)
		return;
	if (r->o->sig_pubkey)
		sig__key_id_hex(r->o->sig_pubkey, key_id);
	while ((de = readdir(d))) {
		bool keep = false, unverified = false;
		char dn[NAME_MAX + 1];

		if (de->d_name[0] == '.')
			continue;
		for (struct ldr_obj *o = r->objs; o && !keep; o = o->next) {
			ldr_pin__dirname(o->name, dn, sizeof(dn));
			keep = !strcmp(dn, de->d_name);
		}
		for (size_t i = 0; i < r->nfailed && !keep; i++) {
			ldr_pin__dirname(r->failed[i], dn, sizeof(dn));
			if (strcmp(dn, de->d_name))
				continue;
			if (key_id[0] && !ldr_pin__verified(r->o->pin_dir, r->failed[i], key_id)) {
				ldr_err("'%s' failed to load, and its previously pinned copy was "
					"not verified with key %s when it was loaded: detaching it "
					"(--require-signature)", r->failed[i], key_id);
				unverified = true;
				break;
			}
			keep = true;
			ldr_warn("'%s' failed to load: its previously pinned copy stays attached%s",
				 r->failed[i], key_id[0] ? " (verified with this key when it was "
							   "loaded)" : "");
		}
		if (!keep) {
			ldr_info("detaching pinned '%s': %s", de->d_name,
				 unverified ? "not verified with this key"
					    : "no such object any more");
			ldr_pin__remove(r->o->pin_dir, de->d_name);
		}
	}
	closedir(d);
}

/* --- losses, metrics ---------------------------------------------------------------- */

static void check_losses(struct run *r)
{
	uint64_t total = 0;
	time_t now = time(NULL);
	char detail[512] = "";
	size_t dl = 0;

	if (r->base_stats_fd >= 0)
		r->base_drops = ldr_stats__read(r->base_stats_fd, TPC_STAT_RB_DROPS);
	total += r->base_drops;
	if (r->base_drops > r->base_drops_warned && dl < sizeof(detail))
		dl += snprintf(detail + dl, sizeof(detail) - dl, " base=%llu",
			       (unsigned long long)(r->base_drops - r->base_drops_warned));
	for (struct ldr_obj *o = r->objs; o; o = o->next) {
		uint64_t d = ldr_stats__read(o->stats_fd, TPC_STAT_RB_DROPS);

		total += d;
		if (d > o->drops_seen && dl < sizeof(detail))
			dl += snprintf(detail + dl, sizeof(detail) - dl, " %s=%llu", o->name,
				       (unsigned long long)(d - o->drops_seen));
	}
	if (!detail[0] || now - r->last_loss_warning < 10)
		return;
	ldr_warn("ring buffer full, events lost since last report:%s", detail);
	r->last_loss_warning = now;
	r->base_drops_warned = r->base_drops;
	for (struct ldr_obj *o = r->objs; o; o = o->next)
		o->drops_seen = ldr_stats__read(o->stats_fd, TPC_STAT_RB_DROPS);
	(void)total;
}

/* A uprobe stays on the inode it was attached to: when its binary is
 * deleted or replaced (a package upgrade renames a new file over it), new
 * processes run a file that is not probed.  The loader cannot follow on
 * its own (the object may expect the old file's symbols), so it says so,
 * once per target, and counts it; re-adding the object attaches anew. */
static void check_targets(struct run *r)
{
	for (struct ldr_obj *o = r->objs; o; o = o->next)
		for (size_t i = 0; i < o->ntargets; i++) {
			struct ldr_target *t = &o->targets[i];
			enum ldr_target_state st;

			if (t->reported)
				continue;
			st = ldr_target__state(t);
			if (st == LDR_TARGET_SAME)
				continue;
			t->reported = true;
			ldr_metrics__add(r->metrics, LDR_G_TARGETS_LOST, 1);
			ldr_warn("object '%s': program '%s': uprobe target '%s' was %s: the probe "
				 "stays on the old file and new processes are not probed; replace "
				 "the object (or SIGHUP after touching it) to attach again",
				 o->name, t->prog, ldr_quote(t->path),
				 st == LDR_TARGET_DELETED ? "deleted" : "replaced by another file");
		}
}

static bool bpf_stats_on(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = 0;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v == 1;
}

static void prog_stats(struct jbuf *b, const char *obj, struct bpf_object *bpf)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, bpf) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);
		char line[512];

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		snprintf(line, sizeof(line),
			 "tpc_program_run_time_ns_total{object=\"%s\",program=\"%s\"} %llu\n"
			 "tpc_program_run_count_total{object=\"%s\",program=\"%s\"} %llu\n",
			 obj, bpf_program__name(prog), (unsigned long long)info.run_time_ns, obj,
			 bpf_program__name(prog), (unsigned long long)info.run_cnt);
		jbuf__cstr(b, line);
	}
}

/* A file name as a Prometheus label value: no quote, backslash or newline. */
static void label_value(const char *in, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < outlen; i++)
		out[i] = in[i] == '"' || in[i] == '\\' || in[i] == '\n' ? '_' : in[i];
	out[i] = 0;
}

/* Runs in the HTTP thread, under r->lock. */
static void collect(void *ctx, struct jbuf *b)
{
	struct run *r = ctx;
	bool stats = bpf_stats_on();
	char line[512], name[NAME_MAX + 1];

	jbuf__cstr(b, "# HELP tpc_ringbuf_lost_total Ring-buffer records lost (buffer full).\n"
		      "# TYPE tpc_ringbuf_lost_total counter\n");
	pthread_mutex_lock(&r->lock);
	snprintf(line, sizeof(line), "tpc_ringbuf_lost_total{object=\"base\"} %llu\n",
		 (unsigned long long)ldr_stats__read(r->base_stats_fd, TPC_STAT_RB_DROPS));
	jbuf__cstr(b, line);
	for (struct ldr_obj *o = r->objs; o; o = o->next) {
		label_value(o->name, name, sizeof(name));
		snprintf(line, sizeof(line), "tpc_ringbuf_lost_total{object=\"%s\"} %llu\n", name,
			 (unsigned long long)ldr_stats__read(o->stats_fd, TPC_STAT_RB_DROPS));
		jbuf__cstr(b, line);
	}
	snprintf(line, sizeof(line),
		 "# HELP tpc_k8s_pods Pods of this node in the pod store.\n"
		 "# TYPE tpc_k8s_pods gauge\ntpc_k8s_pods %zu\n",
		 r->pods ? pods__count(r->pods) : 0);
	jbuf__cstr(b, line);
	jbuf__cstr(b, "# HELP tpc_object_loaded Objects attached now.\n"
		      "# TYPE tpc_object_loaded gauge\n");
	for (struct ldr_obj *o = r->objs; o; o = o->next) {
		label_value(o->name, name, sizeof(name));
		snprintf(line, sizeof(line), "tpc_object_loaded{object=\"%s\"} 1\n", name);
		jbuf__cstr(b, line);
	}
	if (stats) {
		jbuf__cstr(b, "# HELP tpc_program_run_time_ns_total Kernel run time per program "
			      "(kernel.bpf_stats_enabled=1).\n"
			      "# TYPE tpc_program_run_time_ns_total counter\n"
			      "# HELP tpc_program_run_count_total Runs per program.\n"
			      "# TYPE tpc_program_run_count_total counter\n");
		if (r->base)
			prog_stats(b, "base", r->base->obj);
		for (struct ldr_obj *o = r->objs; o; o = o->next) {
			label_value(o->name, name, sizeof(name));
			prog_stats(b, name, o->bpf);
		}
	}
	pthread_mutex_unlock(&r->lock);
}

/* --- start-up ------------------------------------------------------------------------- */

/* The base sensor's skeleton, with the ELF bytes of the build this kernel
 * can verify: without bpf_loop() (5.10) the build whose path walks are
 * bounded loops over global functions (Makefile: base_legacy). Both come
 * from one source, so they have the same maps and programs by name. */
static const void *base__elf(const struct ldr_features *f, size_t *sz)
{
	return f->has[LDR_FEAT_BPF_LOOP] ? tpc_base__elf_bytes(sz) : tpc_base_legacy__elf_bytes(sz);
}

static struct tpc_base *base__open(const struct ldr_features *f, const char *core_btf)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = core_btf);
	struct tpc_base *b;

	if (f->has[LDR_FEAT_BPF_LOOP])
		return tpc_base__open_opts(&opts);
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	if (tpc_base__create_skeleton(b))
		goto fail;
	b->skeleton->data = (void *)base__elf(f, &b->skeleton->data_sz);
	if (bpf_object__open_skeleton(b->skeleton, &opts))
		goto fail;
	ldr_info("base sensor: the build without bpf_loop (this kernel lacks it)");
	return b;
fail:
	tpc_base__destroy(b);
	return NULL;
}

/* Open and load the base sensor, CO-RE against its share of r->core_btf
 * (ldr_corebtf.h) when there is one, else against libbpf's own parse. */
static int base__load(struct run *r, bool reduced)
{
	char core_path[32] = "";
	const void *elf;
	size_t sz, nt = 0;
	int fd = -ENOENT, err;

	elf = base__elf(&r->feat, &sz);
	if (reduced && r->core_btf)
		fd = ldr_core_btf__reduce(r->core_btf, elf, sz, &nt);
	if (fd >= 0) {
		snprintf(core_path, sizeof(core_path), "/proc/self/fd/%d", fd);
		ldr_debug("base sensor: CO-RE against %zu kernel BTF types", nt);
	}
	r->base = base__open(&r->feat, fd >= 0 ? core_path : NULL);
	if (!r->base) {
		err = -errno;
		ldr_err("base sensor: open failed: %s", strerror(errno));
		goto out;
	}
	/* user space maps the whole ring (counted in RSS): 1 MiB holds ~800
	 * exec records, hundreds of thousands per second at a 2 ms poll */
	bpf_map__set_max_entries(r->base->maps.base_events, r->o->base_ring_kb << 10);
	err = tpc_base__load(r->base);
	if (err && fd >= 0) {
		/* the reduced BTF is a shortcut: again as libbpf alone does it */
		ldr_debug("base sensor: failed with the reduced kernel BTF (%s); again with "
			  "the full one", strerror(-err));
		tpc_base__destroy(r->base);
		r->base = NULL;
		close(fd);
		return base__load(r, false);
	}
out:
	if (fd >= 0)
		close(fd);
	return err;
}

static int start_base(struct run *r)
{
	int err;

	err = base__load(r, true);
	if (!r->base)
		return -1;
	if (err) {
		ldr_err("base sensor: load failed: %s%s", strerror(-err), ldr_log_libbpf_reason());
		return -1;
	}
	err = tpc_base__attach(r->base);
	if (err) {
		ldr_err("base sensor: attach failed: %s", strerror(-err));
		return -1;
	}
	r->base_stats_fd = bpf_map__fd(r->base->maps.base_stats);
	r->base_rb = ring_buffer__new(bpf_map__fd(r->base->maps.base_events), on_base_event, r,
				      NULL);
	if (!r->base_rb) {
		ldr_err("base sensor: ring buffer: %s", strerror(errno));
		return -1;
	}
	epoll_ring(r, r->base_rb, EPOLL_CTL_ADD);
	{
		char ids[128];

		prog_ids(r->base->obj, ids, sizeof(ids));
		ldr_info("base sensor attached (ids%s)", ids);
	}
	return 0;
}

/* --pods-file: a PodList replaces the whole store (pods gone from the file
 * are deleted), at start and on SIGHUP. */
#define LDR_PODS_FILE_MAX (64u << 20)
static int load_pods_file(struct run *r)
{
	const char *path = r->o->pods_file;
	FILE *f = fopen(path, "re");
	char *buf = NULL, err[256] = "";
	size_t n;
	int ret = -1;

	if (!f) {
		ldr_err("--pods-file %s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(LDR_PODS_FILE_MAX + 1);
	if (!buf)
		goto cleanup;
	n = fread(buf, 1, LDR_PODS_FILE_MAX + 1, f);
	if (n > LDR_PODS_FILE_MAX) {
		ldr_err("--pods-file %s: larger than %u MiB", path, LDR_PODS_FILE_MAX >> 20);
		goto cleanup;
	}
	ret = pods__replace_list_json(r->pods, buf, n, err, sizeof(err));
	if (ret < 0)
		ldr_err("--pods-file %s: %s", path, err);
	else
		ldr_info("--pods-file %s: %d pods", path, ret);
cleanup:
	free(buf);
	fclose(f);
	return ret < 0 ? -1 : 0;
}

/* The API watch, or one line saying why there is none. */
static int start_k8s(struct run *r, const char *node)
{
	struct ldr_k8s_cfg cfg;
	char why[256];
	int err;

	if (ldr_k8s__config(&cfg, r->o->k8s_api, r->o->k8s_ca, r->o->k8s_token_file, node,
			    r->o->no_k8s, why, sizeof(why))) {
		ldr_info("no Kubernetes API (%s): %s", why,
			 r->o->pods_file ? "pod metadata comes from --pods-file only"
					 : "events carry no pod metadata");
		return 0;
	}
	err = ldr_k8s__start(&r->k8s, &cfg, r->pods, r->metrics);
	if (err == -EOPNOTSUPP) {
		ldr_err("Kubernetes API %s: this build has no HTTP client (static build; use "
			"the dynamic tpc-loader, or --no-k8s)", cfg.api.api);
		return -1;
	}
	if (err) {
		ldr_err("Kubernetes API watch: %s", strerror(-err));
		return -1;
	}
	ldr_info("kubernetes: watching pods of node '%s' at %s", node, cfg.api.api);
	return 0;
}

static void block_signals(sigset_t *set)
{
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	/* before any thread exists (libmicrohttpd's): threads inherit the mask,
	 * so the signals reach only the signalfd */
	pthread_sigmask(SIG_BLOCK, set, NULL);
}

static int setup_signals(struct run *r)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = TAG_SIG };
	sigset_t set;

	block_signals(&set);
	r->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sigfd < 0)
		return -errno;
	return epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->sigfd, &e) ? -errno : 0;
}

static void handle_signals(struct run *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			ldr_info("SIGHUP: rescanning %s", r->o->policy_dir ? r->o->policy_dir
									: "(no --policy-dir)");
			if (r->o->policy_dir)
				rescan(r, false);
			if (r->o->pods_file)
				load_pods_file(r);
		} else {
			r->stop = true;
		}
	}
}

static int check_mounts(struct run *r)
{
	int err;

	if (r->o->mount) {
		err = ldr_mount__tracefs();
		if (err)
			ldr_warn("mounting tracefs on " LDR_TRACEFS ": %s", strerror(-err));
		if (r->o->pin_dir) {
			err = ldr_mount__bpffs(r->o->pin_dir);
			if (err) {
				ldr_err("mounting bpffs for %s: %s", r->o->pin_dir, strerror(-err));
				return -1;
			}
		}
	}
	if (r->o->pin_dir && !ldr_bpffs__ok(r->o->pin_dir)) {
		ldr_err("--pin %s is not on a bpf filesystem: run 'mount -t bpf bpf " LDR_BPFFS
			"' (and pin under it) or start with --mount",
			r->o->pin_dir);
		return -1;
	}
	return 0;
}

int ldr_run(struct ldr_opts *o)
{
	struct run *r = calloc(1, sizeof(*r));
	char node[LDR_NODE_MAX];
	struct timespec t_start;
	char root[PATH_MAX] = ""; /* the cgroup2 mount (cgmap, scope) */
	int ret = 1;

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	if (!r)
		return 1;
	elf_version(EV_CURRENT); /* once, before objects are read in parallel */
	r->o = o;
	{
		sigset_t set;

		block_signals(&set);
	}
	r->epfd = r->sigfd = r->inofd = r->env.cgroup_fd = r->base_stats_fd = -1;
	r->base_limit = UINT64_MAX;
	pthread_mutex_init(&r->lock, NULL);
	ldr_out__init(&r->out, o->fmt == LDR_FMT_NONE ? NULL : stdout);
	if (o->fmt != LDR_FMT_NONE)
		setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	if (o->node_name)
		snprintf(node, sizeof(node), "%s", o->node_name);
	else if (getenv("NODE_NAME"))
		snprintf(node, sizeof(node), "%s", getenv("NODE_NAME"));
	else if (gethostname(node, sizeof(node)))
		snprintf(node, sizeof(node), "localhost");
	node[sizeof(node) - 1] = 0;
	r->env.node_name = node;
	r->env.node_labels = (const char *const *)o->node_labels;
	r->env.nnode_labels = o->nnode_labels;

	if (check_mounts(r))
		goto cleanup;
	if (o->export_file) {
		int err = ldr_out__open_file(&r->out, o->export_file,
					     (uint64_t)o->export_max_mb << 20, o->export_backups);

		if (err) {
			ldr_err("--export-file %s: %s", o->export_file, strerror(-err));
			goto cleanup;
		}
	}
	if (o->cgroup)
		snprintf(r->cgpath, sizeof(r->cgpath), "%s", o->cgroup);
	else if (ldr_cgroup2__root(r->cgpath, sizeof(r->cgpath)))
		r->cgpath[0] = 0;
	if (r->cgpath[0]) {
		r->env.cgroup_fd = open(r->cgpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (r->env.cgroup_fd < 0 && o->cgroup) {
			ldr_err("--cgroup %s: %s", o->cgroup, strerror(errno));
			goto cleanup;
		}
	}
	r->env.cgroup_path = r->cgpath[0] ? r->cgpath : "(none)";
	r->env.feat = &r->feat;
	r->env.on_event = on_obj_event;
	r->env.ring_kb = r->o->ring_kb;
	r->env.verbose = ldr_verbose;
	r->env.sig_pubkey = o->sig_pubkey;
	/* The kernel BTF, parsed once for the probe, the base sensor and the
	 * objects of the start-up (ldr_corebtf.h) rather than by libbpf for
	 * each of them; freed once they are loaded. TPC_CORE_BTF=full keeps
	 * libbpf's own parses (to compare: tests/e2e/loader_corebtf.sh). */
	if (!getenv("TPC_CORE_BTF") || strcmp(getenv("TPC_CORE_BTF"), "full"))
		r->core_btf = ldr_core_btf__new();
	r->env.core_btf = r->core_btf;
	ldr_features__probe_btf(&r->feat, ldr_core_btf__btf(r->core_btf));
	for (char **d = o->disabled; d && *d; d++) {
		int k;

		for (k = 0; k < LDR_FEAT__COUNT; k++)
			if (!strcmp(*d, ldr_feat_names[k]))
				break;
		if (k == LDR_FEAT__COUNT) {
			ldr_err("--disable-feature: unknown feature '%s'", ldr_quote(*d));
			goto cleanup;
		}
		r->feat.has[k] = false;
		snprintf(r->feat.detail[k], sizeof(r->feat.detail[k]), "disabled by option");
	}
	if (ldr_verbose)
		ldr_info("start-up: kernel probe done at %.1f ms", ms_since(&t_start));

	{
		/* one cgroup v2 root for ids -> paths: the process table's
		 * container ids and the pod cgroups agree (root is also the
		 * scope maps' level reference) */
		if (o->cgroup_root)
			snprintf(root, sizeof(root), "%s", o->cgroup_root);
		else if (ldr_cgroup2__root(root, sizeof(root)))
			root[0] = 0;
		r->procs = ldr_proc_table__new(node, root[0] ? root : NULL);
		r->cgmap = ldr_cgmap__new(root[0] ? root : NULL);
	}
	r->pods = pods__new();
	if (!r->procs || !r->pods || !r->cgmap)
		goto cleanup;
	if (o->pods_file && load_pods_file(r))
		goto cleanup;
	/* before any object loads: scope maps are filled before attach */
	r->scope = ldr_scope__new(r->pods, r->cgmap, root, o->pods_file != NULL);
	if (!r->scope || pods__subscribe(r->pods, ldr_scope__on_pod, r->scope))
		goto cleanup;
	r->env.scope = r->scope;
	ldr_events__init(&r->ev, r->procs, node);
	r->ev.l7_kill = true; /* Sigkill of dns/http rules (ldr_events.h) */
	r->ev.fmt = o->fmt;
	r->ev.filter = o->filter;
	r->ev.emit = ldr_out__line;
	if (o->fmt == LDR_FMT_COMPACT && o->export_file) {
		r->ev.emit = ldr_out__line_std;
		r->ev.emit_json = ldr_out__line_file;
	}
	r->ev.sink = &r->out;
	r->ev.sync = sync_base;
	r->ev.sync_ctx = r;
	r->ev.proc_fallback = true;
	r->ev.stack_addresses = o->stack_addresses;
	r->ev.on_cgroup = ldr_scope__on_cgroup;
	r->ev.cgroup_ctx = r->scope;
	r->ev.pods = r->pods;
	r->metrics = ldr_metrics__new(collect, r);
	r->ev.metrics = r->metrics;
	{
		char rerr[256];

		r->req = ldr_req__new(&o->req, r->metrics, rerr, sizeof(rerr));
		if (!r->req) {
			ldr_err("%s", rerr);
			goto cleanup;
		}
	}
	r->ev.base_ctr[LDR_EV_EXEC] =
		ldr_metrics__ctr(r->metrics, ldr_ev_type_names[LDR_EV_EXEC], "", "");
	r->ev.base_ctr[LDR_EV_EXIT] =
		ldr_metrics__ctr(r->metrics, ldr_ev_type_names[LDR_EV_EXIT], "", "");
	if (o->metrics_addr) {
		int err = ldr_metrics__serve(r->metrics, o->metrics_addr);

		if (err) {
			ldr_err("--metrics-addr %s: cannot serve: %s", o->metrics_addr,
				err == -EOPNOTSUPP ? "this build has no HTTP server (static "
						     "build; use the dynamic tpc-loader)"
						   : strerror(-err));
			goto cleanup;
		}
	}
	if (start_k8s(r, node)) /* after the metrics it counts into */
		goto cleanup;
	/* with the API, objects loaded before its first LIST has arrived start
	 * with empty scope maps (matching nothing) and fill as pods come in */
	ldr_scope__set_source(r->scope, o->pods_file || r->k8s);
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0 || setup_signals(r))
		goto cleanup;
	/* base first, then /proc: a process started in between is seen twice
	 * (harmless) rather than not at all */
	if (!o->no_base && start_base(r))
		goto cleanup;
	if (ldr_verbose)
		ldr_info("start-up: base sensor attached at %.1f ms", ms_since(&t_start));
	ldr_proc_table__scan(r->procs, "/proc");
	malloc_trim(0);
	if (ldr_verbose)
		ldr_info("start-up: /proc scanned at %.1f ms", ms_since(&t_start));

	load_batch(r, o->objs, o->nobjs);
	if (o->policy_dir) {
		struct epoll_event e = { .events = EPOLLIN, .data.u64 = TAG_INOTIFY };

		r->inofd = ldr_watch__open(o->policy_dir);
		if (r->inofd < 0) {
			ldr_err("--policy-dir %s: %s", o->policy_dir, strerror(-r->inofd));
			goto cleanup;
		}
		epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->inofd, &e);
		rescan(r, true);
	}
	if (o->pin_dir)
		adopt_pins(r);
	/* objects added later load one at a time, each with libbpf's parse */
	ldr_core_btf__free(r->core_btf);
	r->core_btf = NULL;
	r->env.core_btf = NULL;
	malloc_trim(0);
	{
		size_t n = 0;

		for (struct ldr_obj *x = r->objs; x; x = x->next)
			n++;
		ldr_info("ready in %.0f ms: %zu object%s attached, %zu processes known, node '%s'",
			 ms_since(&t_start), n, n == 1 ? "" : "s", ldr_proc_table__count(r->procs),
			 node);
	}

	{
		uint64_t last_tick = now_boot_ns(), last_purge = last_tick;

		while (!r->stop) {
			struct epoll_event evs[16];
			int n = epoll_wait(r->epfd, evs, 16, o->poll_ms);
			uint64_t now;

			for (int i = 0; i < n; i++) {
				if (evs[i].data.u64 == TAG_SIG)
					handle_signals(r);
				else if (evs[i].data.u64 == TAG_INOTIFY)
					ldr_watch__drain(r->inofd, on_dir_change, r);
			}
			drain_all(r);
			now = now_boot_ns();
			/* queries and requests whose answer never came */
			ldr_events__l7_expire(&r->ev, now);
			if (now - last_tick > 1000000000ull) {
				last_tick = now;
				ldr_events__clock_sync(&r->ev);
				check_losses(r);
				check_targets(r);
				for (struct ldr_obj *x = r->objs; x; x = x->next)
					ldr_ident__rescan(x->ident);
				ldr_metrics__add(r->metrics, LDR_G_DECODE_ERRORS,
						 r->ev.decode_errors);
				ldr_metrics__add(r->metrics, LDR_G_FILTERED, r->ev.filtered);
				r->ev.decode_errors = r->ev.filtered = 0;
				if (r->out.write_errors > r->out_errors_warned) {
					ldr_warn("export: %llu write errors",
						 (unsigned long long)r->out.write_errors);
					r->out_errors_warned = r->out.write_errors;
				}
			}
			if (now - last_purge > 10000000000ull) {
				last_purge = now;
				ldr_proc_table__purge(r->procs, now, 30000000000ull);
			}
		}
	}
	/* what was posted before the signal is still written, but for at most
	 * LDR_EXIT_DRAIN_NS: under a storm the rings never empty, and what is
	 * still in them then goes with the maps */
	{
		uint64_t until = now_boot_ns() + LDR_EXIT_DRAIN_NS;
		int left;

		while ((left = drain_all(r)) && now_boot_ns() < until)
			;

		if (left)
			ldr_warn("shutting down: stopped draining %d ring buffer%s after "
				 "500 ms; records left are dropped, not counted as lost",
				 left, left == 1 ? "" : "s");
	}
	flush_exits(r, UINT64_MAX);
	ldr_events__l7_flush(&r->ev, NULL);
	ldr_out__flush(&r->out);
	for (struct ldr_obj *x = r->objs; x; x = x->next)
		log_l7_stats(x);
	ldr_info("shutting down: %s", o->pin_dir ? "pinned programs stay attached"
						 : "detaching everything");
	ret = 0;
cleanup:
	ldr_k8s__stop(r->k8s); /* before the store it feeds */
	ldr_req__free(r->req); /* the worker finishes the request it performs */
	ldr_metrics__free(r->metrics); /* stops the HTTP thread before objects go */
	r->metrics = NULL;
	ldr_events__l7_flush(&r->ev, NULL); /* held records name the objects' policies */
	while (r->objs) {
		struct ldr_obj *x = r->objs;

		r->objs = x->next;
		ldr_obj__destroy(x, o->pin_dir != NULL);
	}
	ldr_scope__free(r->scope);
	ring_buffer__free(r->base_rb);
	ldr_core_btf__free(r->core_btf);
	tpc_base__destroy(r->base);
	ldr_events__fini(&r->ev);
	ldr_proc_table__free(r->procs);
	pods__free(r->pods);
	ldr_cgmap__free(r->cgmap);
	ldr_out__close(&r->out);
	if (r->env.cgroup_fd >= 0)
		close(r->env.cgroup_fd);
	if (r->inofd >= 0)
		close(r->inofd);
	if (r->sigfd >= 0)
		close(r->sigfd);
	if (r->epfd >= 0)
		close(r->epfd);
	pthread_mutex_destroy(&r->lock);
	free(r->failed);
	free(r);
	return ret;
}
