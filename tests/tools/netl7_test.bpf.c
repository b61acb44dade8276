/* netl7_test.bpf.c - a fixed "policy" over the DNS and HTTP parsers, for
 * tests/tools/netl7_test.c (BPF_PROG_TEST_RUN) and the parser benchmark.
 * It is what generated code does for a tpcNetwork policy, written by hand:
 *   dns  ports [53]:  name Postfix ".blocked.test" -> Block (+ post);
 *                     name Equal "quiet.test"      -> NoPost;
 *                     anything else                -> Post.
 *   http ports [80, 8080]: every request -> Post.
 * Host kernel only: records name the current task (TPC_L7_CURRENT_TASK),
 * which Debian's 6.1 and 6.12 refuse in cgroup_skb programs; what `tpc
 * build` makes verifies there (docs/policy-reference.md).
 */
/* host-only tool: records name the current task (tpc_l7__hdr) */
#define TPC_L7_CURRENT_TASK 1
#include "tpc_dns.bpf.h"
#include "tpc_http.bpf.h"

/* literals are folded into the unrolled compare (no .rodata strings) */
#define BLOCKED_SFX ".blocked.test"
#define QUIET_NAME "quiet.test"

static __always_inline bool ends_with(const char *s, int len, const char *lit, int lit_len)
{
	int i, diff = 0;

	if (len < lit_len)
		return false;
#pragma clang loop unroll(full)
	for (i = 0; i < lit_len; i++)
		diff |= s[(len - lit_len + i) & TPC_STR_MASK] ^ lit[i];
	return diff == 0;
}

static __always_inline int dns_egress(struct __sk_buff *skb, struct tpc_l7_pkt *p)
{
	struct tpc_l7_scratch *sc = tpc_l7_scratch__get();
	struct tpc_dns_q q = {};
	char *name;

	if (!sc)
		return 1;
	name = sc->str[0];
	if (tpc_dns__query(skb, p, sc, &q))
		return 1;
	if (ends_with(name, q.name_len, BLOCKED_SFX, sizeof(BLOCKED_SFX) - 1)) {
		tpc_l7_stat__inc(TPC_L7_DNS_BLOCKED);
		tpc_dns__post_query(p, &q, name, 0, TPC_ACT_POST | TPC_ACT_OVERRIDE);
		return 0;
	}
	if (q.name_len == sizeof(QUIET_NAME) - 1 &&
	    ends_with(name, q.name_len, QUIET_NAME, sizeof(QUIET_NAME) - 1))
		return 1;
	tpc_dns__post_query(p, &q, name, 1, TPC_ACT_POST);
	tpc_dns__pending_add(p, &q, 1);
	return 1;
}

static __always_inline void http_egress(struct __sk_buff *skb, struct tpc_l7_pkt *p)
{
	struct tpc_l7_scratch *sc = tpc_l7_scratch__get();
	struct tpc_http_req r = {};
	u32 n, start = 0;
	int i;

	if (!sc)
		return;
	n = tpc_http__head(skb, p, sc->head);
	if (!n)
		return;
	for (i = 0; i < TPC_HTTP_PIPELINE; i++) {
		int rc = tpc_http__request(sc, start, n, &r);

		if (rc) {
			if (rc > 0 && i == 0)
				tpc_l7_stat__inc(TPC_L7_HTTP_UNPARSED);
			break;
		}
		r.index = i;
		tpc_http__post_request(p, sc, &r, 2, TPC_ACT_POST);
		tpc_http__pending_add(p, 2);
		if (!r.next)
			break;
		start = r.next;
	}
}

static __always_inline bool http_port(u16 port)
{
	return port == 80 || port == 8080;
}

SEC("cgroup_skb/egress")
int l7_egress(struct __sk_buff *skb)
{
	struct tpc_l7_scratch *sc = tpc_l7__enter();
	struct tpc_l7_pkt p;
	int ret = 1;

	if (!sc)
		return 1;
	if (tpc_l7__parse(skb, true, &p))
		goto out;
	if (p.dst == 53)
		ret = dns_egress(skb, &p);
	else if (p.flow.proto == TPC_L7_TCP && http_port(p.dst))
		http_egress(skb, &p);
out:
	tpc_l7__leave(sc);
	return ret;
}

SEC("cgroup_skb/ingress")
int l7_ingress(struct __sk_buff *skb)
{
	struct tpc_l7_scratch *sc = tpc_l7__enter();
	struct tpc_l7_pkt p;

	if (!sc)
		return 1;
	if (!tpc_l7__parse(skb, false, &p)) {
		if (p.src == 53)
			tpc_dns__answer(skb, &p, 0);
		else if (p.flow.proto == TPC_L7_TCP && http_port(p.src))
			tpc_http__response(skb, &p, 0);
	}
	tpc_l7__leave(sc);
	return 1;
}

/* the baseline for the per-packet cost: the same hook, nothing done */
SEC("cgroup_skb/egress")
int l7_empty(struct __sk_buff *skb)
{
	return 1;
}
