#!/bin/bash
# DNS and HTTP parsers (runtime/tpc_dns.bpf.h, tpc_http.bpf.h) and their
# user-space half (loader/netl7.c): crafted packets through
# BPF_PROG_TEST_RUN on the cgroup_skb programs of tests/tools/netl7_test.bpf.c
# (valid queries, compression pointers, pointer loops, truncation, label 64,
# TCP length prefix, pipelined and split HTTP requests, random packets).
source "$(dirname "$0")/lib.sh"
need_bpf netl7
T=$E2E_ROOT/${BUILD:-build}/tests
if [ ! -x "$T/netl7_test" ] || [ ! -f "$T/netl7_test.bpf.o" ]; then
	fail netl7/build "$T/netl7_test missing (make test builds it)"
	exit 0
fi
"$T/netl7_test" "$T/netl7_test.bpf.o"
