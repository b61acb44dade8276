/* ldr_meta.h - the parsed, validated `.tpc.meta` JSON of one tpc object.
 *
 * Contract: ldr_meta__parse() takes untrusted bytes and either returns a
 * fully validated struct ldr_meta (every index in range, every enum known,
 * every string NUL-free and bounded) or NULL with a one-line reason in err.
 * Nothing downstream re-checks what is validated here: hdr.rule < nrules,
 * rule->hook < nhooks and rule->policy < npolicies are guaranteed.
 * The format is docs/object-format.md; the record layouts tpc_abi.h.
 * All strings are owned by the struct; ldr_meta__free() is NULL-safe.
 */
#ifndef TPC_LDR_META_H
#define TPC_LDR_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* JSON event types the loader emits (also used by filters and metrics). */
enum ldr_ev_type {
	LDR_EV_EXEC,
	LDR_EV_EXIT,
	LDR_EV_KPROBE,
	LDR_EV_TRACEPOINT,
	LDR_EV_LSM,
	LDR_EV_UPROBE,
	LDR_EV_USDT,   /* process_usdt; network kinds stay last (>= LDR_EV_NET_TCP) */
	LDR_EV_LOADER, /* process_loader (spec.loader: true) */
	LDR_EV_NET_TCP,	 /* tpcNetwork (TPC_EV_NET records) */
	LDR_EV_NET_DNS,
	LDR_EV_NET_HTTP,
	LDR_EV__COUNT,
};
extern const char *const ldr_ev_type_names[LDR_EV__COUNT]; /* "process_exec", ... */
int ldr_ev_type__parse(const char *s); /* -1 if unknown */

enum ldr_enc { LDR_ENC_INT, LDR_ENC_STR, LDR_ENC_SA, LDR_ENC_PATH, LDR_ENC_OBJ };

/* How an argument is rendered: the Tetragon args[] oneof. */
enum ldr_argk {
	LDR_ARG_INT,	   /* int_arg (32-bit signed, number) */
	LDR_ARG_UINT,	   /* uint_arg (32-bit unsigned, number) */
	LDR_ARG_LONG,	   /* long_arg (64-bit signed, string) */
	LDR_ARG_SIZE,	   /* size_arg (64-bit unsigned, string) */
	LDR_ARG_STRING,	   /* string_arg */
	LDR_ARG_BYTES,	   /* bytes_arg (base64) */
	LDR_ARG_FILE,	   /* file_arg {path, permission, flags} */
	LDR_ARG_PATH,	   /* path_arg {path, permission, flags} */
	LDR_ARG_BINPRM,	   /* linux_binprm_arg {path, permission, flags} */
	LDR_ARG_SOCKADDR,  /* sockaddr_arg {family, addr, port} */
	LDR_ARG_SOCK,	   /* sock_arg {family, protocol, daddr, dport} */
	LDR_ARG_CAP,	   /* capability_arg {value, name} */
	LDR_ARG_NETDEV,	   /* net_dev_arg {name} */
	/* kernel objects (enc "obj": struct tpc_ev_obj + record, tpc_abi.h) */
	LDR_ARG_CRED,	   /* process_credentials_arg */
	LDR_ARG_USERNS,	   /* user_ns_arg */
	LDR_ARG_BPF_ATTR,  /* bpf_attr_arg {ProgType, InsnCnt, ProgName} */
	LDR_ARG_BPF_PROG,  /* bpf_prog_arg */
	LDR_ARG_BPF_MAP,   /* bpf_map_arg */
	LDR_ARG_PERF_EVENT, /* perf_event_arg */
	LDR_ARG_MODULE,	   /* module_arg {name, signature_ok, tainted} */
	LDR_ARG_SKB,	   /* skb_arg */
	LDR_ARG_SYSCALL,   /* syscall_id {id, abi} (enc int) */
	LDR_ARG_CAP_T,	   /* kernel_cap_t_arg: 16 hex digits (enc int) */
	LDR_ARG_CAP_INH,   /* cap_inheritable_arg */
	LDR_ARG_CAP_PERM,  /* cap_permitted_arg */
	LDR_ARG_CAP_EFF,   /* cap_effective_arg */
};

struct ldr_meta_arg {
	char *label;
	char *type;
	enum ldr_enc enc;
	enum ldr_argk kind;
	bool is_signed;
	bool is_return; /* "return": rendered as the event's "return", not in args[] */
	bool is_data;	/* "data": a data entry, rendered in the event's data[] */
};

struct ldr_meta_hook {
	char *event_name;
	enum ldr_ev_type event;
	char *type;
	char *function_name;
	char *subsys;
	char *tracepoint;
	char *message;
	char **tags;
	size_t ntags;
	struct ldr_meta_arg *args;
	size_t nargs;
};

struct ldr_meta_rule {
	uint32_t policy;
	uint32_t hook;
	uint32_t selector;
	char **actions;
	size_t nactions;
	bool post;
	char *url;  /* GetUrl's argUrl, "" when none (performed by loader/net/request.c) */
	char *fqdn; /* DnsLookup's argFqdn, "" when none */
	/* Post's kernelStackTrace/userStackTrace: the record ends with the
	 * frames and a struct tpc_ev_stacks (tpc_abi.h) */
	bool kernel_stack, user_stack;
};

struct ldr_sel_req;
struct ldr_selector {
	bool present; /* false: selects everything (and adds no level) */
	struct ldr_sel_req *reqs;
	size_t nreqs;
};

struct ldr_meta_policy {
	char *name;
	char *namespace;
	char *kind;
	char *mode;
	/* spec.nodeSelector; present = false when the policy has none */
	struct ldr_selector node_selector;
};

/* Attach kinds the loader knows (programs[].attach). */
enum ldr_attach {
	LDR_AT_TRACEPOINT,
	LDR_AT_RAW_TP,
	LDR_AT_TP_BTF,
	LDR_AT_KPROBE,
	LDR_AT_KRETPROBE,
	LDR_AT_FENTRY,
	LDR_AT_FEXIT,
	LDR_AT_LSM,
	LDR_AT_UPROBE,
	LDR_AT_URETPROBE,
	LDR_AT_CGROUP, /* any "cgroup/..." or "cgroup_skb/..." */
	LDR_AT_USDT,   /* target "PATH:PROVIDER:NAME" (ldr_usdt__split) */
};

struct ldr_meta_prog {
	char *name;
	char *attach_name;
	enum ldr_attach attach;
	char *target;
	char *group; /* "" when the program stands alone */
	int prio;
	/* a generated list's program: skipped (not an error) when none of its
	 * group's variants loads or attaches on this node */
	bool optional;
};

enum ldr_fill {
	LDR_FILL_NONE,
	LDR_FILL_PATH_SET,   /* NUL-padded path keys (+ realpath) */
	LDR_FILL_PATH_HASH,  /* tpc_path_hash() keys, struct tpc_path_val values (+ realpath) */
	LDR_FILL_STR_SET,    /* NUL-padded string keys */
	LDR_FILL_PREFIX_SET, /* LPM trie: u32 prefix length in bits, then the bytes */
	LDR_FILL_INT_SET,    /* u64 keys, decimal strings in metadata */
	LDR_FILL_CGROUP_SCOPE, /* u64 cgroup ids of a workload scope (loader/scope.c) */
	LDR_FILL_IDENT_SET,  /* struct tpc_ident_key of paths, rescanned (core/ident.c) */
};

/* A Kubernetes label selector (matchLabels entries are In with one value):
 * every requirement must hold. */
enum ldr_sel_op { LDR_SEL_IN, LDR_SEL_NOT_IN, LDR_SEL_EXISTS, LDR_SEL_NOT_EXISTS };

struct ldr_sel_req {
	char *key;
	enum ldr_sel_op op;
	char **values;
	size_t nvalues;
};

/* maps[].fill.scope of a cgroup_scope map */
struct ldr_meta_scope {
	uint32_t policy;
	uint32_t index;	      /* slot in TPC_SCOPE_LEVELS_MAP */
	char *ns;	      /* "" = every namespace */
	bool container_level; /* insert container cgroups (containerSelector) */
	bool any_pod;	      /* level "any_pod": every pod cgroup found (hostSelector) */
	struct ldr_selector pods, containers;
};

struct ldr_meta_map {
	char *name;
	char *purpose;
	enum ldr_fill fill;
	uint32_t key_size;
	uint32_t value;
	bool resolve_realpath;
	char **values;
	size_t nvalues;
	struct ldr_meta_scope *scope; /* LDR_FILL_CGROUP_SCOPE */
};

struct ldr_meta {
	int meta_version;
	int abi_version;
	char *tpc_version;
	struct ldr_meta_policy *policies;
	size_t npolicies;
	struct ldr_meta_hook *hooks;
	size_t nhooks;
	struct ldr_meta_rule *rules;
	size_t nrules;
	struct ldr_meta_prog *programs;
	size_t nprograms;
	struct ldr_meta_map *maps;
	size_t nmaps;
	char **features;
	size_t nfeatures;
};

/* Hostile-input bounds. */
#define LDR_META_MAX_BYTES (4u << 20)
#define LDR_META_MAX_ITEMS 65536
#define LDR_META_MAX_STR 4096

struct ldr_meta *ldr_meta__parse(const char *buf, size_t len, char *err, size_t errlen);
void ldr_meta__free(struct ldr_meta *m);

/* Map an attach kind name ("tp_btf", "cgroup/connect4", ...) or -1. */
int ldr_attach__parse(const char *s);
/* The feature a kind needs, as named by `tpc-loader probe`. */
const char *ldr_attach__feature(enum ldr_attach a);
/* A usdt target "PATH:PROVIDER:NAME" split at its last two colons (provider
 * and name are C identifiers; the path may hold colons): copied into buf,
 * which then holds PATH; *provider and *name point into buf too.
 * 0, -EINVAL, -ENAMETOOLONG. */
int ldr_usdt__split(const char *target, char *buf, size_t blen, const char **provider,
		    const char **name);

/* Printable, bounded copy of untrusted text for messages (rotating static
 * buffers, like diag_quote in the compiler). */
const char *ldr_quote(const char *s);

#endif
