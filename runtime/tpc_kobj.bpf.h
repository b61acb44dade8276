/* tpc_kobj.bpf.h - kernel objects behind hook arguments: syscall64 ids,
 * credentials, user namespaces, BPF programs/maps/attributes, perf events,
 * kernel modules, packets (sk_buff) and network devices.
 *
 * Contract: every reader is CO-RE (the types below carry
 * preserve_access_index; libbpf relocates them against the running
 * kernel), fills a fixed record of tpc_abi.h ("kernel-object arguments")
 * and never fails the program: a field the kernel lacks reads as 0, a
 * failed read leaves the record zeroed. tpc_kobj__put() writes a record as
 * an "obj" argument of the event at offset o and returns the next offset.
 * Included by generated code after tpc.bpf.h, only when an object reads one
 * of these arguments.
 */
#ifndef TPC_KOBJ_BPF_H
#define TPC_KOBJ_BPF_H

#include "tpc.bpf.h"

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

/* x86: the first member of task_struct (CONFIG_THREAD_INFO_IN_TASK) */
struct thread_info {
	u32 status;
};

struct bpf_prog_aux {
	char name[TPC_OBJ_NAME_LEN];
};

struct bpf_prog {
	u32 len;
	enum bpf_prog_type type;
	struct bpf_prog_aux *aux;
};

struct bpf_map {
	enum bpf_map_type map_type;
	u32 key_size;
	u32 value_size;
	u32 max_entries;
	char name[TPC_OBJ_NAME_LEN];
};

struct tpc_perf_event_attr___kobj {
	u32 type;
	u64 config;
	union {
		u64 kprobe_func;
		u64 config1;
	};
	union {
		u64 probe_offset;
		u64 config2;
	};
};

struct perf_event {
	struct tpc_perf_event_attr___kobj attr;
};

struct module {
	char name[TPC_MODULE_NAME_LEN];
	unsigned long taints;
};

struct load_info {
	const char *name;
	struct module *mod;
	bool sig_ok;
};

struct sk_buff {
	unsigned int len;
	u32 hash;
	u32 priority;
	u32 mark;
	u16 transport_header;
	u16 network_header;
	unsigned char *head;
};

struct net_device {
	char name[16];
};

#pragma clang attribute pop

/* Tetragon's syscall64: the id, with bit 31 set when the task is in a
 * 32-bit (compat) syscall, so i386 and x86-64 numbers stay apart. */
#define TPC_SYSCALL_ID_32BIT 0x80000000ull
TPC_INLINE u64 tpc_kobj__syscall64(u64 id)
{
#if defined(__TARGET_ARCH_x86)
	struct thread_info *ti = (struct thread_info *)bpf_get_current_task();

	if (BPF_CORE_READ(ti, status) & 0x0002 /* TS_COMPAT */)
		id |= TPC_SYSCALL_ID_32BIT;
#endif
	return id;
}

TPC_INLINE void tpc_kobj__userns(struct tpc_ev_userns *out, const struct user_namespace *ns)
{
	out->level = BPF_CORE_READ(ns, level);
	out->uid = BPF_CORE_READ(ns, owner.val);
	out->gid = BPF_CORE_READ(ns, group.val);
	out->inum = BPF_CORE_READ(ns, ns.inum);
}

/* kernel_cap_t is one u64 since 6.3 and two u32 (low word first) before:
 * an 8-byte read at the field gives the same mask on both. */
TPC_INLINE void tpc_kobj__cred(struct tpc_ev_cred *out, const struct cred *c)
{
	out->uid = BPF_CORE_READ(c, uid.val);
	out->gid = BPF_CORE_READ(c, gid.val);
	out->euid = BPF_CORE_READ(c, euid.val);
	out->egid = BPF_CORE_READ(c, egid.val);
	out->suid = BPF_CORE_READ(c, suid.val);
	out->sgid = BPF_CORE_READ(c, sgid.val);
	out->fsuid = BPF_CORE_READ(c, fsuid.val);
	out->fsgid = BPF_CORE_READ(c, fsgid.val);
	out->securebits = BPF_CORE_READ(c, securebits);
	BPF_CORE_READ_INTO(&out->cap_permitted, c, cap_permitted);
	BPF_CORE_READ_INTO(&out->cap_effective, c, cap_effective);
	BPF_CORE_READ_INTO(&out->cap_inheritable, c, cap_inheritable);
	tpc_kobj__userns(&out->user_ns, BPF_CORE_READ(c, user_ns));
}

/* union bpf_attr is UAPI: its BPF_PROG_LOAD layout is fixed. */
TPC_INLINE void tpc_kobj__bpf_attr(struct tpc_ev_bpf_prog *out, const union bpf_attr *a)
{
	bpf_probe_read_kernel(&out->prog_type, 4, &a->prog_type);
	bpf_probe_read_kernel(&out->insn_cnt, 4, &a->insn_cnt);
	bpf_probe_read_kernel(out->name, TPC_OBJ_NAME_LEN, a->prog_name);
}

TPC_INLINE void tpc_kobj__bpf_prog(struct tpc_ev_bpf_prog *out, const struct bpf_prog *p)
{
	out->prog_type = BPF_CORE_READ(p, type);
	out->insn_cnt = BPF_CORE_READ(p, len);
	BPF_CORE_READ_STR_INTO(&out->name, p, aux, name);
}

TPC_INLINE void tpc_kobj__bpf_map(struct tpc_ev_bpf_map *out, const struct bpf_map *m)
{
	out->map_type = BPF_CORE_READ(m, map_type);
	out->key_size = BPF_CORE_READ(m, key_size);
	out->value_size = BPF_CORE_READ(m, value_size);
	out->max_entries = BPF_CORE_READ(m, max_entries);
	BPF_CORE_READ_STR_INTO(&out->name, m, name);
}

TPC_INLINE void tpc_kobj__perf_event(struct tpc_ev_perf_event *out, const struct perf_event *e)
{
	u64 func = BPF_CORE_READ(e, attr.kprobe_func);

	out->type = BPF_CORE_READ(e, attr.type);
	out->config = BPF_CORE_READ(e, attr.config);
	out->probe_offset = BPF_CORE_READ(e, attr.probe_offset);
	/* kprobe_func is a kernel copy of the name for kprobe PMU events; for
	 * other events config1 holds a number, not an address: a failed read
	 * leaves the name empty */
	if (func)
		bpf_probe_read_kernel_str(out->kprobe_func, TPC_KSYM_LEN, (const void *)func);
}

TPC_INLINE void tpc_kobj__module(struct tpc_ev_module *out, const struct module *m)
{
	BPF_CORE_READ_STR_INTO(&out->name, m, name);
	out->taints = BPF_CORE_READ(m, taints);
}

TPC_INLINE void tpc_kobj__load_info(struct tpc_ev_module *out, const struct load_info *li)
{
	const char *name = BPF_CORE_READ(li, name);

	if (name)
		bpf_probe_read_kernel_str(out->name, TPC_MODULE_NAME_LEN, name);
	out->taints = BPF_CORE_READ(li, mod, taints);
	if (bpf_core_field_exists(li->sig_ok)) /* CONFIG_MODULE_SIG */
		out->flags = TPC_MOD_F_SIG_KNOWN | (BPF_CORE_READ(li, sig_ok) ? TPC_MOD_F_SIG_OK : 0);
}

/* The 5-tuple of a packet from its network and transport headers (IPv4,
 * and IPv6 without extension headers; ports for TCP and UDP), plus the
 * skb's own fields. A header not yet set reads as offset 0xffff and is
 * left out. */
TPC_INLINE void tpc_kobj__skb(struct tpc_ev_skb *out, const struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	u16 l3 = BPF_CORE_READ(skb, network_header);
	u16 l4 = BPF_CORE_READ(skb, transport_header);
	u8 ip[40];
	u8 proto = 0;

	__builtin_memset(out, 0, sizeof(*out));
	out->len = BPF_CORE_READ(skb, len);
	out->hash = BPF_CORE_READ(skb, hash);
	out->priority = BPF_CORE_READ(skb, priority);
	out->mark = BPF_CORE_READ(skb, mark);
	if (!head || l3 == 0xffff || bpf_probe_read_kernel(ip, sizeof(ip), head + l3))
		return;
	if ((ip[0] >> 4) == 4) {
		out->sa[0].family = out->sa[1].family = 2;
		proto = ip[9];
		__builtin_memcpy(out->sa[1].addr, &ip[12], 4);
		__builtin_memcpy(out->sa[0].addr, &ip[16], 4);
		if (l4 == 0xffff || l4 == l3) /* not set yet: after the IPv4 header */
			l4 = l3 + ((ip[0] & 15) << 2);
	} else if ((ip[0] >> 4) == 6) {
		out->sa[0].family = out->sa[1].family = 10;
		proto = ip[6];
		__builtin_memcpy(out->sa[1].addr, &ip[8], 16);
		__builtin_memcpy(out->sa[0].addr, &ip[24], 16);
		if (l4 == 0xffff || l4 == l3)
			l4 = l3 + 40;
	} else {
		return;
	}
	out->sa[0].protocol = out->sa[1].protocol = proto;
	if (proto == 6 /* TCP */ || proto == 17 /* UDP */) {
		u8 ports[4];

		if (!bpf_probe_read_kernel(ports, sizeof(ports), head + l4)) {
			out->sa[1].port = (u16)(ports[0] << 8 | ports[1]);
			out->sa[0].port = (u16)(ports[2] << 8 | ports[3]);
		}
	}
}

TPC_INLINE const char *tpc_kobj__netdev_name(const struct net_device *dev)
{
	return dev ? (const char *)__builtin_preserve_access_index(&dev->name) : 0;
}

/* Readers of tpc_kobj__put: an ABI kind, or a kind with another source
 * struct in the upper byte (load_info gives a module record). */
#define TPC_KOBJ_LOAD_INFO (0x100 | TPC_OBJ_MODULE)

/* Write an "obj" argument: the header, then the record `rd` reads from
 * kernel pointer ptr (or copies from rec, a record already read for the
 * selectors: skb). rd is a constant at every call, so one branch remains. */
TPC_INLINE u32 tpc_kobj__put(struct tpc_scratch *s, u32 o, u32 rd, u64 ptr, const void *rec)
{
	u16 kind = rd & 0xff;
	struct tpc_ev_obj *h = (void *)&s->ev[o & TPC_EV_MASK];
	void *r = &s->ev[(o + sizeof(*h)) & TPC_EV_MASK];
	u16 len;

	switch (kind) {
	case TPC_OBJ_CRED:
		len = sizeof(struct tpc_ev_cred);
		break;
	case TPC_OBJ_USERNS:
		len = sizeof(struct tpc_ev_userns);
		break;
	case TPC_OBJ_BPF_ATTR:
	case TPC_OBJ_BPF_PROG:
		len = sizeof(struct tpc_ev_bpf_prog);
		break;
	case TPC_OBJ_BPF_MAP:
		len = sizeof(struct tpc_ev_bpf_map);
		break;
	case TPC_OBJ_PERF_EVENT:
		len = sizeof(struct tpc_ev_perf_event);
		break;
	case TPC_OBJ_MODULE:
		len = sizeof(struct tpc_ev_module);
		break;
	case TPC_OBJ_SKB:
		len = sizeof(struct tpc_ev_skb);
		break;
	default:
		len = 0;
	}
	__builtin_memset(r, 0, 152 /* the largest record, tpc_ev_perf_event */);
	h->kind = kind;
	h->len = len;
	h->pad = 0;
	if (!ptr && !rec) {
		h->kind = 0; /* a NULL object: the loader prints an empty one */
		return o + sizeof(*h) + ((len + 7u) & ~7u);
	}
	switch (rd) {
	case TPC_OBJ_CRED:
		tpc_kobj__cred(r, (const struct cred *)ptr);
		break;
	case TPC_OBJ_USERNS:
		tpc_kobj__userns(r, (const struct user_namespace *)ptr);
		break;
	case TPC_OBJ_BPF_ATTR:
		tpc_kobj__bpf_attr(r, (const union bpf_attr *)ptr);
		break;
	case TPC_OBJ_BPF_PROG:
		tpc_kobj__bpf_prog(r, (const struct bpf_prog *)ptr);
		break;
	case TPC_OBJ_BPF_MAP:
		tpc_kobj__bpf_map(r, (const struct bpf_map *)ptr);
		break;
	case TPC_OBJ_PERF_EVENT:
		tpc_kobj__perf_event(r, (const struct perf_event *)ptr);
		break;
	case TPC_OBJ_MODULE:
		tpc_kobj__module(r, (const struct module *)ptr);
		break;
	case TPC_KOBJ_LOAD_INFO:
		tpc_kobj__load_info(r, (const struct load_info *)ptr);
		break;
	case TPC_OBJ_SKB:
		__builtin_memcpy(r, rec, sizeof(struct tpc_ev_skb));
		break;
	}
	return o + sizeof(*h) + ((len + 7u) & ~7u);
}

#endif
