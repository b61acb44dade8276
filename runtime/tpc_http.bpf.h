/* tpc_http.bpf.h - HTTP/1.x request heads and response status lines in
 * cgroup_skb programs.
 *
 * Contract:
 *  - tpc_http__request() parses one request head that starts at a given
 *    offset of the first TPC_HTTP_HEAD payload bytes of an egress TCP
 *    segment: method (upper-case token, at most 7 characters), path
 *    (request target, up to TPC_STR_MAX-1 bytes, longer ones cut and
 *    flagged) and the Host header value (case-insensitive name), each into
 *    a string slot. It returns where the next pipelined request would start
 *    (after the blank line ending the head), so a caller can loop over
 *    pipelined requests in one segment. A Host header beyond the first
 *    TPC_HTTP_HEAD bytes is not seen (flagged TPC_L7_F_NO_HOST).
 *  - A request is only recognized at the start of a segment (or right
 *    after a previous head in the same segment): a request whose head
 *    starts inside a segment that carries the end of an earlier body, or is
 *    split so its request line is not in one segment, is not parsed.
 *    Bodies are never read.
 *  - tpc_http__pending_add() counts requests that passed the policy per
 *    connection; tpc_http__response() posts the status of a response on a
 *    connection with outstanding requests (segment must start with
 *    "HTTP/1."; interim 1xx responses other than 101 are skipped), so user
 *    space pairs requests and responses in FIFO order. Only the first
 *    status line of a segment is seen.
 */
#ifndef TPC_HTTP_BPF_H
#define TPC_HTTP_BPF_H

#include "tpc_l7.bpf.h"

#ifndef TPC_HTTP_CONNS
#define TPC_HTTP_CONNS 8192
#endif
#ifndef TPC_HTTP_PIPELINE
#define TPC_HTTP_PIPELINE 4 /* request heads parsed per segment */
#endif

struct tpc_http_conn {
	u32 outstanding;
	u32 rule;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TPC_HTTP_CONNS);
	__type(key, struct tpc_l7_flow);
	__type(value, struct tpc_http_conn);
} tpc_http_conns SEC(".maps");

enum tpc_http_state {
	TPC_HS_METHOD,
	TPC_HS_PATH,
	TPC_HS_LINE, /* rest of a line */
	TPC_HS_LINE_START,
	TPC_HS_NAME, /* matching "host:" */
	TPC_HS_HOST_WS,
	TPC_HS_HOST,
	TPC_HS_DONE,
};

/* One byte of the head; a state machine so the whole head is one verified
 * loop body. */
static long tpc_http__step(u32 i, void *ctx)
{
	struct tpc_l7_scratch *sc = ((struct tpc_l7_loop *)ctx)->sc;
	u32 at;
	u8 c;

	if (!sc)
		return 1;
	at = sc->http.base + i;

	if (at >= sc->http.n)
		return 1;
	c = sc->head[at & TPC_L7_HEAD_MASK];
	switch (sc->http.state) {
	case TPC_HS_METHOD:
		if (c == ' ' && sc->http.mlen > 0) {
			sc->http.state = TPC_HS_PATH;
			return 0;
		}
		if (c < 'A' || c > 'Z' || sc->http.mlen >= 7) {
			sc->http.bad = 1;
			return 1;
		}
		sc->str[0][sc->http.mlen++ & TPC_STR_MASK] = c;
		return 0;
	case TPC_HS_PATH:
		if (c == ' ' || c == '\r' || c == '\n') {
			if (sc->http.plen == 0) {
				sc->http.bad = 1;
				return 1;
			}
			sc->http.state = c == '\n' ? TPC_HS_LINE_START : TPC_HS_LINE;
			return 0;
		}
		sc->http.porig++;
		if (sc->http.plen < TPC_STR_MAX - 1)
			sc->str[1][sc->http.plen++ & TPC_STR_MASK] = c;
		return 0;
	case TPC_HS_LINE:
		if (c == '\n')
			sc->http.state = TPC_HS_LINE_START;
		return 0;
	case TPC_HS_LINE_START:
		if (c == '\r')
			return 0;
		if (c == '\n') {
			sc->http.next = at + 1; /* blank line: end of the head */
			return 1;
		}
		sc->http.nmatch = 0;
		sc->http.state = TPC_HS_NAME;
		/* fall through */
	case TPC_HS_NAME: {
		/* "host:" one byte at a time, case-insensitive */
		u8 want = sc->http.nmatch == 0 ? 'h' :
			  sc->http.nmatch == 1 ? 'o' :
			  sc->http.nmatch == 2 ? 's' :
			  sc->http.nmatch == 3 ? 't' :
						 ':';

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != want || sc->http.hlen) {
			sc->http.state = c == '\n' ? TPC_HS_LINE_START : TPC_HS_LINE;
			return 0;
		}
		if (++sc->http.nmatch == 5)
			sc->http.state = TPC_HS_HOST_WS;
		return 0;
	}
	case TPC_HS_HOST_WS:
		if (c == ' ' || c == '\t')
			return 0;
		sc->http.state = TPC_HS_HOST;
		/* fall through */
	case TPC_HS_HOST:
		if (c == '\r' || c == '\n') {
			sc->http.state = c == '\n' ? TPC_HS_LINE_START : TPC_HS_LINE;
			return 0;
		}
		if (sc->http.hlen < TPC_STR_MAX - 1)
			sc->str[2][sc->http.hlen++ & TPC_STR_MASK] = c;
		return 0;
	}
	return 1;
}

/* Load the first TPC_HTTP_HEAD payload bytes into head; returns the count
 * (0: no payload). */
TPC_INLINE u32 tpc_http__head(struct __sk_buff *skb, const struct tpc_l7_pkt *p, u8 *head)
{
	u32 n = p->len;

	if (n > TPC_HTTP_HEAD)
		n = TPC_HTTP_HEAD;
	if (bpf_skb_load_bytes(skb, p->off, head, TPC_L7_SIZE(n, TPC_HTTP_HEAD, none)))
		return 0;
	return n;
none:
	return 0;
}

/* Parse the request head at offset start of head[0, n) into the three
 * slots of sc. Returns 0 (a request), 1 (no request starts here), -1 (a
 * request line that does not parse; counted). */
TPC_INLINE int tpc_http__request(struct tpc_l7_scratch *sc, u32 start, u32 n,
				 struct tpc_http_req *r)
{
	struct tpc_l7_loop lc = { .sc = sc };
	u32 mlen, plen, hlen;
	u8 c0;

	if (start >= n)
		return 1;
	c0 = sc->head[start & TPC_L7_HEAD_MASK];
	if (c0 < 'A' || c0 > 'Z')
		return 1; /* not a request head (a body, TLS, a continuation) */
	__builtin_memset(&sc->http, 0, sizeof(sc->http));
	sc->http.base = start;
	sc->http.n = n;
	sc->http.state = TPC_HS_METHOD;
	bpf_loop(TPC_HTTP_HEAD, tpc_http__step, &lc, 0);
	mlen = sc->http.mlen;
	plen = sc->http.plen;
	hlen = sc->http.hlen;
	if (sc->http.bad || sc->http.state == TPC_HS_METHOD || plen == 0) {
		tpc_l7_stat__inc(TPC_L7_HTTP_MALFORMED);
		return -1;
	}
	r->method_len = mlen & TPC_STR_MASK;
	r->path_len = plen & TPC_STR_MASK;
	r->path_orig = sc->http.porig;
	r->host_len = hlen & TPC_STR_MASK;
	r->next = sc->http.next;
	r->flags = (r->path_orig > plen ? TPC_L7_F_TRUNC : 0) | (hlen ? 0 : TPC_L7_F_NO_HOST);
	sc->str[0][mlen & TPC_STR_MASK] = '\0';
	sc->str[1][plen & TPC_STR_MASK] = '\0';
	sc->str[2][hlen & TPC_STR_MASK] = '\0';
	tpc_l7_stat__inc(TPC_L7_HTTP_REQUESTS);
	return 0;
}

/* The HTTP part of a request record at s->ev[o] (tpc_ev_net, tpc_ev_l7,
 * method, path, host from the slots of sc); returns the 8-aligned offset
 * after it. */
TPC_INLINE u32 tpc_http__put_request(struct tpc_scratch *s, u32 o, const struct tpc_l7_pkt *p,
				     struct tpc_l7_scratch *sc, const struct tpc_http_req *r,
				     u64 cookie, u32 nflags)
{
	struct tpc_ev_l7 *b =
		tpc_l7__put_net(s, o, TPC_NET_HTTP, TPC_HTTP_REQUEST, nflags, cookie, p);
	u32 pos = o + TPC_L7_HEAD_BYTES;

	b->flags = r->flags;
	b->req_ktime = r->stamp;
	b->id = r->index;
	b->orig = r->path_orig > 0xffff ? 0xffff : r->path_orig;
	b->len[0] = tpc_l7__append(s, &pos, sc->str[0], r->method_len);
	b->len[1] = tpc_l7__append(s, &pos, sc->str[1], r->path_len);
	b->len[2] = tpc_l7__append(s, &pos, sc->str[2], r->host_len);
	return (pos + 7) & ~7u;
}

/* A whole request record for the current task (programs without
 * tpc_net.bpf.h: tests and benchmarks). */
TPC_INLINE void tpc_http__post_request(const struct tpc_l7_pkt *p, struct tpc_l7_scratch *sc,
				       const struct tpc_http_req *r, u32 rule, u32 action)
{
	struct tpc_scratch *s = tpc_scratch__get();
	struct tpc_ev_hdr *h;
	u32 o;

	if (!s)
		return;
	h = (void *)s->ev;
	tpc_l7__hdr(h, rule, 0);
	h->action = action;
	o = tpc_http__put_request(s, sizeof(*h), p, sc, r, 0, 0);
	tpc_event__submit(s, o);
}

/* Count a request that passed the policy, so its response is posted. */
TPC_INLINE void tpc_http__pending_add(const struct tpc_l7_pkt *p, u32 rule)
{
	struct tpc_http_conn *c = bpf_map_lookup_elem(&tpc_http_conns, &p->flow);
	struct tpc_http_conn init = { .outstanding = 1, .rule = rule };

	if (c)
		__sync_fetch_and_add(&c->outstanding, 1);
	else
		bpf_map_update_elem(&tpc_http_conns, &p->flow, &init, BPF_ANY);
}

/* Ingress on an HTTP port: post the status of a response on a connection
 * with outstanding requests. Always passes the packet. */
TPC_INLINE void tpc_http__response(struct __sk_buff *skb, const struct tpc_l7_pkt *p, u64 cookie)
{
	struct tpc_http_conn *c;
	struct tpc_scratch *s;
	struct tpc_ev_hdr *hd;
	struct tpc_ev_l7 *e;
	u8 h[12];
	u32 st;

	if (p->len < 12)
		return;
	c = bpf_map_lookup_elem(&tpc_http_conns, &p->flow);
	if (!c || !c->outstanding)
		return;
	if (bpf_skb_load_bytes(skb, p->off, h, 12))
		return;
	if (h[0] != 'H' || h[1] != 'T' || h[2] != 'T' || h[3] != 'P' || h[4] != '/' ||
	    h[5] != '1' || h[6] != '.' || h[8] != ' ')
		return;
	if (h[9] < '1' || h[9] > '5' || h[10] < '0' || h[10] > '9' || h[11] < '0' || h[11] > '9')
		return;
	st = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
	if (st < 200 && st != 101)
		return; /* interim: the final response follows */
	__sync_fetch_and_add(&c->outstanding, -1);
	s = tpc_scratch__get();
	if (!s)
		return;
	hd = (void *)s->ev;
	tpc_l7__hdr(hd, c->rule, cookie);
	e = tpc_l7__put_net(s, sizeof(*hd), TPC_NET_HTTP, TPC_HTTP_RESPONSE, 0, cookie, p);
	e->code = st;
	tpc_l7_stat__inc(TPC_L7_HTTP_RESPONSES);
	tpc_event__submit(s, sizeof(*hd) + TPC_L7_HEAD_BYTES);
}

#ifdef TPC_NET_BPF_H
/* ---- generated code: the http hook's fixed args (method, host, path,
 * server) */

/* A query/request runs PRE and EVENT at once (tpc_l7__net_ctx): a
 * Block/Sigkill rule acts and posts in its PRE branch, never again. */
TPC_INLINE bool tpc_http__pre_event(const struct tpc_net_ctx *nc)
{
	return true;
}

TPC_INLINE int tpc_http__arg_int(const struct tpc_net_ctx *nc, int idx)
{
	return 0;
}

TPC_INLINE struct tpc_ev_sockaddr *tpc_http__arg_sa(struct tpc_net_ctx *nc, int idx)
{
	return nc->sa;
}

/* Arg idx (0 method, 1 host, 2 path) into a string slot; its length. */
TPC_INLINE int tpc_http__arg_str(struct tpc_net_ctx *nc, int idx, char *buf)
{
	struct tpc_l7_scratch *sc = tpc_l7_scratch__get();
	int slot = idx == 0 ? 0 :
		   idx == 1 ? 2 :
			      1;
	int len;

	if (!sc) {
		buf[0] = '\0';
		return -1;
	}
	len = slot == 0 ? sc->hr.method_len :
	      slot == 2 ? sc->hr.host_len :
			  sc->hr.path_len;
	bpf_probe_read_kernel(buf, TPC_STR_MAX, sc->str[slot & 3]);
	return len & TPC_STR_MASK;
}

TPC_INLINE u32 tpc_http__put(struct tpc_scratch *s, u32 o, const struct tpc_net_ctx *nc)
{
	struct tpc_l7_scratch *sc = tpc_l7_scratch__get();

	if (!sc)
		return o;
	return tpc_http__put_request(s, o, &sc->pkt, sc, &sc->hr, nc->cookie, nc->flags);
}

/* Egress: each request head of the segment (pipelining) runs the body; a
 * posted request is counted so its response is posted. Drops the segment
 * only for a Sigkill rule (sema refuses Block on http). */
#define TPC_HTTP_ENTRY_SKB_EGRESS(ctx, body, v)                                                  \
	({                                                                                       \
		struct tpc_l7_scratch *_sc = tpc_l7__enter();                                    \
		struct tpc_net_ctx _nc;                                                          \
		u32 _n = 0, _start = 0, _rule;                                                   \
		int _ret = 1;                                                                    \
                                                                                                 \
		if (_sc && !tpc_l7__parse((ctx), true, &_sc->pkt) &&                             \
		    _sc->pkt.flow.proto == TPC_L7_TCP && body##_port(_sc->pkt.dst))              \
			_n = tpc_http__head((ctx), &_sc->pkt, _sc->head);                        \
		if (_n) {                                                                        \
			u64 _stamp = bpf_ktime_get_boot_ns();                                    \
                                                                                                 \
			tpc_l7__net_ctx((ctx), &_sc->pkt, TPC_NET_HTTP, TPC_HTTP_REQUEST, &_nc); \
			for (int _i = 0; _i < TPC_HTTP_PIPELINE; _i++) {                         \
				int _rc = tpc_http__request(_sc, _start, _n, &_sc->hr);          \
                                                                                                 \
				_sc->hr.stamp = _stamp;                                          \
				_sc->hr.index = _i;                                              \
				if (_rc) {                                                       \
					if (_rc > 0 && !_i)                                      \
						tpc_l7_stat__inc(TPC_L7_HTTP_UNPARSED);          \
					break;                                                   \
				}                                                                \
				tpc_l7__ev_clear();                                              \
				body((ctx), (v), &_nc);                                          \
				if (tpc_l7__killed())                                            \
					_ret = 0;                                                \
				if ((_rule = tpc_l7__posted_rule()) != TPC_RULE_NONE)            \
					tpc_http__pending_add(&_sc->pkt, _rule);                 \
				if (!_sc->hr.next)                                               \
					break;                                                   \
				_start = _sc->hr.next;                                           \
			}                                                                        \
		}                                                                                \
		tpc_l7__leave(_sc);                                                              \
		_ret;                                                                            \
	})

/* Ingress: the status of a response to a posted request. Never drops. */
#define TPC_HTTP_ENTRY_SKB_INGRESS(ctx, body, v)                                          \
	({                                                                                \
		struct tpc_l7_scratch *_sc = tpc_l7__enter();                             \
                                                                                          \
		if (_sc && !tpc_l7__parse((ctx), false, &_sc->pkt) &&                     \
		    _sc->pkt.flow.proto == TPC_L7_TCP && body##_port(_sc->pkt.src))       \
			tpc_http__response((ctx), &_sc->pkt, bpf_get_socket_cookie(ctx)); \
		tpc_l7__leave(_sc);                                                       \
		1;                                                                        \
	})
#endif

#endif
