#!/bin/bash
# Bench smoke run (seconds): the `make bench` harness with tiny N, so it never
# rots. Checks that every case attached and measured (bpf_stats moved), that
# the floor is below the tpc cases, that a set above IR_INLINE_MAX values
# (filled from .tpc.meta) still matches, that results JSON is complete, and
# that the per-policy (stdlib) part measures each program against its floor.
# Numbers are not judged here: this VM is too noisy for thresholds in CI.
set -u
cd "$(dirname "$0")/../.."
B=${BUILD:-build}/bench
for t in bpftool jq; do
	if ! command -v $t >/dev/null; then
		echo "SKIP bench_smoke: $t missing (scripts/bench-deps.sh)"
		exit 0
	fi
done
for f in openat sys exec tiny hold tcpconn empty_openat.bpf.o empty_tcpstate.bpf.o hand_openat.bpf.o; do
	if [ ! -e "$B/$f" ]; then
		echo "FAIL bench_smoke/build: $B/$f missing"
		exit 0
	fi
done
out=$(BENCH_QUICK=1 BENCH_NO_BPFTRACE=1 BENCH_PARTS="kernel scale" BENCH_SIZES=10 \
	RESULTS=$B/smoke.json bash bench/run.sh 2>&1)
rc=$?
if [ $rc -ne 0 ] || ! jq -e . "$B/smoke.json" >/dev/null 2>&1; then
	echo "FAIL bench_smoke/run: exit $rc"
	echo "$out" | tail -15 >&2
	exit 0
fi
echo "PASS bench_smoke/run"
R=$B/smoke.json
check() { # NAME JQ-EXPR (true = pass)
	if jq -e "$2" "$R" >/dev/null 2>&1; then echo "PASS bench_smoke/$1"; else
		echo "FAIL bench_smoke/$1"
		[ -n "${DUMPED:-}" ] || jq -c '.cases[] | {name, ns_median, programs, skipped}' "$R" >&2
		DUMPED=1
	fi
}
case_ok() { # every listed case measured with its programs' run counts
	check "$1" "[.cases[] | select(.name == \"$1\")] | length == 1 and
		(.[0] | .programs >= 1 and .ns_median > 0 and
		 (.reps | all(.run_cnt >= .n and .errors == 0)))"
}
for c in empty hand_binary_miss hand_path_miss hand_match tpc_binary_miss tpc_path_miss tpc_match \
	scale_str_eq_10_miss scale_str_eq_10_match scale_prefix_10_match scale_int_eq_10_match; do
	case_ok $c
done
# every workload openat matched and was drained; the workload's own dynamic
# loader opens libc with the same flags, so the int case sees a few more
check fills_match 'all(.cases[] | select(.name | test("^scale_.*_match$"));
	(.reps | map(.n) | add) as $n | .events_drained >= $n and .events_drained <= $n + 10 * (.reps | length))'
check misses_post_nothing 'all(.cases[] | select(.name | test("^scale_.*_miss$")); .events_drained == 0)'
check none_has_no_programs '.cases[] | select(.name == "none") | .programs == 0'
check floor_is_cheapest '(.cases | map({(.name): .ns_median}) | add) as $c |
	$c.empty < $c.tpc_path_miss and $c.empty < $c.tpc_match'
check match_costs_more_than_miss '(.cases | map({(.name): .ns_median}) | add) as $c |
	$c.tpc_match > $c.tpc_binary_miss and $c.scale_str_eq_10_match > $c.scale_str_eq_10_miss'
check ratios_present '.cases[] | select(.name == "tpc_match") | .vs_floor > 1'
# interleaved: every case has one rep per round, and in the order the
# reps were taken no round starts before the previous one has ended
check one_rep_per_round '[.cases[] | select(.reps) | [.reps[].round] == [range(0; 2)]] | all'
# the report renders per-round ratios for the targets it can judge
if bash bench/report.sh "$R" 2>/dev/null | grep -q '^| path mismatch within 1.1x of hand-written | [0-9.]*x ([0-9.]*x-[0-9.]*x over 2 rounds'; then
	echo "PASS bench_smoke/report_round_ratios"
else
	echo "FAIL bench_smoke/report_round_ratios"
fi
# The per-policy part (stdlib): three library policies on three program
# types (a tracepoint with a binary set, a raw tracepoint, cgroup programs)
# and an LSM-only one; each attached program gets a cost and an empty
# program's floor from the same run, the LSM-only policy a row saying why
# it has none, and nothing is posted (the workloads match no policy).
T=$B/stdlib-cost-smoke.tsv
rm -f "$T"
BENCH_QUICK=1 BENCH_NO_BPFTRACE=1 BENCH_PARTS=stdlib STDLIB_COST=$T RESULTS=$B/smoke-stdlib.json \
	BENCH_STDLIB_POLICIES="stdlib-policies/process/reverse-shell-tools.yaml stdlib-policies/process/deleted-binary-exec.yaml stdlib-policies/network/cloud-metadata.yaml stdlib-policies/privileges/kernel-module-block.yaml" \
	bash bench/run.sh >"$B/smoke-stdlib.log" 2>&1
std_row() { # POLICY PROGRAM: measured, with a floor and a ratio, no events
	if awk -F'\t' -v p="$1" -v s="$2" '$1 == p && $2 == s && $3 > 0 && $9 > 0 && $10 != "-" && $8 == 0 {ok = 1}
		END {exit !ok}' "$T" 2>/dev/null; then
		echo "PASS bench_smoke/stdlib/$1/${2##*/}"
	else
		echo "FAIL bench_smoke/stdlib/$1/${2##*/}"
		cat "$T" "$B/smoke-stdlib.log" 2>/dev/null | tail -20 >&2
	fi
}
std_row reverse-shell-tools tracepoint/sched/sched_process_exec
std_row reverse-shell-tools tracepoint/sched/sched_process_exit
std_row deleted-binary-exec raw_tp/sched_process_exec
std_row cloud-metadata cgroup/connect4
std_row cloud-metadata cgroup/connect6
if grep -q "^kernel-module-block	-	BPF LSM only" "$T" 2>/dev/null; then
	echo "PASS bench_smoke/stdlib/lsm-only-row"
else
	echo "FAIL bench_smoke/stdlib/lsm-only-row"
fi

# compile part: tpc build against the bare clang command on the same C
out=$(BENCH_QUICK=1 BENCH_NO_BPFTRACE=1 BENCH_PARTS=compile BENCH_COMPILE_ROUNDS=1 BENCH_COMPILE_POLICIES=examples/block-netcat.yaml \
	RESULTS=$B/smoke-compile.json bash bench/run.sh 2>&1)
R=$B/smoke-compile.json
DUMPED=
check compile_vs_clang '.compile | length == 2 and all(.[]; .clang_s > 0 and .vs_clang > 0.5 and .wall_s >= .frontend_s)'

# tpcNetwork tcp part: tp_btf and cgroup programs found by name, each with
# its empty floor (bench/hold attaches cgroup programs to the cgroup v2 root)
out=$(BENCH_QUICK=1 BENCH_NO_BPFTRACE=1 BENCH_PARTS="tcp" BENCH_TCP_N=200 \
	RESULTS=$B/smoke-tcp.json bash bench/run.sh 2>&1)
rc=$?
if [ $rc -ne 0 ] || ! jq -e . "$B/smoke-tcp.json" >/dev/null 2>&1; then
	echo "FAIL bench_smoke/tcp-run: exit $rc"
	echo "$out" | tail -15 >&2
	exit 0
fi
R=$B/smoke-tcp.json
DUMPED=
for c in tcp_empty_tcpstate tcp_empty_cgconnect4 tcp_empty_sockcreate tcp_tpc_tcpstate_miss \
	tcp_tpc_cgconnect4_miss tcp_tpc_sockcreate_miss tcp_tpc_tcpstate_match; do
	case_ok $c
done
check tcp_ratios_present '.cases[] | select(.name == "tcp_tpc_tcpstate_match") | .vs_floor > 0'

