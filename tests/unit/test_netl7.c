/* test_netl7.c - loader/netl7.c without BPF: DNS answer decoding (compression
 * pointers, loops, overruns, cut heads), record parsing, query/answer and
 * request/response pairing (FIFO, retransmits, expiry, eviction, objects
 * going away) and the JSON fields. The BPF half is tested by
 * tests/e2e/netl7_parsers.sh (root). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "net/ldr_netl7.h"

static void put16(uint8_t *p, unsigned v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* header + question "www.example.com" A, answer flag set, ancount n */
static size_t answer_head(uint8_t *m, unsigned id, unsigned rcode, unsigned n)
{
	static const uint8_t q[] = "\3www\7example\3com\0\0\1\0\1";

	memset(m, 0, 12);
	put16(m, id);
	m[2] = 0x81;
	m[3] = 0x80 | rcode;
	put16(m + 4, 1);
	put16(m + 6, n);
	memcpy(m + 12, q, sizeof(q) - 1);
	return 12 + sizeof(q) - 1;
}

/* one RR: owner name bytes, type, ttl, rdata */
static size_t rr(uint8_t *m, size_t o, const void *owner, size_t olen, unsigned type, unsigned ttl,
		 const void *rd, size_t rdlen)
{
	memcpy(m + o, owner, olen);
	o += olen;
	put16(m + o, type);
	put16(m + o + 2, 1);
	put16(m + o + 4, ttl >> 16);
	put16(m + o + 6, ttl & 0xffff);
	put16(m + o + 8, rdlen);
	o += 10;
	memcpy(m + o, rd, rdlen);
	return o + rdlen;
}

static void test_decode_compression(void **state)
{
	uint8_t m[512];
	struct ldr_dns_msg d;
	size_t o = answer_head(m, 0x1234, 0, 3);

	/* CNAME www.example.com -> edge.example.com ("\4edge" + pointer to
	 * "example" at 16), then A and AAAA owned by the CNAME target */
	size_t target = o + 12;

	o = rr(m, o, "\xc0\x0c", 2, 5, 60, "\4edge\xc0\x10", 7);
	uint8_t ptr[2] = { 0xc0 | (uint8_t)(target >> 8), (uint8_t)target };
	o = rr(m, o, ptr, 2, 1, 300, "\xc0\x00\x02\x07", 4);
	o = rr(m, o, ptr, 2, 28, 3600, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x08", 16);
	assert_int_equal(ldr_dns__decode(m, o, &d), 0);
	assert_int_equal(d.id, 0x1234);
	assert_int_equal(d.rcode, 0);
	assert_string_equal(d.qname, "www.example.com");
	assert_int_equal(d.qtype, 1);
	assert_int_equal(d.nans, 3);
	assert_string_equal(d.ans[0].name, "edge.example.com");
	assert_int_equal(d.ans[1].family, AF_INET);
	assert_int_equal(d.ans[1].ttl, 300);
	assert_memory_equal(d.ans[1].addr, "\xc0\x00\x02\x07", 4);
	assert_int_equal(d.ans[2].family, AF_INET6);
	assert_int_equal(d.ans[2].ttl, 3600);
	assert_false(d.truncated);
	/* cut inside the last record: two decoded, flagged */
	assert_int_equal(ldr_dns__decode(m, o - 5, &d), 0);
	assert_int_equal(d.nans, 2);
	assert_true(d.truncated);
}

static void test_decode_hostile(void **state)
{
	uint8_t m[512];
	struct ldr_dns_msg d;
	size_t o = answer_head(m, 1, 0, 1), at = o;
	char name[256];
	size_t next;

	/* owner name pointing at itself */
	o = rr(m, o, "\0\0", 2, 1, 1, "\1\2\3\4", 4);
	m[at] = 0xc0 | (uint8_t)(at >> 8);
	m[at + 1] = (uint8_t)at;
	assert_int_equal(ldr_dns__decode(m, o, &d), -EBADMSG);
	/* a forward pointer (the start of a loop) */
	m[at + 1] = (uint8_t)(at + 4);
	assert_int_equal(ldr_dns__decode(m, o, &d), -EBADMSG);
	/* beyond the message */
	m[at] = 0xc1;
	m[at + 1] = 0xff;
	assert_int_equal(ldr_dns__decode(m, o, &d), -EBADMSG);
	/* label length 64 (0x40: a reserved label type) */
	assert_int_equal(ldr_dns__name((const uint8_t *)"\x40" "aaaa", 5, 0, name, &next),
			 -EBADMSG);
	/* a label running past the end */
	assert_int_equal(ldr_dns__name((const uint8_t *)"\5ab", 3, 0, name, &next), -EBADMSG);
	/* more than 255 wire bytes */
	{
		uint8_t big[320];
		size_t k = 0;

		for (int l = 0; l < 5; l++) {
			big[k++] = 60;
			memset(big + k, 'x', 60);
			k += 60;
		}
		big[k++] = 0;
		assert_int_equal(ldr_dns__name(big, k, 0, name, &next), -EBADMSG);
	}
	assert_int_equal(ldr_dns__decode(m, 11, &d), -EBADMSG);
	assert_int_equal(ldr_dns__decode(NULL, 0, &d), -EBADMSG);
	/* random bytes: no crash, no hang */
	srand(1);
	for (int i = 0; i < 50000; i++) {
		size_t n = 12 + rand() % 300;

		for (size_t j = 0; j < n; j++)
			m[j] = rand() & 0xff;
		ldr_dns__decode(m, n, &d);
	}
}

/* --- records ---------------------------------------------------------------- */

struct recbuf {
	uint64_t w[256];
	size_t size;
};

static void mkrec(struct recbuf *r, uint16_t proto, uint16_t event, uint16_t cport, uint16_t id,
		  uint16_t code, uint64_t ktime, uint32_t action, const char *s0, const char *s1,
		  const char *s2)
{
	struct tpc_ev_hdr *h = (void *)r->w;
	struct tpc_ev_net *n = (void *)(h + 1);
	struct tpc_ev_l7 *b = (void *)(n + 1);
	char *p = (char *)(b + 1);
	const char *s[3] = { s0, s1, s2 };

	memset(r->w, 0, sizeof(r->w));
	h->kind = TPC_EV_NET;
	h->ktime = ktime;
	h->action = action;
	h->pid = 42;
	n->proto = proto;
	n->event = event;
	n->src.family = n->dst.family = AF_INET;
	n->src.protocol = n->dst.protocol = 17;
	memcpy(n->src.addr, "\x7f\0\0\1", 4);
	memcpy(n->dst.addr, "\x7f\0\0\x35", 4);
	n->src.port = cport;
	n->dst.port = proto == TPC_NET_DNS ? 53 : 80;
	b->id = id;
	b->qtype = 1;
	b->code = code;
	for (int i = 0; i < 3; i++) {
		size_t l = s[i] ? strlen(s[i]) : 0;

		b->len[i] = l;
		memcpy(p, s[i] ? s[i] : "", l);
		p += l;
	}
	r->size = ((size_t)(p - (char *)r->w) + 7) & ~(size_t)7;
	h->size = r->size;
}

struct seen {
	int n, answered;
	uint16_t id[16], code[16];
	uint16_t cport[16];
	const void *tag[16];
};

static void on_pair(void *ctx, const void *tag, const void *a, size_t asz, const void *b,
		    size_t bsz)
{
	struct seen *s = ctx;
	struct ldr_l7_rec q, r;

	assert_int_equal(ldr_l7__parse(a, asz, &q), 0);
	if (s->n >= 16)
		return;
	s->id[s->n] = q.b->id;
	s->cport[s->n] = q.n->src.port;
	s->tag[s->n] = tag;
	s->code[s->n] = 0;
	if (b) {
		assert_int_equal(ldr_l7__parse(b, bsz, &r), 0);
		s->code[s->n] = r.b->code;
		s->answered++;
	}
	s->n++;
}

static void test_parse(void **state)
{
	struct recbuf r;
	struct ldr_l7_rec v;

	mkrec(&r, TPC_NET_HTTP, TPC_HTTP_REQUEST, 1000, 0, 0, 1, TPC_ACT_POST, "GET", "/x", "h");
	assert_int_equal(ldr_l7__parse(r.w, r.size, &v), 0);
	assert_memory_equal(v.str[1], "/x", 2);
	assert_ptr_equal(v.rest, v.end);
	/* a length past the record, a short record, another kind */
	((struct tpc_ev_l7 *)((char *)r.w + sizeof(struct tpc_ev_hdr) + sizeof(struct tpc_ev_net)))
		->len[2] = 500;
	assert_int_equal(ldr_l7__parse(r.w, r.size, &v), -EINVAL);
	assert_int_equal(ldr_l7__parse(r.w, 100, &v), -EINVAL);
	mkrec(&r, TPC_NET_TCP, 1, 1000, 0, 0, 1, 0, NULL, NULL, NULL);
	assert_int_equal(ldr_l7__parse(r.w, r.size, &v), -EINVAL);
}

static void test_pair_dns(void **state)
{
	struct seen s = { 0 };
	struct ldr_l7_pairs t;
	struct recbuf q, a;
	int tag;

	assert_int_equal(ldr_l7_pairs__init(&t, 4, 1000, on_pair, &s), 0);
	mkrec(&q, TPC_NET_DNS, TPC_DNS_QUERY, 5000, 7, 0, 100, TPC_ACT_POST, "a.test", NULL, NULL);
	assert_int_equal(ldr_l7_pairs__add(&t, &tag, q.w, q.size), 0);
	/* a retransmission of the same query is held once */
	assert_int_equal(ldr_l7_pairs__add(&t, &tag, q.w, q.size), 0);
	assert_int_equal(t.used, 1);
	/* an answer with another id, or to another client port: orphans */
	mkrec(&a, TPC_NET_DNS, TPC_DNS_ANSWER, 5000, 8, 0, 150, 0, NULL, NULL, NULL);
	ldr_l7_pairs__add(&t, NULL, a.w, a.size);
	mkrec(&a, TPC_NET_DNS, TPC_DNS_ANSWER, 5001, 7, 0, 150, 0, NULL, NULL, NULL);
	ldr_l7_pairs__add(&t, NULL, a.w, a.size);
	assert_int_equal(t.orphans, 2);
	assert_int_equal(s.n, 0);
	mkrec(&a, TPC_NET_DNS, TPC_DNS_ANSWER, 5000, 7, 3, 150, 0, NULL, NULL, NULL);
	ldr_l7_pairs__add(&t, NULL, a.w, a.size);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.answered, 1);
	assert_int_equal(s.code[0], 3);
	assert_ptr_equal(s.tag[0], &tag);
	assert_int_equal(t.used, 0);
	/* a blocked query is handed over at once */
	mkrec(&q, TPC_NET_DNS, TPC_DNS_QUERY, 5002, 9, 0, 200, TPC_ACT_POST | TPC_ACT_OVERRIDE,
	      "b.test", NULL, NULL);
	ldr_l7_pairs__add(&t, &tag, q.w, q.size);
	assert_int_equal(s.n, 2);
	assert_int_equal(t.used, 0);
	/* expiry by ktime; eviction when full (capacity 4) */
	for (int i = 0; i < 5; i++) {
		mkrec(&q, TPC_NET_DNS, TPC_DNS_QUERY, 6000 + i, 1, 0, 300 + i, TPC_ACT_POST, "c",
		      NULL, NULL);
		ldr_l7_pairs__add(&t, i < 3 ? (void *)&tag : (void *)&s, q.w, q.size);
	}
	assert_int_equal(t.evicted, 1);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.cport[2], 6000);
	ldr_l7_pairs__expire(&t, 300 + 1 + 1000 + 1); /* 6001 is older than the timeout */
	assert_int_equal(t.expired, 1);
	assert_int_equal(s.cport[3], 6001);
	/* an object going away: its held queries only */
	ldr_l7_pairs__flush_tag(&t, &tag);
	assert_int_equal(s.n, 5);
	assert_int_equal(t.used, 2);
	ldr_l7_pairs__fini(&t);
	assert_int_equal(s.n, 7);
	assert_int_equal(s.answered, 1);
}

static void test_pair_http_fifo(void **state)
{
	struct seen s = { 0 };
	struct ldr_l7_pairs t;
	struct recbuf q, a;

	assert_int_equal(ldr_l7_pairs__init(&t, 16, 1000000, on_pair, &s), 0);
	for (int i = 0; i < 3; i++) {
		mkrec(&q, TPC_NET_HTTP, TPC_HTTP_REQUEST, 7000, 100 + i, 0, 10 + i, TPC_ACT_POST,
		      "GET", "/p", "h");
		ldr_l7_pairs__add(&t, NULL, q.w, q.size);
	}
	/* another connection in between */
	mkrec(&q, TPC_NET_HTTP, TPC_HTTP_REQUEST, 7001, 200, 0, 15, TPC_ACT_POST, "GET", "/o", "h");
	ldr_l7_pairs__add(&t, NULL, q.w, q.size);
	for (int i = 0; i < 3; i++) {
		mkrec(&a, TPC_NET_HTTP, TPC_HTTP_RESPONSE, 7000, 0, 200 + i, 20 + i, 0, NULL, NULL,
		      NULL);
		ldr_l7_pairs__add(&t, NULL, a.w, a.size);
	}
	assert_int_equal(s.n, 3);
	/* the ids were stored in b->id of the requests: order kept */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(s.id[i], 100 + i);
		assert_int_equal(s.code[i], 200 + i);
	}
	assert_int_equal(t.used, 1);
	ldr_l7_pairs__fini(&t);
	assert_int_equal(s.n, 4);
}

static struct tpc_ev_hdr *hdr_of(struct recbuf *r)
{
	return (void *)r->w;
}

static struct tpc_ev_l7 *body_of(struct recbuf *r)
{
	return (void *)((char *)r->w + sizeof(struct tpc_ev_hdr) + sizeof(struct tpc_ev_net));
}

/* Two policies post the same query / request: one answer or response
 * completes both; a retransmission of one policy's query is held once. */
static void test_pair_two_policies(void **state)
{
	struct seen s = { 0 };
	struct ldr_l7_pairs t;
	struct recbuf q, a;

	assert_int_equal(ldr_l7_pairs__init(&t, 16, 1000000, on_pair, &s), 0);
	for (int rule = 0; rule < 2; rule++) {
		mkrec(&q, TPC_NET_DNS, TPC_DNS_QUERY, 5000, 7, 0, 10, TPC_ACT_POST, "a", NULL, NULL);
		hdr_of(&q)->rule = rule;
		ldr_l7_pairs__add(&t, NULL, q.w, q.size);
		ldr_l7_pairs__add(&t, NULL, q.w, q.size);
	}
	assert_int_equal(t.used, 2);
	mkrec(&a, TPC_NET_DNS, TPC_DNS_ANSWER, 5000, 7, 0, 20, 0, NULL, NULL, NULL);
	ldr_l7_pairs__add(&t, NULL, a.w, a.size);
	assert_int_equal(s.answered, 2);
	assert_int_equal(t.used, 0);
	/* HTTP: request 0 of a segment by two policies, then request 1 */
	for (int i = 0; i < 3; i++) {
		mkrec(&q, TPC_NET_HTTP, TPC_HTTP_REQUEST, 7000, 0, 0, 30 + i, TPC_ACT_POST, "GET",
		      "/", "h");
		hdr_of(&q)->rule = i == 1;
		body_of(&q)->req_ktime = 30;
		body_of(&q)->id = i == 2;
		ldr_l7_pairs__add(&t, NULL, q.w, q.size);
	}
	mkrec(&a, TPC_NET_HTTP, TPC_HTTP_RESPONSE, 7000, 0, 200, 40, 0, NULL, NULL, NULL);
	ldr_l7_pairs__add(&t, NULL, a.w, a.size);
	assert_int_equal(s.answered, 4);
	assert_int_equal(t.used, 1);
	ldr_l7_pairs__fini(&t);
	assert_int_equal(s.n, 5);
}

static void test_fields(void **state)
{
	struct recbuf q, a;
	struct ldr_l7_rec rq, ra;
	struct jbuf b = { 0 };
	uint8_t m[512];
	size_t o = answer_head(m, 7, 0, 1);

	o = rr(m, o, "\xc0\x0c", 2, 1, 300, "\xc0\x00\x02\x07", 4);
	m[o] = 0;
	mkrec(&q, TPC_NET_DNS, TPC_DNS_QUERY, 5000, 7, 0, 1000, TPC_ACT_POST, "www.example.com",
	      NULL, NULL);
	mkrec(&a, TPC_NET_DNS, TPC_DNS_ANSWER, 5000, 7, 0, 3500, 0, NULL, NULL, NULL);
	/* the answer head as string 0 */
	{
		struct tpc_ev_l7 *bd = (void *)((char *)a.w + sizeof(struct tpc_ev_hdr) +
						sizeof(struct tpc_ev_net));

		memcpy(bd + 1, m, o);
		bd->len[0] = o;
		struct tpc_ev_hdr *ah = (void *)a.w;

		a.size = ((sizeof(struct tpc_ev_hdr) + sizeof(struct tpc_ev_net) + sizeof(*bd) + o) +
			  7) & ~(size_t)7;
		ah->size = a.size;
	}
	assert_int_equal(ldr_l7__parse(q.w, q.size, &rq), 0);
	assert_int_equal(ldr_l7__parse(a.w, a.size, &ra), 0);
	ldr_l7__put_fields(&b, &rq, &ra);
	jbuf__ch(&b, 0);
	assert_non_null(strstr(b.p, ",\"name\":\"www.example.com\",\"type\":\"A\",\"type_code\":1,"
				    "\"id\":7,\"protocol\":\"UDP\""));
	assert_non_null(strstr(b.p, "\"server\":{\"addr\":\"127.0.0.53\",\"port\":53}"));
	assert_non_null(strstr(b.p, "\"rcode\":\"NOERROR\",\"answers\":[{\"addr\":\"192.0.2.7\","
				    "\"ttl\":300}]"));
	assert_non_null(strstr(b.p, "\"latency_ns\":\"2500\""));
	jbuf__reset(&b);
	ldr_l7__put_compact(&b, &rq, &ra);
	jbuf__ch(&b, 0);
	assert_string_equal(b.p, "www.example.com A -> NOERROR 192.0.2.7 0.00ms");
	jbuf__reset(&b);
	ldr_l7__put_fields(&b, &rq, NULL);
	jbuf__ch(&b, 0);
	assert_non_null(strstr(b.p, "\"unanswered\":true"));
	jbuf__reset(&b);
	mkrec(&q, TPC_NET_HTTP, TPC_HTTP_REQUEST, 7000, 0, 0, 10, TPC_ACT_POST, "GET", "/a\"b",
	      "web.test");
	assert_int_equal(ldr_l7__parse(q.w, q.size, &rq), 0);
	ldr_l7__put_fields(&b, &rq, NULL);
	jbuf__ch(&b, 0);
	assert_non_null(strstr(b.p, ",\"method\":\"GET\",\"host\":\"web.test\",\"path\":\"/a\\\"b\""));
	jbuf__reset(&b);
	ldr_l7__put_compact(&b, &rq, NULL);
	jbuf__ch(&b, 0);
	assert_string_equal(b.p, "GET web.test/a\"b (no answer)");
	jbuf__free(&b);
	assert_string_equal(ldr_dns__type_name(28), "AAAA");
	assert_null(ldr_dns__type_name(4242));
	assert_string_equal(ldr_dns__rcode_name(3), "NXDOMAIN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_compression),
		cmocka_unit_test(test_decode_hostile),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_pair_dns),
		cmocka_unit_test(test_pair_http_fifo),
		cmocka_unit_test(test_pair_two_policies),
		cmocka_unit_test(test_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
