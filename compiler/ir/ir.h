/* ir.h - the intermediate representation between front end and back end.
 *
 * Contract:
 *  - lower.c builds an ir_object from a checked ast_bundle; opt.c reorders
 *    and lowers value sets; emit.c prints BPF C from it; meta.c prints the
 *    object metadata from it. Nothing after lower.c reads the AST, except
 *    spans for diagnostics and banners.
 *  - One ir_prog per attach point (hook kind + target): every policy that
 *    hooks the same point is fused into it. A prog holds one ir_spec per
 *    (policy, hook entry); a spec holds its rules (selectors) in source
 *    order; first match wins within a spec, and every spec runs.
 *  - Predicates are trees (AND/OR/NOT over leaves) so the DSL's OR and NOT
 *    need no extra selectors. Leaves carry a cost class; opt.c sorts the
 *    children of every AND/OR by cost (stable), which never changes the
 *    result because leaves have no side effects.
 *  - Argument reads are per prog and lazy: a leaf names an arg slot, and
 *    the emitter reads a slot the first time a surviving leaf or an event
 *    needs it.
 *  - Everything lives in the compilation arena.
 */
#ifndef TPC_IR_H
#define TPC_IR_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "front/ast.h"
#include "base/diag.h"
#include "kernel/btf_info.h"

/* Cost classes, cheapest first (opt.c orders by these). */
enum ir_cost {
	COST_CTX = 0,	 /* pid, uid, cgroup: one helper call or ctx load */
	COST_INT_ARG,	 /* integer argument already in ctx/regs */
	COST_BINARY,	 /* per-process cached bit: one inlined array lookup */
	COST_DEREF,	 /* a few probe reads (sockaddr, caps, namespaces) */
	COST_STRING,	 /* string copy from user/kernel memory */
	COST_MAP,	 /* hash/LPM lookup with a large key */
	COST_PATH,	 /* dentry walk */
};

/* Where a value comes from. */
enum ir_src {
	SRC_PID,
	SRC_TID,
	SRC_UID,
	SRC_GID,
	SRC_EUID,
	SRC_CGROUP,
	SRC_BINARY, /* bit `bit` of the per-process binary-set bits */
	SRC_PBINARY, /* the same bits of the parent process */
	SRC_ARG,    /* prog arg slot `slot` */
	SRC_COMM,
	SRC_PPID,
	SRC_EGID,
	SRC_CAPS, /* capability set `bit` (enum cap_type order: Effective Inheritable Permitted) */
	SRC_NS,	  /* namespace inode of kind `bit` (enum ns_kind); value -1 = the host's */
	SRC_SCOPE, /* the task's cgroup is in the workload scope map `map` (test T_BIT) */
	SRC_NSPID, /* the process's tgid in its own pid namespace (isNamespacePID) */
	SRC_FOLLOW, /* bit `bit` of the followed pid-set bits (matchPIDs followForks) */
	SRC_CAPCHG, /* capability set `bit` changed since exec, on the bits of vals[0] (T_MASK) */
	SRC_NSCHG,  /* a namespace of the kinds in mask vals[0] (enum ns_kind bits) changed since exec (T_MASK) */
};

enum ir_test {
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_IN,	  /* int in values[] */
	T_MASK,	  /* (v & values[i]) != 0 for any i */
	T_RANGE,  /* lo[i] <= v <= hi[i] for any i */
	T_STR_EQ, /* string equals any of strs[] */
	T_STR_PREFIX,
	T_STR_SUFFIX,
	T_BIT,	   /* SRC_BINARY bit set */
	T_CIDR,	   /* address in any of cidrs[] */
	T_PORT,	   /* port in ranges lo/hi */
	T_FAMILY,  /* address family in values[] */
	T_FILETYPE, /* S_IFMT bits of the object's inode in values[] */
	T_STATE,   /* TCP state of a sock in values[] */
	T_PROTO,   /* IP protocol of a sock/sockaddr in values[] */
	T_NLINK,   /* link count of the object's inode in values[] (Unlinked: 0) */
	T_STR_SUBSTR,	     /* string contains any of strs[] (SubString) */
	T_STR_SUBSTR_ICASE, /* the same ignoring ASCII case (strs[] lowercased) */
	T_GAINED,	    /* CapabilitiesGained: slot2 (new) has a bit slot (old) lacks */
};

struct ir_strlit {
	const char *s; /* bytes (may contain NUL) */
	uint32_t len;
};

enum ir_pkind { P_LEAF, P_AND, P_OR, P_NOT, P_TRUE };

struct ir_pred {
	enum ir_pkind kind;
	struct span span;
	enum ir_cost cost; /* max over the subtree */
	/* AND/OR/NOT */
	struct ir_pred **kids;
	size_t nkids;
	/* leaf */
	enum ir_src src;
	int slot;    /* SRC_ARG */
	int slot2;   /* T_GAINED: the second set's slot (the new one) */
	int bit;     /* SRC_BINARY */
	enum ir_test test;
	bool negate; /* NotEqual/NotIn/...: the leaf is negated as a whole */
	int64_t *vals;
	int64_t *his; /* T_RANGE/T_PORT upper bounds (vals are lower) */
	size_t nvals;
	struct ir_strlit *strs;
	size_t nstrs;
	int map; /* >= 0: the set lives in objects maps[map] (large sets) */
	uint8_t (*cidrs)[17]; /* 16 bytes address + prefix length; v4 mapped as ::ffff:a.b.c.d */
	size_t ncidrs;
};

/* How a prog reads an argument slot. */
enum ir_argfrom {
	AF_TP_FIELD,  /* tracepoint record: offset/size/signed */
	AF_CTX_U64,   /* u64 ctx[idx]: raw_tp, tp_btf, fentry, lsm (BPF_PROG args) */
	AF_PT_REGS,   /* kprobe: PT_REGS_PARMn(ctx) or syscall regs */
	AF_SOCK_ADDR, /* cgroup/connect: struct bpf_sock_addr */
	AF_RET,	      /* return value: kretprobe/uretprobe regs, fexit ctx[nargs] */
	AF_COMM,      /* bpf_get_current_comm() */
	AF_NET,	      /* tpcNetwork fixed arg `index`: tpc_<proto>__arg_*(nc, index) */
	AF_TASK,      /* a data entry (source: current_task): bpf_get_current_task(), then rsv */
};

enum ir_argkind {
	AK_INT,	     /* integer of size/signedness */
	AK_USTR,     /* user string pointer */
	AK_KSTR,     /* kernel string pointer */
	AK_DATALOC,  /* __data_loc char[] in a tracepoint record */
	AK_FILE,     /* struct file * -> canonical path */
	AK_PATH,     /* struct path * -> canonical path */
	AK_BPRM,     /* struct linux_binprm * -> file path */
	AK_DENTRY,   /* struct dentry * -> path inside its mount */
	AK_FD,	     /* file descriptor of the current task -> canonical path */
	AK_COMM,     /* the task's comm (DSL 'comm') */
	AK_SOCKADDR, /* struct sockaddr * (user or kernel) */
	AK_SOCK,     /* struct sock * */
	AK_CAPS,     /* kernel_cap_t value (u64) */
	/* char_buf: a byte buffer whose length is another argument (size_slot);
	 * copied up to TPC_STR_MAX - 1 bytes, the event says when it was cut */
	AK_UBUF, /* user memory (syscalls, uprobes) */
	AK_KBUF, /* kernel memory */
	/* scatter-gather buffers, gathered into one copy the same way */
	AK_ITER, /* struct iov_iter * (iov_iter): its segments, CO-RE per kernel */
	AK_UIOV, /* char_iovec: a user iovec array, count in size_slot */
	AK_KIOV, /* char_iovec: a kernel iovec/kvec array, count in size_slot */
	/* kernel objects (runtime/tpc_kobj.bpf.h) */
	AK_KOBJ,     /* cred, user_namespace, bpf_attr/prog/map, perf_event, module,
		      * load_info: a fixed record read for the event only */
	AK_SKB,	     /* struct sk_buff *: its 5-tuple tested like AK_SOCK, and its record */
	AK_NETDEV,   /* struct net_device * -> its name (a kernel string) */
};

/* `resolve`: the argument is a pointer to a kernel struct and the slot is
 * the member this path reaches, read with CO-RE (emit.c prints one small
 * reader per slot over local "___tpc" flavors of the structs on the way,
 * so libbpf relocates every member by name on the node's kernel). A member
 * array or embedded struct yields its address, anything else its value. */
struct ir_resolve {
	const char *path; /* as written, for comments */
	struct btf_path steps;
};

/* AK_KOBJ, AK_SKB and AK_NETDEV: read through runtime/tpc_kobj.bpf.h */
bool ir_argkind__is_kobj(enum ir_argkind k);

struct ir_arg {
	int slot;
	enum ir_argfrom from;
	enum ir_argkind kind;
	enum arg_type type; /* the policy's type, for the event's JSON oneof */
	int index;	    /* ctx / register index */
	uint32_t offset;    /* AF_TP_FIELD */
	uint32_t size;	    /* int width in bytes */
	bool is_signed;
	bool syscall_regs; /* AF_PT_REGS via the syscall wrapper's inner pt_regs */
	bool in_event;	   /* some spec posts it */
	bool in_pred;	   /* some surviving leaf reads it */
	bool is_return;	   /* the hook's returnArg */
	bool has_size;	   /* AK_UBUF/AK_KBUF: the length is slot size_slot (sizeArgIndex) */
	int size_slot;
	bool via_kiocb;	   /* kiocb: AK_FILE read through kiocb->ki_filp */
	bool cap_ref;	   /* AK_CAPS: the value is the set's address (kernel_cap_t *) */
	const struct ir_resolve *rsv; /* resolve: read through this member path */
	int rsv_id;		      /* its reader tpc_r<rsv_id>, unique in the object */
};

struct ir_action {
	bool post;
	bool kill;
	int signal;   /* 0 = none */
	int deny;     /* errno to return from LSM/cgroup (0 = none) */
	uint64_t rate_limit_ms;
	bool kstack, ustack; /* Post's kernelStackTrace/userStackTrace: copied into the record */
	int rate_scope; /* 0 thread, 1 process, 2 global */
	bool cap_update; /* matched a capability change: the current sets become the baseline */
	bool ns_update;	 /* matched a namespace change: the current namespaces become the baseline */
	bool block;	  /* exec Block: deny where the variant can, else SIGKILL */
	bool notify;	  /* kill/signal come from NotifyEnforcer (sent in this hook) */
	int notify_errno; /* its argError, accepted but not applied (sema) */
	uint64_t enf_hooks; /* deny at these enforcer LSM hooks (ir_object.enf_hooks bits) */
	int enf_errno;	    /* with this errno (runtime/tpc_enforce.bpf.h) */
	/* TrackSock/UntrackSock (and returnArgAction): the sock in slot `slot`
	 * (runtime/tpc_socktrack.bpf.h) */
	struct ir_sockop {
		bool untrack;
		int slot;
	} sockops[4];
	size_t nsockops;
	const char *url;  /* GetUrl: performed by tpc-loader (metadata "url") */
	const char *fqdn; /* DnsLookup: likewise ("fqdn") */
	/* Post with imaHash: the event carries the IMA hash of the hook's file
	 * (runtime/tpc_ima.bpf.h); its prog is sleepable */
	enum ir_ima { IMA_NONE, IMA_FILE, IMA_BPRM } ima;
	/* Set (USDT): write set_value into argument set_index's memory */
	bool set;
	int set_index;
	int64_t set_value;
	const char *names[8]; /* action names for metadata */
	size_t nnames;
};

struct ir_rule {
	int id; /* global, indexes metadata rules[] */
	int selector;
	struct span span;
	struct ir_pred *pred; /* NULL = always */
	struct ir_action act;
};

/* One policy's hook entry inside a fused prog. */
struct ir_spec {
	int id; /* global, indexes metadata hooks[] */
	int policy;
	struct span span;
	const struct ast_hook *hook;
	VEC(int) event_args; /* slots posted, in the policy's args order */
	VEC(int) event_pos;  /* per posted slot: its position in hook->args, -1 if implicit;
			      * hook->args.n + i: hook->data[i] (the event's data[]) */
	const int *arg_slots; /* hook->args position -> slot (-1: not read, e.g. nop) */
	VEC(struct ir_rule) rules;
	const char *event;    /* process_kprobe, process_tracepoint, ... */
	/* the policy's workload scope, checked first: SRC_SCOPE leaves (a
	 * host scope is a negated any-pod leaf, lower.c lower_workloads);
	 * NULL: every process */
	const struct ir_pred *scope;
};

enum ir_attach {
	AT_TRACEPOINT,
	AT_RAW_TP,
	AT_TP_BTF,
	AT_KPROBE,
	AT_KRETPROBE,
	AT_FENTRY,
	AT_FEXIT,
	AT_LSM,
	AT_UPROBE,
	AT_URETPROBE,
	AT_CGROUP_CONNECT4,
	AT_CGROUP_CONNECT6,
	/* tpcNetwork (cgroup programs attach to the cgroup v2 root) */
	AT_CGROUP_SENDMSG4,
	AT_CGROUP_SENDMSG6,
	AT_CGROUP_SOCK_CREATE,
	AT_CGROUP_SKB_INGRESS,
	AT_CGROUP_SKB_EGRESS,
	/* a USDT probe: libbpf's bpf_program__attach_usdt at load time
	 * (target "PATH:PROVIDER:NAME"), arguments through bpf_usdt_arg() */
	AT_USDT,
};

/* One program variant: how a prog attaches on some kernels. */
struct ir_variant {
	enum ir_attach at;
	const char *target;  /* "syscalls/sys_enter_openat", "bprm_check_security", ... */
	const char *name;    /* C function name, unique */
	int prio;	     /* lower preferred */
	bool deny_capable;   /* return value can deny (LSM/cgroup) */
	int lsm_nargs;	     /* LSM: the hook's argument count (ctx[n] = previous verdict) */
	enum net_proto net;  /* network prog: its protocol (AF_NET reads) */
};

struct ir_prog {
	int id;
	enum hook_kind kind;
	const char *key; /* fusion key: kind + target */
	VEC(struct ir_variant) variants;
	VEC(struct ir_arg) args;
	VEC(struct ir_spec) specs;
	bool needs_binary; /* some leaf reads SRC_BINARY */
	/* only a generated list's calls attach here: the loader skips it when
	 * no variant attaches on the node (docs/object-format.md) */
	bool optional;
	enum net_proto net; /* HOOK_NET: the protocol; the body takes a tpc_net_ctx */
	bool sleepable;	    /* an imaHash rule: SEC("lsm.s/HOOK") */
};

/* A matchBinaries set, evaluated once per process image. */
struct ir_binset {
	int bit;
	enum op op;
	VEC(struct ir_strlit) values;
	int map; /* In/NotIn: hash map index in maps[] */
	/* the policy's tpc-match-binaries is inode: In/NotIn over the
	 * (device, inode) of the listed files (MAP_IDENT_SET) */
	bool ident;
	struct span span;
};

/* A matchPIDs set with followForks: the process or an ancestor has one of
 * these pids (its tgid, or with `ns` its tgid in its own pid namespace).
 * Kept per process by runtime/tpc_follow.bpf.h, inherited at fork. */
struct ir_pidset {
	int bit;
	bool ns;
	VEC(int64_t) pids;
	struct span span;
};

enum ir_map_kind {
	MAP_PATH_SET,
	MAP_STR_SET,
	MAP_PREFIX_SET,
	MAP_INT_SET,
	MAP_SCOPE, /* cgroup ids in a policy's workload scope; the loader fills it */
	MAP_IDENT_SET, /* struct tpc_ident_key of listed binaries; the loader fills it */
};

/* The workload selector a MAP_SCOPE map stands for (docs/object-format.md
 * "cgroup_scope"); the loader evaluates it against its pod store. */
struct ir_scope {
	int policy;
	int index; /* its slot in TPC_SCOPE_LEVELS_MAP (0.. number of scope maps) */
	const char *ns; /* TracingPolicyNamespaced: only pods of this namespace */
	const struct ast_label_selector *pods;	     /* NULL: every pod */
	const struct ast_label_selector *containers; /* NULL: every container */
	/* hostSelector: the cgroup of every pod the loader finds (kubelet
	 * layouts), known to its pod source or not; pods/containers NULL, no
	 * namespace. A host process is one outside all of them. */
	bool any_pod;
};

struct ir_map {
	const char *name;
	enum ir_map_kind kind;
	const char *purpose;
	uint32_t key_size;
	uint32_t max_entries;
	bool resolve_realpath;
	VEC(struct ir_strlit) strs;
	VEC(int64_t) ints;
	struct ir_scope scope; /* MAP_SCOPE */
};

struct ir_policy {
	const struct ast_policy *ast;
	const char *name;
	const char *ns;
	bool enforce; /* has an enforcing action */
};

/* An enforcer program: BPF LSM hook `lsm` denies a syscall for which a
 * rule made a request (runtime/tpc_enforce.bpf.h). */
struct ir_enf_hook {
	const char *lsm; /* "path_link" (compiler/base/enforce.c's string) */
	int nargs;	 /* the hook's argument count: ctx[nargs] is the previous verdict */
};

struct ir_object {
	VEC(struct ir_policy) policies;
	VEC(struct ir_prog *) progs;
	VEC(struct ir_binset) binsets;
	VEC(struct ir_pidset) pidsets; /* followForks sets: emit the fork tracker */
	VEC(struct ir_map) maps;
	int nrules, nspecs;
	bool needs_proc; /* some prog reads binary bits: emit the exit cleaner */
	bool needs_net;	 /* network progs: include tpc_net.bpf.h, emit the owner recorder */
	bool needs_capchg; /* matchCapabilityChanges: tpc_capchg.bpf.h and its exec program */
	bool needs_nschg;  /* matchNamespaceChanges: the same baseline, with the namespaces (implies needs_capchg) */
	bool needs_socktrack; /* TrackSock/UntrackSock: tpc_socktrack.bpf.h, owners in events */
	bool needs_usdt;   /* a usdts hook: tpc_usdt.bpf.h (libbpf's usdt.bpf.h) */
	bool needs_ima;	   /* an imaHash rule: tpc_ima.bpf.h, feature "ima_file_hash" */
	bool needs_write_user; /* a Set rule: feature "probe_write_user" */
	VEC(struct ir_enf_hook) enf_hooks; /* deny requests: one LSM program each */
	VEC(const char *) enf_exits;	   /* syscalls whose sys_exit clears a request */
	/* What a target kernel lacks, from its BTF's enum bpf_func_id (5.10:
	 * both). The runtime then walks with bounded loops instead of
	 * bpf_loop() (5.17) and reads current through bpf_get_current_task()
	 * instead of bpf_get_current_task_btf() (5.11). */
	bool no_bpf_loop;
	bool no_task_btf;
};

/* Builders (ir.c). */
struct value_cidr;
struct ir_pred *ir_pred__new(struct arena *a, enum ir_pkind k, struct span sp);
void ir_pred__add(struct arena *a, struct ir_pred *parent, struct ir_pred *kid);
struct ir_pred *ir_pred__leaf(struct arena *a, enum ir_src src, enum ir_test t, struct span sp);
void ir_pred__add_int(struct arena *a, struct ir_pred *p, int64_t lo, int64_t hi);
void ir_pred__add_str(struct arena *a, struct ir_pred *p, const char *s, size_t len);
void ir_pred__add_cidr(struct arena *a, struct ir_pred *p, const struct value_cidr *c);
/* New matchBinaries set; returns its bit or -E2BIG past 64 sets. */
int ir_object__add_binset(struct arena *a, struct ir_object *o, enum op op, bool ident,
			  const struct ast_str *vals, size_t n, struct span sp);

/* lower.c: returns 0 or -EINVAL after reporting unsupported constructs.
 * bi is the target kernel's BTF and tracepoint formats, the one sema
 * checked against (tracepoint field offsets, hook prototypes and syscall
 * wrappers are taken from it); NULL: none (those lowerings fail). */
struct btf_info;
int ir__lower(struct arena *a, struct diag_sink *d, const struct ast_bundle *b,
	      struct btf_info *bi, struct ir_object *out);
/* ir.c: do two lowerings of the same bundle against different kernels
 * build the same programs? The object is CO-RE (struct accesses relocate
 * on the node), but some facts are fixed at build time: tracepoint record
 * offsets and sizes, LSM hook and fentry argument counts, syscall wrapper
 * and hook choices. Returns false when they agree; else true with *where
 * (the hook concerned) and what ("tracepoint field 'x' is at offset 16 on
 * %A, 24 on %B": %A and %B stand for the two kernels) filled. */
bool ir_object__kernel_diff(const struct ir_object *a, const struct ir_object *b,
			    struct span *where, char *what, size_t size);
/* opt.c: cost ordering, set lowering; never fails. */
void ir__optimize(struct arena *a, struct ir_object *o);
/* Largest set lowered to inline compares (more values go to a map). */
#define IR_INLINE_MAX 8

/* New followForks pid set (identical sets share a bit); returns its bit
 * or -E2BIG past 64 sets. */
int ir_object__add_pidset(struct arena *a, struct ir_object *o, bool ns, const int64_t *pids,
			  size_t n, struct span sp);

bool ir_pred__uses_binary(const struct ir_pred *p);
/* Some leaf of p reads src. */
bool ir_pred__uses_src(const struct ir_pred *p, enum ir_src src);
const char *ir_attach__name(enum ir_attach at);
const char *ir_attach__sec(enum ir_attach at); /* libbpf SEC() prefix */

#endif
