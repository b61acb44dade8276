/* ldr_proc.h - the loader's process table, keyed by tgid.
 *
 * Contract: filled once from /proc (ldr_proc_table__scan) and then from the
 * base sensor's exec/fork/exit records, in record order.  Entries of exited
 * processes stay until ldr_proc_table__purge() so that policy events read
 * from other ring buffers after the exit still find their process.  Every
 * string in an entry is owned by it; lookups return borrowed pointers valid
 * until the next mutating call.  exec_id is base64("NODE:KTIME:PID") with
 * KTIME the boot-clock ns of the exec (or fork, or /proc start time), the
 * same scheme as Tetragon's process ids.
 */
#ifndef TPC_LDR_PROC_H
#define TPC_LDR_PROC_H

#include <stddef.h>
#include <stdint.h>

#include "k8s/ldr_cgroup.h"
#include "tpc_abi.h"

#define LDR_EXEC_ID_MAX 200
#define LDR_NODE_MAX 128

struct ldr_proc {
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t auid;
	uint64_t ktime;	     /* exec/fork/start time, boot-clock ns */
	uint64_t cgroup_id;
	uint64_t exit_ktime; /* 0 while alive */
	char *binary;
	char *args;	     /* Tetragon "arguments": argv[1..], space-joined */
	char *cwd;
	char flags[64];
	char docker[32];	  /* cg.container_id's first 31 chars, or "" */
	struct ldr_cg_ident cg; /* container and pod named by the cgroup */
	char exec_id[LDR_EXEC_ID_MAX];
	char parent_exec_id[LDR_EXEC_ID_MAX];
	struct ldr_proc *next;
};

struct ldr_proc_table;

/* cgroot: the cgroup v2 mount (for cgroup ids of /proc processes), or NULL */
struct ldr_proc_table *ldr_proc_table__new(const char *node, const char *cgroot);
void ldr_proc_table__free(struct ldr_proc_table *t);
int ldr_proc_table__scan(struct ldr_proc_table *t, const char *procdir);
struct ldr_proc *ldr_proc_table__lookup(struct ldr_proc_table *t, uint32_t pid);
/* Read one process from procdir (a process the records never showed, e.g.
 * the loader ran without the base sensor); NULL if it is gone. */
struct ldr_proc *ldr_proc_table__scan_pid(struct ldr_proc_table *t, const char *procdir,
					  uint32_t pid);
size_t ldr_proc_table__count(const struct ldr_proc_table *t);

/* Apply a base-sensor record; returns the entry it created or updated. */
struct ldr_proc *ldr_proc_table__exec(struct ldr_proc_table *t, const struct tpc_ev_exec *ev,
				      size_t size);
struct ldr_proc *ldr_proc_table__fork(struct ldr_proc_table *t, const struct tpc_ev_fork *ev);
struct ldr_proc *ldr_proc_table__exit(struct ldr_proc_table *t, const struct tpc_ev_exit *ev);
/* Drop entries that exited more than age_ns before now (boot-clock ns). */
void ldr_proc_table__purge(struct ldr_proc_table *t, uint64_t now, uint64_t age_ns);

/* Helpers, exposed for tests. */
void ldr_exec_id(char *out, size_t outlen, const char *node, uint64_t ktime, uint32_t pid);
/* argv area (NUL-separated, argv[0] first) -> Tetragon arguments string;
 * malloc'd. */
char *ldr_args_join(const char *area, size_t len);
/* Container id from a cgroup path ("…/cri-containerd-<64 hex>.scope",
 * "…/docker/<64 hex>", ...): the first 31 characters, like Tetragon's
 * "docker" field, or "" when the path names no container. */
void ldr_docker_id(const char *cgpath, char out[32]);

#endif
