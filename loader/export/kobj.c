/* kobj.c - see ldr_kobj.h. Names follow Tetragon's readers (pkg/reader):
 * enum values by their proto names, unknown numbers as decimal strings. */
#include "export/ldr_kobj.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "tpc_abi.h"

static const char *const prog_types[] = {
	"BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_SOCKET_FILTER", "BPF_PROG_TYPE_KPROBE",
	"BPF_PROG_TYPE_SCHED_CLS", "BPF_PROG_TYPE_SCHED_ACT", "BPF_PROG_TYPE_TRACEPOINT",
	"BPF_PROG_TYPE_XDP", "BPF_PROG_TYPE_PERF_EVENT", "BPF_PROG_TYPE_CGROUP_SKB",
	"BPF_PROG_TYPE_CGROUP_SOCK", "BPF_PROG_TYPE_LWT_IN", "BPF_PROG_TYPE_LWT_OUT",
	"BPF_PROG_TYPE_LWT_XMIT", "BPF_PROG_TYPE_SOCK_OPS", "BPF_PROG_TYPE_SK_SKB",
	"BPF_PROG_TYPE_CGROUP_DEVICE", "BPF_PROG_TYPE_SK_MSG", "BPF_PROG_TYPE_RAW_TRACEPOINT",
	"BPF_PROG_TYPE_CGROUP_SOCK_ADDR", "BPF_PROG_TYPE_LWT_SEG6LOCAL",
	"BPF_PROG_TYPE_LIRC_MODE2", "BPF_PROG_TYPE_SK_REUSEPORT", "BPF_PROG_TYPE_FLOW_DISSECTOR",
	"BPF_PROG_TYPE_CGROUP_SYSCTL", "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE",
	"BPF_PROG_TYPE_CGROUP_SOCKOPT", "BPF_PROG_TYPE_TRACING", "BPF_PROG_TYPE_STRUCT_OPS",
	"BPF_PROG_TYPE_EXT", "BPF_PROG_TYPE_LSM", "BPF_PROG_TYPE_SK_LOOKUP",
	"BPF_PROG_TYPE_SYSCALL",
};

static const char *const map_types[] = {
	"BPF_MAP_TYPE_UNSPEC", "BPF_MAP_TYPE_HASH", "BPF_MAP_TYPE_ARRAY",
	"BPF_MAP_TYPE_PROG_ARRAY", "BPF_MAP_TYPE_PERF_EVENT_ARRAY", "BPF_MAP_TYPE_PERCPU_HASH",
	"BPF_MAP_TYPE_PERCPU_ARRAY", "BPF_MAP_TYPE_STACK_TRACE", "BPF_MAP_TYPE_CGROUP_ARRAY",
	"BPF_MAP_TYPE_LRU_HASH", "BPF_MAP_TYPE_LRU_PERCPU_HASH", "BPF_MAP_TYPE_LPM_TRIE",
	"BPF_MAP_TYPE_ARRAY_OF_MAPS", "BPF_MAP_TYPE_HASH_OF_MAPS", "BPF_MAP_TYPE_DEVMAP",
	"BPF_MAP_TYPE_SOCKMAP", "BPF_MAP_TYPE_CPUMAP", "BPF_MAP_TYPE_XSKMAP",
	"BPF_MAP_TYPE_SOCKHASH", "BPF_MAP_TYPE_CGROUP_STORAGE",
	"BPF_MAP_TYPE_REUSEPORT_SOCKARRAY", "BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE",
	"BPF_MAP_TYPE_QUEUE", "BPF_MAP_TYPE_STACK", "BPF_MAP_TYPE_SK_STORAGE",
	"BPF_MAP_TYPE_DEVMAP_HASH", "BPF_MAP_TYPE_STRUCT_OPS", "BPF_MAP_TYPE_RINGBUF",
	"BPF_MAP_TYPE_INODE_STORAGE", "BPF_MAP_TYPE_TASK_STORAGE", "BPF_MAP_TYPE_BLOOM_FILTER",
};

static const char *const perf_types[] = {
	"PERF_TYPE_HARDWARE", "PERF_TYPE_SOFTWARE", "PERF_TYPE_TRACEPOINT", "PERF_TYPE_HW_CACHE",
	"PERF_TYPE_RAW",      "PERF_TYPE_BREAKPOINT", "PERF_TYPE_MAX",
};

const char *const ldr_cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
const size_t ldr_ncap_names = sizeof(ldr_cap_names) / sizeof(ldr_cap_names[0]);

static const struct {
	uint32_t bit;
	const char *name;
} securebits[] = {
	{ 1, "SecBitNoRoot" },	       { 2, "SecBitNoRootLocked" },
	{ 4, "SecBitNoSetUidFixup" },  { 8, "SecBitNoSetUidFixupLocked" },
	{ 16, "SecBitKeepCaps" },      { 32, "SecBitKeepCapsLocked" },
	{ 64, "SecBitNoCapAmbientRaise" }, { 128, "SecBitNoCapAmbientRaiseLocked" },
};

static const struct {
	uint64_t bit;
	const char *name;
} taints[] = {
	{ 1, "TAINT_PROPRIETARY_MODULE" },    { 2, "TAINT_FORCED_MODULE" },
	{ 4, "TAINT_FORCED_UNLOAD_MODULE" },  { 1024, "TAINT_STAGED_MODULE" },
	{ 4096, "TAINT_OUT_OF_TREE_MODULE" }, { 8192, "TAINT_UNSIGNED_MODULE" },
	{ 32768, "TAINT_KERNEL_LIVE_PATCH_MODULE" }, { 262144, "TAINT_TEST_MODULE" },
};

static void key(struct jbuf *b, const char *k)
{
	jbuf__ch(b, '"');
	jbuf__cstr(b, k);
	jbuf__cstr(b, "\":");
}

static void field_u64(struct jbuf *b, const char *k, uint64_t v, bool first)
{
	if (!first)
		jbuf__ch(b, ',');
	key(b, k);
	jbuf__u64(b, v);
}

/* a fixed char[n] of the kernel: up to its first NUL, never past n */
static void field_name(struct jbuf *b, const char *k, const char *s, size_t n, bool first)
{
	if (!first)
		jbuf__ch(b, ',');
	key(b, k);
	jbuf__str(b, s, strnlen(s, n));
}

static void field_enum(struct jbuf *b, const char *k, const char *const *names, size_t nnames,
		       uint32_t v, bool first)
{
	char num[16];

	if (!first)
		jbuf__ch(b, ',');
	key(b, k);
	if (v < nnames) {
		jbuf__str(b, names[v], strlen(names[v]));
	} else {
		snprintf(num, sizeof(num), "%u", v);
		jbuf__str(b, num, strlen(num));
	}
}

/* repeated CapabilitiesType: omitted when empty, as protojson does */
static void caps_list(struct jbuf *b, const char *k, uint64_t mask, bool *first)
{
	bool any = false;

	if (!mask)
		return;
	if (!*first)
		jbuf__ch(b, ',');
	*first = false;
	key(b, k);
	jbuf__ch(b, '[');
	for (unsigned i = 0; i < 64; i++) {
		if (!(mask & (1ull << i)))
			continue;
		if (any)
			jbuf__ch(b, ',');
		any = true;
		if (i < ldr_ncap_names) {
			jbuf__str(b, ldr_cap_names[i], strlen(ldr_cap_names[i]));
		} else {
			jbuf__u64(b, i); /* an enum value protojson accepts as a number */
		}
	}
	jbuf__ch(b, ']');
}

static void userns(struct jbuf *b, const struct tpc_ev_userns *u)
{
	jbuf__cstr(b, "{\"level\":");
	jbuf__i64(b, u->level);
	jbuf__cstr(b, ",\"uid\":");
	jbuf__u64(b, u->uid);
	jbuf__cstr(b, ",\"gid\":");
	jbuf__u64(b, u->gid);
	jbuf__cstr(b, ",\"ns\":{\"inum\":");
	jbuf__u64(b, u->inum);
	if (u->level == 0)
		jbuf__cstr(b, ",\"is_host\":true");
	jbuf__cstr(b, "}}");
}

static void cred(struct jbuf *b, const struct tpc_ev_cred *c)
{
	const uint32_t ids[8] = { c->uid, c->gid, c->euid, c->egid, c->suid, c->sgid, c->fsuid,
				  c->fsgid };
	static const char *const names[8] = { "uid", "gid", "euid", "egid",
					      "suid", "sgid", "fsuid", "fsgid" };
	bool first = true, any = false;

	jbuf__ch(b, '{');
	for (int i = 0; i < 8; i++) {
		field_u64(b, names[i], ids[i], first);
		first = false;
	}
	if (c->securebits) {
		jbuf__cstr(b, ",\"securebits\":[");
		for (size_t i = 0; i < sizeof(securebits) / sizeof(securebits[0]); i++) {
			if (!(c->securebits & securebits[i].bit))
				continue;
			if (any)
				jbuf__ch(b, ',');
			any = true;
			jbuf__str(b, securebits[i].name, strlen(securebits[i].name));
		}
		jbuf__ch(b, ']');
	}
	jbuf__cstr(b, ",\"caps\":{");
	first = true;
	caps_list(b, "permitted", c->cap_permitted, &first);
	caps_list(b, "effective", c->cap_effective, &first);
	caps_list(b, "inheritable", c->cap_inheritable, &first);
	jbuf__cstr(b, "},\"user_ns\":");
	userns(b, &c->user_ns);
	jbuf__ch(b, '}');
}

static void skb(struct jbuf *b, const struct tpc_ev_skb *k)
{
	char sa[INET6_ADDRSTRLEN] = "", da[INET6_ADDRSTRLEN] = "";
	int af = k->sa[0].family == 2 ? AF_INET : k->sa[0].family == 10 ? AF_INET6 : 0;

	if (af) {
		inet_ntop(af, k->sa[1].addr, sa, sizeof(sa));
		inet_ntop(af, k->sa[0].addr, da, sizeof(da));
	}
	jbuf__ch(b, '{');
	field_u64(b, "hash", k->hash, true);
	field_u64(b, "len", k->len, false);
	field_u64(b, "priority", k->priority, false);
	field_u64(b, "mark", k->mark, false);
	jbuf__cstr(b, ",\"saddr\":");
	jbuf__str(b, sa, strlen(sa));
	jbuf__cstr(b, ",\"daddr\":");
	jbuf__str(b, da, strlen(da));
	field_u64(b, "sport", k->sa[1].port, false);
	field_u64(b, "dport", k->sa[0].port, false);
	field_u64(b, "proto", k->sa[0].protocol, false);
	field_u64(b, "sec_path_len", k->sec_path_len, false);
	field_u64(b, "sec_path_olen", k->sec_path_olen, false);
	if (k->sa[0].protocol == 6)
		jbuf__cstr(b, ",\"protocol\":\"IPPROTO_TCP\"");
	else if (k->sa[0].protocol == 17)
		jbuf__cstr(b, ",\"protocol\":\"IPPROTO_UDP\"");
	else if (k->sa[0].protocol == 1)
		jbuf__cstr(b, ",\"protocol\":\"IPPROTO_ICMP\"");
	if (af)
		jbuf__cstr(b, af == AF_INET ? ",\"family\":\"AF_INET\"" : ",\"family\":\"AF_INET6\"");
	jbuf__ch(b, '}');
}

static const char *key_of(enum ldr_argk k)
{
	switch (k) {
	case LDR_ARG_CRED: return "process_credentials_arg";
	case LDR_ARG_USERNS: return "user_ns_arg";
	case LDR_ARG_BPF_ATTR: return "bpf_attr_arg";
	case LDR_ARG_BPF_PROG: return "bpf_prog_arg";
	case LDR_ARG_BPF_MAP: return "bpf_map_arg";
	case LDR_ARG_PERF_EVENT: return "perf_event_arg";
	case LDR_ARG_MODULE: return "module_arg";
	case LDR_ARG_SKB: return "skb_arg";
	default: return NULL;
	}
}

int ldr_kobj__json(struct jbuf *b, enum ldr_argk declared, uint16_t kind, const void *rec,
		   size_t len)
{
	static const struct {
		uint16_t kind;
		enum ldr_argk k;
		size_t size;
	} kinds[] = {
		{ TPC_OBJ_CRED, LDR_ARG_CRED, sizeof(struct tpc_ev_cred) },
		{ TPC_OBJ_USERNS, LDR_ARG_USERNS, sizeof(struct tpc_ev_userns) },
		{ TPC_OBJ_BPF_ATTR, LDR_ARG_BPF_ATTR, sizeof(struct tpc_ev_bpf_prog) },
		{ TPC_OBJ_BPF_PROG, LDR_ARG_BPF_PROG, sizeof(struct tpc_ev_bpf_prog) },
		{ TPC_OBJ_BPF_MAP, LDR_ARG_BPF_MAP, sizeof(struct tpc_ev_bpf_map) },
		{ TPC_OBJ_PERF_EVENT, LDR_ARG_PERF_EVENT, sizeof(struct tpc_ev_perf_event) },
		{ TPC_OBJ_MODULE, LDR_ARG_MODULE, sizeof(struct tpc_ev_module) },
		{ TPC_OBJ_SKB, LDR_ARG_SKB, sizeof(struct tpc_ev_skb) },
	};
	union {
		struct tpc_ev_cred cred;
		struct tpc_ev_userns userns;
		struct tpc_ev_bpf_prog prog;
		struct tpc_ev_bpf_map map;
		struct tpc_ev_perf_event perf;
		struct tpc_ev_module mod;
		struct tpc_ev_skb skb;
	} r;
	enum ldr_argk k = declared;
	size_t i;

	if (kind == 0) {
		/* NULL object in the kernel: the key of the declared type, empty */
		if (!key_of(declared))
			return -1;
		key(b, key_of(declared));
		jbuf__cstr(b, "{}");
		return 0;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == kind)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]) || len < kinds[i].size)
		return -1;
	k = kinds[i].k;
	memcpy(&r, rec, kinds[i].size); /* aligned copies of the packed record */
	key(b, key_of(k));
	switch (k) {
	case LDR_ARG_CRED:
		cred(b, &r.cred);
		break;
	case LDR_ARG_USERNS:
		userns(b, &r.userns);
		break;
	case LDR_ARG_BPF_ATTR:
	case LDR_ARG_BPF_PROG:
		jbuf__ch(b, '{');
		field_enum(b, "ProgType", prog_types, sizeof(prog_types) / sizeof(prog_types[0]),
			   r.prog.prog_type, true);
		field_u64(b, "InsnCnt", r.prog.insn_cnt, false);
		field_name(b, "ProgName", r.prog.name, sizeof(r.prog.name), false);
		jbuf__ch(b, '}');
		break;
	case LDR_ARG_BPF_MAP:
		jbuf__ch(b, '{');
		field_enum(b, "MapType", map_types, sizeof(map_types) / sizeof(map_types[0]),
			   r.map.map_type, true);
		field_u64(b, "KeySize", r.map.key_size, false);
		field_u64(b, "ValueSize", r.map.value_size, false);
		field_u64(b, "MaxEntries", r.map.max_entries, false);
		field_name(b, "MapName", r.map.name, sizeof(r.map.name), false);
		jbuf__ch(b, '}');
		break;
	case LDR_ARG_PERF_EVENT:
		jbuf__ch(b, '{');
		field_name(b, "KprobeFunc", r.perf.kprobe_func, sizeof(r.perf.kprobe_func), true);
		field_enum(b, "Type", perf_types, sizeof(perf_types) / sizeof(perf_types[0]),
			   r.perf.type, false);
		/* uint64: a string in protojson */
		jbuf__cstr(b, ",\"Config\":\"");
		jbuf__u64(b, r.perf.config);
		jbuf__cstr(b, "\",\"ProbeOffset\":\"");
		jbuf__u64(b, r.perf.probe_offset);
		jbuf__cstr(b, "\"}");
		break;
	case LDR_ARG_MODULE: {
		bool any = false;

		jbuf__ch(b, '{');
		field_name(b, "name", r.mod.name, sizeof(r.mod.name), true);
		if (r.mod.flags & TPC_MOD_F_SIG_KNOWN)
			jbuf__cstr(b, r.mod.flags & TPC_MOD_F_SIG_OK ? ",\"signature_ok\":true"
								     : ",\"signature_ok\":false");
		if (r.mod.taints) {
			jbuf__cstr(b, ",\"tainted\":[");
			for (size_t t = 0; t < sizeof(taints) / sizeof(taints[0]); t++) {
				if (!(r.mod.taints & taints[t].bit))
					continue;
				if (any)
					jbuf__ch(b, ',');
				any = true;
				jbuf__str(b, taints[t].name, strlen(taints[t].name));
			}
			jbuf__ch(b, ']');
		}
		jbuf__ch(b, '}');
		break;
	}
	case LDR_ARG_SKB:
		skb(b, &r.skb);
		break;
	default:
		return -1;
	}
	return 0;
}

bool ldr_kobj__is_int(enum ldr_argk k)
{
	return k == LDR_ARG_SYSCALL || k == LDR_ARG_CAP_T || k == LDR_ARG_CAP_INH ||
	       k == LDR_ARG_CAP_PERM || k == LDR_ARG_CAP_EFF;
}

void ldr_kobj__int_json(struct jbuf *b, enum ldr_argk k, uint64_t v)
{
	char hex[24];

	switch (k) {
	case LDR_ARG_SYSCALL:
		/* bit 31: a 32-bit (i386) syscall, as Tetragon's syscall64 */
		key(b, "syscall_id");
		jbuf__cstr(b, "{\"id\":");
		jbuf__u64(b, v & 0x7fffffffu);
		jbuf__cstr(b, (v & 0x80000000u) ? ",\"abi\":\"i386\"}" : ",\"abi\":\"x64\"}");
		return;
	case LDR_ARG_CAP_T:
		key(b, "kernel_cap_t_arg");
		break;
	case LDR_ARG_CAP_INH:
		key(b, "cap_inheritable_arg");
		break;
	case LDR_ARG_CAP_PERM:
		key(b, "cap_permitted_arg");
		break;
	default:
		key(b, "cap_effective_arg");
		break;
	}
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)v);
	jbuf__str(b, hex, strlen(hex));
}
