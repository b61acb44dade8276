/* tpc_l7_abi.h - the DNS and HTTP part of TPC_EV_NET records (written by
 * runtime/tpc_dns.bpf.h and runtime/tpc_http.bpf.h) and the parsers'
 * counters, shared by BPF C and the loader (loader/netl7.c).
 *
 * Contract:
 *  - A DNS or HTTP record is a TPC_EV_NET record (tpc_abi.h): struct
 *    tpc_ev_hdr, struct tpc_ev_net (proto TPC_NET_DNS / TPC_NET_HTTP, event
 *    TPC_DNS_QUERY / _ANSWER, TPC_HTTP_REQUEST / _RESPONSE; src is always the
 *    client, dst the server, whichever direction the packet went), then
 *    struct tpc_ev_l7, then the byte strings its len[] announce, back to
 *    back, then (queries and requests built by generated code) the hook's
 *    posted arguments encoded as for TPC_EV_HOOK, 8-byte aligned:
 *      DNS query      len[0] = qname (dotted, lowercase)
 *      DNS answer     len[0] = head of the DNS message (at most
 *                     TPC_DNS_HEAD bytes; orig = whole message length)
 *      HTTP request   len[0] method, len[1] path, len[2] host
 *      HTTP response  no bytes; code = status
 *  - Answers and responses are only posted for flows whose query/request
 *    was posted (a pending entry exists); user space pairs them: DNS by
 *    (flow, id), HTTP in FIFO order per flow. hdr.rule of an answer is the
 *    rule that posted its query.
 *  - Counters: per-CPU array TPC_L7_STATS_MAP indexed by enum tpc_l7_stat.
 */
#ifndef TPC_L7_ABI_H
#define TPC_L7_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#endif
#include "tpc_abi.h"

#define TPC_L7_STATS_MAP "tpc_l7_stats"
#define TPC_DNS_HEAD 512 /* DNS answer bytes copied to user space */
#define TPC_HTTP_HEAD 1024 /* HTTP request bytes searched for the Host header */
#define TPC_DNS_NAME_MAX 255

enum tpc_l7_stat {
	TPC_L7_DNS_QUERIES = 0, /* queries parsed */
	TPC_L7_DNS_ANSWERS, /* answers posted (query had passed the policy) */
	TPC_L7_DNS_MALFORMED, /* DNS packets rejected: bad label, pointer in question, overrun */
	TPC_L7_DNS_BLOCKED, /* query packets dropped by Block */
	TPC_L7_HTTP_REQUESTS, /* request heads parsed */
	TPC_L7_HTTP_RESPONSES, /* responses posted */
	TPC_L7_HTTP_UNPARSED, /* segments on an HTTP port whose payload was no request head */
	TPC_L7_HTTP_MALFORMED, /* a request line that started but did not parse */
	TPC_L7_PKT_MALFORMED, /* IP/UDP/TCP headers that did not parse */
	TPC_L7_NESTED, /* packets passed unparsed: their program interrupted
				   * another one on the same CPU (its scratch is busy) */
	TPC_L7_STAT__COUNT,
};

/* tpc_ev_l7.flags */
#define TPC_L7_F_TCP 1u /* DNS over TCP (length prefix stripped) */
#define TPC_L7_F_TRUNC 2u /* a string or the head was cut at its bound */
#define TPC_L7_F_NO_HOST 8u /* HTTP: no Host header in the first TPC_HTTP_HEAD bytes */

struct tpc_l7_flow {
	__u8 client[16];
	__u8 server[16];
	__u16 cport; /* host order */
	__u16 sport;
	__u8 family; /* AF_INET (2) or AF_INET6 (10) */
	__u8 proto; /* IPPROTO_UDP (17) or IPPROTO_TCP (6) */
	__u16 pad;
};

/* After struct tpc_ev_net in a DNS/HTTP record. */
struct tpc_ev_l7 {
	__u64 req_ktime; /* answer: ktime of the query it answers (BPF's pending entry);
			  * request: its segment's time (with id: the same request
			  * posted by several policies) */
	__u16 id; /* DNS message id; HTTP request: index in its segment */
	__u16 qtype; /* DNS query type */
	__u16 code; /* DNS rcode, HTTP status */
	__u16 flags; /* TPC_L7_F_* */
	__u16 len[3];
	__u16 orig; /* DNS answer: message length; HTTP request: path length before truncation */
};

#ifndef __bpf__
_Static_assert(sizeof(struct tpc_l7_flow) == 40, "tpc_l7_flow layout");
_Static_assert(sizeof(struct tpc_ev_l7) == 24, "tpc_ev_l7 layout");
#endif

#endif
