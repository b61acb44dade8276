/* netl7.c - DNS answer decoding and query/answer, request/response pairing
 * (contract in ldr_netl7.h). */
#include "net/ldr_netl7.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int ldr_dns__name(const uint8_t *msg, size_t len, size_t off, char out[256], size_t *next)
{
	size_t pos = off, o = 0, wire = 0, lowest = off;
	int hops = 0;
	bool jumped = false;

	for (;;) {
		uint8_t c;

		if (pos >= len)
			return -EBADMSG;
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t to;

			if (pos + 1 >= len || ++hops > LDR_DNS_HOPS)
				return -EBADMSG;
			to = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			/* strictly backwards from every label seen: no loops */
			if (to >= lowest)
				return -EBADMSG;
			if (!jumped)
				*next = pos + 2;
			jumped = true;
			lowest = to;
			pos = to;
			continue;
		}
		if (c & 0xc0)
			return -EBADMSG; /* label over 63 or a reserved type */
		wire += c + 1u;
		if (wire > 255)
			return -EBADMSG;
		if (c == 0)
			break;
		if (pos + 1 + c > len)
			return -EBADMSG;
		if (o)
			out[o++] = '.';
		memcpy(out + o, msg + pos + 1, c);
		o += c;
		pos += 1u + c;
	}
	out[o] = '\0';
	if (!jumped)
		*next = pos + 1;
	return 0;
}

int ldr_dns__decode(const uint8_t *msg, size_t len, struct ldr_dns_msg *out)
{
	size_t off;
	char skip[256];

	memset(out, 0, sizeof(*out));
	if (!msg || len < 12)
		return -EBADMSG;
	out->id = rd16(msg);
	out->flags = rd16(msg + 2);
	out->rcode = msg[3] & 15;
	out->qdcount = rd16(msg + 4);
	out->ancount = rd16(msg + 6);
	off = 12;
	for (unsigned q = 0; q < out->qdcount; q++) {
		if (ldr_dns__name(msg, len, off, q ? skip : out->qname, &off) || off + 4 > len) {
			out->truncated = true;
			return q ? 0 : -EBADMSG;
		}
		if (!q)
			out->qtype = rd16(msg + off);
		off += 4;
	}
	for (unsigned a = 0; a < out->ancount; a++) {
		struct ldr_dns_rr *rr;
		uint16_t type, rdlen;
		uint32_t ttl;

		if (off >= len) {
			out->truncated = true;
			break;
		}
		if (ldr_dns__name(msg, len, off, skip, &off))
			return off >= len ? (out->truncated = true, 0) : -EBADMSG;
		if (off + 10 > len) {
			out->truncated = true;
			break;
		}
		type = rd16(msg + off);
		ttl = rd32(msg + off + 4);
		rdlen = rd16(msg + off + 8);
		off += 10;
		if (off + rdlen > len) {
			out->truncated = true;
			break;
		}
		if (out->nans < LDR_DNS_MAX_ANS &&
		    ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16) || type == 5)) {
			size_t dummy;

			rr = &out->ans[out->nans];
			memset(rr, 0, sizeof(*rr));
			rr->type = type;
			rr->ttl = ttl;
			if (type == 5) {
				if (ldr_dns__name(msg, off + rdlen, off, rr->name, &dummy))
					return -EBADMSG;
			} else {
				rr->family = type == 1 ? AF_INET : AF_INET6;
				memcpy(rr->addr, msg + off, rdlen);
			}
			out->nans++;
		}
		off += rdlen;
	}
	return 0;
}

int ldr_l7__parse(const void *data, size_t size, struct ldr_l7_rec *r)
{
	const char *p = data, *end = p + size;
	size_t need = sizeof(*r->h) + sizeof(*r->n) + sizeof(*r->b), at;

	memset(r, 0, sizeof(*r));
	if (!data || size < need)
		return -EINVAL;
	r->h = data;
	r->n = (const void *)(p + sizeof(*r->h));
	r->b = (const void *)(p + sizeof(*r->h) + sizeof(*r->n));
	if (r->h->kind != TPC_EV_NET || (r->n->proto != TPC_NET_DNS && r->n->proto != TPC_NET_HTTP))
		return -EINVAL;
	if (r->h->size < need || r->h->size > size)
		return -EINVAL;
	end = p + r->h->size;
	at = need;
	for (int i = 0; i < 3; i++) {
		if (at + r->b->len[i] > r->h->size)
			return -EINVAL;
		r->str[i] = p + at;
		at += r->b->len[i];
	}
	at = (at + 7) & ~(size_t)7;
	r->rest = at < r->h->size ? p + at : end;
	r->end = end;
	return 0;
}

/* --- pairing --------------------------------------------------------------- */

struct ldr_l7_key {
	struct tpc_l7_flow flow;
	uint16_t id;	/* DNS id; 0 for HTTP */
	uint16_t proto; /* TPC_NET_DNS or TPC_NET_HTTP */
};

struct ldr_l7_slot {
	struct ldr_l7_key key;
	const void *tag;
	uint64_t ktime;
	struct ldr_l7_slot *chain;	   /* bucket, oldest first */
	struct ldr_l7_slot *older, *newer; /* age list */
	size_t size;
	uint64_t rec[]; /* the first record, copied */
};

static size_t key_bucket(const struct ldr_l7_pairs *t, const struct ldr_l7_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return (size_t)(h ^ h >> 29) & (t->cap - 1);
}

int ldr_l7_pairs__init(struct ldr_l7_pairs *t, size_t cap, uint64_t timeout_ns,
		       ldr_l7_pair_fn fn, void *ctx)
{
	memset(t, 0, sizeof(*t));
	if (cap < 2 || (cap & (cap - 1)) || !fn)
		return -EINVAL;
	t->bucket = calloc(cap, sizeof(*t->bucket));
	if (!t->bucket)
		return -ENOMEM;
	t->cap = cap;
	t->timeout_ns = timeout_ns;
	t->fn = fn;
	t->ctx = ctx;
	return 0;
}

/* Unlink s from its bucket and the age list and free it. */
static void slot__drop(struct ldr_l7_pairs *t, struct ldr_l7_slot *s)
{
	struct ldr_l7_slot **pp = &t->bucket[key_bucket(t, &s->key)];

	while (*pp && *pp != s)
		pp = &(*pp)->chain;
	if (*pp)
		*pp = s->chain;
	if (s->older)
		s->older->newer = s->newer;
	else
		t->oldest = s->newer;
	if (s->newer)
		s->newer->older = s->older;
	else
		t->newest = s->older;
	t->used--;
	free(s);
}

/* Hand the oldest entry over unanswered. */
static void slot__flush(struct ldr_l7_pairs *t, struct ldr_l7_slot *s)
{
	t->fn(t->ctx, s->tag, s->rec, s->size, NULL, 0);
	slot__drop(t, s);
}

void ldr_l7_pairs__fini(struct ldr_l7_pairs *t)
{
	if (!t || !t->bucket)
		return;
	while (t->oldest)
		slot__flush(t, t->oldest);
	free(t->bucket);
	t->bucket = NULL;
}

static int slot__hold(struct ldr_l7_pairs *t, const struct ldr_l7_key *k, const void *tag,
		      const struct ldr_l7_rec *r)
{
	size_t size = r->h->size;
	struct ldr_l7_slot *s, **pp;

	if (t->used >= t->cap) {
		t->evicted++;
		slot__flush(t, t->oldest);
	}
	s = malloc(sizeof(*s) + size);
	if (!s)
		return -ENOMEM;
	s->key = *k;
	s->tag = tag;
	s->ktime = r->h->ktime;
	s->chain = NULL;
	s->size = size;
	memcpy(s->rec, r->h, size);
	for (pp = &t->bucket[key_bucket(t, k)]; *pp; pp = &(*pp)->chain)
		;
	*pp = s;
	s->older = t->newest;
	s->newer = NULL;
	if (t->newest)
		t->newest->newer = s;
	else
		t->oldest = s;
	t->newest = s;
	t->used++;
	return 0;
}

/* The oldest held entry with key k. */
static struct ldr_l7_slot *slot__find(struct ldr_l7_pairs *t, const struct ldr_l7_key *k)
{
	struct ldr_l7_slot *s = t->bucket[key_bucket(t, k)];

	while (s && memcmp(&s->key, k, sizeof(*k)))
		s = s->chain;
	return s;
}

/* The held entry with key k posted for the same packet as `like`: several
 * policies may post the same query or request (rule ids differ). DNS: any
 * entry of the key (same flow and id); HTTP: same request stamp and index
 * (tpc_ev_l7.req_ktime and id of a request). rule >= 0: that rule only. */
static struct ldr_l7_slot *slot__find_same(struct ldr_l7_pairs *t, const struct ldr_l7_key *k,
					   const struct tpc_ev_l7 *like, int64_t rule)
{
	struct ldr_l7_slot *s = t->bucket[key_bucket(t, k)];
	struct ldr_l7_rec r;

	for (; s; s = s->chain) {
		if (memcmp(&s->key, k, sizeof(*k)) || ldr_l7__parse(s->rec, s->size, &r))
			continue;
		if (rule >= 0 && r.h->rule != (uint32_t)rule)
			continue;
		if (k->proto == TPC_NET_HTTP &&
		    (r.b->req_ktime != like->req_ktime || r.b->id != like->id))
			continue;
		return s;
	}
	return NULL;
}

static void key_of(const struct ldr_l7_rec *r, struct ldr_l7_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->flow.client, r->n->src.addr, 16);
	memcpy(k->flow.server, r->n->dst.addr, 16);
	k->flow.cport = r->n->src.port;
	k->flow.sport = r->n->dst.port;
	k->flow.family = (uint8_t)r->n->dst.family;
	k->flow.proto = (uint8_t)r->n->dst.protocol;
	k->proto = r->n->proto;
	if (r->n->proto == TPC_NET_DNS)
		k->id = r->b->id;
}

int ldr_l7_pairs__add(struct ldr_l7_pairs *t, const void *tag, const void *data, size_t size)
{
	struct ldr_l7_rec r;
	struct ldr_l7_key k;
	struct ldr_l7_slot *s;
	bool first;

	if (!t->bucket || ldr_l7__parse(data, size, &r))
		return -EINVAL;
	key_of(&r, &k);
	first = r.n->event == (r.n->proto == TPC_NET_DNS ? TPC_DNS_QUERY : TPC_HTTP_REQUEST);
	if (first) {
		if (r.h->action & TPC_ACT_OVERRIDE) {
			t->fn(t->ctx, tag, data, r.h->size, NULL, 0);
			return 0;
		}
		/* a retransmitted query (same flow, id and rule): keep the first */
		if (r.n->proto == TPC_NET_DNS && slot__find_same(t, &k, r.b, r.h->rule))
			return 0;
		return slot__hold(t, &k, tag, &r);
	}
	s = slot__find(t, &k);
	if (!s) {
		t->orphans++;
		return 0;
	}
	/* the oldest, then every other policy's record of the same packet */
	do {
		struct tpc_ev_l7 like;

		memcpy(&like, (const char *)s->rec + sizeof(struct tpc_ev_hdr) +
				      sizeof(struct tpc_ev_net), sizeof(like));
		t->fn(t->ctx, s->tag, s->rec, s->size, data, r.h->size);
		slot__drop(t, s);
		s = slot__find_same(t, &k, &like, -1);
	} while (s);
	return 0;
}

void ldr_l7_pairs__flush_tag(struct ldr_l7_pairs *t, const void *tag)
{
	struct ldr_l7_slot *s = t->bucket ? t->oldest : NULL, *next;

	for (; s; s = next) {
		next = s->newer;
		if (s->tag == tag)
			slot__flush(t, s);
	}
}

void ldr_l7_pairs__expire(struct ldr_l7_pairs *t, uint64_t now_ktime)
{
	while (t->oldest && t->oldest->ktime + t->timeout_ns < now_ktime) {
		t->expired++;
		slot__flush(t, t->oldest);
	}
}

/* --- JSON ------------------------------------------------------------------ */

static const struct {
	unsigned code;
	const char *name;
} dns_types[] = {
	{ 1, "A" },	  { 2, "NS" },	    { 5, "CNAME" }, { 6, "SOA" },    { 12, "PTR" },
	{ 15, "MX" },	  { 16, "TXT" },    { 28, "AAAA" }, { 33, "SRV" },   { 35, "NAPTR" },
	{ 43, "DS" },	  { 48, "DNSKEY" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" },
	{ 252, "AXFR" }, { 255, "ANY" },   { 257, "CAA" },
};

const char *ldr_dns__type_name(unsigned type)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (dns_types[i].code == type)
			return dns_types[i].name;
	return NULL;
}

const char *ldr_dns__rcode_name(unsigned rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP",	"REFUSED", "YXDOMAIN", "YXRRSET",
					     "NXRRSET", "NOTAUTH", "NOTZONE" };

	return rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] : NULL;
}

static void put_key(struct jbuf *b, const char *key)
{
	jbuf__ch(b, ',');
	jbuf__str(b, key, strlen(key));
	jbuf__ch(b, ':');
}

static void put_endpoint(struct jbuf *b, const char *key, const struct tpc_ev_sockaddr *sa)
{
	char a[INET6_ADDRSTRLEN] = "";

	inet_ntop(sa->family == AF_INET6 ? AF_INET6 : AF_INET, sa->addr, a, sizeof(a));
	put_key(b, key);
	jbuf__cstr(b, "{\"addr\":");
	jbuf__str(b, a, strlen(a));
	jbuf__cstr(b, ",\"port\":");
	jbuf__u64(b, sa->port);
	jbuf__ch(b, '}');
}

static void put_rstr(struct jbuf *b, const char *key, const struct ldr_l7_rec *r, int i)
{
	put_key(b, key);
	jbuf__str(b, r->str[i], r->b->len[i]);
}

static void put_answer(struct jbuf *b, const struct ldr_l7_rec *a)
{
	struct ldr_dns_msg *m = malloc(sizeof(*m));
	const char *rc = ldr_dns__rcode_name(a->b->code);
	size_t n = a->b->len[0];
	const uint8_t *head = (const uint8_t *)a->str[0];
	char addr[INET6_ADDRSTRLEN];
	int k = 0;

	put_key(b, "rcode");
	if (rc)
		jbuf__str(b, rc, strlen(rc));
	else
		jbuf__u64(b, a->b->code);
	if (!m)
		return;
	if (!head || ldr_dns__decode(head, n, m)) {
		jbuf__cstr(b, ",\"answer_malformed\":true");
		free(m);
		return;
	}
	jbuf__cstr(b, ",\"answers\":[");
	for (int i = 0; i < m->nans; i++) {
		if (!m->ans[i].family)
			continue;
		inet_ntop(m->ans[i].family, m->ans[i].addr, addr, sizeof(addr));
		jbuf__cstr(b, k++ ? ",{\"addr\":" : "{\"addr\":");
		jbuf__str(b, addr, strlen(addr));
		jbuf__cstr(b, ",\"ttl\":");
		jbuf__u64(b, m->ans[i].ttl);
		jbuf__ch(b, '}');
	}
	jbuf__ch(b, ']');
	k = 0;
	for (int i = 0; i < m->nans; i++) {
		if (m->ans[i].type != 5)
			continue;
		jbuf__cstr(b, k++ ? "," : ",\"cnames\":[");
		jbuf__str(b, m->ans[i].name, strlen(m->ans[i].name));
	}
	if (k)
		jbuf__ch(b, ']');
	if (m->truncated || (a->b->flags & TPC_L7_F_TRUNC))
		jbuf__cstr(b, ",\"answer_truncated\":true");
	free(m);
}

void ldr_l7__put_fields(struct jbuf *b, const struct ldr_l7_rec *q, const struct ldr_l7_rec *a)
{
	bool dns = q->n->proto == TPC_NET_DNS;

	if (dns) {
		const char *tn = ldr_dns__type_name(q->b->qtype);

		put_rstr(b, "name", q, 0);
		put_key(b, "type");
		if (tn)
			jbuf__str(b, tn, strlen(tn));
		else
			jbuf__u64(b, q->b->qtype);
		put_key(b, "type_code");
		jbuf__u64(b, q->b->qtype);
		put_key(b, "id");
		jbuf__u64(b, q->b->id);
		put_key(b, "protocol");
		jbuf__cstr(b, q->b->flags & TPC_L7_F_TCP ? "\"TCP\"" : "\"UDP\"");
	} else {
		put_rstr(b, "method", q, 0);
		put_rstr(b, "host", q, 2);
		put_rstr(b, "path", q, 1);
		if (q->b->flags & TPC_L7_F_TRUNC)
			jbuf__cstr(b, ",\"path_truncated\":true");
	}
	put_endpoint(b, "server", &q->n->dst);
	put_endpoint(b, "client", &q->n->src);
	if (q->h->action & TPC_ACT_OVERRIDE) {
		jbuf__cstr(b, ",\"blocked\":true");
		return;
	}
	if (!a) {
		jbuf__cstr(b, ",\"unanswered\":true");
		return;
	}
	if (dns) {
		put_answer(b, a);
	} else {
		put_key(b, "status");
		jbuf__u64(b, a->b->code);
	}
	put_key(b, "latency_ns");
	jbuf__ch(b, '"');
	jbuf__u64(b, a->h->ktime > q->h->ktime ? a->h->ktime - q->h->ktime : 0);
	jbuf__ch(b, '"');
}

/* --- counters ------------------------------------------------------------------ */

int ldr_l7__stats(struct bpf_object *obj, char *out, size_t outlen)
{
	static const char *const names[TPC_L7_STAT__COUNT] = {
		"dns_queries",	  "dns_answers",    "dns_malformed",  "dns_blocked",
		"http_requests", "http_responses", "http_unparsed", "http_malformed",
		"pkt_malformed", "nested",
	};
	int fd = obj ? bpf_object__find_map_fd_by_name(obj, TPC_L7_STATS_MAP) : -1;
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;
	size_t o = 0;

	if (fd < 0 || ncpu <= 0)
		return -ENOENT;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	out[0] = 0;
	for (uint32_t k = 0; k < TPC_L7_STAT__COUNT; k++) {
		uint64_t sum = 0;

		if (!bpf_map_lookup_elem(fd, &k, v))
			for (int c = 0; c < ncpu; c++)
				sum += v[c];
		if (o < outlen)
			o += snprintf(out + o, outlen - o, "%s%s=%llu", k ? " " : "", names[k],
				      (unsigned long long)sum);
	}
	free(v);
	return 0;
}

void ldr_l7__put_compact(struct jbuf *b, const struct ldr_l7_rec *q, const struct ldr_l7_rec *a)
{
	char num[32];

	if (q->n->proto == TPC_NET_DNS) {
		const char *tn = ldr_dns__type_name(q->b->qtype);

		jbuf__raw(b, q->str[0], q->b->len[0]);
		snprintf(num, sizeof(num), "%u", q->b->qtype);
		jbuf__ch(b, ' ');
		jbuf__cstr(b, tn ? tn : num);
	} else {
		jbuf__raw(b, q->str[0], q->b->len[0]);
		jbuf__ch(b, ' ');
		jbuf__raw(b, q->str[2], q->b->len[2]);
		jbuf__raw(b, q->str[1], q->b->len[1]);
	}
	if (q->h->action & TPC_ACT_OVERRIDE) {
		jbuf__cstr(b, " BLOCKED");
		return;
	}
	if (!a) {
		jbuf__cstr(b, " (no answer)");
		return;
	}
	jbuf__cstr(b, " -> ");
	if (q->n->proto == TPC_NET_DNS) {
		const char *rc = ldr_dns__rcode_name(a->b->code);
		struct ldr_dns_msg *m = malloc(sizeof(*m));

		snprintf(num, sizeof(num), "%u", a->b->code);
		jbuf__cstr(b, rc ? rc : num);
		if (m && !ldr_dns__decode((const uint8_t *)a->str[0], a->b->len[0], m))
			for (int i = 0; i < m->nans; i++) {
				char addr[INET6_ADDRSTRLEN];

				if (!m->ans[i].family)
					continue;
				inet_ntop(m->ans[i].family, m->ans[i].addr, addr, sizeof(addr));
				jbuf__ch(b, ' ');
				jbuf__cstr(b, addr);
			}
		free(m);
	} else {
		snprintf(num, sizeof(num), "%u", a->b->code);
		jbuf__cstr(b, num);
	}
	snprintf(num, sizeof(num), " %.2fms",
		 a->h->ktime > q->h->ktime ? (double)(a->h->ktime - q->h->ktime) / 1e6 : 0.0);
	jbuf__cstr(b, num);
}
