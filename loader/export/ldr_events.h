/* ldr_events.h - ring-buffer records -> Tetragon-shaped JSON lines or compact
 * one-line text.
 *
 * Contract: ldr_events__base() takes base-sensor records (exec, fork, exit),
 * updates the process table and emits process_exec/process_exit;
 * ldr_events__hook() decodes a TPC_EV_HOOK record with its object's
 * metadata (args by hooks[].args[].enc, rule -> policy and action) and
 * emits process_kprobe/tracepoint/lsm/uprobe (or process_exec for an exec
 * Block).  Records are untrusted: every length is checked against the
 * record size; a bad record is counted (ev->decode_errors) and skipped.
 * Each emitted line (no trailing newline) goes to ev->emit; JSON follows
 * protojson: snake_case, 64-bit integers as strings, unset fields omitted.
 */
#ifndef TPC_LDR_EVENTS_H
#define TPC_LDR_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jbuf.h"
#include "core/ldr_meta.h"
#include "k8s/ldr_pods.h"
#include "net/ldr_netl7.h"
#include "core/ldr_proc.h"

enum ldr_fmt { LDR_FMT_JSON, LDR_FMT_COMPACT, LDR_FMT_NONE };

/* Action codes used for metrics and filters (index into ldr_action_names). */
enum ldr_action { LDR_A_POST, LDR_A_SIGKILL, LDR_A_SIGNAL, LDR_A_OVERRIDE, LDR_A_NOPOST,
		  LDR_A_NOTIFY_ENFORCER, LDR_A_SET, LDR_A__COUNT };
extern const char *const ldr_action_names[LDR_A__COUNT]; /* "KPROBE_ACTION_POST", ... */

struct ldr_filter {
	unsigned allow_types; /* bit per enum ldr_ev_type; 0 = all */
	unsigned deny_types;
	char **allow_policies; /* NULL-terminated; NULL = all */
	char **deny_policies;
};

struct ldr_ctr;
struct ldr_metrics;

/* Rendered pod fragments of one cgroup, valid while gen is the store's. */
#define LDR_POD_CACHE 256
struct ldr_pod_cache_ent {
	uint64_t cgid;
	uint64_t gen;
	char docker[32];
	struct jbuf json;    /* ',"pod":{...}', empty: no known pod */
	struct jbuf compact; /* " ns/name" */
};

struct ldr_events {
	struct ldr_proc_table *procs;
	char node[LDR_NODE_MAX];
	int64_t boot_to_real; /* CLOCK_REALTIME - CLOCK_BOOTTIME, ns */
	enum ldr_fmt fmt;
	struct ldr_filter filter;
	struct ldr_metrics *metrics; /* may be NULL */
	void (*emit)(void *sink, const char *line, size_t len);
	/* with fmt == LDR_FMT_COMPACT: also render JSON to this (export file) */
	void (*emit_json)(void *sink, const char *line, size_t len);
	void *sink;
	/* called before a hook record is decoded: drain the base sensor up to
	 * the record's ktime, so the process that triggered a hook is already
	 * in the table and later exits come after the hook's event */
	void (*sync)(void *ctx, uint64_t ktime);
	void *sync_ctx;
	bool proc_fallback; /* read /proc for a hook's unknown process */
	/* a cgroup v2 directory was created (TPC_EV_CGROUP); path is below the
	 * cgroup2 mount, NUL-terminated; level its depth (root 0); ktime its
	 * CLOCK_BOOTTIME ns; NULL: ignored */
	void (*on_cgroup)(void *ctx, uint64_t id, unsigned level, const char *path,
			  uint64_t ktime);
	void *cgroup_ctx;
	/* the pod store (may be NULL): events of a process in a known
	 * container carry process.pod, resolved when the event is written */
	struct ldr_pods *pods;
	struct ldr_pod_cache_ent *pod_cache;
	uint64_t emitted;
	uint64_t filtered;
	uint64_t decode_errors;
	struct jbuf line;
	struct jbuf tmp;
	int64_t time_sec;
	char time_prefix[32];
	struct ldr_ctr *base_ctr[LDR_EV__COUNT];
	/* network_dns / network_http: a query or request is held until its
	 * answer or response (loader/netl7.c), then emitted as one event */
	struct ldr_l7_pairs l7;
	const struct ldr_l7_rec *l7_partner; /* while emitting a held record */
	bool l7_emitting;
	/* Sigkill on dns/http rules is sent from here (cgroup_skb programs
	 * cannot signal): only when set (tpc-loader run; never in tests or
	 * fuzzing, whose records name arbitrary pids) */
	bool l7_kill;
	uint64_t l7_kills;
	/* stack traces: symbols (core/ldr_syms.h, made at the first trace);
	 * stack_addresses: also print each frame's address (--expose-stack-addresses;
	 * off by default, as in Tetragon: kernel addresses defeat KASLR) */
	struct ldr_syms *syms;
	bool stack_addresses;
};

void ldr_events__init(struct ldr_events *ev, struct ldr_proc_table *procs, const char *node);
void ldr_events__fini(struct ldr_events *ev);
void ldr_events__clock_sync(struct ldr_events *ev);

int ldr_events__base(struct ldr_events *ev, const void *data, size_t size);
/* rule_ctr: the object's counter cache, nrules * LDR_A__COUNT slots */
int ldr_events__hook(struct ldr_events *ev, const struct ldr_meta *m, struct ldr_ctr **rule_ctr,
		     const void *data, size_t size);

/* Held DNS/HTTP records: hand over those older than the pairing timeout
 * (now: CLOCK_BOOTTIME ns), or every one of object m (NULL: all) as
 * unanswered events, before m goes away or at shutdown. */
void ldr_events__l7_expire(struct ldr_events *ev, uint64_t now);
void ldr_events__l7_flush(struct ldr_events *ev, const struct ldr_meta *m);

/* RFC 3339 UTC with nanoseconds, e.g. 2026-11-25T17:39:40.123456789Z. */
void ldr_events__time(struct ldr_events *ev, uint64_t real_ns, char out[40]);
/* Action code of a record: the bits BPF applied, else the rule's actions. */
enum ldr_action ldr_action__of(uint32_t bits, const struct ldr_meta_rule *r);
/* An inode mode as Tetragon's file_arg.permission (ls -l style, setuid,
 * setgid and sticky included): "-rwsr-xr-x", "drwxrwxrwt". out: 11 bytes. */
void ldr_mode_str(char out[11], uint32_t mode);

#endif
