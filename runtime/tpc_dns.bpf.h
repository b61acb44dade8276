/* tpc_dns.bpf.h - DNS over UDP and TCP in cgroup_skb programs: the query's
 * name, type and id on egress; on ingress, the answer to a query that
 * passed the policy, copied (head only) for user space to decode.
 *
 * Contract:
 *  - tpc_dns__query() parses an egress query (QR=0, opcode QUERY,
 *    QDCOUNT=1) into a dotted, lowercased name in a string slot (length
 *    without NUL, at most 253 characters), its qtype and id. The name loop
 *    rejects (TPC_L7_DNS_MALFORMED) labels longer than 63, compression
 *    pointers or reserved label types in the question, NUL bytes inside a
 *    label, names over 255 wire bytes, and names running past the packet.
 *    Other messages (answers, other opcodes, QDCOUNT != 1) are not queries
 *    and pass untouched; QDCOUNT != 1 is counted as malformed because no
 *    resolver accepts it and it would otherwise hide a name from Block.
 *  - DNS over TCP: the message must start at the beginning of the segment
 *    (after the 2-byte length prefix); a message split so that its header
 *    or question is in a later segment is not seen. Several messages in one
 *    segment: only the first.
 *  - tpc_dns__pending_add() remembers (flow, id) of a query that passed the
 *    policy in an LRU map; tpc_dns__answer() posts the first TPC_DNS_HEAD
 *    bytes of the matching answer (and forgets the entry), so answers to
 *    queries nobody asked about never leave the kernel. Answer records are
 *    decoded in user space (loader/netl7.c: records, compression pointers).
 *    Entries of queries never answered age out of the LRU map.
 */
#ifndef TPC_DNS_BPF_H
#define TPC_DNS_BPF_H

#include "tpc_l7.bpf.h"

#ifndef TPC_DNS_PENDING
#define TPC_DNS_PENDING 8192
#endif

struct tpc_dns_key {
	struct tpc_l7_flow flow;
	u16 id;
	u16 pad[3];
};

struct tpc_dns_pend {
	u64 ktime;
	u32 rule;
	u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TPC_DNS_PENDING);
	__type(key, struct tpc_dns_key);
	__type(value, struct tpc_dns_pend);
} tpc_dns_pending SEC(".maps");

/* One byte of the wire name. A length byte becomes '.', a label byte is
 * lowercased; both move one position left, so the dotted name starts at
 * buf[0]. The loop ends at the root label (0) or on the first error. */
static long tpc_dns__name_step(u32 i, void *ctx)
{
	struct tpc_l7_scratch *sc = ((struct tpc_l7_loop *)ctx)->sc;
	char *buf = sc->str[0];
	u8 c;

	if (!sc)
		return 1;

	if (i >= sc->dns.n) {
		sc->dns.bad = 1; /* ran past the packet (or 255 bytes) */
		return 1;
	}
	c = buf[i & TPC_STR_MASK];
	if (i == sc->dns.next) {
		if (c == 0) {
			sc->dns.end = i;
			return 1;
		}
		if (c & 0xc0) {
			/* 0xc0: pointer (never in a question here); 0x40/0x80: label
			 * length over 63 or a reserved type */
			sc->dns.bad = 1;
			return 1;
		}
		sc->dns.next = i + 1 + c;
		if (i > 0)
			buf[(i - 1) & TPC_STR_MASK] = '.';
		return 0;
	}
	if (c == 0) {
		sc->dns.bad = 1;
		return 1;
	}
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	buf[(i - 1) & TPC_STR_MASK] = c;
	return 0;
}

/* Offset of the DNS message in a packet to or from a DNS port, or -1 when
 * the payload is too short. TCP: skips the length prefix. */
TPC_INLINE int tpc_dns__msg(const struct tpc_l7_pkt *p, u16 *flags)
{
	u32 skip = p->flow.proto == TPC_L7_TCP ? 2 : 0;

	*flags = skip ? TPC_L7_F_TCP : 0;
	if (p->len < skip + 12)
		return -1;
	return p->off + skip;
}

/* Parse an egress query into q and the name slot sc->str[0]. Returns 0
 * (a query), 1 (not a query: pass it), -1 (malformed, counted: pass it). */
TPC_INLINE int tpc_dns__query(struct __sk_buff *skb, const struct tpc_l7_pkt *p,
			      struct tpc_l7_scratch *sc, struct tpc_dns_q *q)
{
	struct tpc_l7_loop lc = { .sc = sc };
	char *name = sc->str[0];
	u8 h[12], qt[2];
	s32 end;
	u32 nl;
	int msg;
	u32 n;

	msg = tpc_dns__msg(p, &q->flags);
	if (msg < 0) {
		if (!p->len)
			return 1; /* TCP: an empty segment (ACK) is no message */
		goto bad;
	}
	q->msg = msg;
	q->mlen = p->off + p->len - msg;
	if (bpf_skb_load_bytes(skb, msg, h, 12))
		return 1;
	if (h[2] & 0x80 || (h[2] >> 3 & 15) != 0)
		return 1; /* an answer, or not a standard query */
	if (h[4] != 0 || h[5] != 1)
		goto bad;
	q->id = (u16)h[0] << 8 | h[1];
	n = q->mlen > 12 ? q->mlen - 12 : 0;
	if (n > TPC_DNS_NAME_MAX)
		n = TPC_DNS_NAME_MAX;
	if (bpf_skb_load_bytes(skb, msg + 12, name, TPC_L7_SIZE(n, TPC_DNS_NAME_MAX, bad)))
		goto bad;
	sc->dns.n = n;
	sc->dns.next = 0;
	sc->dns.end = -1;
	sc->dns.bad = 0;
	bpf_loop(TPC_DNS_NAME_MAX + 1, tpc_dns__name_step, &lc, 0);
	end = sc->dns.end;
	if (sc->dns.bad || end < 0 || end > TPC_DNS_NAME_MAX)
		goto bad;
	nl = end > 0 ? end - 1 : 0;
	/* a real mask: clang drops it when the compares above imply it, and
	 * 6.1's verifier does not follow those signed compares */
	TPC_L7_OPAQUE(nl);
	nl &= TPC_STR_MASK;
	q->name_len = nl;
	name[nl] = '\0';
	if (bpf_skb_load_bytes(skb, msg + 12 + end + 1, qt, 2))
		goto bad; /* the question is cut before its type */
	q->qtype = (u16)qt[0] << 8 | qt[1];
	tpc_l7_stat__inc(TPC_L7_DNS_QUERIES);
	return 0;
bad:
	name[0] = '\0';
	q->name_len = 0;
	tpc_l7_stat__inc(TPC_L7_DNS_MALFORMED);
	return -1;
}

/* The DNS part of a query record at s->ev[o] (tpc_ev_net, tpc_ev_l7, the
 * name); returns the 8-aligned offset after it. */
TPC_INLINE u32 tpc_dns__put_query(struct tpc_scratch *s, u32 o, const struct tpc_l7_pkt *p,
				  const struct tpc_dns_q *q, const char *name, u64 cookie,
				  u32 nflags)
{
	struct tpc_ev_l7 *b = tpc_l7__put_net(s, o, TPC_NET_DNS, TPC_DNS_QUERY, nflags, cookie, p);
	u32 pos = o + TPC_L7_HEAD_BYTES;

	b->id = q->id;
	b->qtype = q->qtype;
	b->flags = q->flags;
	b->len[0] = tpc_l7__append(s, &pos, name, q->name_len);
	return (pos + 7) & ~7u;
}

/* A whole query record for the current task (programs without
 * tpc_net.bpf.h: tests and benchmarks), with the applied action bits. */
TPC_INLINE void tpc_dns__post_query(const struct tpc_l7_pkt *p, const struct tpc_dns_q *q,
				    const char *name, u32 rule, u32 action)
{
	struct tpc_scratch *s = tpc_scratch__get();
	struct tpc_ev_hdr *h;
	u32 o;

	if (!s)
		return;
	h = (void *)s->ev;
	tpc_l7__hdr(h, rule, 0);
	h->action = action;
	o = tpc_dns__put_query(s, sizeof(*h), p, q, name, 0, 0);
	tpc_event__submit(s, o);
}

/* Remember a query that passed the policy, so its answer is posted. */
TPC_INLINE void tpc_dns__pending_add(const struct tpc_l7_pkt *p, const struct tpc_dns_q *q, u32 rule)
{
	struct tpc_dns_key k = {};
	struct tpc_dns_pend v = { .ktime = bpf_ktime_get_boot_ns(), .rule = rule };

	__builtin_memcpy(&k.flow, &p->flow, sizeof(k.flow));
	k.id = q->id;
	bpf_map_update_elem(&tpc_dns_pending, &k, &v, BPF_ANY);
}

/* Ingress on a DNS port: post the head of an answer whose query is
 * pending. Always passes the packet. */
TPC_INLINE void tpc_dns__answer(struct __sk_buff *skb, const struct tpc_l7_pkt *p, u64 cookie)
{
	struct tpc_dns_key k = {};
	struct tpc_dns_pend *v;
	struct tpc_scratch *s;
	struct tpc_ev_hdr *h;
	struct tpc_ev_l7 *e;
	u16 flags;
	u8 h4[4];
	u32 n;
	int msg;

	msg = tpc_dns__msg(p, &flags);
	if (msg < 0 || bpf_skb_load_bytes(skb, msg, h4, 4) || !(h4[2] & 0x80))
		return;
	__builtin_memcpy(&k.flow, &p->flow, sizeof(k.flow));
	k.id = (u16)h4[0] << 8 | h4[1];
	v = bpf_map_lookup_elem(&tpc_dns_pending, &k);
	if (!v)
		return;
	s = tpc_scratch__get();
	if (!s)
		return;
	h = (void *)s->ev;
	tpc_l7__hdr(h, v->rule, cookie);
	e = tpc_l7__put_net(s, sizeof(*h), TPC_NET_DNS, TPC_DNS_ANSWER, 0, cookie, p);
	e->req_ktime = v->ktime;
	bpf_map_delete_elem(&tpc_dns_pending, &k);
	e->id = k.id;
	e->code = h4[3] & 15;
	e->flags = flags;
	n = p->off + p->len - msg;
	e->orig = n > 0xffff ? 0xffff : n;
	if (n > TPC_DNS_HEAD) {
		n = TPC_DNS_HEAD;
		e->flags |= TPC_L7_F_TRUNC;
	}
	if (bpf_skb_load_bytes(skb, msg, s->ev + sizeof(*h) + TPC_L7_HEAD_BYTES,
			       TPC_L7_SIZE(n, TPC_DNS_HEAD, nohead)))
nohead:
		n = 0;
	e->len[0] = n;
	tpc_l7_stat__inc(TPC_L7_DNS_ANSWERS);
	tpc_event__submit(s, (sizeof(*h) + TPC_L7_HEAD_BYTES + n + 7) & ~7u);
}

#ifdef TPC_NET_BPF_H
/* ---- generated code: the dns hook's fixed args (name, qtype, server) */

/* A query/request runs PRE and EVENT at once (tpc_l7__net_ctx): a
 * Block/Sigkill rule acts and posts in its PRE branch, never again. */
TPC_INLINE bool tpc_dns__pre_event(const struct tpc_net_ctx *nc)
{
	return true;
}

TPC_INLINE int tpc_dns__arg_int(const struct tpc_net_ctx *nc, int idx)
{
	struct tpc_l7_scratch *sc = tpc_l7_scratch__get();

	return sc ? sc->dq.qtype : 0;
}

TPC_INLINE struct tpc_ev_sockaddr *tpc_dns__arg_sa(struct tpc_net_ctx *nc, int idx)
{
	return nc->sa;
}

/* The name into a string slot (NUL-terminated); its length. */
TPC_INLINE int tpc_dns__arg_str(struct tpc_net_ctx *nc, int idx, char *buf)
{
	struct tpc_l7_scratch *sc = tpc_l7_scratch__get();

	if (!sc) {
		buf[0] = '\0';
		return -1;
	}
	bpf_probe_read_kernel(buf, TPC_STR_MAX, sc->str[0]);
	return sc->dq.name_len & TPC_STR_MASK;
}

TPC_INLINE u32 tpc_dns__put(struct tpc_scratch *s, u32 o, const struct tpc_net_ctx *nc)
{
	struct tpc_l7_scratch *sc = tpc_l7_scratch__get();

	if (!sc)
		return o;
	return tpc_dns__put_query(s, o, &sc->pkt, &sc->dq, sc->str[0], nc->cookie, nc->flags);
}

/* Egress: a query on one of the prog's ports runs the body; a Block (the
 * body returns non-zero) or a Sigkill drops the packet, a posted query is remembered so
 * its answer is posted. */
#define TPC_DNS_ENTRY_SKB_EGRESS(ctx, body, v)                                               \
	({                                                                                   \
		struct tpc_l7_scratch *_sc = tpc_l7__enter();                                \
		struct tpc_net_ctx _nc;                                                      \
		int _ret = 1;                                                                \
		u32 _rule;                                                                   \
                                                                                             \
		if (_sc && !tpc_l7__parse((ctx), true, &_sc->pkt) &&                         \
		    body##_port(_sc->pkt.dst) &&                                             \
		    !tpc_dns__query((ctx), &_sc->pkt, _sc, &_sc->dq)) {                      \
			tpc_l7__net_ctx((ctx), &_sc->pkt, TPC_NET_DNS, TPC_DNS_QUERY, &_nc); \
			tpc_l7__ev_clear();                                                  \
			if (body((ctx), (v), &_nc) || tpc_l7__killed()) {                    \
				_ret = 0;                                                    \
				tpc_l7_stat__inc(TPC_L7_DNS_BLOCKED);                        \
			} else if ((_rule = tpc_l7__posted_rule()) != TPC_RULE_NONE) {       \
				tpc_dns__pending_add(&_sc->pkt, &_sc->dq, _rule);            \
			}                                                                    \
		}                                                                            \
		tpc_l7__leave(_sc);                                                          \
		_ret;                                                                        \
	})

/* Ingress: the answer to a posted query. Never drops. */
#define TPC_DNS_ENTRY_SKB_INGRESS(ctx, body, v)                                        \
	({                                                                             \
		struct tpc_l7_scratch *_sc = tpc_l7__enter();                          \
                                                                                       \
		if (_sc && !tpc_l7__parse((ctx), false, &_sc->pkt) &&                  \
		    body##_port(_sc->pkt.src))                                         \
			tpc_dns__answer((ctx), &_sc->pkt, bpf_get_socket_cookie(ctx)); \
		tpc_l7__leave(_sc);                                                    \
		1;                                                                     \
	})
#endif

#endif
