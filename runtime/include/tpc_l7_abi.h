/* tpc_l7_abi.h - records and counters of the DNS and HTTP parsers
 * (runtime/tpc_dns.bpf.h, runtime/tpc_http.bpf.h), shared by BPF C and the
 * loader (loader/netl7.c).
 *
 * Contract:
 *  - Every record is struct tpc_ev_l7 (a struct tpc_ev_hdr first, so it
 *    travels in the same ring buffer as every other record) followed by the
 *    byte strings its len[] fields announce, back to back:
 *      DNS query      (TPC_EV_DNS_QUERY)    len[0] = qname (dotted, lowercase)
 *      DNS answer     (TPC_EV_DNS_ANSWER)   len[0] = head of the DNS message
 *                                           (at most TPC_DNS_HEAD bytes; orig
 *                                           is the whole message length)
 *      HTTP request   (TPC_EV_HTTP_REQUEST) len[0] method, len[1] path,
 *                                           len[2] host
 *      HTTP response  (TPC_EV_HTTP_RESPONSE) no bytes; code = status
 *  - flow is always seen from the client: client = the side that sent the
 *    query/request. Ports in host order; v4 addresses in the first 4 bytes.
 *  - Answers and responses are only posted for flows whose query/request
 *    passed the policy (a pending entry exists); user space pairs them:
 *    DNS by (flow, id), HTTP in FIFO order per flow.
 *  - Counters: per-CPU array TPC_L7_STATS_MAP indexed by enum tpc_l7_stat.
 * Kinds are numbered from 16 so they never collide with tpc_abi.h kinds.
 */
#ifndef TPC_L7_ABI_H
#define TPC_L7_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#endif
#include "tpc_abi.h"

#define TPC_L7_STATS_MAP "tpc_l7_stats"
#define TPC_DNS_HEAD 512   /* DNS answer bytes copied to user space */
#define TPC_HTTP_HEAD 1024 /* HTTP request bytes searched for the Host header */
#define TPC_DNS_NAME_MAX 255

enum tpc_l7_kind {
	TPC_EV_DNS_QUERY = 16,
	TPC_EV_DNS_ANSWER = 17,
	TPC_EV_HTTP_REQUEST = 18,
	TPC_EV_HTTP_RESPONSE = 19,
};

enum tpc_l7_stat {
	TPC_L7_DNS_QUERIES = 0,	  /* queries parsed */
	TPC_L7_DNS_ANSWERS,	  /* answers posted (query had passed the policy) */
	TPC_L7_DNS_MALFORMED,	  /* DNS packets rejected: bad label, pointer in question, overrun */
	TPC_L7_DNS_BLOCKED,	  /* query packets dropped by Block */
	TPC_L7_HTTP_REQUESTS,	  /* request heads parsed */
	TPC_L7_HTTP_RESPONSES,	  /* responses posted */
	TPC_L7_HTTP_UNPARSED,	  /* segments on an HTTP port whose payload was no request head */
	TPC_L7_HTTP_MALFORMED,	  /* a request line that started but did not parse */
	TPC_L7_PKT_MALFORMED,	  /* IP/UDP/TCP headers that did not parse */
	TPC_L7_STAT__COUNT,
};

/* tpc_ev_l7.flags */
#define TPC_L7_F_TCP 1u	       /* DNS over TCP (length prefix stripped) */
#define TPC_L7_F_TRUNC 2u      /* a string or the head was cut at its bound */
#define TPC_L7_F_BLOCKED 4u    /* the packet was dropped */
#define TPC_L7_F_NO_HOST 8u    /* HTTP: no Host header in the first TPC_HTTP_HEAD bytes */

struct tpc_l7_flow {
	__u8 client[16];
	__u8 server[16];
	__u16 cport; /* host order */
	__u16 sport;
	__u8 family; /* AF_INET (2) or AF_INET6 (10) */
	__u8 proto;  /* IPPROTO_UDP (17) or IPPROTO_TCP (6) */
	__u16 pad;
};

struct tpc_ev_l7 {
	struct tpc_ev_hdr hdr;
	struct tpc_l7_flow flow;
	__u64 req_ktime; /* answer: ktime of the query it answers (BPF's pending entry) */
	__u16 id;	 /* DNS message id */
	__u16 qtype;	 /* DNS query type */
	__u16 code;	 /* DNS rcode, HTTP status */
	__u16 flags;	 /* TPC_L7_F_* */
	__u16 len[3];
	__u16 orig; /* DNS answer: message length; HTTP request: path length before truncation */
};

#ifndef __bpf__
_Static_assert(sizeof(struct tpc_l7_flow) == 40, "tpc_l7_flow layout");
_Static_assert(sizeof(struct tpc_ev_l7) == 128, "tpc_ev_l7 layout");
#endif

#endif
