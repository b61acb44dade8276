/* tpc_l7.bpf.h - what the DNS and HTTP parsers share: IPv4/IPv6 + UDP/TCP
 * header parsing for cgroup_skb programs, their scratch area, counters and
 * record building.
 *
 * Contract: a cgroup_skb program sees the packet from the network header on
 * (no link layer). tpc_l7__parse() reads the headers with
 * bpf_skb_load_bytes (works for non-linear skbs too) and describes the flow
 * from the client's side: on egress the sender is the client, on ingress
 * the receiver is. It never changes a verdict: callers return 1 (pass) for
 * anything they do not recognize, so a parser bug can only lose an event,
 * never traffic. Not parsed (counted in TPC_L7_PKT_MALFORMED when the
 * headers themselves are bad): IPv4 fragments after the first, IPv6
 * extension headers before the transport header. Records carry no
 * current-task identity (tpc_l7__hdr). Included after tpc_net.bpf.h
 * (generated code), it also provides what the dns/http entry macros
 * share: tpc_l7__net_ctx(), tpc_l7__ev_clear(), tpc_l7__posted_rule(),
 * tpc_l7__killed() and tpc_l7__kill().
 */
#ifndef TPC_L7_BPF_H
#define TPC_L7_BPF_H

#include "tpc_core.bpf.h"
#include "tpc_str.bpf.h"
#include "tpc_l7_abi.h"

#include <bpf/bpf_endian.h>

#define TPC_L7_AF_INET 2
#define TPC_L7_AF_INET6 10
#define TPC_L7_TCP 6
#define TPC_L7_UDP 17
#define TPC_L7_HEAD_MASK (TPC_HTTP_HEAD - 1)

struct tpc_l7_pkt {
	struct tpc_l7_flow flow;
	u32 off; /* transport payload offset in the skb */
	u32 len; /* payload bytes */
	u16 src; /* ports of this packet, host order */
	u16 dst;
};

/* A parsed DNS query (tpc_dns.bpf.h). */
struct tpc_dns_q {
	u32 msg; /* offset of the DNS message in the skb */
	u32 mlen; /* message bytes present in this packet */
	u16 id;
	u16 qtype;
	u16 flags; /* TPC_L7_F_TCP */
	int name_len;
};

/* A parsed HTTP request head (tpc_http.bpf.h). */
struct tpc_http_req {
	int method_len;
	int path_len;
	int host_len;
	u32 path_orig;
	u32 next; /* head offset after this request's blank line (0: not found) */
	u16 flags; /* TPC_L7_F_TRUNC, TPC_L7_F_NO_HOST */
	u16 index; /* which request head of its segment (pipelining) */
	u64 stamp; /* the segment's time: with index, which policies' records
		    * belong to the same request (tpc_ev_l7.req_ktime, id) */
};

/* Per-CPU scratch of the parsers: a packet head (twice the bound, so
 * masked offsets stay in bounds) and three string slots of the same shape
 * as tpc_scratch.abuf, so the generated string matchers run on them. */
struct tpc_l7_scratch {
	u8 head[TPC_HTTP_HEAD * 2];
	char str[3][TPC_STR_MAX * 2];
	/* State of the bpf_loop walks. It lives in map memory, not on the
	 * stack: the verifier then sees unknown values and verifies a loop body
	 * once, where exact constants on the stack make it explore every state
	 * combination and give up at 1M instructions. */
	struct {
		u32 n, next, bad;
		s32 end;
	} dns;
	struct {
		u32 base, n, state, mlen, plen, porig, hlen, nmatch, next, bad;
	} http;
	/* the packet being handled and what was parsed from it, for the
	 * argument readers and record writers generated code calls */
	struct tpc_l7_pkt pkt;
	struct tpc_dns_q dq;
	struct tpc_http_req hr;
	u32 busy; /* a dns/http program of this CPU is running (tpc_l7__enter) */
};

/* bpf_loop context: the one stack object the walks need. */
struct tpc_l7_loop {
	struct tpc_l7_scratch *sc;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct tpc_l7_scratch);
} tpc_l7_scratch_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TPC_L7_STAT__COUNT);
	__type(key, u32);
	__type(value, u64);
} tpc_l7_stats SEC(".maps");

/* Make clang forget what it knows about x, so a following mask or bound
 * check is really emitted for the verifier (clang drops a mask it can
 * prove redundant, then spills the value and the verifier loses the bound). */
#define TPC_L7_OPAQUE(x) asm volatile("" \
				      : "+r"(x))

/* n as a helper size the verifier accepts: in [1, max], else goto fail.
 * The check is made on n - 1 so clang cannot merge two compares into one
 * range test that the verifier does not follow. */
#define TPC_L7_SIZE(n, max, fail)      \
	({                             \
		u64 __m = (u64)(n);    \
		__m -= 1;              \
		TPC_L7_OPAQUE(__m);    \
		if (__m >= (u64)(max)) \
			goto fail;     \
		__m + 1;               \
	})

TPC_INLINE void tpc_l7_stat__inc(u32 which)
{
	u64 *v = bpf_map_lookup_elem(&tpc_l7_stats, &which);

	if (v)
		*v += 1;
}

TPC_INLINE struct tpc_l7_scratch *tpc_l7_scratch__get(void)
{
	u32 zero = 0;

	return bpf_map_lookup_elem(&tpc_l7_scratch_map, &zero);
}

/* The scratch for one run of a dns/http program, or NULL. cgroup_skb
 * programs can nest on one CPU: a softirq (a packet received, a TCP timer
 * sending) may interrupt a program running for a send from process
 * context, and both would use this per-CPU scratch (and tpc_scratch). The
 * inner one then passes its packet unparsed and counts it
 * (TPC_L7_NESTED); interrupts nest strictly, so the flag needs no atomics. */
TPC_INLINE struct tpc_l7_scratch *tpc_l7__enter(void)
{
	struct tpc_l7_scratch *sc = tpc_l7_scratch__get();

	if (!sc)
		return NULL;
	if (sc->busy) {
		tpc_l7_stat__inc(TPC_L7_NESTED);
		return NULL;
	}
	sc->busy = 1;
	return sc;
}

TPC_INLINE void tpc_l7__leave(struct tpc_l7_scratch *sc)
{
	if (sc)
		sc->busy = 0;
}

/* Headers of the packet: 0 and *p filled, or -1 (not UDP/TCP, a later
 * fragment, or bad headers; the latter counted). */
TPC_INLINE int tpc_l7__parse(struct __sk_buff *skb, bool egress, struct tpc_l7_pkt *p)
{
	u8 h[40], t[20];
	u32 l4, hl;
	u8 proto, *src, *dst;

	if (bpf_skb_load_bytes(skb, 0, h, 20))
		return -1;
	__builtin_memset(&p->flow, 0, sizeof(p->flow));
	if ((h[0] >> 4) == 4) {
		l4 = (h[0] & 15) * 4;
		if (l4 < 20)
			goto bad;
		if (((h[6] & 0x1f) << 8 | h[7]) != 0)
			return -1; /* not the first fragment: no transport header */
		proto = h[9];
		p->flow.family = TPC_L7_AF_INET;
		src = &h[12];
		dst = &h[16];
		if (egress) {
			__builtin_memcpy(p->flow.client, src, 4);
			__builtin_memcpy(p->flow.server, dst, 4);
		} else {
			__builtin_memcpy(p->flow.client, dst, 4);
			__builtin_memcpy(p->flow.server, src, 4);
		}
	} else if ((h[0] >> 4) == 6) {
		if (bpf_skb_load_bytes(skb, 0, h, 40))
			goto bad;
		l4 = 40;
		proto = h[6];
		p->flow.family = TPC_L7_AF_INET6;
		src = &h[8];
		dst = &h[24];
		if (egress) {
			__builtin_memcpy(p->flow.client, src, 16);
			__builtin_memcpy(p->flow.server, dst, 16);
		} else {
			__builtin_memcpy(p->flow.client, dst, 16);
			__builtin_memcpy(p->flow.server, src, 16);
		}
	} else {
		return -1;
	}
	if (proto == TPC_L7_TCP) {
		if (bpf_skb_load_bytes(skb, l4, t, 20))
			goto bad;
		hl = (t[12] >> 4) * 4;
		if (hl < 20)
			goto bad;
	} else if (proto == TPC_L7_UDP) {
		if (bpf_skb_load_bytes(skb, l4, t, 8))
			goto bad;
		hl = 8;
	} else {
		return -1;
	}
	p->flow.proto = proto;
	p->src = (u16)t[0] << 8 | t[1];
	p->dst = (u16)t[2] << 8 | t[3];
	p->flow.cport = egress ? p->src : p->dst;
	p->flow.sport = egress ? p->dst : p->src;
	p->off = l4 + hl;
	p->len = skb->len > p->off ? skb->len - p->off : 0;
	return 0;
bad:
	tpc_l7_stat__inc(TPC_L7_PKT_MALFORMED);
	return -1;
}

/* The network part of a DNS/HTTP record at s->ev[o]: tpc_ev_net from the
 * flow (src = client, dst = server) and a zeroed tpc_ev_l7 after it.
 * Returns the tpc_ev_l7; the record's strings start at o + 88. */
TPC_INLINE struct tpc_ev_l7 *tpc_l7__put_net(struct tpc_scratch *s, u32 o, u16 proto, u16 event,
					     u32 nflags, u64 cookie, const struct tpc_l7_pkt *p)
{
	struct tpc_ev_net *n = (void *)&s->ev[o & (TPC_EV_MAX / 2 - 1)];
	struct tpc_ev_l7 *b = (void *)&s->ev[(o + sizeof(*n)) & (TPC_EV_MAX / 2 - 1)];

	n->proto = proto;
	n->event = event;
	n->flags = nflags;
	n->cookie = cookie;
	n->src.family = p->flow.family;
	n->src.port = p->flow.cport;
	n->src.protocol = p->flow.proto;
	n->src.pad = 0;
	__builtin_memcpy(n->src.addr, p->flow.client, 16);
	n->dst.family = p->flow.family;
	n->dst.port = p->flow.sport;
	n->dst.protocol = p->flow.proto;
	n->dst.pad = 0;
	__builtin_memcpy(n->dst.addr, p->flow.server, 16);
	__builtin_memset(b, 0, sizeof(*b));
	return b;
}

#define TPC_L7_HEAD_BYTES (sizeof(struct tpc_ev_net) + sizeof(struct tpc_ev_l7))

/* The header of a record built in a cgroup_skb program. No current-task
 * helpers: Debian's 6.1 refuses bpf_get_current_pid_tgid and 6.12
 * bpf_get_current_uid_gid in cgroup_skb programs (tpc verify), and in
 * softirq the current task is not the socket's owner anyway. Generated
 * code takes the identity from the owner recorded for the socket cookie;
 * tests (TPC_L7_CURRENT_TASK, host kernel only) from the current task;
 * else it stays zero (the loader shows the paired query's process). */
TPC_INLINE void tpc_l7__hdr(struct tpc_ev_hdr *h, u32 rule, u64 cookie)
{
#ifdef TPC_L7_CURRENT_TASK
	tpc_hdr__fill(h, TPC_EV_NET, rule);
#else
	__builtin_memset(h, 0, sizeof(*h));
	h->kind = TPC_EV_NET;
	h->size = sizeof(*h);
	h->rule = rule;
	h->ktime = bpf_ktime_get_boot_ns();
#ifdef TPC_NET_BPF_H
	{
		struct tpc_net_sock *e = cookie ? tpc_net__owner_of_cookie(cookie) : NULL;

		if (e) {
			h->pid = e->own.tgid;
			h->tid = e->own.tid;
			h->uid = e->own.uid;
			h->gid = e->own.gid;
			h->cgroup_id = e->own.cgroup_id;
			__builtin_memcpy(h->comm, e->own.comm, sizeof(h->comm));
		}
	}
#endif
#endif
}

/* Append len bytes of a string slot to the record at *pos (bounded by
 * TPC_STR_MAX - 1); returns the bytes written. */
TPC_INLINE u32 tpc_l7__append(struct tpc_scratch *s, u32 *pos, const char *str, u32 len)
{
	u32 at = *pos;

	if (len > TPC_STR_MAX - 1)
		len = TPC_STR_MAX - 1;
	if (at > TPC_EV_MAX - TPC_STR_MAX)
		return 0;
	TPC_L7_OPAQUE(len);
	len &= TPC_STR_MASK;
	bpf_probe_read_kernel(&s->ev[at & (TPC_EV_MAX - 1)], len, str);
	*pos = at + len;
	return len;
}

#ifdef TPC_NET_BPF_H
/* ---- generated code (tpc_net.bpf.h conventions) ----------------------
 * A DNS/HTTP network prog body is tpc_pN(ctx, v, nc) and the compiler
 * emits tpc_pN_port(port): whether a server port is one of the prog's
 * policies' ports. The entries parse into the l7 scratch, fill nc from the
 * packet and the socket's recorded owner, clear the event header, call the
 * body, and then look at the header to learn whether the body posted. */

/* The packet's flow and owner as a tpc_net_ctx: sa[0] the server (remote
 * for the client), sa[1] the client. Owner from the cookie map; a socket
 * created before the object was loaded has none: pid 0, the socket's
 * cgroup, flagged TPC_NET_F_OWNER_UNKNOWN. */
TPC_INLINE void tpc_l7__net_ctx(struct __sk_buff *skb, const struct tpc_l7_pkt *p, u16 proto,
				u16 event, struct tpc_net_ctx *nc)
{
	struct tpc_net_sock *e;

	__builtin_memset(nc, 0, sizeof(*nc));
	nc->proto = proto;
	nc->event = event;
	/* a query is both before the operation (Block drops it) and the
	 * operation itself (Post) */
	nc->phase = TPC_NET_PH_PRE | TPC_NET_PH_EVENT;
	nc->cookie = bpf_get_socket_cookie(skb);
	nc->sa[0].family = p->flow.family;
	nc->sa[0].port = p->flow.sport;
	nc->sa[0].protocol = p->flow.proto;
	__builtin_memcpy(nc->sa[0].addr, p->flow.server, 16);
	nc->sa[1].family = p->flow.family;
	nc->sa[1].port = p->flow.cport;
	nc->sa[1].protocol = p->flow.proto;
	__builtin_memcpy(nc->sa[1].addr, p->flow.client, 16);
	e = tpc_net__owner_of_cookie(nc->cookie);
	if (e) {
		nc->own = e->own;
		nc->flags = e->flags;
	} else {
		/* no current-task helpers here (see tpc_l7__hdr): the cgroup of
		 * the socket is all that is known */
		nc->own.cgroup_id = bpf_skb_cgroup_id(skb);
		nc->flags = TPC_NET_F_OWNER_UNKNOWN;
	}
}

/* Before the body: no event built yet. */
TPC_INLINE void tpc_l7__ev_clear(void)
{
	struct tpc_scratch *s = tpc_scratch__get();

	if (s) {
		((struct tpc_ev_hdr *)s->ev)->kind = 0;
		((struct tpc_ev_hdr *)s->ev)->action = 0;
	}
}

/* After the body: the rule whose event was posted (and not blocked), or
 * TPC_RULE_NONE. */
TPC_INLINE u32 tpc_l7__posted_rule(void)
{
	struct tpc_scratch *s = tpc_scratch__get();
	struct tpc_ev_hdr *h;

	if (!s)
		return TPC_RULE_NONE;
	h = (void *)s->ev;
	if (h->kind != TPC_EV_NET || !(h->action & TPC_ACT_POST) ||
	    (h->action & (TPC_ACT_OVERRIDE | TPC_ACT_SIGKILL)))
		return TPC_RULE_NONE;
	return h->rule;
}

/* After the body: a Sigkill rule fired. */
TPC_INLINE bool tpc_l7__killed(void)
{
	struct tpc_scratch *s = tpc_scratch__get();

	return s && ((struct tpc_ev_hdr *)s->ev)->kind == TPC_EV_NET &&
	       (((struct tpc_ev_hdr *)s->ev)->action & TPC_ACT_SIGKILL);
}

/* Sigkill on a DNS/HTTP rule: cgroup_skb programs cannot signal, so the
 * record carries the request and the loader sends SIGKILL to the owner
 * when it reads the record (milliseconds later). Meanwhile the entry
 * drops the packet, and its retransmissions match and drop again, so the
 * query or request never reaches the server. */
TPC_INLINE void tpc_l7__kill(struct tpc_ev_hdr *h)
{
	h->action |= TPC_ACT_SIGKILL;
	h->ret = 9;
}
#endif

#endif
