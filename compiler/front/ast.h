/* ast.h - the policy AST shared by the YAML and DSL front ends.
 *
 * Contract:
 *  - Both front ends (yaml_policy.c for TracingPolicy YAML, grammar/ for the
 *    selector DSL) build exactly these nodes; sema.c checks them and lower.c
 *    turns them into IR. Nothing after sema reads YAML or DSL text.
 *  - Every node and every scalar carries a span into the srcmap, so any
 *    phase can point at the exact source bytes.
 *  - All memory (nodes, strings, arrays) belongs to the arena passed to the
 *    front end; nodes are never freed individually.
 *  - The AST is faithful to the input: fields are parsed even when the back
 *    end does not support them, so sema can name them in a diagnostic.
 *    `present` flags distinguish "absent" from "given as the default".
 *  - Names are kept as written (struct ast_str) and also resolved to enums
 *    by the YAML loader where the value set is closed (operators, actions,
 *    types); an unresolved name has already produced a diagnostic.
 */
#ifndef TPC_AST_H
#define TPC_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/srcmap.h"
#include "base/tables.h"

/* A scalar exactly as written. s is NUL-terminated but may contain NULs
 * (a YAML "\0" escape), so len is authoritative. */
struct ast_str {
	const char *s;
	size_t len;
	struct span span;
	bool present;
};

typedef VEC(struct ast_str) ast_strvec;

/* An integer with its source; value parsed by the loader (any base). */
struct ast_int {
	int64_t v;
	struct span span;
	bool present;
};

struct ast_bool {
	bool v;
	struct span span;
	bool present;
};

/* ---- selector DSL expressions (match: '...') ---------------------------- */

enum expr_kind {
	EXPR_AND,
	EXPR_OR,
	EXPR_NOT,
	EXPR_CMP,   /* lhs op rhs */
	EXPR_IN,    /* lhs in list ; negated => not in */
	EXPR_FIELD, /* binary, pid, arg0, args.filename, pod.labels["app"] */
	EXPR_INT,
	EXPR_STR,
	EXPR_LIST,
	EXPR_CIDR, /* 10.0.0.0/8, ::1/128 (text kept; sema parses) */
	EXPR_BOOL,
};

enum expr_cmp {
	CMP_EQ,
	CMP_NE,
	CMP_LT,
	CMP_LE,
	CMP_GT,
	CMP_GE,
	CMP_STARTSWITH,
	CMP_ENDSWITH,
	CMP_CONTAINS,
	CMP_MASK, /* lhs & rhs (non-zero) */
};

struct ast_expr {
	enum expr_kind kind;
	struct span span;
	union {
		struct {
			struct ast_expr *l, *r;
		} bin; /* AND, OR */
		struct ast_expr *sub; /* NOT */
		struct {
			enum expr_cmp op;
			struct ast_expr *lhs, *rhs;
		} cmp;
		struct {
			struct ast_expr *lhs, *list; /* list is EXPR_LIST */
			bool negated;
		} in;
		struct {
			/* Dotted path as written: "binary", "args.filename",
			 * "pod.labels"; key is the ["..."] subscript if any. */
			const char *name;
			struct ast_str key;
		} field;
		int64_t ival; /* INT (uint64 values stored as their bits) */
		bool bval;
		struct ast_str sval; /* STR, CIDR */
		struct {
			struct ast_expr **items;
			size_t n;
		} list;
	};
};

/* ---- TracingPolicy ------------------------------------------------------ */

/* KProbeArg (args, data, returnArg) */
struct ast_arg {
	struct span span;
	struct ast_int index;
	struct ast_str type; /* as written; default "auto" */
	enum arg_type type_id;
	struct ast_int size_arg_index;
	struct ast_bool return_copy;
	struct ast_int max_data;
	struct ast_str label;
	struct ast_str resolve;
	struct ast_str source; /* data only: current_task | pt_regs */
	struct ast_str btf_type;
	struct ast_str btf_type_module;
	uint32_t resolve_root; /* sema: BTF id of the type `resolve` starts from (0: none) */
	bool cap_ref; /* sema: a capability set passed by address (kernel_cap_t *, or a
		       * resolve leaf that is the embedded struct) */
};

/* matchArgs / matchData / matchReturnArgs entry */
struct ast_match_arg {
	struct span span;
	struct ast_int index;
	VEC(struct ast_int) args; /* "args: [..]" form, takes precedence */
	struct ast_str op_name;
	enum op op;
	ast_strvec values; /* integers are kept as text; sema parses by type */
};

struct ast_match_pids {
	struct span span;
	struct ast_str op_name;
	enum op op; /* In / NotIn */
	ast_strvec values;
	struct ast_bool is_namespace_pid;
	struct ast_bool follow_forks;
};

struct ast_match_binaries {
	struct span span;
	struct ast_str op_name;
	enum op op; /* In NotIn Prefix NotPrefix Postfix NotPostfix */
	ast_strvec values;
	struct ast_bool follow_children;
};

struct ast_match_ns {
	struct span span;
	struct ast_str ns_name;
	enum ns_kind ns;
	struct ast_str op_name;
	enum op op;
	ast_strvec values; /* inode numbers or "host_ns" */
};

struct ast_match_ns_changes {
	struct span span;
	struct ast_str op_name;
	enum op op;
	ast_strvec values; /* namespace names */
};

struct ast_match_caps {
	struct span span;
	struct ast_str type_name; /* default Effective */
	enum cap_type type;
	struct ast_str op_name;
	enum op op;
	struct ast_bool is_namespace_capability;
	ast_strvec values; /* CAP_* */
};

struct ast_action {
	struct span span;
	struct ast_str name;
	enum action action;
	struct ast_str arg_error;  /* Override, NotifyEnforcer (errno) */
	struct ast_str arg_sig;	   /* Signal, NotifyEnforcer */
	struct ast_int arg_fd;	   /* FollowFD etc. (removed upstream) */
	struct ast_int arg_name;   /* FollowFD etc. (removed upstream) */
	struct ast_str arg_url;	   /* GetUrl */
	struct ast_str arg_fqdn;   /* DnsLookup */
	struct ast_int arg_sock;   /* TrackSock */
	struct ast_int arg_index;  /* Set */
	struct ast_int arg_value;  /* Set */
	struct ast_str rate_limit; /* "10s", "1m", "2h" */
	struct ast_str rate_limit_scope; /* thread | process | global */
	struct ast_bool kernel_stack_trace;
	struct ast_bool user_stack_trace;
	struct ast_bool ima_hash;
	ast_strvec arg_regs;	      /* uprobe Override */
	struct ast_str arg_new_symbol; /* uprobe Override (main only) */
	struct ast_int arg_new_addr;
	struct ast_int arg_new_offset;
};

struct ast_label_req {
	struct span span;
	struct ast_str key;
	struct ast_str op_name; /* In NotIn Exists DoesNotExist */
	ast_strvec values;
};

struct ast_label_selector {
	struct span span;
	bool present;
	bool is_null; /* explicitly written as null / ~ */
	VEC(struct ast_str) label_keys; /* matchLabels, parallel arrays */
	VEC(struct ast_str) label_values;
	VEC(struct ast_label_req) exprs; /* matchExpressions */
};

struct ast_selector {
	struct span span;
	struct ast_str label;
	VEC(struct ast_match_pids) match_pids;
	VEC(struct ast_match_arg) match_args;
	VEC(struct ast_match_arg) match_data;
	VEC(struct ast_match_arg) match_return_args;
	VEC(struct ast_match_binaries) match_binaries;
	VEC(struct ast_match_binaries) match_parent_binaries;
	VEC(struct ast_match_ns) match_namespaces;
	VEC(struct ast_match_ns_changes) match_namespace_changes;
	VEC(struct ast_match_caps) match_capabilities;
	VEC(struct ast_match_caps) match_capability_changes;
	VEC(struct ast_action) match_actions;
	VEC(struct ast_action) match_return_actions;
	struct ast_label_selector wl_pod, wl_container, wl_host; /* matchWorkloads */
	bool has_match_workloads;
	ast_strvec macros;
	/* tpc extension: match: '<DSL>' (ANDed with the fields above) */
	struct ast_str match_src;
	struct ast_expr *match; /* NULL if absent or unparsable */
};

enum hook_kind {
	HOOK_KPROBE,
	HOOK_FENTRY,
	HOOK_TRACEPOINT,
	HOOK_UPROBE,
	HOOK_LSM,
	HOOK_USDT,
	HOOK_EXEC, /* tpc: seed shorthand / process exec (matchBinary + Block) */
	HOOK_NET,  /* tpc extension: spec.tpcNetwork entry (tcp | dns | http) */
};

/* tpcNetwork protocols; values are enum tpc_net_proto (tpc_abi.h). */
enum net_proto { NET_NONE = 0, NET_TCP = 1, NET_DNS = 2, NET_HTTP = 3 };

struct ast_hook {
	enum hook_kind kind;
	struct span span;
	/* kprobe/fentry: call; lsm: hook; tracepoint: subsystem + event;
	 * uprobe/usdt: path (+ symbols/offsets/addrs, or provider + name) */
	struct ast_str call;
	struct ast_str subsystem, event;
	struct ast_bool syscall; /* CRD default true for kprobes/fentries */
	struct ast_bool ret;	 /* "return" */
	struct ast_bool raw;	 /* tracepoints */
	struct ast_str message;
	VEC(struct ast_arg) args;
	VEC(struct ast_arg) data;
	struct ast_arg return_arg;
	bool has_return_arg;
	struct ast_str return_arg_action;
	VEC(struct ast_selector) selectors;
	ast_strvec tags;
	struct ast_bool ignore_call_not_found;
	struct ast_bool ignore_digest_failure;
	/* uprobes / usdts */
	struct ast_str path, btf_path, provider, name;
	ast_strvec symbols;
	VEC(struct ast_int) offsets, addrs, ref_ctr_offsets;
	ast_strvec binary_digests;
	bool skipped; /* sema: ignore.callNotFound and the call is absent */
	bool loader_sensor; /* sema_loader.c: spec.loader's mmap hook (process_loader) */
	/* tpcNetwork: the protocol; its fixed args are in args[] (built by the
	 * YAML reader, labelled, so selectors and the DSL treat them like
	 * declared ones); events as written and as a mask of 1 << TPC_TCP_*
	 * (0 = all); ports as written (dns/http). */
	struct ast_str protocol;
	enum net_proto proto;
	ast_strvec events;
	unsigned event_mask;
	bool has_events;
	VEC(struct ast_int) ports;
	bool has_ports;
};

struct ast_list {
	struct span span;
	struct ast_str name;
	struct ast_str type; /* syscalls | generated_syscalls | generated_ftrace */
	ast_strvec values;
	struct ast_str pattern;
	struct ast_bool validated;
	bool generated; /* generated_*: values expanded by sema (sema_lists.c) */
};

struct ast_option {
	struct span span;
	struct ast_str name, value;
};

struct ast_macro {
	struct span span;
	struct ast_str name;
	struct ast_selector sel;
};

enum policy_kind { POLICY_CLUSTER, POLICY_NAMESPACED };

struct ast_policy {
	struct span span; /* the whole YAML document */
	uint32_t file;
	enum policy_kind kind;
	struct ast_str api_version, kind_name;
	struct ast_str name, namespace_;
	VEC(struct ast_hook) hooks; /* kprobes, fentries, tracepoints, ... in file order */
	VEC(struct ast_list) lists;
	VEC(ast_strvec) enforcers; /* each enforcer's calls */
	VEC(struct ast_option) options;
	VEC(struct ast_macro) macros;
	struct ast_label_selector pod_selector, container_selector, host_selector,
		node_selector;
	struct ast_bool loader;
	bool shorthand; /* desugared from spec.selectors.matchBinary + spec.action */
};

/* All policies of one compilation, in input order. */
struct ast_bundle {
	VEC(struct ast_policy *) policies;
};

/* Helpers shared by the front ends. */
struct ast_str ast_str__make(struct arena *a, const char *s, size_t len, struct span sp);
bool ast_str__eq(const struct ast_str *s, const char *lit);
/* Does h run at the function's return: `return: true`, or an argument
 * with `returnCopy` (Tetragon then probes the return for the copy)? */
bool ast_hook__at_return(const struct ast_hook *h);
/* Does h override security_X's result (Override, no returnCopy)? It then
 * compiles to the BPF LSM hook X (lowering), when the kernel has it. */
bool ast_hook__override_at_lsm(const struct ast_hook *h);
struct ast_expr *ast_expr__new(struct arena *a, enum expr_kind k, struct span sp);
const char *hook_kind__name(enum hook_kind k);
/* Every call of p's enforcers section, a `list:NAME` expanded to the values
 * of that list (an ABI prefix such as "i386/" dropped from name), given to
 * fn with the string it came from and the list (NULL for a plain call; an
 * unknown list or one that is not of type 'syscalls' is given once with
 * name NULL). Stops at fn's first nonzero return and returns it. */
typedef int (*ast_enforcer_fn)(const struct ast_str *v, const struct ast_list *l, const char *name,
			       void *ctx);
int ast_policy__each_enforcer_call(const struct ast_policy *p, ast_enforcer_fn fn, void *ctx);
/* True when p has enforcer calls and each is a syscall that tpc can deny
 * at an LSM hook (base/enforce.h), so NotifyEnforcer's argError applies. */
bool ast_policy__enforcers_deny(const struct ast_policy *p);
/* spec.options' name for the matchBinaries identity mode (sema checks it) */
#define AST_OPT_MATCH_BINARIES "tpc-match-binaries"
/* True when p's matchBinaries compare (device, inode) rather than the
 * canonical path: the option above with value 'inode'. */
bool ast_policy__binaries_by_inode(const struct ast_policy *p);
/* Debug/golden dump of a DSL expression, fully parenthesized. */
void ast_expr__dump(const struct ast_expr *e, char *buf, size_t size);

#endif
