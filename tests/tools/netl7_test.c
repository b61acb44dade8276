/* netl7_test.c - parser tests for the DNS and HTTP cgroup_skb programs:
 * loads tests/tools/netl7_test.bpf.c's object, feeds crafted packets with
 * BPF_PROG_TEST_RUN, and checks the verdict, the records posted to the ring
 * buffer, the counters, and what loader/netl7.c decodes and pairs from them.
 * Prints "PASS name" / "FAIL name: why" lines; exit 1 if any failed.
 *
 * usage: netl7_test OBJ     (root: loading BPF programs)
 *        netl7_test OBJ --attach CGROUP_DIR [--bench | --empty]
 *   attach mode: attach the programs to a cgroup v2 directory and print one
 *   JSON line per paired (or unanswered/blocked) query or request until
 *   SIGTERM, then a {"stats":...} line: BPF counters, ring-buffer drops,
 *   pairing counters, and with --bench the run_cnt / run_time_ns of the
 *   egress, ingress and empty programs (kernel.bpf_stats_enabled must be
 *   on). --empty attaches only the empty egress program (the baseline
 *   beside tpc-loader's programs in bench/netl7.sh).
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/ldr_netl7.h"
#include "netl7_dnsq.h"

#define MAXREC 64

static int egress_fd, ingress_fd, stats_fd;
static struct ring_buffer *rb;
static int failed;

/* Records of the last run, copied, and split by ldr_l7__parse() (a record
 * that does not parse leaves v.h NULL, which fails every check). */
static struct rec {
	size_t size;
	uint64_t raw[TPC_EV_MAX / 8];
	struct ldr_l7_rec v;
} recs[MAXREC];
static int nrec;

static int on_rec(void *ctx, void *data, size_t size)
{
	if (nrec < MAXREC && size <= TPC_EV_MAX) {
		recs[nrec].size = size;
		memcpy(recs[nrec].raw, data, size);
		if (ldr_l7__parse(recs[nrec].raw, size, &recs[nrec].v))
			memset(&recs[nrec].v, 0, sizeof(recs[nrec].v));
		nrec++;
	}
	return 0;
}

/* fields of record i (0 when it did not parse) */
#define EV(i) (recs[i].v.h ? recs[i].v.n->event : 0)
#define PROTO(i) (recs[i].v.h ? recs[i].v.n->proto : 0)
#define B(i, f) (recs[i].v.h ? recs[i].v.b->f : 0)
#define H(i, f) (recs[i].v.h ? recs[i].v.h->f : 0)
#define SRV(i) (recs[i].v.h ? &recs[i].v.n->dst : &zero_sa)
#define CLI(i) (recs[i].v.h ? &recs[i].v.n->src : &zero_sa)
static const struct tpc_ev_sockaddr zero_sa;

static void check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS netl7/%s\n", name);
		return;
	}
	failed = 1;
	printf("FAIL netl7/%s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static uint64_t stat_of(enum tpc_l7_stat which)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[512], sum = 0;
	uint32_t k = which;

	if (ncpu > 512 || bpf_map_lookup_elem(stats_fd, &k, v))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

/* --- packets ------------------------------------------------------------- */

struct pkt {
	uint8_t b[4096];
	size_t n;
};

static const uint8_t cli4[4] = { 10, 1, 0, 2 }, srv4[4] = { 10, 1, 0, 53 };
static const uint8_t cli6[16] = { 0xfd, 0, [15] = 2 }, srv6[16] = { 0xfd, 0, [15] = 53 };

static void put16(uint8_t *p, unsigned v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* An Ethernet frame carrying IPv4/IPv6 + UDP/TCP with payload. egress: the
 * client (cli) sends to the server; else the server answers the client. */
static void frame(struct pkt *k, bool v6, int proto, bool egress, unsigned cport, unsigned sport,
		  const void *payload, size_t plen)
{
	uint8_t *p = k->b;
	size_t l3, l4len = proto == IPPROTO_TCP ? 20 : 8;
	const uint8_t *src = egress ? (v6 ? cli6 : cli4) : (v6 ? srv6 : srv4);
	const uint8_t *dst = egress ? (v6 ? srv6 : srv4) : (v6 ? cli6 : cli4);

	memset(k->b, 0, sizeof(k->b));
	put16(p + 12, v6 ? 0x86dd : 0x0800);
	p += 14;
	if (v6) {
		p[0] = 0x60;
		put16(p + 4, l4len + plen);
		p[6] = proto;
		p[7] = 64;
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
		l3 = 40;
	} else {
		p[0] = 0x45;
		put16(p + 2, 20 + l4len + plen);
		p[8] = 64;
		p[9] = proto;
		memcpy(p + 12, src, 4);
		memcpy(p + 16, dst, 4);
		l3 = 20;
	}
	p += l3;
	put16(p, egress ? cport : sport);
	put16(p + 2, egress ? sport : cport);
	if (proto == IPPROTO_TCP) {
		p[12] = 5 << 4;
		p[13] = 0x18; /* PSH|ACK */
	} else {
		put16(p + 4, 8 + plen);
	}
	memcpy(p + l4len, payload, plen);
	k->n = 14 + l3 + l4len + plen;
}

/* Run one packet; returns the program's verdict and collects records. */
static int run(bool egress, const struct pkt *k)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = k->b, .data_size_in = k->n, .repeat = 1);
	int err;

	nrec = 0;
	err = bpf_prog_test_run_opts(egress ? egress_fd : ingress_fd, &o);
	if (err) {
		fprintf(stderr, "test_run: %s\n", strerror(errno));
		return -1;
	}
	ring_buffer__consume(rb);
	return (int)o.retval;
}

static size_t dns_query(uint8_t *m, unsigned id, const char *name, unsigned qtype)
{
	return netl7_dns_query(m, id, name, qtype);
}

/* Send one UDP query; returns the verdict. */
static int send_query(bool v6, unsigned cport, unsigned id, const char *name, unsigned qtype)
{
	uint8_t m[600];
	struct pkt k;

	frame(&k, v6, IPPROTO_UDP, true, cport, 53, m, dns_query(m, id, name, qtype));
	return run(true, &k);
}

static bool rec_str_is(int i, int s, const char *want)
{
	const struct ldr_l7_rec *r = &recs[i].v;

	return r->h && r->b->len[s] == strlen(want) && !memcmp(r->str[s], want, r->b->len[s]);
}

/* --- DNS ------------------------------------------------------------------- */

static void test_dns_queries(void)
{
	uint64_t q0 = stat_of(TPC_L7_DNS_QUERIES);
	int rc;

	rc = send_query(false, 40000, 0x1234, "www.Example.COM", 1);
	check(rc == 1 && nrec == 1 && PROTO(0) == TPC_NET_DNS && EV(0) == TPC_DNS_QUERY &&
		      rec_str_is(0, 0, "www.example.com") && B(0, id) == 0x1234 &&
		      B(0, qtype) == 1 && SRV(0)->port == 53 &&
		      CLI(0)->port == 40000 && !memcmp(SRV(0)->addr, srv4, 4) &&
		      SRV(0)->family == AF_INET,
	      "dns-query-a-v4", "rc=%d nrec=%d", rc, nrec);
	rc = send_query(true, 40001, 7, "ipv6.example.org", 28);
	check(rc == 1 && nrec == 1 && rec_str_is(0, 0, "ipv6.example.org") &&
		      B(0, qtype) == 28 && SRV(0)->family == AF_INET6 &&
		      !memcmp(SRV(0)->addr, srv6, 16),
	      "dns-query-aaaa-v6", "rc=%d nrec=%d", rc, nrec);
	rc = send_query(false, 40002, 8, "example.net", 16);
	check(rc == 1 && nrec == 1 && rec_str_is(0, 0, "example.net") && B(0, qtype) == 16,
	      "dns-query-txt", "rc=%d nrec=%d", rc, nrec);
	rc = send_query(false, 40003, 9, "", 2);
	check(rc == 1 && nrec == 1 && rec_str_is(0, 0, "") && B(0, qtype) == 2,
	      "dns-query-root", "rc=%d nrec=%d", rc, nrec);
	check(stat_of(TPC_L7_DNS_QUERIES) - q0 == 4, "dns-queries-counted", "%llu",
	      (unsigned long long)(stat_of(TPC_L7_DNS_QUERIES) - q0));

	/* the longest legal name: 4 labels of 63 -> 255 wire bytes is over by
	 * one (253 text chars max = 255 wire with root); 63+63+63+61 = 253 */
	{
		char name[300];
		int o = 0;
		for (int l = 0; l < 4; l++) {
			int len = l < 3 ? 63 : 61;
			memset(name + o, 'a' + l, len);
			o += len;
			name[o++] = '.';
		}
		name[o - 1] = 0;
		rc = send_query(false, 40004, 10, name, 1);
		check(rc == 1 && nrec == 1 && rec_str_is(0, 0, name), "dns-name-253",
		      "rc=%d nrec=%d", rc, nrec);
		name[o - 1] = '.';
		name[o] = 'z';
		name[o + 1] = 0;
		uint64_t b0 = stat_of(TPC_L7_DNS_MALFORMED);
		rc = send_query(false, 40004, 11, name, 1);
		check(rc == 1 && nrec == 0 && stat_of(TPC_L7_DNS_MALFORMED) == b0 + 1,
		      "dns-name-over-255", "rc=%d nrec=%d", rc, nrec);
	}
}

static void test_dns_tcp(void)
{
	uint8_t m[600];
	struct pkt k;
	size_t n = dns_query(m + 2, 0x4242, "tcp.example.com", 1);
	int rc;

	put16(m, n);
	frame(&k, false, IPPROTO_TCP, true, 40010, 53, m, n + 2);
	rc = run(true, &k);
	check(rc == 1 && nrec == 1 && rec_str_is(0, 0, "tcp.example.com") &&
		      B(0, id) == 0x4242 && (B(0, flags) & TPC_L7_F_TCP),
	      "dns-tcp-length-prefix", "rc=%d nrec=%d", rc, nrec);
	/* a bare ACK on port 53 is no message and no error */
	uint64_t b0 = stat_of(TPC_L7_DNS_MALFORMED);
	frame(&k, false, IPPROTO_TCP, true, 40010, 53, m, 0);
	rc = run(true, &k);
	check(rc == 1 && nrec == 0 && stat_of(TPC_L7_DNS_MALFORMED) == b0, "dns-tcp-empty-segment",
	      "rc=%d nrec=%d", rc, nrec);
}

static void malformed(const char *name, const uint8_t *m, size_t n)
{
	uint64_t b0 = stat_of(TPC_L7_DNS_MALFORMED);
	struct pkt k;
	int rc;

	frame(&k, false, IPPROTO_UDP, true, 40020, 53, m, n);
	rc = run(true, &k);
	check(rc == 1 && nrec == 0 && stat_of(TPC_L7_DNS_MALFORMED) == b0 + 1, name,
	      "rc=%d nrec=%d malformed+%llu", rc, nrec,
	      (unsigned long long)(stat_of(TPC_L7_DNS_MALFORMED) - b0));
}

static void test_dns_malformed(void)
{
	uint8_t m[600];
	size_t n;

	n = dns_query(m, 1, "abc.example.com", 1);
	m[12 + 4] = 0xc0; /* "\3abc" then a pointer instead of "\7example" */
	m[12 + 5] = 12;
	malformed("dns-pointer-in-question", m, n);

	n = dns_query(m, 2, "x.example.com", 1);
	m[12] = 64; /* label length 64 */
	malformed("dns-label-64", m, n);

	n = dns_query(m, 3, "truncated.example.com", 1);
	malformed("dns-truncated-in-name", m, 12 + 8);
	malformed("dns-truncated-before-qtype", m, n - 4 + 1);
	malformed("dns-header-only", m, 12);

	n = dns_query(m, 4, "two.example.com", 1);
	put16(m + 4, 2);
	malformed("dns-qdcount-2", m, n);

	n = dns_query(m, 5, "nul.example.com", 1);
	m[12 + 2] = 0; /* NUL inside a label */
	malformed("dns-nul-in-label", m, n);
	malformed("dns-short-payload", m, 5);
}

/* An answer for query (id, name) with a CNAME, two A and one AAAA, all
 * names as compression pointers. */
static size_t dns_answer(uint8_t *m, unsigned id, const char *name, unsigned rcode)
{
	size_t o = dns_query(m, id, name, 1);
	size_t cname_at;

	m[2] = 0x81; /* QR|RD */
	m[3] = 0x80 | rcode;
	put16(m + 6, 4);
	/* CNAME: name -> "edge." + pointer to the qname's second label */
	m[o++] = 0xc0, m[o++] = 12;
	put16(m + o, 5), put16(m + o + 2, 1), m[o + 7] = 60, o += 8;
	cname_at = o + 2;
	put16(m + o, 7), o += 2;
	memcpy(m + o, "\4edge", 5), o += 5;
	m[o++] = 0xc0, m[o++] = 12 + 1 + m[12];
	/* A records owned by the CNAME target (pointer to it) */
	for (int i = 0; i < 2; i++) {
		m[o++] = 0xc0 | (cname_at >> 8), m[o++] = cname_at & 0xff;
		put16(m + o, 1), put16(m + o + 2, 1), put16(m + o + 6, 300 + i), o += 8;
		put16(m + o, 4), o += 2;
		m[o++] = 192, m[o++] = 0, m[o++] = 2, m[o++] = 10 + i;
	}
	m[o++] = 0xc0 | (cname_at >> 8), m[o++] = cname_at & 0xff;
	put16(m + o, 28), put16(m + o + 2, 1), put16(m + o + 6, 600), o += 8;
	put16(m + o, 16), o += 2;
	memset(m + o, 0, 16);
	m[o] = 0x20, m[o + 1] = 0x01, m[o + 2] = 0x0d, m[o + 3] = 0xb8, m[o + 15] = 1;
	o += 16;
	return o;
}

struct pairs_seen {
	int n;
	uint16_t first_id[8], second_code[8];
	bool answered[8];
	uint8_t head[8][TPC_DNS_HEAD];
	size_t head_len[8];
	char path[8][64]; /* HTTP: the request's path */
};

static void on_pair(void *ctx, const void *tag, const void *a, size_t asz, const void *b,
		    size_t bsz)
{
	struct pairs_seen *ps = ctx;
	struct ldr_l7_rec q, r;

	if (ps->n >= 8 || ldr_l7__parse(a, asz, &q))
		return;
	ps->first_id[ps->n] = q.b->id;
	ps->answered[ps->n] = b != NULL;
	if (q.n->proto == TPC_NET_HTTP && q.b->len[1] < 64) {
		memcpy(ps->path[ps->n], q.str[1], q.b->len[1]);
		ps->path[ps->n][q.b->len[1]] = 0;
	}
	if (b && !ldr_l7__parse(b, bsz, &r)) {
		ps->second_code[ps->n] = r.b->code;
		if (r.b->len[0] <= TPC_DNS_HEAD) {
			memcpy(ps->head[ps->n], r.str[0], r.b->len[0]);
			ps->head_len[ps->n] = r.b->len[0];
		}
	}
	ps->n++;
}

static void test_dns_answers(void)
{
	struct pairs_seen ps = { 0 };
	struct ldr_l7_pairs t;
	struct ldr_dns_msg dm;
	uint8_t m[600];
	struct pkt k;
	size_t n;
	int rc, err;

	ldr_l7_pairs__init(&t, 16, 5000000000ull, on_pair, &ps);
	rc = send_query(false, 40030, 0xbeef, "www.example.com", 1);
	if (nrec == 1)
		ldr_l7_pairs__add(&t, NULL, recs[0].raw, recs[0].size);
	n = dns_answer(m, 0xbeef, "www.example.com", 0);
	frame(&k, false, IPPROTO_UDP, false, 40030, 53, m, n);
	rc = run(false, &k);
	check(rc == 1 && nrec == 1 && PROTO(0) == TPC_NET_DNS && EV(0) == TPC_DNS_ANSWER &&
		      B(0, id) == 0xbeef && B(0, code) == 0 && B(0, len[0]) == n &&
		      B(0, req_ktime) != 0,
	      "dns-answer-posted", "rc=%d nrec=%d", rc, nrec);
	if (nrec == 1)
		ldr_l7_pairs__add(&t, NULL, recs[0].raw, recs[0].size);
	check(ps.n == 1 && ps.answered[0] && ps.first_id[0] == 0xbeef, "dns-paired",
	      "pairs=%d", ps.n);
	err = ps.n ? ldr_dns__decode(ps.head[0], ps.head_len[0], &dm) : -1;
	check(!err && dm.rcode == 0 && dm.nans == 4 && dm.ans[0].type == 5 &&
		      !strcmp(dm.ans[0].name, "edge.example.com") && dm.ans[1].type == 1 &&
		      dm.ans[1].ttl == 300 && !memcmp(dm.ans[1].addr, "\xc0\x00\x02\x0a", 4) &&
		      dm.ans[2].ttl == 301 && dm.ans[3].type == 28 && dm.ans[3].ttl == 600 &&
		      dm.ans[3].addr[0] == 0x20 && dm.ans[3].addr[15] == 1 &&
		      !strcmp(dm.qname, "www.example.com") && !dm.truncated,
	      "dns-answer-compression-pointers", "err=%d nans=%d", err, dm.nans);

	/* the same answer again: the pending entry is gone, nothing posted */
	rc = run(false, &k);
	check(rc == 1 && nrec == 0, "dns-answer-once", "rc=%d nrec=%d", rc, nrec);
	/* an answer nobody asked for stays in the kernel */
	n = dns_answer(m, 0x0bad, "www.example.com", 0);
	frame(&k, false, IPPROTO_UDP, false, 40031, 53, m, n);
	rc = run(false, &k);
	check(rc == 1 && nrec == 0, "dns-unsolicited-answer-ignored", "rc=%d nrec=%d", rc, nrec);

	/* NXDOMAIN */
	send_query(false, 40032, 77, "nope.example.com", 28);
	if (nrec == 1)
		ldr_l7_pairs__add(&t, NULL, recs[0].raw, recs[0].size);
	n = dns_query(m, 77, "nope.example.com", 28);
	m[2] = 0x81, m[3] = 0x83;
	frame(&k, false, IPPROTO_UDP, false, 40032, 53, m, n);
	rc = run(false, &k);
	if (nrec == 1)
		ldr_l7_pairs__add(&t, NULL, recs[0].raw, recs[0].size);
	check(rc == 1 && ps.n == 2 && ps.answered[1] && ps.second_code[1] == 3, "dns-nxdomain",
	      "rc=%d pairs=%d", rc, ps.n);

	/* an unanswered query is handed over at expiry */
	send_query(false, 40033, 78, "slow.example.com", 1);
	if (nrec == 1) {
		ldr_l7_pairs__add(&t, NULL, recs[0].raw, recs[0].size);
		ldr_l7_pairs__expire(&t, H(0, ktime) + 6000000000ull);
	}
	check(ps.n == 3 && !ps.answered[2] && t.expired == 1, "dns-unanswered-expires",
	      "pairs=%d expired=%llu", ps.n, (unsigned long long)t.expired);

	/* TCP answer: length prefix */
	send_query(false, 40034, 79, "t.example.com", 1);
	n = dns_answer(m + 2, 79, "t.example.com", 0);
	put16(m, n);
	frame(&k, false, IPPROTO_TCP, false, 40034, 53, m, 0);
	/* wrong transport for the pending UDP query: no answer */
	frame(&k, false, IPPROTO_TCP, false, 40034, 53, m, n + 2);
	rc = run(false, &k);
	check(rc == 1 && nrec == 0, "dns-answer-other-transport-ignored", "nrec=%d", nrec);
	{
		uint8_t q[600];
		size_t qn = dns_query(q + 2, 80, "t.example.com", 1);
		put16(q, qn);
		frame(&k, false, IPPROTO_TCP, true, 40035, 53, q, qn + 2);
		run(true, &k);
		n = dns_answer(m + 2, 80, "t.example.com", 0);
		put16(m, n);
		frame(&k, false, IPPROTO_TCP, false, 40035, 53, m, n + 2);
		rc = run(false, &k);
		check(rc == 1 && nrec == 1 && B(0, id) == 80 &&
			      (B(0, flags) & TPC_L7_F_TCP) && B(0, len[0]) == n,
		      "dns-tcp-answer", "rc=%d nrec=%d", rc, nrec);
	}
	ldr_l7_pairs__fini(&t);
}

static void test_dns_decode_hostile(void)
{
	uint8_t m[600];
	struct ldr_dns_msg dm;
	size_t n, o;
	int err;

	/* answer owner name pointing at itself */
	n = dns_query(m, 1, "loop.example.com", 1);
	m[2] = 0x81;
	put16(m + 6, 1);
	o = n;
	m[o] = 0xc0 | (o >> 8), m[o + 1] = o & 0xff;
	o += 2;
	put16(m + o, 1), put16(m + o + 2, 1), put16(m + o + 8, 4), o += 10;
	memcpy(m + o, "\1\2\3\4", 4), o += 4;
	err = ldr_dns__decode(m, o, &dm);
	check(err == -EBADMSG, "dns-decode-pointer-self-loop", "err=%d", err);

	/* two pointers pointing at each other (forward one refused) */
	o = n;
	m[o] = 0xc0 | ((o + 2) >> 8), m[o + 1] = (o + 2) & 0xff;
	m[o + 2] = 0xc0 | (o >> 8), m[o + 3] = o & 0xff;
	err = ldr_dns__decode(m, o + 4 + 14, &dm);
	check(err == -EBADMSG, "dns-decode-pointer-mutual-loop", "err=%d", err);

	/* a label pointing outside the message */
	o = n;
	m[o] = 0xc1, m[o + 1] = 0xff;
	err = ldr_dns__decode(m, o + 2 + 14, &dm);
	check(err == -EBADMSG, "dns-decode-pointer-out-of-range", "err=%d", err);

	/* cut in the middle of the records: what fits is decoded, flagged */
	n = dns_answer(m, 5, "cut.example.com", 0);
	err = ldr_dns__decode(m, n - 10, &dm);
	check(!err && dm.truncated && dm.nans == 3, "dns-decode-truncated-head", "err=%d nans=%d",
	      err, dm.nans);

	/* random bytes never crash and never loop */
	srand(42);
	for (int i = 0; i < 20000; i++) {
		n = 12 + rand() % 200;
		for (size_t j = 0; j < n; j++)
			m[j] = rand() & 0xff;
		if (i & 1)
			put16(m + 4, 1);
		ldr_dns__decode(m, n, &dm);
	}
	check(true, "dns-decode-random-20000", "");
}

static void test_dns_block(void)
{
	uint64_t b0 = stat_of(TPC_L7_DNS_BLOCKED);
	int rc;

	rc = send_query(false, 40040, 99, "evil.Blocked.Test", 1);
	check(rc == 0 && nrec == 1 && (H(0, action) & TPC_ACT_OVERRIDE) &&
		      rec_str_is(0, 0, "evil.blocked.test") &&
		      stat_of(TPC_L7_DNS_BLOCKED) == b0 + 1,
	      "dns-block-drops-query", "rc=%d nrec=%d", rc, nrec);
	rc = send_query(false, 40040, 100, "blocked.test.example.com", 1);
	check(rc == 1 && nrec == 1, "dns-block-only-suffix", "rc=%d nrec=%d", rc, nrec);
	rc = send_query(false, 40040, 101, "quiet.test", 1);
	check(rc == 1 && nrec == 0, "dns-nopost", "rc=%d nrec=%d", rc, nrec);
}

/* --- HTTP ------------------------------------------------------------------ */

static int http_send(bool egress, unsigned cport, unsigned sport, const char *payload, size_t n)
{
	static struct pkt k;

	frame(&k, false, IPPROTO_TCP, egress, cport, sport, payload, n);
	return run(egress, &k);
}

#define HS(egress, cport, sport, s) http_send(egress, cport, sport, s, strlen(s))

static void test_http(void)
{
	struct pairs_seen ps = { 0 };
	struct ldr_l7_pairs t;
	int rc;

	ldr_l7_pairs__init(&t, 16, 5000000000ull, on_pair, &ps);
	rc = HS(true, 50000, 80,
		"GET /index.html?q=1 HTTP/1.1\r\nUser-Agent: x\r\nhOsT:  www.example.com\r\n\r\n");
	check(rc == 1 && nrec == 1 && PROTO(0) == TPC_NET_HTTP && EV(0) == TPC_HTTP_REQUEST &&
		      rec_str_is(0, 0, "GET") && rec_str_is(0, 1, "/index.html?q=1") &&
		      rec_str_is(0, 2, "www.example.com") && SRV(0)->port == 80,
	      "http-request", "rc=%d nrec=%d", rc, nrec);
	if (nrec == 1)
		ldr_l7_pairs__add(&t, NULL, recs[0].raw, recs[0].size);
	rc = HS(false, 50000, 80, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	check(rc == 1 && nrec == 1 && PROTO(0) == TPC_NET_HTTP && EV(0) == TPC_HTTP_RESPONSE &&
		      B(0, code) == 404,
	      "http-response", "rc=%d nrec=%d", rc, nrec);
	if (nrec == 1)
		ldr_l7_pairs__add(&t, NULL, recs[0].raw, recs[0].size);
	check(ps.n == 1 && ps.answered[0] && ps.second_code[0] == 404, "http-paired", "pairs=%d",
	      ps.n);
	/* a second response without a request on the connection: nothing */
	rc = HS(false, 50000, 80, "HTTP/1.1 200 OK\r\n\r\n");
	check(rc == 1 && nrec == 0, "http-response-without-request", "nrec=%d", nrec);

	/* pipelined: three heads in one segment, responses one per segment */
	rc = HS(true, 50001, 8080,
		"GET /a HTTP/1.1\r\nHost: h\r\n\r\nHEAD /b HTTP/1.1\r\nHost: h\r\n\r\n"
		"DELETE /c HTTP/1.1\r\nHost: h2\r\n\r\n");
	check(rc == 1 && nrec == 3 && rec_str_is(0, 1, "/a") && rec_str_is(1, 0, "HEAD") &&
		      rec_str_is(1, 1, "/b") && rec_str_is(2, 0, "DELETE") &&
		      rec_str_is(2, 2, "h2"),
	      "http-pipelined-requests", "rc=%d nrec=%d", rc, nrec);
	for (int i = 0; i < nrec; i++)
		ldr_l7_pairs__add(&t, NULL, recs[i].raw, recs[i].size);
	HS(false, 50001, 8080, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	for (int i = 0; i < nrec; i++)
		ldr_l7_pairs__add(&t, NULL, recs[i].raw, recs[i].size);
	HS(false, 50001, 8080, "HTTP/1.1 100 Continue\r\n\r\n"); /* interim: skipped */
	check(nrec == 0, "http-interim-skipped", "nrec=%d", nrec);
	HS(false, 50001, 8080, "HTTP/1.1 204 No Content\r\n\r\n");
	for (int i = 0; i < nrec; i++)
		ldr_l7_pairs__add(&t, NULL, recs[i].raw, recs[i].size);
	HS(false, 50001, 8080, "HTTP/1.0 500 Oops\r\n\r\n");
	for (int i = 0; i < nrec; i++)
		ldr_l7_pairs__add(&t, NULL, recs[i].raw, recs[i].size);
	{
		static const unsigned want[] = { 0, 200, 204, 500 };
		static const char *const paths[] = { "", "/a", "/b", "/c" };
		bool ok = ps.n == 4;

		for (int i = 1; ok && i < 4; i++)
			ok = ps.answered[i] && ps.second_code[i] == want[i] &&
			     !strcmp(ps.path[i], paths[i]);
		check(ok, "http-pipelined-fifo-pairing", "pairs=%d", ps.n);
	}

	/* keep-alive: a body segment, then the next request on the connection */
	rc = HS(true, 50002, 80, "POST /upload HTTP/1.1\r\nHost: up\r\nContent-Length: 10\r\n\r\n");
	check(rc == 1 && nrec == 1 && rec_str_is(0, 0, "POST"), "http-post", "nrec=%d", nrec);
	uint64_t u0 = stat_of(TPC_L7_HTTP_UNPARSED);
	rc = HS(true, 50002, 80, "0123456789");
	check(rc == 1 && nrec == 0 && stat_of(TPC_L7_HTTP_UNPARSED) == u0 + 1,
	      "http-body-segment-not-parsed", "nrec=%d", nrec);
	rc = HS(true, 50002, 80, "GET /next HTTP/1.1\r\nHost: up\r\n\r\n");
	check(rc == 1 && nrec == 1 && rec_str_is(0, 1, "/next"), "http-keepalive-next-request",
	      "nrec=%d", nrec);

	/* Host beyond the first TPC_HTTP_HEAD bytes */
	{
		char big[2048];
		int o = sprintf(big, "GET /x HTTP/1.1\r\nX-Pad: ");
		memset(big + o, 'p', 1100);
		o += 1100;
		o += sprintf(big + o, "\r\nHost: late\r\n\r\n");
		rc = http_send(true, 50003, 80, big, o);
		check(rc == 1 && nrec == 1 && (B(0, flags) & TPC_L7_F_NO_HOST) &&
			      rec_str_is(0, 2, ""),
		      "http-host-beyond-head", "nrec=%d", nrec);
	}
	/* long path: cut at 255, flagged, original length kept */
	{
		char big[2048];
		int o = sprintf(big, "GET /");
		memset(big + o, 'q', 400);
		o += 400;
		o += sprintf(big + o, " HTTP/1.1\r\nHost: h\r\n\r\n");
		rc = http_send(true, 50004, 80, big, o);
		check(rc == 1 && nrec == 1 && B(0, len[1]) == 255 &&
			      (B(0, flags) & TPC_L7_F_TRUNC) && B(0, orig) == 401 &&
			      rec_str_is(0, 2, "h"),
		      "http-long-path-truncated", "nrec=%d", nrec);
	}
	/* request line split across segments: parsed from the first, cut */
	rc = HS(true, 50005, 80, "GET /spl");
	check(rc == 1 && nrec == 1 && rec_str_is(0, 1, "/spl") &&
		      (B(0, flags) & TPC_L7_F_NO_HOST),
	      "http-split-request-line", "nrec=%d", nrec);
	rc = HS(true, 50005, 80, "it HTTP/1.1\r\nHost: h\r\n\r\n");
	check(rc == 1 && nrec == 0, "http-continuation-not-parsed", "nrec=%d", nrec);

	uint64_t m0 = stat_of(TPC_L7_HTTP_MALFORMED);
	rc = HS(true, 50006, 80, "GETX\r\n\r\n");
	check(rc == 1 && nrec == 0 && stat_of(TPC_L7_HTTP_MALFORMED) == m0 + 1, "http-malformed",
	      "nrec=%d", nrec);
	rc = HS(true, 50006, 80, "\x16\x03\x01\x02\x00"); /* a TLS hello on port 80 */
	check(rc == 1 && nrec == 0, "http-tls-ignored", "nrec=%d", nrec);
	rc = HS(true, 50007, 9999, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	check(rc == 1 && nrec == 0, "http-other-port-ignored", "nrec=%d", nrec);
	ldr_l7_pairs__fini(&t);
}

/* --- packets that are not for us, and garbage -------------------------------- */

static void test_packets(void)
{
	uint8_t m[600];
	struct pkt k;
	size_t n = dns_query(m, 1, "frag.example.com", 1);
	int rc, bad = 0;

	frame(&k, false, IPPROTO_UDP, true, 40050, 53, m, n);
	k.b[14 + 6] = 0x00, k.b[14 + 7] = 0x10; /* fragment offset 16 */
	rc = run(true, &k);
	check(rc == 1 && nrec == 0, "pkt-later-fragment-ignored", "rc=%d nrec=%d", rc, nrec);
	frame(&k, false, IPPROTO_UDP, true, 40050, 53, m, n);
	k.b[14] = 0x75; /* version 7 */
	rc = run(true, &k);
	check(rc == 1 && nrec == 0, "pkt-bad-version-passes", "rc=%d", rc);
	frame(&k, false, IPPROTO_UDP, true, 40050, 53, m, n);
	k.b[14] = 0x41; /* IHL 1 */
	rc = run(true, &k);
	check(rc == 1 && nrec == 0, "pkt-bad-ihl-passes", "rc=%d", rc);

	/* random payloads on the DNS and HTTP ports, both directions: every
	 * verdict is pass (nothing random ends in .blocked.test) */
	srand(7);
	for (int i = 0; i < 3000; i++) {
		size_t len = rand() % 300;
		bool eg = i & 1;
		unsigned port = (i & 2) ? 53 : 80;
		for (size_t j = 0; j < len; j++)
			m[j] = rand() & 0xff;
		if (i % 3 == 0 && len > 12)
			put16(m + 4, 1), m[2] = 0;
		frame(&k, (i & 4) != 0, (i & 8) ? IPPROTO_TCP : IPPROTO_UDP, eg, 40060, port, m,
		      len);
		rc = run(eg, &k);
		if (rc != 1)
			bad++;
	}
	check(bad == 0, "pkt-random-3000-all-pass", "%d packets not passed", bad);
}

/* --- attach mode ---------------------------------------------------------- */

static volatile sig_atomic_t stop;
static struct ldr_l7_pairs live;
static struct jbuf line;

static void on_stop(int sig)
{
	stop = 1;
}

static void print_pair(void *ctx, const void *tag, const void *a, size_t asz, const void *b,
		       size_t bsz)
{
	struct ldr_l7_rec q, r;

	if (ldr_l7__parse(a, asz, &q) || (b && ldr_l7__parse(b, bsz, &r)))
		return;
	jbuf__reset(&line);
	jbuf__cstr(&line, q.n->proto == TPC_NET_DNS ? "{\"network_dns\":{\"pid\":"
						  : "{\"network_http\":{\"pid\":");
	jbuf__u64(&line, q.h->pid);
	jbuf__cstr(&line, ",\"comm\":");
	jbuf__str(&line, q.h->comm, strnlen(q.h->comm, sizeof(q.h->comm)));
	ldr_l7__put_fields(&line, &q, b ? &r : NULL);
	jbuf__cstr(&line, "}}\n");
	fwrite(line.p, 1, line.len, stdout);
}

static int on_live(void *ctx, void *data, size_t size)
{
	if (ldr_l7_pairs__add(&live, NULL, data, size))
		(*(uint64_t *)ctx)++;
	return 0;
}

static uint64_t now_boot(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void prog_stats(const char *name, int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return;
	printf(",\"%s\":{\"run_cnt\":%llu,\"run_time_ns\":%llu}", name,
	       (unsigned long long)info.run_cnt, (unsigned long long)info.run_time_ns);
}

static int attach_mode(struct bpf_object *obj, const char *cgpath, bool bench, bool empty_only)
{
	struct bpf_program *pe = bpf_object__find_program_by_name(obj, "l7_empty");
	int empty_fd = pe ? bpf_program__fd(pe) : -1;
	int cg = open(cgpath, O_RDONLY | O_DIRECTORY);
	uint64_t bad = 0;
	int err = 0, rbfd;
	struct ring_buffer *lrb;

	if (cg < 0) {
		fprintf(stderr, "netl7_test: %s: %s\n", cgpath, strerror(errno));
		return 1;
	}
	if (ldr_l7_pairs__init(&live, 4096, 2000000000ull, print_pair, NULL))
		return 1;
	rbfd = bpf_object__find_map_fd_by_name(obj, TPC_EVENTS_MAP);
	lrb = ring_buffer__new(rbfd, on_live, &bad, NULL);
	if (empty_only) {
		bench = true;
		egress_fd = ingress_fd = -1;
	}
	if (!lrb ||
	    (!empty_only && bpf_prog_attach(egress_fd, cg, BPF_CGROUP_INET_EGRESS, BPF_F_ALLOW_MULTI)) ||
	    (!empty_only &&
	     bpf_prog_attach(ingress_fd, cg, BPF_CGROUP_INET_INGRESS, BPF_F_ALLOW_MULTI)) ||
	    (bench && bpf_prog_attach(empty_fd, cg, BPF_CGROUP_INET_EGRESS, BPF_F_ALLOW_MULTI))) {
		fprintf(stderr, "netl7_test: attach: %s\n", strerror(errno));
		err = 1;
		goto cleanup;
	}
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	fprintf(stderr, "ready\n");
	while (!stop) {
		/* records are posted without wake-ups (BPF_RB_NO_WAKEUP): drain on
		 * a 10 ms timer, as tpc-loader does */
		usleep(10000);
		ring_buffer__consume(lrb);
		ldr_l7_pairs__expire(&live, now_boot());
		fflush(stdout);
	}
	ring_buffer__consume(lrb);
cleanup:
	if (egress_fd >= 0)
		bpf_prog_detach2(egress_fd, cg, BPF_CGROUP_INET_EGRESS);
	if (ingress_fd >= 0)
		bpf_prog_detach2(ingress_fd, cg, BPF_CGROUP_INET_INGRESS);
	if (bench)
		bpf_prog_detach2(empty_fd, cg, BPF_CGROUP_INET_EGRESS);
	ldr_l7_pairs__fini(&live);
	{
		int sfd = bpf_object__find_map_fd_by_name(obj, TPC_STATS_MAP);
		static const char *const names[] = { "dns_queries",    "dns_answers",
						     "dns_malformed",  "dns_blocked",
						     "http_requests",  "http_responses",
						     "http_unparsed",  "http_malformed",
						     "pkt_malformed",  "nested" };
		int ncpu = libbpf_num_possible_cpus();
		uint64_t v[512] = { 0 }, drops = 0;
		uint32_t k = TPC_STAT_RB_DROPS;

		if (ncpu <= 512 && !bpf_map_lookup_elem(sfd, &k, v))
			for (int i = 0; i < ncpu; i++)
				drops += v[i];
		printf("{\"stats\":{\"rb_drops\":%llu,\"decode_errors\":%llu,\"orphans\":%llu,"
		       "\"evicted\":%llu,\"expired\":%llu",
		       (unsigned long long)drops, (unsigned long long)bad,
		       (unsigned long long)live.orphans, (unsigned long long)live.evicted,
		       (unsigned long long)live.expired);
		for (int i = 0; i < TPC_L7_STAT__COUNT; i++)
			printf(",\"%s\":%llu", names[i], (unsigned long long)stat_of(i));
		if (bench) {
			prog_stats("egress", egress_fd);
			prog_stats("ingress", ingress_fd);
			prog_stats("empty", empty_fd);
		}
		printf("}}\n");
	}
	jbuf__free(&line);
	ring_buffer__free(lrb);
	close(cg);
	return err;
}

/* A program that runs while another of its CPU is mid-run (a softirq
 * interrupting a send) must pass its packet unparsed and count it: set the
 * scratch's busy flag on every CPU (its offset from the object's BTF) and
 * send a query that Block would drop. */
static void test_nested(struct bpf_object *obj)
{
	const struct btf *btf = bpf_object__btf(obj);
	int sfd = bpf_object__find_map_fd_by_name(obj, "tpc_l7_scratch_map");
	int ncpu = libbpf_num_possible_cpus(), id, rc;
	uint32_t off = 0, vsz, k = 0;
	const struct btf_member *mm;
	const struct btf_type *t;
	uint64_t n0 = stat_of(TPC_L7_NESTED);
	uint8_t *vals;
	bool found = false;

	id = btf ? btf__find_by_name_kind(btf, "tpc_l7_scratch", BTF_KIND_STRUCT) : -1;
	if (id < 0 || sfd < 0) {
		check(false, "nested-program-passes", "no tpc_l7_scratch in BTF");
		return;
	}
	t = btf__type_by_id(btf, id);
	vsz = t->size;
	mm = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, mm++)
		if (!strcmp(btf__name_by_offset(btf, mm->name_off), "busy")) {
			off = btf_member_bit_offset(t, i) / 8;
			found = true;
		}
	vals = calloc(ncpu, (vsz + 7) & ~7u);
	if (!found || !vals || bpf_map_lookup_elem(sfd, &k, vals)) {
		check(false, "nested-program-passes", "cannot read the scratch");
		free(vals);
		return;
	}
	for (int c = 0; c < ncpu; c++)
		*(uint32_t *)(vals + (size_t)c * ((vsz + 7) & ~7u) + off) = 1;
	bpf_map_update_elem(sfd, &k, vals, BPF_ANY);
	rc = send_query(false, 40070, 1, "nested.blocked.test", 1);
	check(rc == 1 && nrec == 0 && stat_of(TPC_L7_NESTED) == n0 + 1, "nested-program-passes",
	      "rc=%d nrec=%d", rc, nrec);
	for (int c = 0; c < ncpu; c++)
		*(uint32_t *)(vals + (size_t)c * ((vsz + 7) & ~7u) + off) = 0;
	bpf_map_update_elem(sfd, &k, vals, BPF_ANY);
	rc = send_query(false, 40070, 2, "nested.blocked.test", 1);
	check(rc == 0 && nrec == 1, "not-nested-blocks-again", "rc=%d nrec=%d", rc, nrec);
	free(vals);
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	int err;

	if (argc != 2 && !(argc >= 4 && !strcmp(argv[2], "--attach"))) {
		fprintf(stderr, "usage: netl7_test OBJ [--attach CGROUP [--bench | --empty]]\n");
		return 2;
	}
	obj = bpf_object__open(argv[1]);
	if (!obj) {
		fprintf(stderr, "cannot open %s\n", argv[1]);
		return 2;
	}
	err = bpf_object__load(obj);
	if (err) {
		printf("FAIL netl7/load: %s\n", strerror(-err));
		return 1;
	}
	p = bpf_object__find_program_by_name(obj, "l7_egress");
	egress_fd = p ? bpf_program__fd(p) : -1;
	p = bpf_object__find_program_by_name(obj, "l7_ingress");
	ingress_fd = p ? bpf_program__fd(p) : -1;
	stats_fd = bpf_object__find_map_fd_by_name(obj, TPC_L7_STATS_MAP);
	rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, TPC_EVENTS_MAP), on_rec, NULL,
			      NULL);
	if (egress_fd < 0 || ingress_fd < 0 || stats_fd < 0 || !rb) {
		printf("FAIL netl7/load: programs or maps missing\n");
		return 1;
	}
	if (argc >= 4) {
		err = attach_mode(obj, argv[3], argc > 4 && !strcmp(argv[4], "--bench"),
				  argc > 4 && !strcmp(argv[4], "--empty"));
		ring_buffer__free(rb);
		bpf_object__close(obj);
		return err;
	}
	test_dns_queries();
	test_dns_tcp();
	test_dns_malformed();
	test_dns_answers();
	test_dns_decode_hostile();
	test_dns_block();
	test_http();
	test_packets();
	test_nested(obj);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return failed;
}
