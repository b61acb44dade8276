#!/usr/bin/env bash
# ab-openat.sh: A/B of objects on syscalls/sys_enter_openat, the method of
# docs/performance.md's A/B rows (the loop: bench/ab-lib.sh): per round
# every case runs bench/openat N FILE; ns per event from the programs the
# attacher put on the hook (bpftool perf show).
#
#   bench/ab-openat.sh NAME=ATTACHER:FILE:OBJ... ...
#     ATTACHER: hold (build/bench/hold) or a tpc-loader binary's path
#     FILE: the path the workload opens (bench/openat N FILE)
#   env: ROUNDS (7), N (200000), B (build/bench)
set -euo pipefail
N=${N:-200000}
W_NAME=ab-openat
. "$(dirname "$0")/ab-lib.sh"

ab_parse() {
	local rest
	IFS=: read -r att file rest <<<"$1"
	IFS=: read -r -a objs <<<"$rest"
}
ab_ids() { # the attacher's programs on the hook
	bpftool perf show --json | jq -c --argjson p "$1" \
		'[.[]|select(.pid==$p and .tracepoint=="sys_enter_openat")|.prog_id]'
}
ab_workload() { "$B/openat" "$N" "$file"; }
ab__run "$@"
