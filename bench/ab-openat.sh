#!/usr/bin/env bash
# ab-openat.sh: A/B of objects on syscalls/sys_enter_openat, the method of
# docs/performance.md's A/B rows: in each of ROUNDS rounds every case is
# attached, the workload runs once and the case is detached, in an order
# that rotates by one case per round; per case the median and min-max of
# ns per event (bpf_stats run_time_ns / run_cnt of the programs the
# attacher put on the hook, from bpftool perf show).
#
#   bench/ab-openat.sh NAME=ATTACHER:FILE:OBJ... ...
#     ATTACHER: hold (build/bench/hold) or a tpc-loader binary's path
#     FILE: the path the workload opens (bench/openat N FILE)
#   env: ROUNDS (7), N (200000), B (build/bench)
set -euo pipefail
B=${B:-build/bench}
ROUNDS=${ROUNDS:-7}
N=${N:-200000}
W=$(mktemp -d /tmp/ab-openat.XXXXXX)
OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)
PID=
cleanup() {
	[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
	rm -rf "$W"
}
trap cleanup EXIT
sysctl -qw kernel.bpf_stats_enabled=1

ids_of() { # the attacher's programs on the hook
	bpftool perf show --json | jq -c --argjson p "$1" \
		'[.[]|select(.pid==$p and .tracepoint=="sys_enter_openat")|.prog_id]'
}
snap() {
	bpftool prog show --json | jq -c --argjson ids "$1" \
		'[.[]|select(.id as $i|$ids|index($i))]|{rt: (map(.run_time_ns // 0)|add // 0), cnt: (map(.run_cnt // 0)|max // 0)}'
}
names=() specs=()
for a in "$@"; do
	names+=("${a%%=*}")
	specs+=("${a#*=}")
done
n=${#names[@]}
for ((r = 0; r < ROUNDS; r++)); do
	for ((k = 0; k < n; k++)); do
		i=$(((k + r) % n))
		IFS=: read -r att file objs <<<"${specs[$i]}"
		IFS=: read -r -a objs <<<"$objs"
		if [ "$att" = hold ]; then
			"$B/hold" "${objs[@]}" >/dev/null 2>"$W/err" &
		else
			"$att" run --no-base-sensor -o json "${objs[@]}" >/dev/null 2>"$W/err" &
		fi
		PID=$!
		ids='[]'
		for ((t = 0; t < 400; t++)); do
			ids=$(ids_of "$PID")
			[ "$(jq length <<<"$ids")" -ge 1 ] && break
			kill -0 "$PID" 2>/dev/null || { cat "$W/err" >&2; exit 1; }
			sleep 0.05
		done
		b=$(snap "$ids")
		"$B/openat" "$N" "$file" >/dev/null
		a=$(snap "$ids")
		kill -TERM "$PID"
		wait "$PID" 2>/dev/null || true
		PID=
		jq -n -r --argjson a "$a" --argjson b "$b" --arg name "${names[$i]}" --argjson r "$r" \
			'"\($name) \($r) \(($a.rt - $b.rt) / ($a.cnt - $b.cnt))"' >>"$W/res"
	done
done
echo "# $(date -u +%FT%TZ) rounds=$ROUNDS n=$N load=$(cut -d' ' -f1-3 /proc/loadavg)"
for ((k = 0; k < n; k++)); do
	awk -v c="${names[$k]}" '$1 == c {print $3}' "$W/res" | sort -g |
		awk -v c="${names[$k]}" '{v[NR] = $1} END {printf "%-14s median %7.1f ns  min %7.1f  max %7.1f  (%d rounds)\n", c, v[int((NR + 1) / 2)], v[1], v[NR], NR}'
done
