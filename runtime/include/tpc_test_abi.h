/* tpc_test_abi.h - the contract between objects built for `tpc test
 * --kernel` (TPC_TESTRUN) and the harness that runs them (compiler/eval/
 * krun.c). Never part of a production object: `tpc build` emits none of it.
 *
 * Contract: the harness writes one struct tpc_test_case into the array map
 * TPC_TEST_CASE_MAP (key 0) and zeroes TPC_TEST_OUT_MAP, then runs a
 * program's test entry (SEC("raw_tp") tpc_pN_test) with BPF_PROG_TEST_RUN.
 * In that entry every context accessor of the runtime (pid, uids, cgroup,
 * capabilities, namespaces, the binary's path, the workload-scope and
 * followForks bits, capability changes) and every argument read of the
 * generated code reads the case instead of the kernel, and every rule that
 * decides appends {rule, action flags, ret} to the out map instead of
 * signalling anyone. Argument slots are the prog's IR slots.
 */
#ifndef TPC_TEST_ABI_H
#define TPC_TEST_ABI_H

#include "tpc_abi.h"

#define TPC_TEST_CASE_MAP "tpc_test_case"
#define TPC_TEST_OUT_MAP "tpc_test_out"
#define TPC_TEST_SLOTS 16 /* argument slots of one prog */
#define TPC_TEST_MAXDEC 64 /* decisions of one run */
#define TPC_TESTV 100 /* the variant index of the test entry */

struct tpc_test_arg {
	__u64 i; /* integer: the raw 64-bit value the program would read */
	__s32 len; /* string/path: length, -1 = failed read or resolution */
	__u32 mode; /* path kinds: S_IFMT bits */
	__u32 nlink; /* path kinds: link count */
	__u32 state; /* sock: TCP state */
	struct tpc_ev_sockaddr sa[2]; /* sockaddr: [0]; sock: [0] dst, [1] src */
	char s[TPC_STR_MAX];
};

struct tpc_test_case {
	__u32 pid, tid, uid, gid, euid, egid, ppid, nspid;
	__u64 cgroup;
	__u64 caps[3], caps_exec[3]; /* Effective Inheritable Permitted */
	__u32 ns[10], host_ns[10]; /* namespace inodes (tables.h order) */
	__u32 ns_exec[10]; /* the inodes at exec (matchNamespaceChanges baseline) */
	__u64 scope_bits; /* bit i: in the scope map of index i */
	__u64 follow_bits; /* followForks pid-set bits */
	__s32 blen, pblen; /* binary paths' lengths, -1 none */
	char bin[TPC_PATH_MAX], pbin[TPC_PATH_MAX];
	char comm[16];
	struct tpc_test_arg args[TPC_TEST_SLOTS];
};

struct tpc_test_dec {
	__u32 rule;
	__u32 action; /* TPC_ACT_* */
	__s32 ret;
	__u32 pad;
};

struct tpc_test_out {
	__u32 n;
	__u32 pad;
	struct tpc_test_dec d[TPC_TEST_MAXDEC];
};

#endif
