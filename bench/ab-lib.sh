# ab-lib.sh: the A/B loop shared by bench/ab-*.sh (the method of
# docs/performance.md's A/B rows): in each of ROUNDS rounds every case is
# attached, the workload runs once and the case is detached, in an order
# that rotates by one case per round, so drift between minutes falls on
# every case alike; per case the median and min-max of ns per event
# (bpf_stats run_time_ns / run_cnt of the case's programs).
#
# The sourcing script sets N and W_NAME and defines, then calls ab__run "$@":
#   ab_parse SPEC    from the text after NAME=, sets att (hold or a
#                    tpc-loader path), objs[] and its own fields
#   ab_ids PID OLD   the JSON array of the case's program ids (OLD: the ids
#                    loaded before the attacher started); [] until attached
#   ab_workload      runs the workload once
# AB_SETTLE: seconds to wait once the ids are seen (attach follows load).
B=${B:-build/bench}
ROUNDS=${ROUNDS:-7}
AB_SETTLE=${AB_SETTLE:-0}
W=$(mktemp -d "/tmp/$W_NAME.XXXXXX")
OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)
PID=
ab__cleanup() {
	[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
	rm -rf "$W"
}
trap ab__cleanup EXIT
sysctl -qw kernel.bpf_stats_enabled=1

ab__snap() { # the summed run time and the run count of programs $1
	bpftool prog show --json | jq -c --argjson ids "$1" \
		'[.[]|select(.id as $i|$ids|index($i))]|{rt: (map(.run_time_ns // 0)|add // 0), cnt: (map(.run_cnt // 0)|max // 0)}'
}

ab__run() {
	local names=() specs=() n r k i t old ids a b
	for a in "$@"; do
		names+=("${a%%=*}")
		specs+=("${a#*=}")
	done
	n=${#names[@]}
	for ((r = 0; r < ROUNDS; r++)); do
		for ((k = 0; k < n; k++)); do
			i=$(((k + r) % n))
			ab_parse "${specs[$i]}"
			old=$(bpftool prog show --json | jq -c '[.[].id]')
			if [ "$att" = hold ]; then
				"$B/hold" "${objs[@]}" >/dev/null 2>"$W/err" &
			else
				"$att" run --no-base-sensor -o json "${objs[@]}" >/dev/null 2>"$W/err" &
			fi
			PID=$!
			ids='[]'
			for ((t = 0; t < 400; t++)); do
				ids=$(ab_ids "$PID" "$old")
				[ "$(jq length <<<"$ids")" -ge 1 ] && break
				kill -0 "$PID" 2>/dev/null || { cat "$W/err" >&2; exit 1; }
				sleep 0.05
			done
			sleep "$AB_SETTLE"
			b=$(ab__snap "$ids")
			ab_workload >/dev/null
			a=$(ab__snap "$ids")
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
}
