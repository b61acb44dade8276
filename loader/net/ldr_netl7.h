/* ldr_netl7.h - user-space half of the DNS and HTTP parsers: decoding DNS
 * answers copied by runtime/tpc_dns.bpf.h, and pairing queries with
 * answers and requests with responses (records of tpc_l7_abi.h).
 *
 * Contract:
 *  - ldr_dns__decode() parses a DNS message head of len bytes (untrusted):
 *    header, the first question, and the A/AAAA/CNAME records of the answer
 *    section, following compression pointers. Pointers must point strictly
 *    backwards (so a loop cannot be built) and at most LDR_DNS_HOPS are
 *    followed; labels over 63 bytes, names over 255 bytes and any overrun
 *    make the message malformed (-EBADMSG). A message cut by the BPF head
 *    bound decodes the records that fit and sets truncated.
 *  - ldr_l7__parse() checks and splits a DNS/HTTP TPC_EV_NET record
 *    (untrusted: every length against the record size).
 *  - struct ldr_l7_pairs holds records until their partner arrives: DNS
 *    queries by (flow, id), HTTP requests per flow in FIFO order (pipelining
 *    and keep-alive). A pair is handed to the callback when the answer or
 *    response arrives, once for every policy's record of that query or
 *    request; entries older than the timeout (ldr_l7_pairs__expire), pushed
 *    out of a full table, or flushed with their object are handed over
 *    alone (partner NULL) so the caller reports them as unanswered: nothing
 *    is dropped silently. Blocked queries are handed over alone at once.
 *    Answers without a held query are counted (orphans).
 *  - Records are copied; callers keep ownership of theirs.
 */
#ifndef TPC_LDR_NETL7_H
#define TPC_LDR_NETL7_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jbuf.h"
#include "tpc_l7_abi.h"

#define LDR_DNS_MAX_ANS 16
#define LDR_DNS_HOPS 16

struct ldr_dns_rr {
	uint16_t type; /* 1 A, 28 AAAA, 5 CNAME */
	uint32_t ttl;
	uint8_t family; /* AF_INET / AF_INET6 for A/AAAA, 0 for CNAME */
	uint8_t addr[16];
	char name[256]; /* CNAME target */
};

struct ldr_dns_msg {
	uint16_t id;
	uint16_t flags;
	uint8_t rcode;
	uint16_t qdcount, ancount;
	char qname[256]; /* dotted, as sent (not lowercased) */
	uint16_t qtype;
	int nans; /* entries in ans[] */
	struct ldr_dns_rr ans[LDR_DNS_MAX_ANS];
	bool truncated; /* records were cut by the head bound */
};

int ldr_dns__decode(const uint8_t *msg, size_t len, struct ldr_dns_msg *out);
/* One name at off into out[256] (dotted); *next = offset after the name in
 * the message (after the first pointer if any). 0 or -EBADMSG. */
int ldr_dns__name(const uint8_t *msg, size_t len, size_t off, char out[256], size_t *next);

/* A DNS/HTTP TPC_EV_NET record, checked and split (tpc_l7_abi.h). */
struct ldr_l7_rec {
	const struct tpc_ev_hdr *h;
	const struct tpc_ev_net *n;
	const struct tpc_ev_l7 *b;
	const char *str[3]; /* b->len[i] bytes each */
	const char *rest;   /* posted arguments (8-aligned after the strings) */
	const char *end;
};

/* 0, or -EINVAL when the record is not a whole DNS/HTTP TPC_EV_NET record. */
int ldr_l7__parse(const void *data, size_t size, struct ldr_l7_rec *r);

/* Pairing. The callback gets the first record (query/request) with the
 * tag it was added with, and its partner (answer/response) or NULL; the
 * records are valid only during the call. */
typedef void (*ldr_l7_pair_fn)(void *ctx, const void *tag, const void *first, size_t first_size,
			       const void *second, size_t second_size);

struct ldr_l7_slot;

struct ldr_l7_pairs {
	struct ldr_l7_slot **bucket;
	size_t cap; /* entries held at most; a power of two (= buckets) */
	size_t used;
	struct ldr_l7_slot *oldest, *newest; /* age list */
	uint64_t timeout_ns;		     /* by record ktime */
	ldr_l7_pair_fn fn;
	void *ctx;
	uint64_t orphans; /* answers/responses without a query/request held */
	uint64_t evicted; /* handed over unanswered because the table was full */
	uint64_t expired; /* handed over unanswered after the timeout */
};

int ldr_l7_pairs__init(struct ldr_l7_pairs *t, size_t cap, uint64_t timeout_ns,
		       ldr_l7_pair_fn fn, void *ctx);
void ldr_l7_pairs__fini(struct ldr_l7_pairs *t); /* hands over what is held, unanswered */
/* Feed one DNS/HTTP record; tag travels with a held query/request (the
 * loader passes its object's metadata). 0 or -EINVAL. A query whose
 * hdr.action has TPC_ACT_OVERRIDE (Block) is handed over at once. */
int ldr_l7_pairs__add(struct ldr_l7_pairs *t, const void *tag, const void *data, size_t size);
/* Hand over entries whose first record is older than now - timeout. */
void ldr_l7_pairs__expire(struct ldr_l7_pairs *t, uint64_t now_ktime);
/* Hand over (unanswered) every entry added with tag (its object goes away). */
void ldr_l7_pairs__flush_tag(struct ldr_l7_pairs *t, const void *tag);

/* The protocol fields of one network_dns / network_http event, each
 * preceded by a comma (the caller writes process, policy and time):
 *   dns:  name, type, type_code, id, protocol, server {addr, port}, client
 *         {addr, port}, and with an answer rcode,
 *         answers [{addr, ttl}], cnames, latency_ns (answer_truncated);
 *         a blocked query: "blocked":true; else "unanswered":true
 *   http: method, host, path (path_truncated), server, client, and with a
 *         response
 *         status, latency_ns; else "unanswered":true
 * q is the query/request, a its partner or NULL. */
void ldr_l7__put_fields(struct jbuf *b, const struct ldr_l7_rec *q, const struct ldr_l7_rec *a);
/* The parsers' counters of a loaded object (its TPC_L7_STATS_MAP), as
 * "dns_queries=N dns_answers=N ... pkt_malformed=N" into out; 0, or
 * -ENOENT when the object has no DNS/HTTP programs. */
struct bpf_object;
int ldr_l7__stats(struct bpf_object *obj, char *out, size_t outlen);

/* The same for `-o compact`: "www.example.com A -> NOERROR 192.0.2.7
 * 0.12ms", "GET web.test/index.html -> 200 3.1ms", "... BLOCKED",
 * "... (no answer)". */
void ldr_l7__put_compact(struct jbuf *b, const struct ldr_l7_rec *q, const struct ldr_l7_rec *a);

/* "A", "AAAA", ... or NULL for a type without a name here. */
const char *ldr_dns__type_name(unsigned type);
const char *ldr_dns__rcode_name(unsigned rcode);

#endif
