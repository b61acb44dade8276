/* eval.h - the reference semantics of the IR: what the compiled object
 * decides for one event, computed in user space (`tpc test`).
 *
 * Contract:
 *  - eval__run() takes the IR of a compilation (ir__lower's output, before
 *    or after ir__optimize: set lowering keeps every leaf's values) and one
 *    event: a hook name, the process (struct eval_proc) and an argument
 *    source (callback). It runs every spec whose hook answers to the name,
 *    in object order: the policy's workload scope first, then its rules in
 *    source order, the first matching rule deciding (Tetragon: first
 *    matching selector wins within a hook entry; every entry and policy
 *    runs). Each decision names the policy, spec, rule and its effective
 *    actions (monitor mode already stripped enforcement in the IR).
 *  - It is driven by the IR alone: every source, test, argument kind and
 *    hook kind it models is listed in a switch; anything else (a construct
 *    added later) is refused with an error naming it, never guessed.
 *    Refusals and argument errors are reported into the diag sink at the
 *    span the caller gives (the case), with a note at the policy's span.
 *  - Arguments are read lazily, as the program does: the callback is asked
 *    for a slot only when a leaf that runs needs it, so a case need not
 *    give what the policy never tests for it.
 *  - Binary sets compare the process's canonical binary path; In/NotIn
 *    also accept the canonical form of each value (the loader resolves
 *    symlinks on the node), given by env->resolve.
 *  - No kernel, no BPF, no allocation beyond the arena.
 */
#ifndef TPC_EVAL_H
#define TPC_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/ir.h"

/* A namespace: the host's, or an inode number. */
struct eval_ns {
	bool host;
	int64_t inode;
};

struct eval_label {
	const char *key, *value;
};

struct eval_pod {
	bool present; /* false: a host process (outside every workload scope) */
	const char *ns, *name;
	const struct eval_label *labels;
	size_t nlabels;
	const char *container; /* container name; NULL: the pod-level cgroup */
	const char *image;
};

struct eval_proc {
	const char *binary;	   /* canonical path of the executable ("" unknown) */
	const char *parent_binary; /* the parent's */
	const char *comm;	   /* NULL: basename of binary, 15 bytes */
	int64_t pid, tid, ppid, nspid, uid, gid, euid, egid, cgroup;
	uint64_t caps[3];      /* enum cap_type: Effective Inheritable Permitted */
	uint64_t caps_exec[3]; /* the sets at exec (matchCapabilityChanges baseline) */
	struct eval_ns ns[NS__COUNT];
	struct eval_ns ns_exec[NS__COUNT]; /* at exec (matchNamespaceChanges baseline) */
	const int64_t *ancestors; /* pids of the ancestors (followForks) */
	const int64_t *ancestors_ns; /* their pids in their own pid namespace */
	size_t nancestors;
	struct eval_pod pod;
};

/* A socket address as the programs read it (struct tpc_ev_sockaddr). */
struct eval_sa {
	int family; /* 2 AF_INET (addr[0..3]), 10 AF_INET6, 0 none */
	uint8_t addr[16];
	uint16_t port;
};

enum eval_vkind {
	EV_INT,	 /* integers, capability masks */
	EV_STR,	 /* strings and canonical paths */
	EV_NULL, /* a read or path resolution that failed: no string test matches */
	EV_SA,	 /* sockaddr: sa[0]; sock: sa[0] destination, sa[1] source */
};

struct eval_val {
	enum eval_vkind kind;
	int64_t i;
	const char *s;
	size_t len;
	unsigned mode;	/* path kinds: S_IFMT bits of the inode (default S_IFREG) */
	unsigned nlink; /* path kinds: link count (default 1) */
	struct eval_sa sa[2];
	int protocol, state; /* sock/sockaddr: IP protocol, TCP state */
};

/* The argument source: fill *out for slot `slot` of prog p as spec sp
 * reads it (pos: its position in sp->hook->args, -1 for implicit ones:
 * the exec binary, the return value, comm). Returns 0, or -ENOENT when the
 * event has no value for it (eval reports that), or -EINVAL after
 * reporting a bad value itself. */
typedef int (*eval_arg_fn)(void *ctx, const struct ir_prog *p, const struct ir_spec *sp,
			   int slot, int pos, struct eval_val *out);

struct eval_env {
	struct arena *a;
	struct diag_sink *d;
	const struct srcmap *m;
	struct span at; /* where errors about this event are reported */
	/* canonical form of a matchBinaries value on the node (symlinks);
	 * NULL or returning NULL: the value itself */
	const char *(*resolve)(void *ctx, const char *path);
	eval_arg_fn arg;
	void *ctx;
};

#define EVAL_MAX_DECISIONS 64

struct eval_decision {
	int policy; /* ir_object policies[] */
	const struct ir_prog *prog;
	const struct ir_spec *spec;
	const struct ir_rule *rule;
	const char *actions[8]; /* effective action names, in the policy's order */
	size_t nactions;
};

struct eval_result {
	struct eval_decision v[EVAL_MAX_DECISIONS];
	size_t n;
	size_t nspecs; /* specs that ran (the hook answered to the name) */
};

/* Does spec sp of prog p answer to hook name `name` (the exec shorthand
 * "exec"; a kprobe's call or syscall name; "subsystem/event"; an LSM
 * hook; a uprobe's symbol)? ret: the event is a return probe's. */
bool eval__hook_matches(const struct ir_prog *p, const struct ir_spec *sp, const char *name,
			bool ret);
/* Names spec sp answers to, for messages ("sys_openat", ...). */
const char *eval__hook_name(const struct ir_prog *p, const struct ir_spec *sp);

/* Runs the event; returns 0 and fills *res, -ENOENT when no spec answers
 * to the hook (not reported: the caller knows the names), -EINVAL or
 * -EOPNOTSUPP after reporting. */
int eval__run(const struct ir_object *o, const struct eval_env *env, const char *hook, bool ret,
	      const struct eval_proc *proc, struct eval_result *res);

/* The loader's part, for the kernel run: bit i set when the process is in
 * the workload scope of index i (MAP_SCOPE maps' scope.index); bit i of
 * the followForks bits when the process or an ancestor is in pid set i. */
uint64_t eval__scope_bits(const struct ir_object *o, const struct eval_env *env,
			  const struct eval_proc *proc);
uint64_t eval__follow_bits(const struct ir_object *o, const struct eval_env *env,
			   const struct eval_proc *proc);

/* An integer argument's value as the program holds it: cast to the
 * argument's width and signedness, widened to 64 bits. */
uint64_t eval__int_cast(const struct ir_arg *a, int64_t v);

/* Effective action names of a rule (what it does on this object). */
size_t eval__actions(const struct ir_object *o, const struct ir_spec *sp,
		     const struct ir_rule *r, const char **out, size_t max);

#endif
