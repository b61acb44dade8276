/* events.c - decode records and render Tetragon-shaped JSON / compact text.
 *
 * JSON is written by hand into one reused buffer (jbuf): building a jansson
 * tree per event would allocate a dozen nodes per line on the hot path.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/ldr_buildid.h"
#include "core/ldr_syms.h"
#include "export/ldr_events.h"
#include "export/ldr_kobj.h"
#include "export/ldr_metrics.h"
#include "tpc_abi.h"

const char *const ldr_action_names[LDR_A__COUNT] = {
	[LDR_A_POST] = "KPROBE_ACTION_POST",	     [LDR_A_SIGKILL] = "KPROBE_ACTION_SIGKILL",
	[LDR_A_SIGNAL] = "KPROBE_ACTION_SIGNAL",     [LDR_A_OVERRIDE] = "KPROBE_ACTION_OVERRIDE",
	[LDR_A_NOPOST] = "KPROBE_ACTION_NOPOST",
	[LDR_A_NOTIFY_ENFORCER] = "KPROBE_ACTION_NOTIFYENFORCER",
	[LDR_A_SET] = "KPROBE_ACTION_SET",
};

static const char *const short_action[LDR_A__COUNT] = { "POST", "SIGKILL", "SIGNAL", "OVERRIDE",
							"NOPOST", "NOTIFYENFORCER", "SET" };

static const char *const signames[32] = {
	[1] = "SIGHUP",	  [2] = "SIGINT",    [3] = "SIGQUIT", [4] = "SIGILL",	 [5] = "SIGTRAP",
	[6] = "SIGABRT",  [7] = "SIGBUS",    [8] = "SIGFPE",  [9] = "SIGKILL",	 [10] = "SIGUSR1",
	[11] = "SIGSEGV", [12] = "SIGUSR2",  [13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM",
	[16] = "SIGSTKFLT", [17] = "SIGCHLD", [18] = "SIGCONT", [19] = "SIGSTOP", [20] = "SIGTSTP",
	[21] = "SIGTTIN", [22] = "SIGTTOU",  [23] = "SIGURG", [24] = "SIGXCPU",	 [25] = "SIGXFSZ",
	[26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH", [29] = "SIGIO", [30] = "SIGPWR",
	[31] = "SIGSYS",
};


static const char *const compact_icon[LDR_EV__COUNT] = {
	[LDR_EV_EXEC] = "\xf0\x9f\x9a\x80",	  /* rocket */
	[LDR_EV_EXIT] = "\xf0\x9f\x92\xa5",	  /* collision */
	[LDR_EV_KPROBE] = "\xf0\x9f\x94\x8d",	  /* magnifier */
	[LDR_EV_TRACEPOINT] = "\xf0\x9f\x94\x8d",
	[LDR_EV_LSM] = "\xf0\x9f\x94\x8d",
	[LDR_EV_UPROBE] = "\xf0\x9f\x94\x8d",
	[LDR_EV_USDT] = "\xf0\x9f\x94\x8d",
	[LDR_EV_LOADER] = "\xf0\x9f\x93\x9a", /* books */
	[LDR_EV_NET_TCP] = "\xf0\x9f\x94\x8c", /* electric plug */
	[LDR_EV_NET_DNS] = "\xf0\x9f\x94\x8c",
	[LDR_EV_NET_HTTP] = "\xf0\x9f\x94\x8c",
};
#define ICON_KILL "\xf0\x9f\x9b\x91" /* stop sign */
#define ICON_DENY "\xf0\x9f\x9a\xab" /* no entry */

void ldr_events__clock_sync(struct ldr_events *ev)
{
	struct timespec r, b;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_BOOTTIME, &b);
	ev->boot_to_real = ((int64_t)r.tv_sec - b.tv_sec) * 1000000000 + (r.tv_nsec - b.tv_nsec);
}

static void l7_pair_done(void *ctx, const void *tag, const void *first, size_t first_size,
			 const void *second, size_t second_size);

/* held DNS/HTTP records: at most this many, for at most this long */
#define L7_HELD_MAX 16384
#define L7_TIMEOUT_NS 5000000000ull

void ldr_events__init(struct ldr_events *ev, struct ldr_proc_table *procs, const char *node)
{
	memset(ev, 0, sizeof(*ev));
	ev->procs = procs;
	snprintf(ev->node, sizeof(ev->node), "%s", node);
	ev->time_sec = -1;
	ldr_events__clock_sync(ev);
	/* on failure pairing is off: DNS/HTTP records are emitted unpaired */
	ldr_l7_pairs__init(&ev->l7, L7_HELD_MAX, L7_TIMEOUT_NS, l7_pair_done, ev);
}

void ldr_events__fini(struct ldr_events *ev)
{
	ldr_l7_pairs__fini(&ev->l7);
	jbuf__free(&ev->line);
	jbuf__free(&ev->tmp);
	if (ev->pod_cache)
		for (size_t i = 0; i < LDR_POD_CACHE; i++) {
			jbuf__free(&ev->pod_cache[i].json);
			jbuf__free(&ev->pod_cache[i].compact);
		}
	free(ev->pod_cache);
	ev->pod_cache = NULL;
	ldr_syms__free(ev->syms);
	ev->syms = NULL;
}

void ldr_events__time(struct ldr_events *ev, uint64_t real_ns, char out[40])
{
	int64_t sec = real_ns / 1000000000;
	unsigned ns = real_ns % 1000000000;

	if (sec != ev->time_sec) {
		time_t t = sec;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(ev->time_prefix, sizeof(ev->time_prefix), "%Y-%m-%dT%H:%M:%S", &tm);
		ev->time_sec = sec;
	}
	size_t n = strnlen(ev->time_prefix, 31);

	memcpy(out, ev->time_prefix, n);
	out[n] = '.';
	for (int i = 9; i >= 1; i--) {
		out[n + i] = '0' + ns % 10;
		ns /= 10;
	}
	out[n + 10] = 'Z';
	out[n + 11] = 0;
}

static void put_time(struct ldr_events *ev, struct jbuf *b, uint64_t ktime)
{
	char t[40];

	ldr_events__time(ev, ktime + ev->boot_to_real, t);
	jbuf__ch(b, '"');
	jbuf__cstr(b, t);
	jbuf__ch(b, '"');
}

#define KEY(b, k) jbuf__raw((b), "\"" k "\":", sizeof(k) + 2)

static void put_kstr(struct jbuf *b, const char *key_comma, const char *s)
{
	jbuf__cstr(b, key_comma);
	jbuf__str(b, s, strlen(s));
}

/* Tetragon's Pod message as a ',"pod":{...}' fragment (empty strings
 * omitted, as protojson does).  c: the pod's container; NULL when the API
 * has not reported the container yet, then its id comes from the cgroup. */
static void render_pod(struct jbuf *b, const struct ldr_pod *pod, const struct ldr_container *c,
		       const struct ldr_cg_ident *cg)
{
	jbuf__cstr(b, ",\"pod\":{");
	put_kstr(b, "\"namespace\":", pod->ns);
	put_kstr(b, ",\"name\":", pod->name);
	put_kstr(b, ",\"uid\":", pod->uid);
	jbuf__cstr(b, ",\"container\":{\"id\":");
	if (!c) {
		char id[96];

		snprintf(id, sizeof(id), "%s%s%s",
			 cg->runtime != LDR_RT_UNKNOWN ? ldr_cg_runtime__name(cg->runtime) : "",
			 cg->runtime != LDR_RT_UNKNOWN ? "://" : "", cg->container_id);
		jbuf__str(b, id, strlen(id));
		goto end_container;
	}
	/* the API's strings are untrusted: escaped like every other */
	if (c->runtime[0]) {
		size_t rl = strlen(c->runtime), il = strlen(c->id);
		char *id = malloc(rl + il + 4);

		if (!id) {
			b->oom = true;
			return;
		}
		memcpy(id, c->runtime, rl);
		memcpy(id + rl, "://", 3);
		memcpy(id + rl + 3, c->id, il + 1);
		jbuf__str(b, id, rl + il + 3);
		free(id);
	} else {
		jbuf__str(b, c->id, strlen(c->id));
	}
	if (c->name[0])
		put_kstr(b, ",\"name\":", c->name);
	if (c->image[0] || c->image_id[0]) {
		jbuf__cstr(b, ",\"image\":{");
		if (c->image_id[0])
			put_kstr(b, "\"id\":", c->image_id);
		if (c->image[0])
			put_kstr(b, c->image_id[0] ? ",\"name\":" : "\"name\":", c->image);
		jbuf__ch(b, '}');
	}
	if (c->start_time[0])
		put_kstr(b, ",\"start_time\":", c->start_time);
end_container:
	jbuf__ch(b, '}');
	if (pod->nlabels) {
		jbuf__cstr(b, ",\"pod_labels\":{");
		for (size_t i = 0; i < pod->nlabels; i++) {
			if (i)
				jbuf__ch(b, ',');
			jbuf__str(b, pod->labels[i].k, strlen(pod->labels[i].k));
			jbuf__ch(b, ':');
			jbuf__str(b, pod->labels[i].v, strlen(pod->labels[i].v));
		}
		jbuf__ch(b, '}');
	}
	if (pod->workload[0])
		put_kstr(b, ",\"workload\":", pod->workload);
	if (pod->workload_kind[0])
		put_kstr(b, ",\"workload_kind\":", pod->workload_kind);
	jbuf__ch(b, '}');
}

/* The pod of a process, resolved when the event is written: a cache slot
 * per cgroup id holds the rendered fragments and stays valid while the
 * store's generation is unchanged, so the steady state costs a load and
 * two compares per process.  The container is looked up by its id; a pod
 * the API knows whose status does not list that container yet (it has just
 * started) is found by the pod UID in the cgroup path.  NULL: no container,
 * or a pod the store does not know (yet). */
static const struct ldr_pod_cache_ent *pod_of(struct ldr_events *ev, const struct ldr_proc *p)
{
	struct ldr_pod_cache_ent *e;
	struct ldr_pod *pod;
	uint64_t gen;
	size_t ci;

	if (!ev->pods || !p->docker[0])
		return NULL;
	if (!ev->pod_cache) {
		ev->pod_cache = calloc(LDR_POD_CACHE, sizeof(*ev->pod_cache));
		if (!ev->pod_cache)
			return NULL;
	}
	gen = pods__generation(ev->pods);
	e = &ev->pod_cache[(p->cgroup_id ^ (p->cgroup_id >> 12)) % LDR_POD_CACHE];
	if (e->gen == gen && e->cgid == p->cgroup_id && !strcmp(e->docker, p->docker))
		return e->json.len ? e : NULL;
	e->gen = gen;
	e->cgid = p->cgroup_id;
	memcpy(e->docker, p->docker, sizeof(e->docker));
	jbuf__reset(&e->json);
	jbuf__reset(&e->compact);
	pod = pods__by_container(ev->pods, p->cg.container_id[0] ? p->cg.container_id : p->docker,
				 &ci);
	if (pod)
		render_pod(&e->json, pod, &pod->containers[ci], &p->cg);
	else if (p->cg.pod_uid[0] && p->cg.container_id[0] &&
		 (pod = pods__get(ev->pods, p->cg.pod_uid)))
		render_pod(&e->json, pod, NULL, &p->cg);
	else
		return NULL;
	jbuf__ch(&e->compact, ' ');
	jbuf__cstr(&e->compact, pod->ns);
	jbuf__ch(&e->compact, '/');
	jbuf__cstr(&e->compact, pod->name);
	pod__put(pod);
	if (e->json.oom || e->compact.oom) {
		jbuf__reset(&e->json);
		return NULL;
	}
	return e;
}

/* The Process message. tid: the thread that hit the hook (0 = pid). */
static void put_process(struct ldr_events *ev, struct jbuf *b, const struct ldr_proc *p,
			uint32_t tid)
{
	jbuf__ch(b, '{');
	put_kstr(b, "\"exec_id\":", p->exec_id);
	jbuf__cstr(b, ",\"pid\":");
	jbuf__u64(b, p->pid);
	jbuf__cstr(b, ",\"uid\":");
	jbuf__u64(b, p->uid);
	if (p->cwd && p->cwd[0])
		put_kstr(b, ",\"cwd\":", p->cwd);
	put_kstr(b, ",\"binary\":", p->binary ? p->binary : "");
	if (p->args && p->args[0])
		put_kstr(b, ",\"arguments\":", p->args);
	put_kstr(b, ",\"flags\":", p->flags);
	jbuf__cstr(b, ",\"start_time\":");
	put_time(ev, b, p->ktime);
	jbuf__cstr(b, ",\"auid\":");
	jbuf__u64(b, p->auid);
	if (p->docker[0]) {
		const struct ldr_pod_cache_ent *pe = pod_of(ev, p);

		if (pe)
			jbuf__raw(b, pe->json.p, pe->json.len);
		put_kstr(b, ",\"docker\":", p->docker);
	}
	if (p->parent_exec_id[0])
		put_kstr(b, ",\"parent_exec_id\":", p->parent_exec_id);
	jbuf__cstr(b, ",\"tid\":");
	jbuf__u64(b, tid ? tid : p->pid);
	jbuf__ch(b, '}');
}

/* A process the table does not know (started and died between two polls
 * before the loader saw it): what the record itself says. */
static void put_process_miss(struct jbuf *b, const struct tpc_ev_hdr *h)
{
	jbuf__cstr(b, "{\"pid\":");
	jbuf__u64(b, h->pid);
	jbuf__cstr(b, ",\"uid\":");
	jbuf__u64(b, h->uid);
	jbuf__cstr(b, ",\"binary\":");
	jbuf__str(b, h->comm, strnlen(h->comm, sizeof(h->comm)));
	jbuf__cstr(b, ",\"flags\":\"miss\",\"tid\":");
	jbuf__u64(b, h->tid);
	jbuf__ch(b, '}');
}

static void put_process_parent(struct ldr_events *ev, struct jbuf *b, const struct ldr_proc *p,
			       const struct tpc_ev_hdr *h)
{
	const struct ldr_proc *pp = p ? ldr_proc_table__lookup(ev->procs, p->ppid) : NULL;

	KEY(b, "process");
	if (p)
		put_process(ev, b, p, h->tid);
	else
		put_process_miss(b, h);
	if (pp && pp != p) {
		jbuf__ch(b, ',');
		KEY(b, "parent");
		put_process(ev, b, pp, 0);
	}
}

static bool type_allowed(const struct ldr_filter *f, enum ldr_ev_type t, const char *policy)
{
	if (f->allow_types && !(f->allow_types & (1u << t)))
		return false;
	if (f->deny_types & (1u << t))
		return false;
	if (f->allow_policies) {
		bool ok = false;

		for (char **p = f->allow_policies; *p && policy; p++)
			ok |= !strcmp(*p, policy);
		if (!ok)
			return false;
	}
	if (f->deny_policies && policy)
		for (char **p = f->deny_policies; *p; p++)
			if (!strcmp(*p, policy))
				return false;
	return true;
}

/* Output passes of one event: the primary format to ev->emit, plus JSON to
 * ev->emit_json when the primary format is compact (the export file stays
 * JSON whatever stdout shows). */
struct pass {
	enum ldr_fmt fmt;
	void (*emit)(void *sink, const char *line, size_t len);
};

static int passes(const struct ldr_events *ev, struct pass out[2])
{
	int n = 0;

	out[n++] = (struct pass){ ev->fmt == LDR_FMT_COMPACT ? LDR_FMT_COMPACT : LDR_FMT_JSON,
				  ev->emit };
	if (ev->fmt == LDR_FMT_COMPACT && ev->emit_json)
		out[n++] = (struct pass){ LDR_FMT_JSON, ev->emit_json };
	return n;
}

static void finish(struct ldr_events *ev, struct jbuf *b, const struct pass *ps, int i)
{
	if (b->oom) {
		if (i == 0)
			ev->decode_errors++;
		return;
	}
	if (i == 0)
		ev->emitted++;
	if (ps[i].emit)
		ps[i].emit(ev->sink, b->p, b->len);
}

/* Compact: "<icon> <tag> <pid> <binary> <args>..." */
static void compact_head(struct ldr_events *ev, struct jbuf *b, const char *icon,
			 const char *tag, const struct ldr_proc *p, const struct tpc_ev_hdr *h)
{
	char num[16];

	jbuf__cstr(b, icon);
	jbuf__ch(b, ' ');
	jbuf__cstr(b, tag);
	for (size_t n = strlen(tag); n < 7; n++)
		jbuf__ch(b, ' ');
	jbuf__ch(b, ' ');
	snprintf(num, sizeof(num), "%u", p ? p->pid : h->pid);
	jbuf__cstr(b, num);
	if (p) {
		const struct ldr_pod_cache_ent *pe = pod_of(ev, p);

		if (pe) /* " ns/pod" */
			jbuf__raw(b, pe->compact.p, pe->compact.len);
	}
	jbuf__ch(b, ' ');
	if (p) {
		jbuf__cstr(b, p->binary ? p->binary : "");
		if (p->args && p->args[0]) {
			jbuf__ch(b, ' ');
			jbuf__cstr(b, p->args);
		}
	} else {
		jbuf__raw(b, h->comm, strnlen(h->comm, sizeof(h->comm)));
	}
}

/* Strip control bytes from compact text: it goes to a terminal. */
static void compact_sanitize(struct jbuf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->p[i] < 0x20 || b->p[i] == 0x7f)
			b->p[i] = '?';
}

/* --- base sensor --------------------------------------------------------------- */

static void emit_exec(struct ldr_events *ev, const struct ldr_proc *p, const struct tpc_ev_hdr *h)
{
	struct jbuf *b = &ev->line;
	struct pass ps[2];
	int np = passes(ev, ps);

	ldr_ctr__inc(ev->base_ctr[LDR_EV_EXEC]);
	if (!type_allowed(&ev->filter, LDR_EV_EXEC, NULL)) {
		ev->filtered++;
		return;
	}
	for (int i = 0; i < np; i++) {
		jbuf__reset(b);
		if (ps[i].fmt == LDR_FMT_COMPACT) {
			compact_head(ev, b, compact_icon[LDR_EV_EXEC], "process", p, h);
			compact_sanitize(b);
		} else {
			jbuf__cstr(b, "{\"process_exec\":{");
			put_process_parent(ev, b, p, h);
			jbuf__cstr(b, "},\"node_name\":");
			jbuf__str(b, ev->node, strlen(ev->node));
			jbuf__cstr(b, ",\"time\":");
			put_time(ev, b, h->ktime);
			jbuf__ch(b, '}');
		}
		finish(ev, b, ps, i);
	}
}

static void emit_exit(struct ldr_events *ev, const struct ldr_proc *p,
		      const struct tpc_ev_exit *x)
{
	struct jbuf *b = &ev->line;
	unsigned sig = x->code & 0x7f, status = (x->code >> 8) & 0xff;
	struct pass ps[2];
	int np = passes(ev, ps);

	ldr_ctr__inc(ev->base_ctr[LDR_EV_EXIT]);
	if (!type_allowed(&ev->filter, LDR_EV_EXIT, NULL)) {
		ev->filtered++;
		return;
	}
	for (int i = 0; i < np; i++) {
		jbuf__reset(b);
		if (ps[i].fmt == LDR_FMT_COMPACT) {
			char tail[32];

			compact_head(ev, b, compact_icon[LDR_EV_EXIT], "exit", p, &x->hdr);
			if (sig)
				snprintf(tail, sizeof(tail), " %s",
					 sig < 32 && signames[sig] ? signames[sig] : "signal");
			else
				snprintf(tail, sizeof(tail), " %u", status);
			jbuf__cstr(b, tail);
			compact_sanitize(b);
			finish(ev, b, ps, i);
			continue;
		}
		jbuf__cstr(b, "{\"process_exit\":{");
		put_process_parent(ev, b, p, &x->hdr);
		if (sig) {
			jbuf__cstr(b, ",\"signal\":");
			if (sig < 32 && signames[sig])
				jbuf__str(b, signames[sig], strlen(signames[sig]));
			else
				jbuf__cstr(b, "\"SIGRT\"");
		}
		jbuf__cstr(b, ",\"status\":");
		jbuf__u64(b, status);
		jbuf__cstr(b, ",\"time\":");
		put_time(ev, b, x->hdr.ktime);
		jbuf__cstr(b, "},\"node_name\":");
		jbuf__str(b, ev->node, strlen(ev->node));
		jbuf__cstr(b, ",\"time\":");
		put_time(ev, b, x->hdr.ktime);
		jbuf__ch(b, '}');
		finish(ev, b, ps, i);
	}
}

int ldr_events__base(struct ldr_events *ev, const void *data, size_t size)
{
	const struct tpc_ev_hdr *h = data;
	struct ldr_proc *p;

	if (size < sizeof(*h) || h->size > size) {
		ev->decode_errors++;
		return -1;
	}
	switch (h->kind) {
	case TPC_EV_EXEC:
		p = ldr_proc_table__exec(ev->procs, data, h->size);
		if (!p) {
			ev->decode_errors++;
			return -1;
		}
		emit_exec(ev, p, h);
		return 0;
	case TPC_EV_FORK:
		if (h->size < sizeof(struct tpc_ev_fork)) {
			ev->decode_errors++;
			return -1;
		}
		ldr_proc_table__fork(ev->procs, data);
		return 0;
	case TPC_EV_EXIT:
		if (h->size < sizeof(struct tpc_ev_exit)) {
			ev->decode_errors++;
			return -1;
		}
		p = ldr_proc_table__exit(ev->procs, data);
		emit_exit(ev, p, data);
		return 0;
	case TPC_EV_CGROUP: {
		const struct tpc_ev_cgroup *c = data;
		char path[TPC_CGROUP_PATH_MAX + 1];

		if (h->size < sizeof(*c) || c->path_len > h->size - sizeof(*c) ||
		    c->path_len > TPC_CGROUP_PATH_MAX) {
			ev->decode_errors++;
			return -1;
		}
		memcpy(path, c + 1, c->path_len);
		path[c->path_len] = 0;
		if (ev->on_cgroup)
			ev->on_cgroup(ev->cgroup_ctx, c->id, c->level, path, h->ktime);
		return 0;
	}
	}
	ev->decode_errors++;
	return -1;
}

/* --- hook records ------------------------------------------------------------------- */

/* A rule's signal sent for NotifyEnforcer is reported as that action, as
 * Tetragon does. */
static bool rule_notifies(const struct ldr_meta_rule *r)
{
	for (size_t i = 0; r && i < r->nactions; i++)
		if (!strcasecmp(r->actions[i], "NotifyEnforcer"))
			return true;
	return false;
}

enum ldr_action ldr_action__of(uint32_t bits, const struct ldr_meta_rule *r)
{
	if (bits & (TPC_ACT_SIGKILL | TPC_ACT_SIGNAL | TPC_ACT_OVERRIDE) && rule_notifies(r))
		return LDR_A_NOTIFY_ENFORCER;
	if (bits & TPC_ACT_SIGKILL)
		return LDR_A_SIGKILL;
	if (bits & TPC_ACT_OVERRIDE)
		return LDR_A_OVERRIDE;
	if (bits & TPC_ACT_SIGNAL)
		return LDR_A_SIGNAL;
	if (bits & TPC_ACT_SET) /* the argument was written */
		return LDR_A_SET;
	if (bits & TPC_ACT_NOPOST)
		return LDR_A_NOPOST;
	if (bits & TPC_ACT_POST || !r)
		return LDR_A_POST;
	for (size_t i = 0; i < r->nactions; i++) {
		const char *a = r->actions[i];

		if (!strcasecmp(a, "Sigkill"))
			return LDR_A_SIGKILL;
		if (!strcasecmp(a, "Override"))
			return LDR_A_OVERRIDE;
		if (!strcasecmp(a, "Signal"))
			return LDR_A_SIGNAL;
		if (!strcasecmp(a, "NoPost"))
			return LDR_A_NOPOST;
	}
	return LDR_A_POST;
}

static const char *family_name(unsigned f)
{
	switch (f) {
	case AF_INET: return "AF_INET";
	case AF_INET6: return "AF_INET6";
	case AF_UNIX: return "AF_UNIX";
	}
	return "AF_UNSPEC";
}

static void put_sa(struct jbuf *b, const struct tpc_ev_sockaddr *sa, bool sock, bool compact)
{
	char addr[INET6_ADDRSTRLEN] = "";

	if (sa->family == AF_INET)
		inet_ntop(AF_INET, sa->addr, addr, sizeof(addr));
	else if (sa->family == AF_INET6)
		inet_ntop(AF_INET6, sa->addr, addr, sizeof(addr));
	if (compact) {
		char t[80];

		snprintf(t, sizeof(t), sa->family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, sa->port);
		jbuf__cstr(b, t);
		return;
	}
	jbuf__cstr(b, "{\"family\":\"");
	jbuf__cstr(b, family_name(sa->family));
	jbuf__ch(b, '"');
	if (sock) {
		if (sa->protocol == 6)
			jbuf__cstr(b, ",\"protocol\":\"IPPROTO_TCP\"");
		else if (sa->protocol == 17)
			jbuf__cstr(b, ",\"protocol\":\"IPPROTO_UDP\"");
		jbuf__cstr(b, ",\"daddr\":");
		jbuf__str(b, addr, strlen(addr));
		jbuf__cstr(b, ",\"dport\":");
	} else {
		jbuf__cstr(b, ",\"addr\":");
		jbuf__str(b, addr, strlen(addr));
		jbuf__cstr(b, ",\"port\":");
	}
	jbuf__u64(b, sa->port);
	jbuf__ch(b, '}');
}

void ldr_mode_str(char out[11], uint32_t mode)
{
	static const char rwx[] = "rwx";
	/* type letters by S_IFMT >> 12; 0 (unknown type) prints nothing */
	static const char types[16] = { [1] = 'p', [2] = 'c', [4] = 'd', [6] = 'b',
					[8] = '-', [10] = 'l', [12] = 's' };
	size_t n = 0;

	if (types[(mode >> 12) & 15])
		out[n++] = types[(mode >> 12) & 15];
	for (int who = 2; who >= 0; who--) {
		unsigned bits = (mode >> (3 * who)) & 7;
		/* setuid, setgid, sticky sit on the x of user, group, other */
		bool special = mode & (01000u << who);
		char sp = who ? 's' : 't';

		for (int k = 2; k >= 0; k--) {
			bool set = bits & (1u << k);

			if (k == 0 && special)
				out[n++] = set ? sp : (char)(sp - 'a' + 'A');
			else
				out[n++] = set ? rwx[2 - k] : '-';
		}
	}
	out[n] = 0;
}

/* {"path", "permission", "flags"} of a file/path/linux_binprm argument,
 * as Tetragon renders them: permission like ls -l ("-rw-r--r--"; absent
 * when the mode is unknown), flags "unresolvedPathComponents" when the
 * path could not be walked to the root (tpc_path.bpf.h cuts it at the
 * root side, so it does not start with '/'). */
static void put_path_obj(struct jbuf *b, const char *s, size_t slen, uint32_t mode)
{
	char perm[16];

	jbuf__cstr(b, "{\"path\":");
	jbuf__str(b, s, slen);
	if (mode) {
		ldr_mode_str(perm, mode);
		put_kstr(b, ",\"permission\":", perm);
	}
	if (slen && s[0] != '/')
		jbuf__cstr(b, ",\"flags\":\"unresolvedPathComponents\"");
	jbuf__ch(b, '}');
}

static const char *const argk_key[] = {
	[LDR_ARG_INT] = "int_arg",	   [LDR_ARG_UINT] = "uint_arg",
	[LDR_ARG_LONG] = "long_arg",	   [LDR_ARG_SIZE] = "size_arg",
	[LDR_ARG_STRING] = "string_arg",   [LDR_ARG_BYTES] = "bytes_arg",
	[LDR_ARG_FILE] = "file_arg",	   [LDR_ARG_PATH] = "path_arg",
	[LDR_ARG_BINPRM] = "linux_binprm_arg", [LDR_ARG_SOCKADDR] = "sockaddr_arg",
	[LDR_ARG_SOCK] = "sock_arg",	   [LDR_ARG_CAP] = "capability_arg",
	[LDR_ARG_NETDEV] = "net_dev_arg",
};

/* Which arguments put_args renders as JSON: args[], the return value's
 * object, or data[] (data entries). */
enum arg_group { GROUP_ARGS, GROUP_RETURN, GROUP_DATA };

/* Decode the args of h from [p, end) into b: compact words (all of them),
 * or JSON: the items of one group (args[] or data[]) or the return
 * value's object. Returns -1 on a malformed record. */
static int put_args(struct jbuf *b, const struct ldr_meta_hook *h, const char *p, const char *end,
		    bool compact, enum arg_group group)
{
	size_t nout = 0;

	for (size_t i = 0; i < h->nargs; i++) {
		const struct ldr_meta_arg *a = &h->args[i];
		const char *s = NULL;
		size_t slen = 0;
		uint64_t v = 0;
		uint32_t mode = 0, orig = 0;
		bool cut = false; /* a buffer copied shorter than it was */
		struct tpc_ev_sockaddr sa;
		struct tpc_ev_obj oh = { 0 };

		switch (a->enc) {
		case LDR_ENC_INT:
			if (end - p < 8)
				return -1;
			memcpy(&v, p, 8);
			p += 8;
			break;
		case LDR_ENC_STR:
		case LDR_ENC_PATH: {
			struct tpc_ev_str st; /* tpc_ev_path: orig is the mode */

			if (end - p < (long)sizeof(st))
				return -1;
			memcpy(&st, p, sizeof(st));
			p += sizeof(st);
			if (end - p < st.len)
				return -1;
			s = p;
			slen = st.len;
			mode = a->enc == LDR_ENC_PATH ? st.orig : 0;
			orig = st.orig;
			cut = a->enc == LDR_ENC_STR && (st.flags & TPC_STR_TRUNCATED);
			p += (st.len + 7u) & ~7u;
			if (p > end)
				p = end;
			break;
		}
		case LDR_ENC_SA:
			if (end - p < (long)sizeof(sa))
				return -1;
			memcpy(&sa, p, sizeof(sa));
			p += sizeof(sa);
			break;
		case LDR_ENC_OBJ: /* tpc_ev_obj, then len bytes padded to 8 */
			if (end - p < (long)sizeof(oh))
				return -1;
			memcpy(&oh, p, sizeof(oh));
			p += sizeof(oh);
			if (end - p < oh.len)
				return -1;
			s = p;
			slen = oh.len;
			p += (oh.len + 7u) & ~7u;
			if (p > end)
				p = end;
			break;
		}
		if (compact) {
			char num[32];

			jbuf__ch(b, ' ');
			if (a->enc == LDR_ENC_STR || a->enc == LDR_ENC_PATH) {
				jbuf__raw(b, s, slen);
			} else if (a->enc == LDR_ENC_OBJ) {
				jbuf__cstr(b, a->type); /* the object: see the JSON form */
			} else if (a->enc == LDR_ENC_SA) {
				put_sa(b, &sa, false, true);
			} else {
				if (a->kind == LDR_ARG_INT || a->kind == LDR_ARG_LONG ||
				    a->kind == LDR_ARG_CAP)
					snprintf(num, sizeof(num), "%lld", (long long)v);
				else
					snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
				jbuf__cstr(b, num);
			}
			continue;
		}
		if (group != (a->is_return ? GROUP_RETURN : a->is_data ? GROUP_DATA : GROUP_ARGS))
			continue;
		if (nout++)
			jbuf__ch(b, ',');
		jbuf__ch(b, '{');
		if (a->enc == LDR_ENC_OBJ || (a->enc == LDR_ENC_INT && ldr_kobj__is_int(a->kind))) {
			/* kernel objects and kernel-typed integers (export/kobj.c) */
			if (a->enc == LDR_ENC_INT)
				ldr_kobj__int_json(b, a->kind, v);
			else if (ldr_kobj__json(b, a->kind, oh.kind, s, slen))
				return -1;
			goto label;
		}
		jbuf__ch(b, '"');
		/* Tetragon's KprobeTruncatedBytes: the bytes and the size asked for */
		jbuf__cstr(b, a->kind == LDR_ARG_BYTES && cut ? "truncated_bytes_arg"
							      : argk_key[a->kind]);
		jbuf__cstr(b, "\":");
		switch (a->kind) {
		case LDR_ARG_INT:
			jbuf__i64(b, (int32_t)v);
			break;
		case LDR_ARG_UINT:
			jbuf__u64(b, (uint32_t)v);
			break;
		case LDR_ARG_LONG:
			jbuf__ch(b, '"');
			jbuf__i64(b, (int64_t)v);
			jbuf__ch(b, '"');
			break;
		case LDR_ARG_SIZE:
			jbuf__ch(b, '"');
			jbuf__u64(b, v);
			jbuf__ch(b, '"');
			break;
		case LDR_ARG_CAP:
			jbuf__cstr(b, "{\"value\":");
			jbuf__i64(b, (int32_t)v);
			if (v < ldr_ncap_names)
				put_kstr(b, ",\"name\":", ldr_cap_names[v]);
			jbuf__ch(b, '}');
			break;
		case LDR_ARG_STRING:
			jbuf__str(b, s, slen);
			break;
		case LDR_ARG_BYTES:
			if (cut) {
				jbuf__cstr(b, "{\"bytes_arg\":");
				jbuf__b64(b, s, slen);
				jbuf__cstr(b, ",\"orig_size\":\"");
				jbuf__u64(b, orig);
				jbuf__cstr(b, "\"}");
			} else {
				jbuf__b64(b, s, slen);
			}
			break;
		case LDR_ARG_FILE:
		case LDR_ARG_PATH:
		case LDR_ARG_BINPRM:
			if (!s)
				return -1;
			put_path_obj(b, s, slen, mode);
			break;
		case LDR_ARG_NETDEV:
			jbuf__cstr(b, "{\"name\":");
			jbuf__str(b, s, slen);
			jbuf__ch(b, '}');
			break;
		case LDR_ARG_SOCKADDR:
		case LDR_ARG_SOCK:
			if (a->enc != LDR_ENC_SA)
				return -1;
			put_sa(b, &sa, a->kind == LDR_ARG_SOCK, false);
			break;
		default:
			return -1; /* an object kind without its encoding */
		}
label:
		if (a->label[0])
			put_kstr(b, ",\"label\":", a->label);
		jbuf__ch(b, '}');
	}
	return 0;
}

/* The process of a hook record: from the table, else from /proc (flags
 * "procFS"), else what the record says (flags "miss"). */
static struct ldr_proc *hook_process(struct ldr_events *ev, const struct tpc_ev_hdr *h)
{
	struct ldr_proc *p = ldr_proc_table__lookup(ev->procs, h->pid);

	if (!p && ev->sync) {
		ev->sync(ev->sync_ctx, UINT64_MAX);
		p = ldr_proc_table__lookup(ev->procs, h->pid);
	}
	if (!p && ev->proc_fallback)
		p = ldr_proc_table__scan_pid(ev->procs, "/proc", h->pid);
	return p;
}

/* action (and the errno of a deny in network records), policy, message,
 * tags, then the envelope's node_name and time. */
static void put_hook_tail(struct ldr_events *ev, struct jbuf *b, const struct ldr_meta_hook *hk,
			  const struct ldr_meta_policy *pol, enum ldr_action act,
			  const struct tpc_ev_hdr *h)
{
	put_kstr(b, ",\"action\":", ldr_action_names[act]);
	if (h->kind == TPC_EV_NET && act == LDR_A_OVERRIDE) {
		jbuf__cstr(b, ",\"error\":");
		jbuf__u64(b, (uint32_t)-h->ret);
	}
	put_kstr(b, ",\"policy_name\":", pol->name);
	if (hk->message[0])
		put_kstr(b, ",\"message\":", hk->message);
	if (hk->ntags) {
		jbuf__cstr(b, ",\"tags\":[");
		for (size_t t = 0; t < hk->ntags; t++) {
			if (t)
				jbuf__ch(b, ',');
			jbuf__str(b, hk->tags[t], strlen(hk->tags[t]));
		}
		jbuf__ch(b, ']');
	}
	jbuf__cstr(b, "},\"node_name\":");
	jbuf__str(b, ev->node, strlen(ev->node));
	jbuf__cstr(b, ",\"time\":");
	put_time(ev, b, h->ktime);
	jbuf__ch(b, '}');
}

/* "<icon> <tag> <pid> <binary> <args> <decoded args> [policy] ACTION" */
static int render_hook_compact(struct ldr_events *ev, struct jbuf *b, const struct ldr_meta_hook *hk,
			       const struct ldr_meta_policy *pol, enum ldr_action act,
			       const struct ldr_proc *p, const struct tpc_ev_hdr *h, const char *end)
{
	char tag[160];
	const char *icon = act == LDR_A_SIGKILL	   ? ICON_KILL
			   : act == LDR_A_OVERRIDE ? ICON_DENY
						   : compact_icon[hk->event];

	if (hk->event == LDR_EV_TRACEPOINT)
		snprintf(tag, sizeof(tag), "%s/%s", hk->subsys, hk->tracepoint);
	else if (hk->event == LDR_EV_EXEC)
		snprintf(tag, sizeof(tag), "exec");
	else
		snprintf(tag, sizeof(tag), "%s", hk->function_name);
	compact_head(ev, b, icon, tag, p, h);
	if (hk->event != LDR_EV_EXEC && put_args(b, hk, (const char *)(h + 1), end, true, GROUP_ARGS))
		return -1;
	jbuf__cstr(b, " [");
	jbuf__cstr(b, pol->name);
	jbuf__cstr(b, "] ");
	jbuf__cstr(b, short_action[act]);
	compact_sanitize(b);
	return 0;
}

/* The stack traces a record of rule r ends with (tpc_abi.h, struct
 * tpc_ev_stacks): split off [args, *end), which then ends before them.
 * -1 on a malformed record. */
struct rec_stacks {
	struct tpc_ev_stacks st;
	const char *kf, *uf; /* the frames */
	bool k, u;	     /* asked for */
};

static int split_stacks(const struct ldr_meta_rule *r, const char *args, const char **end,
			struct rec_stacks *rs)
{
	size_t kl, ul;

	memset(rs, 0, sizeof(*rs));
	rs->k = r->kernel_stack;
	rs->u = r->user_stack;
	if (!rs->k && !rs->u)
		return 0;
	if (*end - args < (long)sizeof(rs->st))
		return -1;
	*end -= sizeof(rs->st);
	memcpy(&rs->st, *end, sizeof(rs->st));
	kl = rs->st.kernel > 0 ? (size_t)rs->st.kernel : 0;
	ul = rs->st.user > 0 ? (size_t)rs->st.user : 0;
	if ((!rs->k && rs->st.kernel) || (!rs->u && rs->st.user) || kl % 8 || ul % 8 ||
	    kl + ul > (size_t)(*end - args))
		return -1;
	rs->uf = *end - ul;
	rs->kf = rs->uf - kl;
	*end = rs->kf;
	return 0;
}

/* ,"KEY":[StackTraceEntry...]: one entry per frame, innermost first,
 * symbolized now (a user frame through the maps of the record's process:
 * one that has exited gives "[unknown]" frames); a lost trace (len
 * -errno) is one entry saying so, so it is not mistaken for an empty one. */
static void put_stack(struct ldr_events *ev, struct jbuf *b, const char *key, const char *f,
		      int32_t len, bool user)
{
	if (!len)
		return;
	jbuf__cstr(b, key);
	jbuf__ch(b, '[');
	if (len < 0) {
		const char *en = strerrorname_np(-len);
		char why[64];

		snprintf(why, sizeof(why), "[stack trace lost: %s]", en ? en : "error");
		jbuf__cstr(b, "{\"symbol\":");
		jbuf__str(b, why, strlen(why));
		jbuf__cstr(b, "}]");
		return;
	}
	for (int32_t i = 0; i < len / 8; i++) {
		struct ldr_sym sy = { 0 };
		uint64_t addr;

		memcpy(&addr, f + 8 * (size_t)i, 8);
		if (ev->syms) {
			if (user)
				ldr_syms__user(ev->syms, addr, i > 0, &sy);
			else
				ldr_syms__kernel(ev->syms, addr, i > 0, &sy);
		}
		if (i)
			jbuf__ch(b, ',');
		jbuf__cstr(b, "{\"symbol\":");
		jbuf__str(b, sy.name ? sy.name : "[unknown]", strlen(sy.name ? sy.name : "[unknown]"));
		if (sy.name || sy.module) {
			jbuf__cstr(b, ",\"offset\":\"");
			jbuf__u64(b, sy.offset);
			jbuf__ch(b, '"');
		}
		if (sy.module)
			put_kstr(b, ",\"module\":", sy.module);
		if (ev->stack_addresses) {
			jbuf__cstr(b, ",\"address\":\"");
			jbuf__u64(b, addr);
			jbuf__ch(b, '"');
		}
		jbuf__ch(b, '}');
	}
	jbuf__ch(b, ']');
}

static void put_stacks(struct ldr_events *ev, struct jbuf *b, const struct rec_stacks *rs,
		       const struct tpc_ev_hdr *h)
{
	if (!rs->k && !rs->u)
		return;
	if (!ev->syms)
		ev->syms = ldr_syms__new(NULL);
	if (rs->k)
		put_stack(ev, b, ",\"kernel_stack_trace\":", rs->kf, rs->st.kernel, false);
	if (rs->u && rs->st.user > 0 && ev->syms)
		ldr_syms__maps(ev->syms, NULL, (pid_t)h->pid);
	if (rs->u)
		put_stack(ev, b, ",\"user_stack_trace\":", rs->uf, rs->st.user, true);
}

/* Tetragon's ProcessLsm.ima_hash: "ALGO:HEX" for the kernel's enum
 * hash_algo as bpf_ima_file_hash() returned it (names and digest sizes of
 * crypto/hash_info.c); nothing when the kernel could not hash the file
 * (a negative errno) or for an algorithm without a name here. */
static void put_ima(struct jbuf *b, const char *at)
{
	static const struct {
		int algo;
		const char *name;
		size_t len;
	} algos[] = {
		{ 1, "md5", 16 },     { 2, "sha1", 20 },    { 4, "sha256", 32 },
		{ 5, "sha384", 48 },  { 6, "sha512", 64 },  { 7, "sha224", 28 },
		{ 13, "wp512", 64 },  { 17, "sm3", 32 },
	};
	char out[8 + 2 * TPC_IMA_DIGEST_MAX + 1];
	struct tpc_ev_ima ima, *im = &ima;
	size_t i, n;

	memcpy(&ima, at, sizeof(ima));
	for (i = 0; i < sizeof(algos) / sizeof(algos[0]) && algos[i].algo != im->algo; i++)
		;
	if (i == sizeof(algos) / sizeof(algos[0]))
		return;
	n = (size_t)snprintf(out, sizeof(out), "%s:", algos[i].name);
	for (size_t k = 0; k < algos[i].len; k++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%02x", im->digest[k]);
	jbuf__cstr(b, ",\"ima_hash\":");
	jbuf__str(b, out, n);
}

static int render_hook_json(struct ldr_events *ev, struct jbuf *b, const struct ldr_meta_hook *hk,
			    const struct ldr_meta_policy *pol, enum ldr_action act,
			    const struct ldr_proc *p, const struct tpc_ev_hdr *h, const char *end,
			    const struct rec_stacks *rs)
{
	jbuf__ch(b, '{');
	jbuf__ch(b, '"');
	jbuf__cstr(b, hk->event_name);
	jbuf__cstr(b, "\":{");
	put_process_parent(ev, b, p, h);
	switch (hk->event) {
	case LDR_EV_TRACEPOINT:
		put_kstr(b, ",\"subsys\":", hk->subsys);
		put_kstr(b, ",\"event\":", hk->tracepoint);
		break;
	case LDR_EV_UPROBE: {
		const char *colon = strrchr(hk->function_name, ':');

		if (colon) {
			jbuf__cstr(b, ",\"path\":");
			jbuf__str(b, hk->function_name, colon - hk->function_name);
			put_kstr(b, ",\"symbol\":", colon + 1);
		} else {
			put_kstr(b, ",\"symbol\":", hk->function_name);
		}
		break;
	}
	case LDR_EV_KPROBE:
	case LDR_EV_LSM:
		put_kstr(b, ",\"function_name\":", hk->function_name);
		break;
	case LDR_EV_LOADER: {
		/* Tetragon's ProcessLoader: the mapped file (the hook's first
		 * argument, sema_loader.c) and its build id, read on the node */
		struct tpc_ev_str st;
		const char *a = (const char *)(h + 1);
		uint8_t id[LDR_BUILDID_MAX];
		size_t n;

		if (!hk->nargs || hk->args[0].enc != LDR_ENC_PATH || end - a < (long)sizeof(st))
			return -1;
		memcpy(&st, a, sizeof(st));
		a += sizeof(st);
		if (end - a < st.len)
			return -1;
		jbuf__cstr(b, ",\"path\":");
		jbuf__str(b, a, st.len);
		n = ldr_buildid__get((pid_t)h->pid, a, st.len, id);
		if (n) {
			jbuf__cstr(b, ",\"buildid\":");
			jbuf__b64(b, id, n);
		}
		break;
	}
	case LDR_EV_USDT: {
		/* Tetragon's ProcessUsdt: path, provider, name */
		char path[PATH_MAX];
		const char *prov, *nm;

		if (!ldr_usdt__split(hk->function_name, path, sizeof(path), &prov, &nm)) {
			put_kstr(b, ",\"path\":", path);
			put_kstr(b, ",\"provider\":", prov);
			put_kstr(b, ",\"name\":", nm);
		}
		break;
	}
	default:
		break;
	}
	if (hk->event != LDR_EV_EXEC && hk->event != LDR_EV_LOADER && hk->nargs) {
		bool has_ret = false, has_args = false, has_data = false;

		for (size_t i = 0; i < hk->nargs; i++) {
			has_ret |= hk->args[i].is_return;
			has_data |= hk->args[i].is_data;
			has_args |= !hk->args[i].is_return && !hk->args[i].is_data;
		}
		if (has_args) {
			jbuf__cstr(b, ",\"args\":[");
			if (put_args(b, hk, (const char *)(h + 1), end, false, GROUP_ARGS))
				return -1;
			jbuf__ch(b, ']');
		}
		if (has_ret) {
			jbuf__cstr(b, ",\"return\":");
			if (put_args(b, hk, (const char *)(h + 1), end, false, GROUP_RETURN))
				return -1;
		}
		if (has_data) {
			jbuf__cstr(b, ",\"data\":[");
			if (put_args(b, hk, (const char *)(h + 1), end, false, GROUP_DATA))
				return -1;
			jbuf__ch(b, ']');
		}
	}
	put_stacks(ev, b, rs, h);
	if (h->action & TPC_ACT_IMA)
		put_ima(b, end); /* ldr_events__hook: the args end where it begins */
	put_hook_tail(ev, b, hk, pol, act, h);
	return 0;
}

/* --- network records (TPC_EV_NET) ------------------------------------------ */

static const char *const tcp_event_names[] = { "UNKNOWN", "CONNECT", "ACCEPT", "LISTEN",
					       "CLOSE" };

static const char *net_event_name(const struct tpc_ev_net *n)
{
	if (n->proto == TPC_NET_TCP && n->event <= TPC_TCP_CLOSE)
		return tcp_event_names[n->event];
	if (n->proto == TPC_NET_DNS)
		return n->event == TPC_DNS_ANSWER ? "ANSWER" : "QUERY";
	if (n->proto == TPC_NET_HTTP)
		return n->event == TPC_HTTP_RESPONSE ? "RESPONSE" : "REQUEST";
	return "UNKNOWN";
}

static void put_addr(struct jbuf *b, const char *key_comma, const struct tpc_ev_sockaddr *sa)
{
	char addr[INET6_ADDRSTRLEN] = "";

	if (sa->family == AF_INET || sa->family == AF_INET6)
		inet_ntop(sa->family, sa->addr, addr, sizeof(addr));
	jbuf__cstr(b, key_comma);
	jbuf__str(b, addr, strlen(addr));
}

/* "socket":{family, protocol, saddr, sport, daddr, dport, cookie} */
static void put_net_socket(struct jbuf *b, const struct tpc_ev_net *n)
{
	jbuf__cstr(b, ",\"socket\":{\"family\":\"");
	jbuf__cstr(b, family_name(n->dst.family));
	jbuf__ch(b, '"');
	if (n->dst.protocol == 6)
		jbuf__cstr(b, ",\"protocol\":\"IPPROTO_TCP\"");
	else if (n->dst.protocol == 17)
		jbuf__cstr(b, ",\"protocol\":\"IPPROTO_UDP\"");
	put_addr(b, ",\"saddr\":", &n->src);
	jbuf__cstr(b, ",\"sport\":");
	jbuf__u64(b, n->src.port);
	put_addr(b, ",\"daddr\":", &n->dst);
	jbuf__cstr(b, ",\"dport\":");
	jbuf__u64(b, n->dst.port);
	jbuf__cstr(b, ",\"cookie\":\"");
	jbuf__u64(b, n->cookie);
	jbuf__cstr(b, "\"}");
}

static void put_u64s(struct jbuf *b, const char *key_comma, uint64_t v)
{
	jbuf__cstr(b, key_comma);
	jbuf__ch(b, '"');
	jbuf__u64(b, v);
	jbuf__ch(b, '"');
}

static void put_u32(struct jbuf *b, const char *key_comma, uint32_t v)
{
	jbuf__cstr(b, key_comma);
	jbuf__u64(b, v);
}

/* The protocol body after tpc_ev_net; *p advances past it. -1 if short. */
static int put_net_body(struct jbuf *b, const struct tpc_ev_net *n, const char **p,
			const char *end)
{
	struct tpc_ev_tcp t;

	if (n->proto != TPC_NET_TCP)
		return 0; /* dns/http bodies: rendered with their parsers */
	if (end - *p < (long)sizeof(t))
		return -1;
	memcpy(&t, *p, sizeof(t));
	*p += sizeof(t);
	if (n->event == TPC_TCP_CLOSE)
		put_u64s(b, ",\"duration_ns\":", t.duration_ns);
	if (n->event == TPC_TCP_LISTEN)
		return 0;
	put_u64s(b, ",\"bytes_sent\":", t.bytes_sent);
	put_u64s(b, ",\"bytes_received\":", t.bytes_received);
	put_u32(b, ",\"segs_out\":", t.segs_out);
	put_u32(b, ",\"segs_in\":", t.segs_in);
	put_u32(b, ",\"data_segs_out\":", t.data_segs_out);
	put_u32(b, ",\"data_segs_in\":", t.data_segs_in);
	put_u32(b, ",\"retransmits\":", t.retrans);
	return 0;
}

static int render_net_json(struct ldr_events *ev, struct jbuf *b, const struct ldr_meta_hook *hk,
			   const struct ldr_meta_policy *pol, enum ldr_action act,
			   const struct ldr_proc *p, const struct tpc_ev_hdr *h, const char *end)
{
	const struct tpc_ev_net *n = (const void *)(h + 1);
	const char *q = (const char *)(n + 1);

	jbuf__cstr(b, "{\"");
	jbuf__cstr(b, hk->event_name);
	jbuf__cstr(b, "\":{");
	put_process_parent(ev, b, p, h);
	put_kstr(b, ",\"event\":", net_event_name(n));
	put_net_socket(b, n);
	if (n->flags & TPC_NET_F_OWNER_LISTENER)
		jbuf__cstr(b, ",\"owner\":\"listener\"");
	else if (n->flags & TPC_NET_F_OWNER_UNKNOWN)
		jbuf__cstr(b, ",\"owner\":\"unknown\"");
	if (n->proto == TPC_NET_DNS || n->proto == TPC_NET_HTTP) {
		struct ldr_l7_rec r;

		if (ldr_l7__parse(h, (size_t)(end - (const char *)h), &r))
			return -1;
		ldr_l7__put_fields(b, &r, ev->l7_partner);
		q = r.rest;
	} else if (put_net_body(b, n, &q, end)) {
		return -1;
	}
	if (hk->nargs) {
		jbuf__cstr(b, ",\"args\":[");
		if (put_args(b, hk, q, end, false, GROUP_ARGS))
			return -1;
		jbuf__ch(b, ']');
	}
	put_hook_tail(ev, b, hk, pol, act, h);
	return 0;
}

/* "<icon> tcp/CONNECT <pid> <binary> <saddr:sport> > <daddr:dport> [policy] ACTION" */
static int render_net_compact(struct ldr_events *ev, struct jbuf *b,
			      const struct ldr_meta_hook *hk, const struct ldr_meta_policy *pol,
			      enum ldr_action act, const struct ldr_proc *p,
			      const struct tpc_ev_hdr *h, const char *end)
{
	const struct tpc_ev_net *n = (const void *)(h + 1);
	char tag[64];

	snprintf(tag, sizeof(tag), "%s/%s", hk->function_name, net_event_name(n));
	compact_head(ev, b, act == LDR_A_SIGKILL	? ICON_KILL
			: act == LDR_A_OVERRIDE ? ICON_DENY
						: compact_icon[hk->event],
		     tag, p, h);
	jbuf__ch(b, ' ');
	put_sa(b, &n->src, false, true);
	jbuf__cstr(b, " > ");
	put_sa(b, &n->dst, false, true);
	if (n->proto == TPC_NET_DNS || n->proto == TPC_NET_HTTP) {
		struct ldr_l7_rec r;

		if (ldr_l7__parse(h, (size_t)(end - (const char *)h), &r))
			return -1;
		jbuf__ch(b, ' ');
		ldr_l7__put_compact(b, &r, ev->l7_partner);
	}
	jbuf__cstr(b, " [");
	jbuf__cstr(b, pol->name);
	jbuf__cstr(b, "] ");
	jbuf__cstr(b, short_action[act]);
	compact_sanitize(b);
	return 0;
}

int ldr_events__hook(struct ldr_events *ev, const struct ldr_meta *m, struct ldr_ctr **rule_ctr,
		     const void *data, size_t size)
{
	const struct tpc_ev_hdr *h = data;
	const struct ldr_meta_rule *r;
	const struct ldr_meta_hook *hk;
	const struct ldr_meta_policy *pol;
	struct jbuf *b = &ev->line;
	enum ldr_action act;
	struct ldr_proc *p;
	struct pass ps[2];
	struct rec_stacks rs;
	const char *end;
	int np;

	if (size < sizeof(*h) || h->size > size || h->size < sizeof(*h) ||
	    (h->kind != TPC_EV_HOOK && h->kind != TPC_EV_NET) || h->rule >= m->nrules ||
	    (h->kind == TPC_EV_NET && h->size < sizeof(*h) + sizeof(struct tpc_ev_net))) {
		ev->decode_errors++;
		return -1;
	}
	if (ev->sync)
		ev->sync(ev->sync_ctx, h->ktime);
	r = &m->rules[h->rule];
	hk = &m->hooks[r->hook];
	pol = &m->policies[r->policy];
	/* a network record must name a network hook, and only it */
	if ((h->kind == TPC_EV_NET) != (hk->event >= LDR_EV_NET_TCP)) {
		ev->decode_errors++;
		return -1;
	}
	/* DNS/HTTP: held until the answer or response, then emitted as one
	 * event by l7_pair_done(), which comes back here */
	if (h->kind == TPC_EV_NET && !ev->l7_emitting && ev->l7.bucket) {
		const struct tpc_ev_net *n = (const void *)(h + 1);

		if (n->proto == TPC_NET_DNS || n->proto == TPC_NET_HTTP) {
			if (ev->l7_kill && (h->action & TPC_ACT_SIGKILL) && h->pid > 1 &&
			    !kill((pid_t)h->pid, SIGKILL))
				ev->l7_kills++;
			if (ldr_l7_pairs__add(&ev->l7, m, data, h->size)) {
				ev->decode_errors++;
				return -1;
			}
			return 0;
		}
	}
	act = ldr_action__of(h->action, r);
	if (ev->metrics && rule_ctr) {
		struct ldr_ctr **slot = &rule_ctr[h->rule * LDR_A__COUNT + act];

		if (!*slot)
			*slot = ldr_metrics__ctr(ev->metrics, hk->event_name, pol->name,
						 ldr_action_names[act]);
		ldr_ctr__inc(*slot);
	}
	/* NoPost with GetUrl/DnsLookup: posted for the loader's request only */
	if (h->action & TPC_ACT_NOPOST)
		return 0;
	if (!type_allowed(&ev->filter, hk->event, pol->name)) {
		ev->filtered++;
		return 0;
	}
	p = hook_process(ev, h);
	end = (const char *)data + h->size;
	if (split_stacks(r, (const char *)(h + 1), &end, &rs))
		goto bad;
	if (h->action & TPC_ACT_IMA) {
		/* the record's tail (runtime/tpc_ima.bpf.h), after the args */
		if (end - (const char *)(h + 1) < (long)sizeof(struct tpc_ev_ima))
			goto bad;
		end -= sizeof(struct tpc_ev_ima);
	}
	np = passes(ev, ps);
	for (int i = 0; i < np; i++) {
		int err;

		jbuf__reset(b);
		if (h->kind == TPC_EV_NET && ps[i].fmt == LDR_FMT_COMPACT)
			err = render_net_compact(ev, b, hk, pol, act, p, h, end);
		else if (h->kind == TPC_EV_NET)
			err = render_net_json(ev, b, hk, pol, act, p, h, end);
		else if (ps[i].fmt == LDR_FMT_COMPACT)
			err = render_hook_compact(ev, b, hk, pol, act, p, h, end);
		else
			err = render_hook_json(ev, b, hk, pol, act, p, h, end, &rs);
		if (err)
			goto bad;
		finish(ev, b, ps, i);
	}
	return 0;
bad:
	ev->decode_errors++;
	return -1;
}

/* --- DNS / HTTP pairing ------------------------------------------------------ */

/* A held query/request and its answer/response (or NULL): one event, by
 * the record path above with the partner at hand. */
static void l7_pair_done(void *ctx, const void *tag, const void *first, size_t first_size,
			 const void *second, size_t second_size)
{
	struct ldr_events *ev = ctx;
	struct ldr_l7_rec partner;

	ev->l7_partner = second && !ldr_l7__parse(second, second_size, &partner) ? &partner : NULL;
	ev->l7_emitting = true;
	ldr_events__hook(ev, tag, NULL, first, first_size);
	ev->l7_emitting = false;
	ev->l7_partner = NULL;
}

void ldr_events__l7_expire(struct ldr_events *ev, uint64_t now)
{
	if (ev->l7.bucket)
		ldr_l7_pairs__expire(&ev->l7, now);
}

void ldr_events__l7_flush(struct ldr_events *ev, const struct ldr_meta *m)
{
	if (!ev->l7.bucket)
		return;
	if (m) {
		ldr_l7_pairs__flush_tag(&ev->l7, m);
		return;
	}
	while (ev->l7.oldest)
		ldr_l7_pairs__expire(&ev->l7, UINT64_MAX);
}
