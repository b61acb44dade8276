#!/bin/bash
# bench/run.sh - `make bench`: in-kernel cost per event of tpc policies against
# baselines measured in the same run (nothing attached, an empty program on
# the same hook, a hand-written program, bpftrace), scaling with set size and
# policy count, compile time, loader export/losses/footprint.
#
# Writes build/bench/results.json (one record per case plus derived ratios)
# and build/bench/*.dat for the plots. Needs root, bpftool, jq, bpftrace
# (scripts/bench-deps.sh). Knobs (environment):
#   BENCH_N=200000       openat calls per repetition
#   BENCH_REPS=5         repetitions per case (medians and min/max reported)
#   BENCH_ROUNDS=$BENCH_REPS  interleaved rounds: cases compared with each other
#                        (kernel, scale, policies, exec, connect) are attached,
#                        measured once and detached in turn, round after round
#   BENCH_WORKLOAD_TIMEOUT=300  seconds one workload run may take
#   BENCH_EXEC_N=2000    execs per repetition
#   BENCH_CONNECT_N=50000 connect attempts per repetition
#   BENCH_TCP_N=5000     TCP connections (connect, accept, close) per repetition
#   BENCH_SIZES="1 10 100 1000 10000"   set sizes for the scaling series
#   BENCH_POLICIES="1 10 50"            policy counts for the fusion series
#   BENCH_PARTS="kernel scale policies exec connect scope tcp compile loader stdlib l7" (subset to run)
#   BENCH_STDLIB_POLICIES="stdlib-policies/*/*.yaml"  policies of the stdlib part
#   BENCH_STDLIB_N=100000 BENCH_STDLIB_EXEC_N=1000 BENCH_STDLIB_CONNECT_N=20000
#   STDLIB_COST=bench/results/stdlib-cost.tsv (the stdlib part's table; the
#                        quick run writes build/bench/stdlib-cost-smoke.tsv)
#   BENCH_QUICK=1        tiny N, one size, for the smoke test (seconds)
#   BENCH_NO_BPFTRACE=1  skip the bpftrace cases
# Per-event cost = sum over every program the case attached to the hook of
# delta run_time_ns, divided by the delta run_cnt (kernel.bpf_stats_enabled=1).
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
OUTDIR=${OUTPUT:-build}
B=$ROOT/$OUTDIR/bench
TPC=$ROOT/$OUTDIR/tpc
LOADER=$ROOT/$OUTDIR/tpc-loader
W=$B/work
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${BENCH_N:=2000}" "${BENCH_REPS:=2}" "${BENCH_EXEC_N:=20}" "${BENCH_CONNECT_N:=500}"
	: "${BENCH_TCP_N:=100}"
	: "${BENCH_SIZES:=1 100}" "${BENCH_POLICIES:=2}"
	: "${BENCH_PARTS:=kernel scale policies exec connect tcp loader}"
	: "${RESULTS:=$B/smoke.json}"
	: "${BENCH_STDLIB_N:=2000}" "${BENCH_STDLIB_EXEC_N:=20}" "${BENCH_STDLIB_CONNECT_N:=500}"
	: "${STDLIB_COST:=$B/stdlib-cost-smoke.tsv}"
fi
N=${BENCH_N:-200000}
REPS=${BENCH_REPS:-5}
# interleaved rounds (at least 5 for a run whose numbers are published)
ROUNDS=${BENCH_ROUNDS:-$REPS}
WORKLOAD_TIMEOUT=${BENCH_WORKLOAD_TIMEOUT:-300}
EXEC_N=${BENCH_EXEC_N:-2000}
CONN_N=${BENCH_CONNECT_N:-50000}
TCP_N=${BENCH_TCP_N:-5000}
SIZES=${BENCH_SIZES:-1 10 100 1000 10000}
NPOLS=${BENCH_POLICIES:-1 10 50}
PARTS=" ${BENCH_PARTS:-kernel scale policies exec connect scope tcp compile loader stdlib l7} "
RESULTS=${RESULTS:-$B/results.json}
CASES=$W/cases.jsonl
OPENAT_BIN=$(realpath "$B/openat")
MATCH=/tmp/tpcbench-match
OTHER=/tmp/tpcbench-other
PORT=1 # nothing listens: connect() fails fast with ECONNREFUSED
TCP_PORT=47391 # tcpconn's own listener (loopback only)
# bench/hold attaches cgroup programs here: the cgroup v2 mount, as tpc-loader
# finds it (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts)
HOLD_CGROUP=${HOLD_CGROUP:-$(awk '{for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break }}' /proc/self/mountinfo)}
export HOLD_CGROUP

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (bpf, tracefs, bpf_stats)"
for t in bpftool jq; do command -v $t >/dev/null || die "$t missing: run scripts/bench-deps.sh"; done
# A missing tool fails the run: a published table must not silently lack
# its baselines. BENCH_NO_BPFTRACE=1 / BENCH_NO_PLOTS=1 drop them on purpose.
HAVE_BPFTRACE=1
if [ "${BENCH_NO_BPFTRACE:-0}" = 1 ]; then
	HAVE_BPFTRACE=0
else
	command -v bpftrace >/dev/null || die "bpftrace missing: run scripts/bench-deps.sh (or BENCH_NO_BPFTRACE=1)"
fi
if [ -z "${BENCH_QUICK:-}" ] && [ "${BENCH_NO_PLOTS:-0}" != 1 ]; then
	command -v gnuplot >/dev/null || die "gnuplot missing: run scripts/bench-deps.sh (or BENCH_NO_PLOTS=1)"
fi
if [[ $PARTS == *" loader "* ]]; then
	[ -x /usr/bin/time ] || die "/usr/bin/time missing: run scripts/bench-deps.sh"
fi
for t in "$TPC" "$LOADER" "$B/hold" "$B/openat" "$B/rtime"; do
	[ -x "$t" ] || die "$t missing: run make bench-build"
done
mkdir -p "$W"
: >"$CASES"
RUN_T0=$(date +%s)
RUN_LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
touch "$MATCH" "$OTHER"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- compiler runtime loader bench ':!bench/results' 2>/dev/null || echo "+dirty")

ATT_PID=
detach() {
	[ -n "$ATT_PID" ] || return 0
	kill -TERM "$ATT_PID" 2>/dev/null
	# an attacher that has not exited after 20 s (seen once: a tpc-loader
	# flooded by a matching workload) is killed, so the run goes on
	local i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$ATT_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$ATT_PID" 2>/dev/null; then
		log "attacher $ATT_PID ignored SIGTERM for 20 s: SIGKILL"
		kill -KILL "$ATT_PID" 2>/dev/null
	fi
	wait "$ATT_PID" 2>/dev/null
	ATT_PID=
}
CLEAN_CGROUPS=
on_exit() {
	detach
	[ -n "$CLEAN_CGROUPS" ] && find "$CLEAN_CGROUPS" -depth -type d -exec rmdir {} \; 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# Program ids the attacher ($ATT_PID) has attached to tracepoint $1; with
# NAME_RE set (tp_btf and cgroup hooks: perf show does not list them), the
# programs named like NAME_RE that were not loaded yet at BEFORE_IDS.
NAME_RE=
BEFORE_IDS='[]'
hook_ids() {
	[ -n "$ATT_PID" ] || { echo '[]'; return; }
	if [ -n "$NAME_RE" ]; then
		bpftool prog show --json 2>/dev/null | jq -c --argjson old "$BEFORE_IDS" --arg re "$NAME_RE" \
			'[.[]|select((.id as $i|$old|index($i)|not) and (.name|test($re)))|.id]'
		return
	fi
	bpftool perf show --json 2>/dev/null |
		jq -c --argjson p "$ATT_PID" --arg t "$1" '[.[]|select(.pid==$p and .tracepoint==$t)|.prog_id]'
}

# wait_attached HOOK COUNT: until the attacher has COUNT programs on HOOK.
wait_attached() {
	local i n
	for ((i = 0; i < 600; i++)); do
		kill -0 "$ATT_PID" 2>/dev/null || { cat "$W/att.err" >&2; return 1; }
		n=$(hook_ids "$1" | jq length)
		[ "$n" -ge "$2" ] && return 0
		sleep 0.05
	done
	log "timeout waiting for $2 programs on $1"
	return 1
}

attach_hold() { # hold OBJ...
	"$B/hold" "$@" >"$W/att.out" 2>"$W/att.err" &
	ATT_PID=$!
}
attach_loader() { # OBJ... ; events as JSON lines to /dev/null
	"$LOADER" run --no-base-sensor -o json "$@" >/dev/null 2>"$W/att.err" &
	ATT_PID=$!
}
attach_bpftrace() { # SCRIPT
	BPFTRACE_STRLEN=64 bpftrace -e "$1" >/dev/null 2>"$W/att.err" &
	ATT_PID=$!
}

# Sum of run_time_ns and max of run_cnt over program ids (JSON array).
snap() {
	bpftool prog show --json |
		jq -c --argjson ids "$1" '[.[]|select(.id as $i|$ids|index($i))] |
			{rt: (map(.run_time_ns // 0)|add // 0), cnt: (map(.run_cnt // 0)|max // 0)}'
}

# one_rep IDS ROUND WORKLOAD...: run the workload once between two bpf_stats
# snapshots of IDS; prints one rep record (JSON) with the workload's own line.
one_rep() {
	local ids=$1 round=$2 before after line
	shift 2
	before=$(snap "$ids")
	line=$(timeout "$WORKLOAD_TIMEOUT" "$@") || { log "workload failed or timed out: $*"; return 1; }
	after=$(snap "$ids")
	jq -c -n --argjson b "$before" --argjson a "$after" --arg l "$line" --argjson r "$round" '
		($l | split(" ") | map(split("=") | {(.[0]): (.[1]|tonumber)}) | add) +
		{round: $r, run_cnt: ($a.cnt - $b.cnt), run_time_ns: ($a.rt - $b.rt),
		 ns_per_event: (if $a.cnt > $b.cnt then ($a.rt - $b.rt) / ($a.cnt - $b.cnt) else null end)}'
}

# case_record NAME GROUP HOOK DESC NPROGS < REPS.jsonl: the case's JSONL
# record (medians and spreads over its reps) appended to $CASES; LAST = it.
case_record() {
	jq -c -s --arg name "$1" --arg group "$2" --arg hook "$3" --arg desc "$4" \
		--argjson np "$5" '
		def med: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
		. as $reps | ($reps|map(.ns_per_event)|map(select(. != null))) as $ns |
		{name: $name, group: $group, hook: $hook, desc: $desc, programs: $np,
		 reps: $reps,
		 ns_median: ($ns|med), ns_min: ($ns|min), ns_max: ($ns|max),
		 wall_ns_median: ($reps|map(.wall_ns)|med), cpu_ns_median: ($reps|map(.cpu_ns)|med),
		 errors: ($reps|map(.errors)|add)} +
		(if ($reps|map(.events)|any(. != null)) then {events_drained: ($reps|map(.events // 0)|add)} else {} end)' \
		>>"$CASES"
	LAST=$(tail -1 "$CASES")
	jq -r '"  \(.name): \(.ns_median // "-" | if type == "number" then (.*10|round/10|tostring) + " ns/event" else . end) (min \(.ns_min // "-"|tostring|.[0:7]), max \(.ns_max // "-"|tostring|.[0:7]), \(.reps|length) reps), wall \((.wall_ns_median // 0)/1e6|round) ms, cpu \((.cpu_ns_median // 0)/1e6|round) ms"' <<<"$LAST" >&2
}

# measure NAME GROUP HOOK DESC -- WORKLOAD...: REPS runs back to back under
# what is attached now, one JSONL record (parts that are not interleaved).
measure() {
	local name=$1 group=$2 hook=$3 desc=$4
	shift 5
	local ids r
	ids=${MEASURE_IDS:-$(hook_ids "$hook")}
	for ((r = 0; r < REPS; r++)); do
		one_rep "$ids" "$r" "$@" || return 1
	done >"$W/reps.jsonl"
	case_record "$name" "$group" "$hook" "$desc" "$(jq length <<<"$ids")" <"$W/reps.jsonl"
}

# run_case NAME GROUP HOOK NPROGS DESC ATTACH-FN ATTACH-ARGS... -- WORKLOAD...
# attach, REPS back-to-back runs, detach.
run_case() {
	local name=$1 group=$2 hook=$3 nprogs=$4 desc=$5 fn=$6
	shift 6
	local args=()
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	if [ "$fn" != none ]; then
		"$fn" "${args[@]}"
		if ! wait_attached "$hook" "$nprogs"; then
			log "$name: attach failed, case skipped"
			jq -c -n --arg name "$name" --arg group "$group" --arg err "$(tail -3 "$W/att.err")" \
				'{name: $name, group: $group, skipped: $err}' >>"$CASES"
			detach
			return 1
		fi
	fi
	measure "$name" "$group" "$hook" "$desc" "$@"
	detach
}

# --- interleaved rounds -----------------------------------------------------------
# The machine drifts by 2x between minutes, so cases that are compared with
# each other are measured in rounds: icase declares a case (same arguments
# as run_case), irun then runs ROUNDS rounds, and in every round each case
# is attached, measured once (one run of its workload) and detached. Cases
# declared one after the other with the same attacher and arguments share
# one attach per round (e.g. path miss and match of one object). The order
# of the attach units rotates by one per round, so no case always runs
# first or after the same neighbour. A case's record holds one rep per
# round (its "round" field), so ratios can be taken round by round.
ICASES=()
icase() { ICASES+=("$(printf '%q ' "$@")"); }

# irun_unit ROUND CASE-INDEX...: one attach, one rep of each case.
irun_unit() {
	local round=$1 first=1 i name group hook nprogs desc fn ids rep ev0=0 ev1
	shift
	for i in "$@"; do
		eval "set -- ${ICASES[$i]}"
		name=$1 group=$2 hook=$3 nprogs=$4 desc=$5 fn=$6
		shift 6
		local args=()
		while [ "$1" != -- ]; do args+=("$1"); shift; done
		shift
		if [ $first = 1 ] && [ "$fn" != none ]; then
			"$fn" "${args[@]}"
			if ! wait_attached "$hook" "$nprogs"; then
				log "$name: attach failed in round $round: $(tail -2 "$W/att.err" | tr '\n' ' ')"
				tail -3 "$W/att.err" >"$W/ireps/$name.skip"
				detach
				return 1
			fi
		fi
		first=0
		ids=$(hook_ids "$hook")
		rep=$(one_rep "$ids" "$round" "$@") || continue
		if [ "$fn" = attach_hold ]; then
			# records drained for this case alone
			ev1=$(hold_events)
			rep=$(jq -c --argjson e "${ev1:-null}" --argjson p "${ev0:-0}" \
				'. + {events: (if $e == null then null else $e - $p end)}' <<<"$rep")
			ev0=$ev1
		fi
		echo "$rep" >>"$W/ireps/$name.jsonl"
		echo "$name" >>"$W/ireps/order"
	done
	detach
}

# hold_events: ring-buffer records the hold attacher ($ATT_PID) has drained
# so far (it prints "events=N" on stderr on SIGUSR1, after a last drain).
hold_events() {
	local n i
	n=$(grep -c '^events=' "$W/att.err")
	kill -USR1 "$ATT_PID" 2>/dev/null || return 1
	for ((i = 0; i < 200; i++)); do
		[ "$(grep -c '^events=' "$W/att.err")" -gt "$n" ] && break
		sleep 0.005
	done
	grep '^events=' "$W/att.err" | tail -1 | sed 's/^events=//'
}

irun() {
	local n=${#ICASES[@]} r u i k key prev units=() names=()
	rm -rf "$W/ireps"
	mkdir -p "$W/ireps"
	# attach units: consecutive cases with the same attacher and arguments
	prev=
	for ((i = 0; i < n; i++)); do
		eval "set -- ${ICASES[$i]}"
		names+=("$1")
		shift 5
		key=
		while [ "$1" != -- ]; do key+="$1 "; shift; done
		if [ -n "$prev" ] && [ "$key" = "$prev" ] && [ "${key%% *}" != none ]; then
			units[${#units[@]} - 1]+=" $i"
		else
			units+=("$i")
		fi
		prev=$key
	done
	log "  ${#names[@]} cases in ${#units[@]} attach units, $ROUNDS interleaved rounds"
	for ((r = 0; r < ROUNDS; r++)); do
		for ((k = 0; k < ${#units[@]}; k++)); do
			u=${units[$(((k + r) % ${#units[@]}))]}
			# shellcheck disable=SC2086 # case indexes
			irun_unit "$r" $u
		done
	done
	for ((i = 0; i < n; i++)); do
		eval "set -- ${ICASES[$i]}"
		if [ -s "$W/ireps/$1.jsonl" ]; then
			case_record "$1" "$2" "$3" "$5" "$4" <"$W/ireps/$1.jsonl"
		else
			jq -c -n --arg name "$1" --arg group "$2" \
				--arg err "$(cat "$W/ireps/$1.skip" 2>/dev/null || echo "no measurement")" \
				'{name: $name, group: $group, skipped: $err}' >>"$CASES"
			log "$1: skipped (attach failed in every round)"
		fi
	done
	ICASES=()
}

# --- policy generators --------------------------------------------------------
# openat_policy NAME BINOP BIN ARGSPEC: ARGSPEC is the YAML of one matchArgs
# entry (or empty); the policy posts every matching event.
openat_policy() {
	cat <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: $1
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_openat
    args:
    - index: 6
      type: string
      label: filename
    - index: 7
      type: int
      label: flags
    selectors:
    - matchBinaries:
      - operator: $2
        values: ["$3"]
EOF
	[ -n "$4" ] && printf '      matchArgs:\n%s\n' "$4"
	return 0
}
# str_values PRE K [LAST]: K quoted values PRE00000..., the last one LAST if given
str_values() {
	local i out=
	for ((i = 0; i < $2; i++)); do
		if [ -n "${3:-}" ] && [ $i = $(($2 - 1)) ]; then out+="\"$3\""; else out+=$(printf '"%s%05d"' "$1" $i); fi
		[ $i -lt $(($2 - 1)) ] && out+=", "
	done
	printf '%s' "$out"
}
int_values() { # K [LAST]
	local i out=
	for ((i = 0; i < $1; i++)); do
		if [ -n "${2:-}" ] && [ $i = $(($1 - 1)) ]; then out+="$2"; else out+=$((1000000 + i)); fi
		[ $i -lt $(($1 - 1)) ] && out+=", "
	done
	printf '%s' "$out"
}
argspec() { # INDEX OP VALUES
	printf '      - index: %s\n        operator: %s\n        values: [%s]' "$1" "$2" "$3"
}
build() { # OUT.bpf.o YAML...
	local out=$1
	shift
	"$TPC" build "$@" -o "$out" 2>"$W/build.err" || { log "tpc build failed: $(head -3 "$W/build.err")"; return 1; }
}

P=$W/pol
mkdir -p "$P"
OPEN_M=("$B/openat" "$N" "$MATCH")
OPEN_O=("$B/openat" "$N" "$OTHER")
PREFIX_SPEC=$(argspec 6 Prefix "\"$MATCH\"")

# --- 1. per-event cost on sys_enter_openat against baselines ------------------
if [[ $PARTS == *" kernel "* ]]; then
	log "kernel: sys_enter_openat, $N events x $REPS reps per case"
	HK=sys_enter_openat
	icase none baseline $HK 0 "nothing attached" none -- "${OPEN_M[@]}"
	icase empty baseline $HK 1 "empty program (bench/empty.bpf.c), the floor" \
		attach_hold "$B/empty_openat.bpf.o" -- "${OPEN_M[@]}"
	# The hand-written program decides by the name exec'd: run the workload
	# through a copy under another name for the binary miss.
	cp "$B/openat" "$W/openat-copy"
	icase hand_binary_miss hand $HK 1 "hand-written (bench/hand.bpf.c), binary not in set" \
		attach_hold "$B/hand_openat.bpf.o" -- "$W/openat-copy" "$N" "$MATCH"
	icase hand_path_miss hand $HK 1 "hand-written, binary in set, path prefix differs" \
		attach_hold "$B/hand_openat.bpf.o" -- "${OPEN_O[@]}"
	icase hand_match hand $HK 1 "hand-written, full match, event posted (NO_WAKEUP, drained every 1 ms)" \
		attach_hold "$B/hand_openat.bpf.o" -- "${OPEN_M[@]}"
	if [ $HAVE_BPFTRACE = 1 ]; then
		BT1='tracepoint:syscalls:sys_enter_openat /comm == "nomatch"/ { @n = count(); }'
		BT2="tracepoint:syscalls:sys_enter_openat /comm == \"openat\" && strncmp(str(args->filename), \"$MATCH\", ${#MATCH}) == 0/ { @n = count(); }"
		BT3="tracepoint:syscalls:sys_enter_openat /comm == \"openat\" && strncmp(str(args->filename), \"$MATCH\", ${#MATCH}) == 0/ { printf(\"%d %s\\n\", pid, str(args->filename)); }"
		icase bpftrace_comm_miss bpftrace $HK 1 "$BT1" attach_bpftrace "$BT1" -- "${OPEN_M[@]}"
		icase bpftrace_path_miss bpftrace $HK 1 "$BT2" attach_bpftrace "$BT2" -- "${OPEN_O[@]}"
		icase bpftrace_match_count bpftrace $HK 1 "$BT2" attach_bpftrace "$BT2" -- "${OPEN_M[@]}"
		icase bpftrace_match_printf bpftrace $HK 1 "$BT3" attach_bpftrace "$BT3" -- "${OPEN_M[@]}"
	fi
	openat_policy bench-binmiss In /usr/bin/true "$PREFIX_SPEC" >"$P/binmiss.yaml"
	openat_policy bench-open In "$OPENAT_BIN" "$PREFIX_SPEC" >"$P/open.yaml"
	build "$P/binmiss.bpf.o" "$P/binmiss.yaml" && build "$P/open.bpf.o" "$P/open.yaml" && {
		icase tpc_binary_miss tpc $HK 1 "tpc: matchBinaries In [/usr/bin/true], Prefix [$MATCH], Post; tpc-loader" \
			attach_loader "$P/binmiss.bpf.o" -- "${OPEN_M[@]}"
		icase tpc_path_miss tpc $HK 1 "tpc: matchBinaries In [bench/openat], Prefix [$MATCH]; file $OTHER; tpc-loader" \
			attach_loader "$P/open.bpf.o" -- "${OPEN_O[@]}"
		icase tpc_match tpc $HK 1 "tpc: same policy, full match, Post; tpc-loader writes JSON to /dev/null" \
			attach_loader "$P/open.bpf.o" -- "${OPEN_M[@]}"
	}
	irun
fi

# --- 2. scaling with the number of values in one set ----------------------------
# Attached with bench/hold (which fills every map kind from .tpc.meta) so all
# sizes go through the same path.
if [[ $PARTS == *" scale "* ]]; then
	log "scale: set sizes $SIZES"
	HK=sys_enter_openat
	for k in $SIZES; do
		for kind in str_eq prefix int_eq; do
			for v in miss match; do
				last=
				case $kind in
				str_eq)
					[ $v = match ] && last=$MATCH
					spec=$(argspec 6 Equal "$(str_values /tmp/tpcbench-v "$k" "$last")") ;;
				prefix)
					[ $v = match ] && last=$MATCH
					spec=$(argspec 6 Prefix "$(str_values /tmp/tpcbench-p "$k" "$last")") ;;
				int_eq)
					[ $v = match ] && last=$((0x80000)) # O_RDONLY|O_CLOEXEC
					spec=$(argspec 7 Equal "$(int_values "$k" "$last")") ;;
				esac
				f=$P/scale-$kind-$k-$v
				openat_policy "scale-$kind-$k-$v" In "$OPENAT_BIN" "$spec" >"$f.yaml"
				build "$f.bpf.o" "$f.yaml" || continue
				icase "scale_${kind}_${k}_$v" "scale_$kind" $HK 1 \
					"$kind, $k values, binary matches, value $v" \
					attach_hold "$f.bpf.o" -- "${OPEN_M[@]}"
			done
		done
	done
	irun
fi

# --- 3. scaling with the number of policies on one hook -------------------------
if [[ $PARTS == *" policies "* ]]; then
	log "policies: $NPOLS policies on sys_enter_openat, fused and separate"
	HK=sys_enter_openat
	for np in $NPOLS; do
		files=() objs=()
		for ((i = 0; i < np; i++)); do
			pre=$(printf '/tmp/tpcbench-q%03d' $i)
			[ $i = 0 ] && pre=$MATCH
			openat_policy "multi-$np-$i" In "$OPENAT_BIN" "$(argspec 6 Prefix "\"$pre\"")" >"$P/multi-$np-$i.yaml"
			files+=("$P/multi-$np-$i.yaml")
		done
		build "$P/fused-$np.bpf.o" "${files[@]}" || continue
		for ((i = 0; i < np; i++)); do
			build "$P/multi-$np-$i.bpf.o" "${files[$i]}" && objs+=("$P/multi-$np-$i.bpf.o")
		done
		# miss and match of one attacher next to each other: one attach per round
		for v in miss match; do
			wl=("${OPEN_O[@]}")
			[ $v = match ] && wl=("${OPEN_M[@]}")
			icase "fused_${np}_$v" policies_fused $HK 1 "$np policies fused into one object, event $v" \
				attach_loader "$P/fused-$np.bpf.o" -- "${wl[@]}"
		done
		for v in miss match; do
			wl=("${OPEN_O[@]}")
			[ $v = match ] && wl=("${OPEN_M[@]}")
			icase "separate_${np}_$v" policies_separate $HK "$np" "$np policies as $np objects, event $v" \
				attach_loader "${objs[@]}" -- "${wl[@]}"
		done
	done
	irun
fi

# --- 4. exec ----------------------------------------------------------------------
if [[ $PARTS == *" exec "* ]]; then
	log "exec: $EXEC_N execs of bench/tiny x $REPS"
	HK=sched_process_exec
	EX=("$B/exec" "$EXEC_N" "$B/tiny")
	icase exec_none exec_baseline $HK 0 "nothing attached" none -- "${EX[@]}"
	icase exec_empty exec_baseline $HK 1 "empty tp_btf/sched_process_exec program" \
		attach_hold "$B/empty_exec.bpf.o" -- "${EX[@]}"
	if [ $HAVE_BPFTRACE = 1 ]; then
		BT='tracepoint:sched:sched_process_exec /comm == "nc"/ { @n = count(); }'
		icase exec_bpftrace_comm_miss exec_bpftrace $HK 1 "$BT" attach_bpftrace "$BT" -- "${EX[@]}"
	fi
	cat >"$P/exec-block.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: block-netcat
spec:
  selectors:
    matchBinary: ["/usr/bin/nc"]
  action: Block
EOF
	build "$P/exec-block.bpf.o" "$P/exec-block.yaml" &&
		icase exec_tpc_block_miss exec_tpc $HK 1 "tpc: seed block-netcat (matchBinary [/usr/bin/nc], Block), exec of another binary; tpc-loader" \
			attach_loader "$P/exec-block.bpf.o" -- "${EX[@]}"
	# the same policy in inode identity mode: one (device, inode) lookup, no walk
	sed 's/^spec:$/spec:\n  options:\n  - name: tpc-match-binaries\n    value: inode/' \
		"$P/exec-block.yaml" >"$P/exec-inode.yaml"
	build "$P/exec-inode.bpf.o" "$P/exec-inode.yaml" &&
		icase exec_tpc_inode_miss exec_tpc $HK 1 "tpc: seed block-netcat in inode identity mode (tpc-match-binaries: inode), exec of another binary; tpc-loader" \
			attach_loader "$P/exec-inode.bpf.o" -- "${EX[@]}"
	irun
fi

# --- 5. connect ---------------------------------------------------------------------
if [[ $PARTS == *" connect "* ]]; then
	log "connect: $CONN_N attempts on 127.0.0.1:$PORT x $REPS"
	HK=sys_enter_connect
	CN=("$B/connect" "$CONN_N" "$PORT")
	icase connect_none connect_baseline $HK 0 "nothing attached" none -- "${CN[@]}"
	icase connect_empty connect_baseline $HK 1 "empty tracepoint/syscalls/sys_enter_connect program" \
		attach_hold "$B/empty_connect.bpf.o" -- "${CN[@]}"
	if [ $HAVE_BPFTRACE = 1 ]; then
		BT='tracepoint:syscalls:sys_enter_connect /comm == "nomatch"/ { @n = count(); }'
		icase connect_bpftrace_comm_miss connect_bpftrace $HK 1 "$BT" attach_bpftrace "$BT" -- "${CN[@]}"
	fi
	for v in miss match; do
		bin=/usr/bin/true
		[ $v = match ] && bin=$(realpath "$B/connect")
		cat >"$P/connect-$v.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: bench-connect-$v
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_connect
    args:
    - index: 5
      type: int
      label: fd
    selectors:
    - matchBinaries:
      - operator: In
        values: ["$bin"]
EOF
		build "$P/connect-$v.bpf.o" "$P/connect-$v.yaml" &&
			icase "connect_tpc_binary_$v" connect_tpc $HK 1 "tpc: matchBinaries In [$bin], Post; tpc-loader" \
				attach_loader "$P/connect-$v.bpf.o" -- "${CN[@]}"
	done
	irun
fi

# --- 5a. workload scope (podSelector) ------------------------------------------------
# The cost of the scope check on sys_enter_openat: one Prefix policy that
# never matches the workload's path, attached by tpc-loader with a pods
# file, without and with podSelector app=web, the workload run in a
# kubelet-style container cgroup of that pod (level 5; the pod's cgroup,
# level 4, is in the scope map) or in a host cgroup (level 2).
if [[ $PARTS == *" scope "* ]]; then
	log "scope: podSelector check, $N openat x $ROUNDS rounds"
	HK=sys_enter_openat
	SC_UID=7a1b2c3d-0000-4000-8000-0000000000b1
	SC_BASE=$HOLD_CGROUP/tpc-bench-scope-$$
	SC_POD=$SC_BASE/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${SC_UID//-/_}.slice
	SC_CT=$SC_POD/cri-containerd-$(printf '%064x' 0xb1).scope
	SC_HOST=$SC_BASE/host.slice
	mkdir -p "$SC_CT" "$SC_HOST" || die "scope: cannot create cgroups under $HOLD_CGROUP"
	CLEAN_CGROUPS=$SC_BASE
	printf '{"kind":"PodList","items":[{"metadata":{"name":"web","namespace":"default","uid":"%s",\n "labels":{"app":"web"}},"status":{"containerStatuses":[]}}]}\n' \
		"$SC_UID" >"$P/pods.json"
	scope_policy() { # NAME SCOPE-LINES
		printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: %s\nspec:\n%s\n' "$1" "$2"
		printf '  tracepoints:\n  - subsystem: syscalls\n    event: sys_enter_openat\n    args:\n    - index: 6\n      type: string\n'
		printf '    selectors:\n    - matchArgs:\n      - index: 6\n        operator: Prefix\n        values: ["%s"]\n' "$MATCH"
	}
	scope_policy scope-bench-unscoped "" >"$P/scope-u.yaml"
	scope_policy scope-bench-scoped "  podSelector:
    matchLabels:
      app: web" >"$P/scope-s.yaml"
	build "$P/scope-u.bpf.o" "$P/scope-u.yaml" && build "$P/scope-s.bpf.o" "$P/scope-s.yaml" && {
		PF=(--pods-file "$P/pods.json")
		icase scope_unscoped_host scope $HK 1 "unscoped policy, workload on the host" \
			attach_loader "${PF[@]}" "$P/scope-u.bpf.o" -- "$B/incg" "$SC_HOST" "${OPEN_O[@]}"
		icase scope_unscoped_pod scope $HK 1 "unscoped policy, workload in the pod" \
			attach_loader "${PF[@]}" "$P/scope-u.bpf.o" -- "$B/incg" "$SC_CT" "${OPEN_O[@]}"
		icase scope_scoped_host scope $HK 1 "scoped, workload on the host (out of scope: rules skipped)" \
			attach_loader "${PF[@]}" "$P/scope-s.bpf.o" -- "$B/incg" "$SC_HOST" "${OPEN_O[@]}"
		icase scope_scoped_pod scope $HK 1 "scoped, workload in the pod (in scope: check, then the same rule)" \
			attach_loader "${PF[@]}" "$P/scope-s.bpf.o" -- "$B/incg" "$SC_CT" "${OPEN_O[@]}"
	}
	irun
fi

# --- 5b. tcp (tpcNetwork) ----------------------------------------------------------
# Per-event cost of each tcp program against an empty program on the same
# hook; programs are told apart by name among those loaded after the case
# started (BEFORE_IDS), since perf show does not list tp_btf/cgroup links.
if [[ $PARTS == *" tcp "* ]]; then
	log "tcp: $TCP_N connections on 127.0.0.1:$TCP_PORT x $REPS"
	TC=("$B/tcpconn" "$TCP_N" "$TCP_PORT")
	run_case tcp_none tcp_baseline none 0 "nothing attached" none -- "${TC[@]}"
	for h in tcpstate:inet_sock_set_state:tp_btf/inet_sock_set_state \
		cgconnect4:cgroup/connect4:cgroup/connect4 sockcreate:cgroup/sock_create:cgroup/sock_create; do
		IFS=: read -r o hk what <<<"$h"
		BEFORE_IDS=$(bpftool prog show --json | jq -c '[.[].id]')
		NAME_RE='^bench_empty$'
		run_case "tcp_empty_$o" tcp_baseline "$hk" 1 "empty $what program" \
			attach_hold "$B/empty_$o.bpf.o" -- "${TC[@]}"
	done
	for v in miss match; do
		# miss: no rule matches this port (the Block rule on port 9 keeps
		# connect4/6 attached); match: every event of the port is posted
		sel='args.sk.dport == 9'
		[ $v = match ] && sel="args.sk.sport == $TCP_PORT || args.sk.dport == $TCP_PORT"
		cat >"$P/tcp-$v.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: bench-tcp-$v
spec:
  tpcNetwork:
  - protocol: tcp
    selectors:
    - matchArgs:
      - index: 0
        operator: DPort
        values: ["9"]
      matchActions:
      - action: Block
    - match: '$sel'
EOF
		build "$P/tcp-$v.bpf.o" "$P/tcp-$v.yaml" || continue
		BEFORE_IDS=$(bpftool prog show --json | jq -c '[.[].id]')
		NAME_RE='^tpc_'
		attach_loader "$P/tcp-$v.bpf.o"
		if ! wait_attached tcp 4; then
			log "tcp_tpc_$v: attach failed"
			detach
			continue
		fi
		for h in tcpstate:inet_sock_set_state:tpc_p0_tp_btf cgconnect4:cgroup/connect4:tpc_p0_connect4 \
			sockcreate:cgroup/sock_create:tpc_net_sock_create; do
			IFS=: read -r o hk prog <<<"$h"
			NAME_RE="^$prog\$"
			measure "tcp_tpc_${o}_$v" tcp_tpc "$hk" "tpc: $prog ($v: $sel); tpc-loader" -- "${TC[@]}"
		done
		NAME_RE=
		detach
	done
	NAME_RE=
fi

# --- 6. compile time -----------------------------------------------------------------
# tpc build of each stdlib/example policy against the bare clang compile of
# the same C on the same machine: the generated C (--emit-c) is compiled
# with exactly the clang command tpc runs (from `tpc build --dry-run`), so
# the ratio is what tpc adds to clang (front end, metadata, stripping).
# Per policy, COMPILE_ROUNDS rounds of: build, bare clang, front end alone
# (--emit-c), back to back, so each ratio compares neighbours in time.
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "null"}'; }
if [[ $PARTS == *" compile "* ]]; then
	CROUNDS=${BENCH_COMPILE_ROUNDS:-3}
	log "compile: tpc build vs bare clang of the same C, stdlib and example policies, $CROUNDS rounds"
	CJ=$W/compile.jsonl
	: >"$CJ"
	# CMD... -> "wall_s cpu_s maxrss_kb" (bench/rtime.c); cpu = user+sys of
	# the command and its children (clang): wall time on a shared 2-vCPU VM
	# also measures the neighbours, CPU time what the build itself costs
	ctime() {
		"$B/rtime" "$W/time.out" "$@" || return 1
		cat "$W/time.out"
	}
	# compile_row NAME EXTRA-JSON ARGS...: CROUNDS rounds of build, bare
	# clang and front end
	compile_row() {
		local name=$1 extra=$2 s r cc=() w c m
		shift 2
		local args=("$@") tot=() cpu=() fe=() fecpu=() cl=() clcpu=() ratio=() cratio=() rss=0 ferss=0 clrss=0
		# the exact clang command of this build, on the C that --emit-c writes
		"$TPC" build "${args[@]}" --emit-c "$W/cc.bpf.c" >/dev/null 2>&1 || return 1
		read -r -a cc < <("$TPC" build "${args[@]}" --dry-run -o "$W/c.bpf.o" 2>/dev/null | head -1)
		[ "${#cc[@]}" -gt 4 ] || { log "$name: no clang command in --dry-run"; return 1; }
		for ((r = 0; r < ${#cc[@]}; r++)); do
			case ${cc[$r]} in
			/tmp/tpc-build.XXXXXX/policy.bpf.c) cc[$r]=$W/cc.bpf.c ;;
			/tmp/tpc-build.XXXXXX/policy.bpf.o) cc[$r]=$W/cc.bpf.o ;;
			esac
		done
		for ((r = 0; r < CROUNDS; r++)); do
			s=$(ctime "$TPC" build "${args[@]}" -o "$W/c.bpf.o") || return 1
			read -r w c m <<<"$s"
			tot+=("$w") cpu+=("$c")
			[ "$m" -gt "$rss" ] && rss=$m
			s=$(ctime "${cc[@]}") || { log "$name: bare clang failed: ${cc[*]}"; return 1; }
			read -r w2 c2 m <<<"$s"
			cl+=("$w2") clcpu+=("$c2")
			[ "$m" -gt "$clrss" ] && clrss=$m
			ratio+=("$(awk -v a="$w" -v b="$w2" 'BEGIN {print (b > 0 ? a / b : 0)}')")
			cratio+=("$(awk -v a="$c" -v b="$c2" 'BEGIN {print (b > 0 ? a / b : 0)}')")
			s=$(ctime "$TPC" build "${args[@]}" --emit-c "$W/c.bpf.c") || return 1
			read -r w c m <<<"$s"
			fe+=("$w") fecpu+=("$c")
			[ "$m" -gt "$ferss" ] && ferss=$m
		done
		jq -c -n --arg f "$name" --argjson x "$extra" \
			--argjson t "$(printf '%s\n' "${tot[@]}" | median)" --argjson c "$(printf '%s\n' "${cpu[@]}" | median)" \
			--argjson fe "$(printf '%s\n' "${fe[@]}" | median)" --argjson fec "$(printf '%s\n' "${fecpu[@]}" | median)" \
			--argjson cl "$(printf '%s\n' "${cl[@]}" | median)" --argjson clc "$(printf '%s\n' "${clcpu[@]}" | median)" \
			--argjson ra "$(printf '%s\n' "${ratio[@]}" | median)" --argjson cra "$(printf '%s\n' "${cratio[@]}" | median)" \
			--argjson rs "$(printf '%s\n' "${ratio[@]}" | jq -s -c 'sort')" \
			--argjson rss "$rss" --argjson ferss "$ferss" --argjson clrss "$clrss" \
			'{file: $f, wall_s: $t, cpu_s: $c, frontend_s: $fe, frontend_cpu_s: $fec,
			  clang_s: $cl, clang_cpu_s: $clc, vs_clang: $ra, vs_clang_cpu: $cra, vs_clang_rounds: $rs,
			  clang_share: (if $t > 0 then ([$t - $fe, 0]|max) / $t else null end),
			  clang_cpu_share: (if $c > 0 then ([$c - $fec, 0]|max) / $c else null end),
			  max_rss_kb: $rss, frontend_max_rss_kb: $ferss, clang_max_rss_kb: $clrss} + $x' >>"$CJ"
	}
	for f in ${BENCH_COMPILE_POLICIES:-examples/*.yaml stdlib-policies/*/*.yaml}; do
		[ -e "$f" ] || continue
		"$TPC" build "$f" -o "$W/c.bpf.o" >/dev/null 2>&1 || continue
		compile_row "$f" '{}' "$f" || log "$f: compile row failed"
	done
	# a 50-policy bundle: distinct policies on one hook
	bundle=()
	for ((i = 0; i < 50; i++)); do
		openat_policy "bundle-$i" In "/usr/bin/b$i" "$(argspec 6 Prefix "\"/etc/b$i/\", \"/var/b$i/\"")" >"$P/bundle-$i.yaml"
		bundle+=("$P/bundle-$i.yaml")
	done
	compile_row "bundle of 50 policies" '{"bundle": true}' "${bundle[@]}" || log "bundle build failed"
	jq -s -c 'map(select(.bundle|not)) | {policies: length, vs_clang_median: (map(.vs_clang)|sort|.[(length-1)/2|floor]), vs_clang_max: (map(.vs_clang)|max)}' "$CJ" >&2
	tail -1 "$CJ" >&2
fi

# --- 7. loader: export rate, losses, footprint -----------------------------------------
if [[ $PARTS == *" loader "* ]]; then
	log "loader: export rate, burst losses, 20-object start-up"
	LJ=$W/loader.json
	# `tpc-loader bench` times with the wall clock; on a shared VM that
	# counts the neighbours too, so: best of 3, plus events per CPU-second
	# of the whole run (hook and exec events together)
	bn=$((N * 5))
	hook_rate=0 exec_rate=0 cpu_rate=0
	for r in 1 2 3; do
		bout=$(/usr/bin/time -f 'cpu %U %S' "$LOADER" bench "$bn" 2>&1)
		h=$(sed -n 's/^hook events (process_tracepoint.*= \([0-9]*\) events\/s.*/\1/p' <<<"$bout")
		e=$(sed -n 's/^exec events.*= \([0-9]*\) events\/s.*/\1/p' <<<"$bout")
		# hook + exec events per CPU-second, from the bench's own CPU
		# clock per phase (it also runs a phase with pod metadata)
		c=$(awk -v n=$bn '/^hook events \(process_tracepoint/ {h = $(NF-2); sub(/^\(/, "", h)}
			/^exec events/ {e = $(NF-2); sub(/^\(/, "", e)}
			END {if (h > 0 && e > 0) printf "%d", (n + n / 4) / (n / h + n / 4 / e)}' <<<"$bout")
		[ "${h:-0}" -gt "$hook_rate" ] && hook_rate=$h
		[ "${e:-0}" -gt "$exec_rate" ] && exec_rate=$e
		[ "${c:-0}" -gt "$cpu_rate" ] && cpu_rate=$c
	done
	# burst: a matching policy, the loader polling only every 500 ms, a burst
	# of 4*N events; delivered + lost must equal the events that matched.
	openat_policy bench-burst In "$OPENAT_BIN" "$PREFIX_SPEC" >"$P/burst.yaml"
	build "$P/burst.bpf.o" "$P/burst.yaml"
	MPORT=$((20000 + RANDOM % 20000))
	"$LOADER" run --no-base-sensor --poll-ms 500 --metrics-addr 127.0.0.1:$MPORT -o json \
		"$P/burst.bpf.o" >"$W/burst.json" 2>"$W/att.err" &
	ATT_PID=$!
	wait_attached sys_enter_openat 1
	ids=$(hook_ids sys_enter_openat)
	before=$(snap "$ids")
	"$B/openat" $((N * 4)) "$MATCH" >/dev/null
	after=$(snap "$ids")
	sleep 1.5
	metrics=$(exec 3<>/dev/tcp/127.0.0.1/$MPORT && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3)
	lost=$(awk '/^tpc_ringbuf_lost_total\{object="burst.bpf.o"\}/ {print $2}' <<<"$metrics")
	detach
	delivered=$(wc -l <"$W/burst.json")
	# matched events = runs of the program by the workload (its own openats)
	# minus the few by other processes, which do not match the binary
	burst_n=$((N * 4))
	warned=$(grep -c "ring buffer full" "$W/att.err")
	# 20 objects: start-up to "ready" (wall, from the launch to the loader's
	# "ready" line, and the loader's own figure), per-object times, RSS
	objs=()
	for ((i = 0; i < 20; i++)); do
		openat_policy "obj-$i" In "/usr/bin/o$i" "$(argspec 6 Prefix "\"/etc/o$i/\"")" >"$P/obj-$i.yaml"
		build "$P/obj-$i.bpf.o" "$P/obj-$i.yaml" && objs+=("$P/obj-$i.bpf.o")
	done
	: >"$W/att.err" # before the background start: its redirect races the poll below
	t0=$(date +%s%N)
	"$LOADER" run -o json "${objs[@]}" >/dev/null 2>>"$W/att.err" &
	ATT_PID=$!
	ready=
	for ((i = 0; i < 2000; i++)); do
		grep -q "^tpc-loader: info: ready in " "$W/att.err" && { ready=1; break; }
		kill -0 "$ATT_PID" 2>/dev/null || break
		sleep 0.005
	done
	t1=$(date +%s%N)
	# a loader that is not ready, or ready with fewer objects, has no
	# start-up time: the run fails rather than publish the timeout
	[ -n "$ready" ] || die "loader: 20 objects not ready after $(((t1 - t0) / 1000000)) ms: $(grep -v ' info: ' "$W/att.err" | head -3 | tr '\n' ' ')"
	grep -q "^tpc-loader: info: ready in .*: ${#objs[@]} objects attached" "$W/att.err" ||
		die "loader: not all ${#objs[@]} objects attached: $(grep -m1 'ready in\|refused' "$W/att.err")"
	ready_ms=$(sed -n 's/^tpc-loader: info: ready in \([0-9]*\) ms.*/\1/p' "$W/att.err")
	sleep 1
	# VmRSS also counts the mmapped ring buffers (kernel memory, each mapped
	# twice by libbpf), so the anonymous (heap) part is reported beside it
	rss=$(awk '/^VmRSS:/ {print $2}' /proc/$ATT_PID/status)
	hwm=$(awk '/^VmHWM:/ {print $2}' /proc/$ATT_PID/status)
	rss_anon=$(awk '/^RssAnon:/ {print $2}' /proc/$ATT_PID/status)
	rss_shared=$(awk '/^Rss(File|Shmem):/ {s += $2} END {print s + 0}' /proc/$ATT_PID/status)
	sed -n 's/.*\(loaded .*\)/\1/p; s/.*\(ready in .*\)/\1/p' "$W/att.err" >"$W/startup20.log"
	attach_ms=$(sed -n 's/.*attached in \([0-9.]*\) ms/\1/p' "$W/att.err" | awk '{s += $1} END {print s + 0}')
	nattached=$(hook_ids sys_enter_openat | jq length)
	detach
	"$LOADER" run --no-base-sensor -o json "${objs[@]}" >/dev/null 2>"$W/att.err" &
	ATT_PID=$!
	wait_attached sys_enter_openat 20
	sleep 1
	rss_nobase=$(awk '/^VmRSS:/ {print $2}' /proc/$ATT_PID/status)
	detach
	jq -n --argjson hr "${hook_rate:-null}" --argjson er "${exec_rate:-null}" --arg bench "$bout" \
		--argjson cr "${cpu_rate:-null}" \
		--argjson bn "$burst_n" --argjson del "$delivered" --argjson lost "${lost:-null}" \
		--argjson runs "$(jq -n --argjson a "$after" --argjson b "$before" '$a.cnt - $b.cnt')" \
		--argjson warned "$warned" \
		--argjson startup "$(((t1 - t0) / 1000000))" --argjson attach "$attach_ms" \
		--argjson ready "$ready_ms" \
		--argjson rss "${rss:-null}" --argjson hwm "${hwm:-null}" --argjson rssnb "${rss_nobase:-null}" \
		--argjson ranon "${rss_anon:-null}" --argjson rshared "${rss_shared:-null}" \
		--argjson nobj "${#objs[@]}" --argjson natt "$nattached" '
		{export_events_per_s: $hr, exec_events_per_s: $er, events_per_cpu_s: $cr,
		 loader_bench_output: $bench,
		 burst: {events: $bn, program_runs: $runs, delivered: $del, lost_counted: $lost,
		         unaccounted: (if $lost == null then null else $bn - $del - $lost end),
		         loss_warnings_logged: $warned, poll_ms: 500},
		 footprint: {objects: $nobj, programs_attached: $natt, startup_to_ready_ms: $startup,
		             loader_ready_ms: $ready,
		             attach_ms_sum: $attach, rss_kb: $rss, rss_hwm_kb: $hwm,
		             rss_anon_kb: $ranon, rss_file_shmem_kb: $rshared,
		             rss_kb_no_base_sensor: $rssnb}}' >"$LJ"
	jq -c . "$LJ" >&2
fi

# --- 8. stdlib: each library policy on each program it attaches here -------------------
# One policy at a time under tpc-loader (no base sensor: its exec/exit
# programs are a fixed cost of the node, not of a policy), a workload that
# enters the program's hook with arguments the policy does not match (the
# common case: bench/sys.c, bench/openat on $OTHER, bench/exec of bench/tiny,
# refused loopback connects), bpf_stats of exactly the ids the loader
# reports. Then an empty program with the same SEC (same program type and
# hook) under the same workload: cost / floor is the ratio of
# docs/performance.md. LSM-only policies cannot attach on a kernel without
# BPF LSM and get a row saying so.
if [[ $PARTS == *" stdlib "* ]]; then
	STD_N=${BENCH_STDLIB_N:-100000}
	STD_EXEC_N=${BENCH_STDLIB_EXEC_N:-1000}
	STD_CONN_N=${BENCH_STDLIB_CONNECT_N:-20000}
	STDLIB_COST=${STDLIB_COST:-bench/results/stdlib-cost.tsv}
	SD=$W/stdlib
	mkdir -p "$SD"
	: >"$SD/rows"
	: >"$SD/floors"
	: >"$SD/secs"
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	log "stdlib: per-policy cost, $STD_N syscalls / $STD_EXEC_N execs / $STD_CONN_N connects x $REPS"
	# std_workload SEC: the workload command for a program's hook
	std_workload() {
		local h=${1##*/}
		case $h in
		sched_process_exec | sched_process_exit) echo "$B/exec $STD_EXEC_N $B/tiny" ;;
		sys_enter_openat | sys_exit_openat) echo "$B/openat $STD_N $OTHER" ;;
		connect4 | inet_sock_set_state | sys_enter_connect) echo "$B/connect $STD_CONN_N $PORT" ;;
		connect6) echo "$B/sys connect6 $STD_CONN_N" ;;
		sys_enter_*) echo "$B/sys ${h#sys_enter_} $STD_N" ;;
		*) return 1 ;;
		esac
	}
	# std_measure NAME SEC IDS: one case over IDS with SEC's workload
	std_measure() {
		local wl
		wl=$(std_workload "$2") || { log "$1: no workload for $2"; return 1; }
		# shellcheck disable=SC2086 # the workload is words
		MEASURE_IDS="[${3// /,}]" measure "$1" "$4" "$2" "$2" -- $wl
	}
	pols=()
	for f in ${BENCH_STDLIB_POLICIES:-stdlib-policies/*/*.yaml}; do pols+=("$f"); done
	for f in "${pols[@]}"; do
		name=$(sed -n 's/^  name: *//p' "$f" | head -1)
		# tpc_pN_x -> SEC, from tpc explain's variant lines
		"$TPC" explain "$f" 2>/dev/null |
			sed -n 's/^ *prio [0-9]*  *\([^ ]*\)  *(\([^)]*\)).*/\2 \1/p' | sed 's|/$||' >"$SD/$name.secs"
		lsm_only=1
		grep -qv " lsm/" "$SD/$name.secs" && lsm_only=0
		# the runtime's process-cache cleanup (matchBinaries and friends)
		echo "tpc_proc_exit tracepoint/sched/sched_process_exit" >>"$SD/$name.secs"
		build "$SD/$name.bpf.o" "$f" || { printf '%s\t-\tbuild failed\n' "$name" >>"$SD/rows"; continue; }
		# one retry: on the loaded shared VM a start has been seen to fail
		# without a message
		for try in 1 2; do
			"$LOADER" run --no-base-sensor -o json "$SD/$name.bpf.o" >"$SD/$name.json" 2>"$SD/$name.err" &
			ATT_PID=$!
			# up to a minute: verifying a program takes seconds on a loaded VM
			for ((i = 0; i < 1200; i++)); do
				grep -q "ready" "$SD/$name.err" && break
				kill -0 "$ATT_PID" 2>/dev/null || break
				sleep 0.05
			done
			loaded=$(sed -n "s/.*loaded '$name.bpf.o':.* attached in [0-9.]* ms: \([^ ]*\) (ids \([0-9 ]*\)).*/\1|\2/p" "$SD/$name.err")
			[ -n "$loaded" ] || grep -q "refused" "$SD/$name.err" && break
			log "$name: loader start $try failed: $(tr '\n' ' ' <"$SD/$name.err" | cut -c1-300)"
			detach
		done
		if [ -z "$loaded" ]; then
			why=$(grep -m1 -o "refused: .*" "$SD/$name.err" | cut -c1-100)
			[ $lsm_only = 1 ] && why="BPF LSM only: not attachable on this kernel"
			printf '%s\t-\t%s\n' "$name" "${why:-not attached}" >>"$SD/rows"
			detach
			continue
		fi
		IFS=',' read -r -a pnames <<<"${loaded%%|*}"
		read -r -a pids <<<"${loaded##*|}"
		# programs of one SEC (a fused program per hook) measured together
		declare -A bysec=()
		for ((i = 0; i < ${#pnames[@]}; i++)); do
			sec=$(awk -v n="${pnames[$i]}" '$1 == n {print $2; exit}' "$SD/$name.secs")
			[ -n "$sec" ] || { log "$name: program ${pnames[$i]} not in tpc explain"; continue; }
			bysec[$sec]="${bysec[$sec]:+${bysec[$sec]} }${pids[$i]}"
		done
		for sec in "${!bysec[@]}"; do
			std_measure "$name:$sec" "$sec" "${bysec[$sec]}" stdlib &&
				jq -r --arg p "$name" --arg s "$sec" '[$p, $s, .ns_median, .ns_min, .ns_max,
					(.reps|map(.run_cnt)|add), (.reps|map(.n)|add)] | @tsv' <<<"$LAST" >>"$SD/rows"
			echo "$sec" >>"$SD/secs"
		done
		unset bysec
		detach
		# events the policy posted for the workloads (0 = the miss path);
		# events of other processes on the host (an nc run by a neighbour)
		# are not the workload's
		ev=$(grep -c "\"process\":{[^}]*\"binary\":\"$B/" "$SD/$name.json")
		awk -F'\t' -v p="$name" -v e="$ev" 'BEGIN {OFS = "\t"} $1 == p && NF > 3 {$0 = $0 "\t" e} {print}' \
			"$SD/rows" >"$SD/rows.tmp" && mv "$SD/rows.tmp" "$SD/rows"
	done
	# the floor: an empty program per SEC, all held at once, each measured
	# under its hook's workload
	if [ -s "$SD/secs" ]; then
		{
			echo '#include "vmlinux.h"'
			echo '#include <bpf/bpf_helpers.h>'
			i=0
			sort -u "$SD/secs" | while read -r sec; do
				ret=0
				[[ $sec == cgroup/* ]] && ret=1 # 1 = allow the connect
				printf 'SEC("%s") int tpcstd_e%d(void *ctx) { return %d; }\n' "$sec" $i $ret
				i=$((i + 1))
			done
			echo 'char LICENSE[] SEC("license") = "Dual BSD/GPL";'
		} >"$SD/empty.bpf.c"
		sort -u "$SD/secs" | awk '{printf "tpcstd_e%d %s\n", NR - 1, $0}' >"$SD/empty.secs"
		clang -O2 -target bpf -I"$ROOT/$OUTDIR" -c "$SD/empty.bpf.c" -o "$SD/empty.bpf.o" 2>"$W/build.err" ||
			log "empty programs: $(head -3 "$W/build.err")"
		HOLD_CGROUP=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo) \
			attach_hold "$SD/empty.bpf.o"
		for ((i = 0; i < 200; i++)); do
			grep -q "^ready" "$W/att.out" 2>/dev/null && break
			kill -0 "$ATT_PID" 2>/dev/null || break
			sleep 0.05
		done
		while read -r pn sec; do
			id=$(awk -v n="$pn" '$1 == "prog" && $2 == n {print $3}' "$W/att.out")
			[ -n "$id" ] || { log "empty $sec: not attached: $(tail -2 "$W/att.err")"; continue; }
			std_measure "empty:$sec" "$sec" "$id" stdlib_empty &&
				printf '%s\t%s\n' "$sec" "$(jq -r .ns_median <<<"$LAST")" >>"$SD/floors"
		done <"$SD/empty.secs"
		detach
	fi
	load1=$(cut -d' ' -f1-3 /proc/loadavg)
	mkdir -p "$(dirname "$STDLIB_COST")"
	{
		echo "# Per-event in-kernel cost of each stdlib policy, per program it attaches on this kernel:"
		echo "# written by \`make bench\` (bench/run.sh, part stdlib); read by scripts/gen-policy-index.sh."
		echo "# date $(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), $(nproc) CPUs $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), commit $COMMIT"
		echo "# load average before/after (the machine is shared): $load0 / $load1"
		echo "# $REPS reps of $STD_N syscalls, $STD_EXEC_N execs, $STD_CONN_N connects per program; medians."
		echo "# Workloads do not match the policy (the common case) unless events > 0."
		echo "# ns = run_time_ns / run_cnt over the program's ids (bpf_stats); empty = an empty program"
		echo "# with the same SEC under the same workload, same run; ratio = ns / empty."
		printf 'policy\tprogram\tns\tns_min\tns_max\truns\tcalls\tevents\tempty_ns\tratio\n'
		awk -F'\t' -v floors="$SD/floors" 'BEGIN {OFS = "\t"
				while ((getline l < floors) > 0) {split(l, a, "\t"); floor[a[1]] = a[2]}}
			NF <= 3 {print $1, $2, $3; next}
			{e = ($2 in floor) ? floor[$2] : "";
			 r = (e != "" && e > 0) ? sprintf("%.1f", $3 / e) : "-";
			 print $1, $2, sprintf("%.0f", $3), sprintf("%.0f", $4), sprintf("%.0f", $5), $6, $7, $8,
			       (e == "" ? "-" : sprintf("%.0f", e)), r}' "$SD/rows" |
			sort -t$'\t' -k1,1 -k2,2
	} >"$STDLIB_COST"
	log "stdlib: $STDLIB_COST"
fi

# --- 9. l7: DNS/HTTP cgroup_skb programs (bench/netl7.sh) ---------------------------
if [[ $PARTS == *" l7 "* ]]; then
	log "l7: DNS/HTTP per-packet cost (bench/netl7.sh)"
	rm -f "$B/netl7.json"
	bash bench/netl7.sh >&2 || die "l7: bench/netl7.sh failed"
	[ -s "$B/netl7.json" ] || die "l7: no results (bench/netl7.sh skipped: dnsmasq or python3 missing? run scripts/bench-deps.sh)"
fi

# --- results ------------------------------------------------------------------------
# Ratios against the floor and against "nothing attached" of the same run.
jq -s '
	def med: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
	(map({(.name): .}) | add // {}) as $c |
	map(if .skipped or (.group|startswith("stdlib")) then . else . +
		(if (.hook == "sys_enter_openat") then
			{vs_floor: (if .ns_median and $c.empty.ns_median then .ns_median / $c.empty.ns_median else null end),
			 wall_vs_none: (if $c.none then .wall_ns_median / $c.none.wall_ns_median else null end),
			 cpu_vs_none: (if $c.none then .cpu_ns_median / $c.none.cpu_ns_median else null end)}
		 elif (.hook == "sched_process_exec") then
			{vs_floor: (if .ns_median and $c.exec_empty.ns_median then .ns_median / $c.exec_empty.ns_median else null end),
			 wall_vs_none: (if $c.exec_none then .wall_ns_median / $c.exec_none.wall_ns_median else null end)}
		 elif (.group | startswith("tcp")) then
			(.hook | if . == "inet_sock_set_state" then "tcp_empty_tcpstate" elif . == "cgroup/connect4" then "tcp_empty_cgconnect4" else "tcp_empty_sockcreate" end) as $f |
			{vs_floor: (if .ns_median and $c[$f].ns_median then .ns_median / $c[$f].ns_median else null end),
			 wall_vs_none: (if $c.tcp_none then .wall_ns_median / $c.tcp_none.wall_ns_median else null end)}
		 else
			{vs_floor: (if .ns_median and $c.connect_empty.ns_median then .ns_median / $c.connect_empty.ns_median else null end),
			 wall_vs_none: (if $c.connect_none then .wall_ns_median / $c.connect_none.wall_ns_median else null end)}
		 end) end)' "$CASES" >"$W/cases.json"
compile=$( [ -s "$W/compile.jsonl" ] && [[ $PARTS == *" compile "* ]] && jq -s . "$W/compile.jsonl" || echo null)
loader=$( [ -s "$W/loader.json" ] && [[ $PARTS == *" loader "* ]] && cat "$W/loader.json" || echo null)
l7=null
[[ $PARTS == *" l7 "* ]] && [ -s "$B/netl7.json" ] && l7=$(jq -c . "$B/netl7.json")
# the stdlib part's table, when this run made it
stdlib=null
if [[ $PARTS == *" stdlib "* ]] && [ -s "${STDLIB_COST:-}" ]; then
	stdlib=$(grep -v '^#' "$STDLIB_COST" | tail -n +2 | jq -R -s -c 'split("\n") | map(select(length > 0) | split("\t") |
		{policy: .[0], program: .[1], ns: (.[2]|tonumber? // null), note: (if (.[2]|tonumber? // null) == null then .[2] else null end),
		 ns_min: (.[3]|tonumber? // null), ns_max: (.[4]|tonumber? // null), events: (.[7]|tonumber? // null),
		 empty_ns: (.[8]|tonumber? // null), ratio: (.[9]|tonumber? // null)})')
fi
jq -n --slurpfile cases "$W/cases.json" --argjson compile "$compile" --argjson loader "$loader" \
	--argjson stdlib "$stdlib" --argjson l7 "$l7" \
	--arg kernel "$(uname -r)" --arg cpu "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" \
	--arg ncpu "$(nproc)" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--arg commit "$COMMIT" \
	--argjson n "$N" --argjson reps "$REPS" --argjson exec_n "$EXEC_N" --argjson conn_n "$CONN_N" \
	--argjson tcp_n "$TCP_N" --argjson rounds "$ROUNDS" --argjson crounds "${CROUNDS:-null}" \
	--arg load0 "$RUN_LOAD0" --arg load1 "$(cut -d' ' -f1-3 /proc/loadavg)" \
	--argjson secs "$(($(date +%s) - RUN_T0))" --arg parts "$PARTS" \
	--arg bt "$(bpftrace --version 2>/dev/null)" --arg clang "$(clang --version | head -1)" '
	{machine: {kernel: $kernel, cpu: $cpu, cpus: ($ncpu|tonumber), date: $date, commit: $commit,
	           bpftrace: $bt, clang: $clang, load_before: $load0, load_after: $load1,
	           duration_s: $secs},
	 params: {openat_n: $n, reps: $reps, rounds: $rounds, compile_rounds: $crounds,
	          exec_n: $exec_n, connect_n: $conn_n, tcp_n: $tcp_n, parts: ($parts|ltrimstr(" ")|rtrimstr(" "))},
	 cases: $cases[0], compile: $compile, loader: $loader, stdlib: $stdlib, l7: $l7}' >"$RESULTS"

# plot data: cost against set size / policy count, one file per series
# (columns: x, median ns, min, max), plus the floor for reference; not for
# the smoke run, which must leave the last real run's data alone
if [ -n "${BENCH_QUICK:-}" ]; then
	log "results: $RESULTS"
	exit 0
fi
for kind in str_eq prefix int_eq; do
	for v in miss match; do
		jq -r --arg g "scale_$kind" --arg v "$v" '.cases[] | select(.group == $g and .ns_median and (.name|endswith("_" + $v))) |
			[(.name|split("_")|.[-2]|tonumber), .ns_median, .ns_min, .ns_max] | @tsv' "$RESULTS" |
			sort -n >"$B/scale_${kind}_$v.dat"
	done
done
for g in fused separate; do
	for v in miss match; do
		jq -r --arg g "policies_$g" --arg v "$v" '.cases[] | select(.group == $g and .ns_median and (.name|endswith("_" + $v))) |
			[(.name|split("_")|.[-2]|tonumber), .ns_median, .ns_min, .ns_max] | @tsv' "$RESULTS" |
			sort -n >"$B/policies_${g}_$v.dat"
	done
done
jq -r '.cases[] | select(.name == "empty") | .ns_median' "$RESULTS" >"$B/floor.dat"
if command -v gnuplot >/dev/null; then
	mkdir -p docs/img
	gnuplot -e "dir='$B'" bench/plot.gp && log "plots: docs/img/bench-values.svg, docs/img/bench-policies.svg"
fi
log "results: $RESULTS"
