/* tpc_abi.h - the binary contract between tpc-built BPF objects and
 * tpc-loader. Included by BPF C (the runtime/ BPF headers) and by user space.
 *
 * Contract:
 *  - Every ring-buffer record starts with struct tpc_ev_hdr; hdr.size is the
 *    whole record. Records of kind TPC_EV_HOOK carry the hook's arguments
 *    after the header, encoded one after another as described by the
 *    object's metadata (docs/object-format.md, "hooks[].args[].enc"):
 *      int  : 8 bytes, little endian (__s64 or __u64 per "signed")
 *      str  : struct tpc_ev_str then len bytes, padded to 8
 *      path : struct tpc_ev_path then len bytes, padded to 8
 *      sa   : struct tpc_ev_sockaddr
 *      obj  : struct tpc_ev_obj then the kernel-object record it names
 *             (enum tpc_obj_kind), len bytes, padded to 8
 *    Records of kind TPC_EV_NET (a tpcNetwork rule fired) carry
 *    struct tpc_ev_net after the header, then the protocol's body
 *    (struct tpc_ev_tcp for TPC_NET_TCP; the DNS and HTTP bodies are
 *    defined with their parsers), then the hook's posted arguments encoded
 *    as for TPC_EV_HOOK. In TPC_EV_NET records the header's process fields
 *    (pid, tid, uid, gid, cgroup_id, comm) are those of the process that
 *    owns the socket (docs/object-format.md), not of the current task.
 *  - An object names its ring buffer TPC_EVENTS_MAP and its counters
 *    TPC_STATS_MAP (per-CPU array, index enum tpc_stat).
 *  - TPC_ABI_VERSION changes whenever a layout here changes; the loader
 *    refuses objects with another version.
 * Keep in sync with docs/object-format.md.
 */
#ifndef TPC_ABI_H
#define TPC_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define TPC_ABI_VERSION 1
#define TPC_META_SECTION ".tpc.meta"
#define TPC_META_VERSION 1
#define TPC_EVENTS_MAP "tpc_events"
#define TPC_STATS_MAP "tpc_stats"

#define TPC_PATH_MAX 256 /* canonical path buffer, bytes incl. NUL */
#define TPC_STR_MAX 256 /* string argument copy, bytes incl. NUL */
#define TPC_SUBSTR_MAX 64 /* SubString: longest value searched for */
#define TPC_SCOPE_MAX 8192 /* cgroup ids in one workload scope map (tpc_scopeN) */
#define TPC_SCOPE_DEPTH 12 /* cgroup levels below the root a scope check looks at */
#define TPC_NET_SCOPE_MAX 64 /* scope maps a network hook can depend on (bits of tpc_net_owner.scope) */
/* Per scope map (fill.scope.index), one struct tpc_scope_ctl in this
 * BPF_F_MMAPABLE ARRAY; the loader writes each one with a single 8-byte
 * atomic store through its mapping. */
#define TPC_SCOPE_CTL_MAP "tpc_scope_ctl"
struct tpc_scope_ctl {
	__u32 levels; /* bit L: the scope map may hold a cgroup at level L */
	__u32 gen; /* bumped after every change of the scope map */
};
#define TPC_SCOPE_SLOTS 16 /* per-CPU verdict cache slots per scope map */
/* Pod selector keys that are not labels: the pod's namespace (Tetragon's
 * key, also accepted in YAML) and its name (from the DSL's pod.name) */
#define TPC_SCOPE_NS_KEY "k8s:io.kubernetes.pod.namespace"
#define TPC_SCOPE_NAME_KEY "k8s:io.kubernetes.pod.name"
/* A matchBinaries In/NotIn set (fill kind "path_hash", docs/object-format.md):
 * a hash map from the 64-bit hash of a canonical path to the path itself,
 * which the program compares on a hit, so a collision cannot make a false
 * match. The hash goes a little-endian 8-byte word at a time over the len
 * bytes of the path (no NUL), the last word zero-padded; BPF
 * (runtime/tpc_path.bpf.h, tpc_path__hash) and user space (the loader,
 * tpc test, bench/hold: tpc_path_hash) compute the same value. An 8-byte
 * key instead of the NUL-padded 256-byte one: the map's jhash over 256
 * bytes and the zero-padded copy were a third of an exec's cost. */
#define TPC_PATH_HASH_SEED 0x9e3779b97f4a7c15ULL
struct tpc_path_val {
	__u32 len; /* bytes of path, without the NUL */
	__u32 pad;
	char path[TPC_PATH_MAX]; /* zero-padded */
};

static inline __u64 tpc_path_hash__mix(__u64 h, __u64 w)
{
	h ^= w;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 32);
}

#ifndef __bpf__
static inline __u64 tpc_path_hash(const char *s, __u32 len)
{
	__u64 h = TPC_PATH_HASH_SEED ^ len;

	for (__u32 at = 0; at < len; at += 8) {
		__u64 w = 0;

		for (__u32 b = 0; b < 8 && at + b < len; b++)
			w |= (__u64)(unsigned char)s[at + b] << (8 * b);
		h = tpc_path_hash__mix(h, w);
	}
	return h;
}

/* Key and value of the path s (n bytes) in a path_hash map; -1: too long. */
static inline int tpc_path_val__init(struct tpc_path_val *v, __u64 *key, const char *s, __u32 n)
{
	if (n >= TPC_PATH_MAX)
		return -1;
	for (__u32 i = 0; i < TPC_PATH_MAX; i++)
		v->path[i] = i < n ? s[i] : 0;
	v->len = n;
	v->pad = 0;
	*key = tpc_path_hash(s, n);
	return 0;
}
#endif

/* A matchBinaries In/NotIn set in inode identity mode (spec.options
 * tpc-match-binaries: inode; fill kind "ident_set", docs/object-format.md):
 * a hash set of the (device, inode) of each listed binary, the value a u8.
 * dev is the kernel's encoding of the superblock's s_dev,
 * major << 20 | minor (MKDEV, not the user-space st_dev encoding); the
 * loader takes it from /proc/self/mountinfo (the superblock's device,
 * which differs from stat's st_dev on btrfs subvolumes) and ino from
 * statx(). */
struct tpc_ident_key {
	__u64 dev;
	__u64 ino;
};
#define TPC_IDENT_DEV(major, minor) (((__u64)(major) << 20) | (__u64)(minor))

#define TPC_EV_MAX 4096 /* largest record */
#define TPC_RULE_NONE 0xffffffffu

enum tpc_ev_kind {
	TPC_EV_EXEC = 1, /* base sensor: process_exec */
	TPC_EV_EXIT = 2, /* base sensor: process_exit */
	TPC_EV_FORK = 3, /* base sensor: clone (process table only) */
	TPC_EV_HOOK = 4, /* a policy rule fired: process_kprobe/tracepoint/lsm/uprobe */
	TPC_EV_CGROUP = 5, /* base sensor: a cgroup v2 directory was created */
	TPC_EV_NET = 6, /* a tpcNetwork rule fired: network_tcp/dns/http */
};

/* tpcNetwork protocols (tpc_ev_net.proto). */
enum tpc_net_proto {
	TPC_NET_TCP = 1,
	TPC_NET_DNS = 2,
	TPC_NET_HTTP = 3,
};

/* tcp events: tpc_ev_net.event, and the value of the tcp hook's `event`
 * argument (DSL constants CONNECT ACCEPT LISTEN CLOSE). */
#define TPC_TCP_CONNECT 1 /* an active open reached ESTABLISHED, or a Block/Sigkill at connect() */
#define TPC_TCP_ACCEPT 2 /* a passive open reached ESTABLISHED */
#define TPC_TCP_LISTEN 3 /* a socket entered LISTEN */
#define TPC_TCP_CLOSE 4 /* an established or listening socket reached CLOSE */
/* dns / http events (their parsers fill them) */
#define TPC_DNS_QUERY 1
#define TPC_DNS_ANSWER 2
#define TPC_HTTP_REQUEST 1
#define TPC_HTTP_RESPONSE 2

/* Action bits actually applied by BPF (hdr.action). */
enum tpc_act_bits {
	TPC_ACT_POST = 1u << 0,
	TPC_ACT_SIGKILL = 1u << 1,
	TPC_ACT_SIGNAL = 1u << 2,
	TPC_ACT_OVERRIDE = 1u << 3, /* deny: LSM/cgroup returned an error */
	TPC_ACT_NOPOST = 1u << 4,
	/* Post with imaHash: the record's last sizeof(struct tpc_ev_ima)
	 * bytes are the file's IMA hash (after the posted arguments) */
	TPC_ACT_IMA = 1u << 5,
	/* Set: the USDT argument's memory was written (bpf_probe_write_user) */
	TPC_ACT_SET = 1u << 6,
	/* Set was asked for but could not write: the argument is not in
	 * memory (a register or a constant), or the write failed */
	TPC_ACT_SET_FAILED = 1u << 7,
};

/* The IMA hash of an LSM hook's file (TPC_ACT_IMA): algo is the kernel's
 * enum hash_algo (4 = sha256) as bpf_ima_file_hash() returned it, or a
 * negative errno when the kernel could not hash the file; digest holds
 * the first min(digest size, 64) bytes. */
#define TPC_IMA_DIGEST_MAX 64
struct tpc_ev_ima {
	__s32 algo;
	__u32 pad;
	__u8 digest[TPC_IMA_DIGEST_MAX];
};

enum tpc_stat {
	TPC_STAT_RB_DROPS = 0, /* ring buffer reserve/output failures */
	TPC_STAT_RATE_LIMITED, /* events suppressed by rateLimit */
	TPC_STAT_PATH_TRUNC, /* paths longer than TPC_PATH_MAX or deeper than the walk */
	TPC_STAT_READ_ERR, /* probe_read failures */
	TPC_STAT__COUNT,
};

struct tpc_ev_hdr {
	__u16 kind; /* enum tpc_ev_kind */
	__u16 size; /* bytes in the whole record */
	__u32 rule; /* rule id (metadata rules[]), TPC_RULE_NONE if none */
	__u64 ktime; /* bpf_ktime_get_boot_ns() */
	__u32 pid; /* tgid */
	__u32 tid;
	__u32 uid; /* real uid */
	__u32 gid;
	__u64 cgroup_id;
	__u32 action; /* enum tpc_act_bits */
	__s32 ret; /* errno returned by a deny, signal number, or 0 */
	char comm[16];
};

struct tpc_ev_str {
	__u16 len; /* bytes that follow (no NUL) */
	__u16 flags; /* TPC_STR_TRUNCATED */
	__u32 orig; /* original length if known, else len */
};
#define TPC_STR_TRUNCATED 1

/* Stack traces (Post with kernelStackTrace/userStackTrace, metadata
 * rules[].kernel_stack/user_stack): after the arguments, the kernel frames
 * then the user frames (__u64 addresses, innermost first, as
 * bpf_get_stack gives them), then this trailer, the record's last 8
 * bytes. Each length is the bytes of frames that follow (a multiple of 8),
 * 0 when not asked for, or -errno when the trace was lost (-E2BIG: no room
 * left in the record; -EFAULT: no user context). */
struct tpc_ev_stacks {
	__s32 kernel;
	__s32 user;
};
#define TPC_STACK_DEPTH 127 /* PERF_MAX_STACK_DEPTH, the kernel's default */

/* A resolved path argument (enc "path": file, path, fd, dentry, kiocb,
 * linux_binprm): this, then len bytes padded to 8. mode is the inode's
 * i_mode (type and permission bits), 0 when unknown. A path cut at the
 * root side (too long or too deep) does not start with '/'. */
struct tpc_ev_path {
	__u16 len;
	__u16 flags; /* TPC_STR_TRUNCATED */
	__u32 mode;
};

struct tpc_ev_sockaddr {
	__u16 family; /* AF_INET / AF_INET6 / AF_UNIX */
	__u16 port; /* host order */
	__u16 protocol;
	__u16 pad;
	__u8 addr[16]; /* v4 in the first 4 bytes */
};

/* Common part of every TPC_EV_NET record, right after the header. */
struct tpc_ev_net {
	__u16 proto; /* enum tpc_net_proto */
	__u16 event; /* TPC_TCP_* / TPC_DNS_* / TPC_HTTP_* */
	__u32 flags; /* TPC_NET_F_* */
	__u64 cookie; /* socket cookie (bpf_get_socket_cookie) */
	struct tpc_ev_sockaddr src; /* local side (port 0 before bind) */
	struct tpc_ev_sockaddr dst; /* remote side */
};
#define TPC_NET_F_OWNER_UNKNOWN 1u /* no owner recorded: the header's process is the current task */
#define TPC_NET_F_OWNER_LISTENER 2u /* accepted socket: owner is the listening socket's process */

/* Body of a TPC_NET_TCP record. Counters are read from struct tcp_sock at
 * the event (final at CLOSE; zero for LISTEN and a connect() refused). */
struct tpc_ev_tcp {
	__u64 duration_ns; /* CLOSE: ESTABLISHED (or LISTEN) to CLOSE; else 0 */
	__u64 bytes_sent; /* tcp_sock.bytes_acked: payload bytes the peer acknowledged */
	__u64 bytes_received; /* tcp_sock.bytes_received: payload bytes received in order */
	__u32 segs_out; /* segments sent, control segments and retransmits included */
	__u32 segs_in;
	__u32 data_segs_out; /* segments carrying payload */
	__u32 data_segs_in;
	__u32 retrans; /* tcp_sock.total_retrans */
	__u32 pad;
};

/* Base sensor exec record: hdr, this, then path, args, cwd as
 * consecutive byte strings of the given lengths (args NUL-separated). */
struct tpc_ev_exec {
	struct tpc_ev_hdr hdr;
	__u32 ppid;
	__u32 euid;
	__u64 parent_ktime; /* not known in BPF: 0 (the loader fills it) */
	__u32 flags;
	__u16 path_len;
	__u16 args_len;
	__u16 cwd_len;
	__u16 pad;
	__u32 auid; /* loginuid, 4294967295 = unset (was padding: same layout) */
};

struct tpc_ev_exit {
	struct tpc_ev_hdr hdr;
	__u32 ppid;
	__u32 code; /* exit status (bits 8..15) and signal (bits 0..6), as wait() */
};

/* Base sensor fork record (TPC_EV_FORK): hdr.pid is the new process,
 * hdr.ktime its start; only whole-process forks (not threads) are posted. */
struct tpc_ev_fork {
	struct tpc_ev_hdr hdr;
	__u32 ppid;
	__u32 pad;
};

/* Base sensor cgroup record (TPC_EV_CGROUP): a directory created in the
 * cgroup v2 hierarchy, then path_len bytes of its path below the cgroup2
 * mount ("/kubepods.slice/..."), truncated at TPC_CGROUP_PATH_MAX. Posted
 * with a wake-up so the loader can put a new container into the scope
 * maps at once (workload scope, docs/policy-reference.md). */
struct tpc_ev_cgroup {
	struct tpc_ev_hdr hdr;
	__u64 id; /* the new cgroup's id (kernfs inode number) */
	__u32 level;
	__u16 path_len;
	__u16 pad;
};
#define TPC_CGROUP_PATH_MAX 512

/* tpc_ev_exec.flags */
#define TPC_EXEC_F_PATH_TRUNC 1u /* binary path truncated or walk too deep */
#define TPC_EXEC_F_ARGS_TRUNC 2u /* arguments longer than TPC_EXEC_ARGS_MAX */
#define TPC_EXEC_F_CWD_TRUNC 4u
#define TPC_EXEC_F_ARGS_ERR 8u /* reading the argument area failed */

#define TPC_EXEC_ARGS_MAX 1024
#define TPC_EXEC_CWD_MAX 256

/* ---- kernel-object arguments (enc "obj", runtime/tpc_kobj.bpf.h) ----
 * Records of the objects a hook argument points at, read with CO-RE at the
 * event; the loader renders each where Tetragon's JSON puts it. Unknown
 * kinds are skipped by len, so new kinds do not break an older loader. */
enum tpc_obj_kind {
	TPC_OBJ_CRED = 1, /* struct tpc_ev_cred: process_credentials_arg */
	TPC_OBJ_USERNS, /* struct tpc_ev_userns: user_ns_arg */
	TPC_OBJ_BPF_ATTR, /* struct tpc_ev_bpf_prog: bpf_attr_arg (BPF_PROG_LOAD fields) */
	TPC_OBJ_BPF_PROG, /* struct tpc_ev_bpf_prog: bpf_prog_arg */
	TPC_OBJ_BPF_MAP, /* struct tpc_ev_bpf_map: bpf_map_arg */
	TPC_OBJ_PERF_EVENT, /* struct tpc_ev_perf_event: perf_event_arg */
	TPC_OBJ_MODULE, /* struct tpc_ev_module: module_arg (module or load_info) */
	TPC_OBJ_SKB, /* struct tpc_ev_skb: skb_arg */
	TPC_OBJ_SOCK, /* struct tpc_ev_sock: sock_arg */
};

struct tpc_ev_obj {
	__u16 kind; /* enum tpc_obj_kind; 0: the object could not be read */
	__u16 len; /* record bytes that follow (before padding) */
	__u32 pad;
};

struct tpc_ev_userns {
	__s32 level; /* 0: the initial user namespace */
	__u32 uid; /* owner */
	__u32 gid; /* group */
	__u32 inum;
};

struct tpc_ev_cred {
	__u32 uid, gid, euid, egid, suid, sgid, fsuid, fsgid;
	__u32 securebits;
	__u32 pad;
	__u64 cap_permitted, cap_effective, cap_inheritable;
	struct tpc_ev_userns user_ns;
};

#define TPC_OBJ_NAME_LEN 16 /* BPF_OBJ_NAME_LEN */
struct tpc_ev_bpf_prog {
	__u32 prog_type;
	__u32 insn_cnt;
	char name[TPC_OBJ_NAME_LEN];
};

struct tpc_ev_bpf_map {
	__u32 map_type, key_size, value_size, max_entries;
	char name[TPC_OBJ_NAME_LEN];
};

#define TPC_KSYM_LEN 128 /* a kprobe's function name (KSYM_NAME_LEN is 512) */
struct tpc_ev_perf_event {
	__u32 type; /* perf_event_attr.type: PERF_TYPE_* or a PMU's dynamic id */
	__u32 pad;
	__u64 config;
	__u64 probe_offset;
	char kprobe_func[TPC_KSYM_LEN];
};

#define TPC_MODULE_NAME_LEN 56 /* MODULE_NAME_LEN on 64-bit kernels */
struct tpc_ev_module {
	char name[TPC_MODULE_NAME_LEN];
	__u64 taints;
	__u32 flags; /* TPC_MOD_F_* */
	__u32 pad;
};
#define TPC_MOD_F_SIG_KNOWN 1u /* load_info: the signature was checked */
#define TPC_MOD_F_SIG_OK 2u

/* sa[0] is the destination, sa[1] the source (as tpc_sa__from_sock), so
 * the address and port tests of sock arguments apply unchanged. */
struct tpc_ev_skb {
	struct tpc_ev_sockaddr sa[2];
	__u32 len, hash, priority, mark;
	__u32 sec_path_len, sec_path_olen;
};

/* sa[] as in tpc_ev_skb (from the sock's own fields, not a packet) */
struct tpc_ev_sock {
	struct tpc_ev_sockaddr sa[2];
	__u32 state; /* TCP_* of skc_state */
	__u32 type; /* SOCK_STREAM, ... */
	__u32 mark, priority;
};

#ifndef __bpf__
_Static_assert(sizeof(struct tpc_ev_hdr) == 64, "tpc_ev_hdr layout");
_Static_assert(sizeof(struct tpc_ev_str) == 8, "tpc_ev_str layout");
_Static_assert(sizeof(struct tpc_ev_path) == 8, "tpc_ev_path layout");
_Static_assert(sizeof(struct tpc_ev_ima) == 72, "tpc_ev_ima layout");
_Static_assert(sizeof(struct tpc_ev_sockaddr) == 24, "tpc_ev_sockaddr layout");
_Static_assert(sizeof(struct tpc_ev_exec) == 96, "tpc_ev_exec layout");
_Static_assert(sizeof(struct tpc_ev_exit) == 72, "tpc_ev_exit layout");
_Static_assert(sizeof(struct tpc_ev_cgroup) == 80, "tpc_ev_cgroup layout");
_Static_assert(sizeof(struct tpc_scope_ctl) == 8, "tpc_scope_ctl layout");
_Static_assert(sizeof(struct tpc_ev_fork) == 72, "tpc_ev_fork layout");
_Static_assert(sizeof(struct tpc_ev_net) == 64, "tpc_ev_net layout");
_Static_assert(sizeof(struct tpc_ev_tcp) == 48, "tpc_ev_tcp layout");
_Static_assert(sizeof(struct tpc_ev_obj) == 8, "tpc_ev_obj layout");
_Static_assert(sizeof(struct tpc_ev_cred) == 80, "tpc_ev_cred layout");
_Static_assert(sizeof(struct tpc_ev_bpf_prog) == 24, "tpc_ev_bpf_prog layout");
_Static_assert(sizeof(struct tpc_ev_bpf_map) == 32, "tpc_ev_bpf_map layout");
_Static_assert(sizeof(struct tpc_ev_perf_event) == 152, "tpc_ev_perf_event layout");
_Static_assert(sizeof(struct tpc_ev_module) == 72, "tpc_ev_module layout");
_Static_assert(sizeof(struct tpc_ev_skb) == 72, "tpc_ev_skb layout");
_Static_assert(sizeof(struct tpc_ev_sock) == 64, "tpc_ev_sock layout");
#endif

#endif
