#!/usr/bin/env bash
# ab-exec.sh: A/B of objects on tp_btf/sched_process_exec, the method of
# docs/performance.md's issue-16 exec rows (the loop: bench/ab-lib.sh):
# per round every case runs N execs of bench/tiny; ns per exec from the
# programs the attacher loaded that are named like tpc_* or bench_empty.
#
#   bench/ab-exec.sh NAME=ATTACHER:OBJ... ...
#     ATTACHER: hold (build/bench/hold) or a tpc-loader binary's path
#   env: ROUNDS (7), N (2000), B (build/bench)
set -euo pipefail
N=${N:-2000}
W_NAME=ab-exec
AB_SETTLE=0.3 # programs are found when loaded; attach completes after
. "$(dirname "$0")/ab-lib.sh"

ab_parse() {
	att=${1%%:*}
	IFS=: read -r -a objs <<<"${1#*:}"
}
ab_ids() { # programs loaded since $2 named tpc_*/bench_empty on tracing
	bpftool prog show --json | jq -c --argjson old "$2" \
		'[.[]|select((.id as $i|$old|index($i)|not) and (.name|test("^(tpc_p[0-9]+_tp_btf|bench_empty)$")))|.id]'
}
ab_workload() { "$B/exec" "$N" "$B/tiny"; }
ab__run "$@"
