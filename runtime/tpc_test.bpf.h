/* tpc_test.bpf.h - the test entry's view of the world (TPC_TESTRUN only;
 * contract in include/tpc_test_abi.h). Included by tpc.bpf.h before the
 * accessors, which read tpc_test__case() instead of the kernel when the
 * object is built for `tpc test --kernel`. A production object never
 * defines TPC_TESTRUN, so none of this is in it.
 */
#ifndef TPC_TEST_BPF_H
#define TPC_TEST_BPF_H

#include "tpc_core.bpf.h"
#include "tpc_str.bpf.h"
#include "tpc_test_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct tpc_test_case);
} tpc_test_case SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct tpc_test_out);
} tpc_test_out SEC(".maps");

/* Never NULL for the verifier's sake: an all-zero case stands in. */
static struct tpc_test_case tpc_test__zero;

TPC_INLINE struct tpc_test_case *tpc_test__case(void)
{
	u32 zero = 0;
	struct tpc_test_case *c = bpf_map_lookup_elem(&tpc_test_case, &zero);

	return c ? c : &tpc_test__zero;
}

TPC_INLINE struct tpc_test_arg *tpc_test__arg(int slot)
{
	return &tpc_test__case()->args[slot & (TPC_TEST_SLOTS - 1)];
}

TPC_INLINE u64 tpc_test__int(int slot)
{
	return tpc_test__arg(slot)->i;
}

/* A string or path argument into buf (offset 0); its length or -1. */
TPC_INLINE int tpc_test__str(char *buf, int slot)
{
	struct tpc_test_arg *a = tpc_test__arg(slot);
	int len = a->len;

	bpf_probe_read_kernel(buf, TPC_STR_MAX, a->s);
	if (len < 0)
		return -1;
	/* the harness never writes more than TPC_STR_MAX - 1; the mask tells
	 * the verifier, and the barrier keeps clang from dropping it */
	barrier_var(len);
	return len & (TPC_STR_MAX - 1);
}

/* The head of a string argument (tpc_str__read_head_user's contract) */
TPC_INLINE int tpc_test__head(char *h, int slot)
{
	struct tpc_test_arg *a = tpc_test__arg(slot);
	int len = a->len;

	bpf_probe_read_kernel(h, TPC_STR_HEAD, a->s);
	h[TPC_STR_HEAD - 1] = '\0';
	if (len < 0)
		return -1;
	return len < TPC_STR_HEAD - 1 ? len : TPC_STR_HEAD - 1;
}

TPC_INLINE void tpc_test__sa(struct tpc_ev_sockaddr *out, int slot)
{
	bpf_probe_read_kernel(out, 2 * sizeof(*out), tpc_test__arg(slot)->sa);
}

TPC_INLINE u32 tpc_test__mode(int slot)
{
	struct tpc_test_arg *a = tpc_test__arg(slot);

	return a->len < 0 ? 0 : a->mode;
}

TPC_INLINE u32 tpc_test__nlink(int slot)
{
	struct tpc_test_arg *a = tpc_test__arg(slot);

	return a->len < 0 ? 0 : a->nlink;
}

TPC_INLINE u32 tpc_test__state(int slot)
{
	return tpc_test__arg(slot)->state;
}

/* A rule decided: record it (the harness compares with the evaluator). */
TPC_INLINE void tpc_test__decide(u32 rule, const struct tpc_ev_hdr *h)
{
	u32 zero = 0;
	struct tpc_test_out *o = bpf_map_lookup_elem(&tpc_test_out, &zero);
	u32 n;

	if (!o)
		return;
	n = o->n;
	if (n >= TPC_TEST_MAXDEC)
		return;
#ifdef TPC_TEST_FAULT /* tests/e2e/tpctest.sh: a wrong object must be caught */
	rule ^= 1;
#endif
	o->d[n].rule = rule;
	o->d[n].action = h ? h->action : 0;
	o->d[n].ret = h ? h->ret : 0;
	o->n = n + 1;
}

#endif
