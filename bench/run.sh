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
#   BENCH_EXEC_N=2000    execs per repetition
#   BENCH_CONNECT_N=50000 connect attempts per repetition
#   BENCH_TCP_N=5000     TCP connections (connect, accept, close) per repetition
#   BENCH_SIZES="1 10 100 1000 10000"   set sizes for the scaling series
#   BENCH_POLICIES="1 10 50"            policy counts for the fusion series
#   BENCH_PARTS="kernel scale policies exec connect tcp compile loader" (subset to run)
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
fi
N=${BENCH_N:-200000}
REPS=${BENCH_REPS:-5}
EXEC_N=${BENCH_EXEC_N:-2000}
CONN_N=${BENCH_CONNECT_N:-50000}
TCP_N=${BENCH_TCP_N:-5000}
SIZES=${BENCH_SIZES:-1 10 100 1000 10000}
NPOLS=${BENCH_POLICIES:-1 10 50}
PARTS=" ${BENCH_PARTS:-kernel scale policies exec connect tcp compile loader} "
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
HAVE_BPFTRACE=1
command -v bpftrace >/dev/null || { HAVE_BPFTRACE=0; log "bpftrace missing: its cases are skipped"; }
[ "${BENCH_NO_BPFTRACE:-0}" = 1 ] && HAVE_BPFTRACE=0
mkdir -p "$W"
: >"$CASES"
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
touch "$MATCH" "$OTHER"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- compiler runtime loader bench 2>/dev/null || echo "+dirty")

ATT_PID=
detach() {
	[ -n "$ATT_PID" ] || return 0
	kill -TERM "$ATT_PID" 2>/dev/null
	wait "$ATT_PID" 2>/dev/null
	ATT_PID=
}
on_exit() {
	detach
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

# measure NAME GROUP HOOK DESC -- WORKLOAD...: REPS runs, one JSONL record.
measure() {
	local name=$1 group=$2 hook=$3 desc=$4
	shift 5
	local ids reps='[]' r before after line
	ids=$(hook_ids "$hook")
	for ((r = 0; r < REPS; r++)); do
		before=$(snap "$ids")
		line=$("$@") || { log "$name: workload failed"; return 1; }
		after=$(snap "$ids")
		reps=$(jq -c --argjson b "$before" --argjson a "$after" --arg l "$line" '. + [
			($l | split(" ") | map(split("=") | {(.[0]): (.[1]|tonumber)}) | add) +
			{run_cnt: ($a.cnt - $b.cnt), run_time_ns: ($a.rt - $b.rt),
			 ns_per_event: (if $a.cnt > $b.cnt then ($a.rt - $b.rt) / ($a.cnt - $b.cnt) else null end)}]' <<<"$reps")
	done
	jq -c -n --arg name "$name" --arg group "$group" --arg hook "$hook" --arg desc "$desc" \
		--argjson ids "$ids" --argjson reps "$reps" '
		def med: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
		($reps|map(.ns_per_event)|map(select(. != null))) as $ns |
		{name: $name, group: $group, hook: $hook, desc: $desc, programs: ($ids|length),
		 reps: $reps,
		 ns_median: ($ns|med), ns_min: ($ns|min), ns_max: ($ns|max),
		 wall_ns_median: ($reps|map(.wall_ns)|med), cpu_ns_median: ($reps|map(.cpu_ns)|med),
		 errors: ($reps|map(.errors)|add)}' >>"$CASES"
	LAST=$(tail -1 "$CASES")
	tail -1 "$CASES" | jq -r '"  \(.name): \(.ns_median // "-" | if type == "number" then (.*10|round/10|tostring) + " ns/event" else . end) (min \(.ns_min // "-"|tostring|.[0:7]), max \(.ns_max // "-"|tostring|.[0:7])), wall \(.wall_ns_median/1e6|round) ms, cpu \(.cpu_ns_median/1e6|round) ms"' >&2
}

# run_case NAME GROUP HOOK NPROGS DESC ATTACH-FN ATTACH-ARGS... -- WORKLOAD...
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
	# hold reports how many ring-buffer records it drained
	if [ "$fn" = attach_hold ] && grep -q '^events=' "$W/att.err"; then
		local ev
		ev=$(sed -n 's/^events=//p' "$W/att.err")
		sed -i '$d' "$CASES"
		jq -c --argjson e "$ev" '. + {events_drained: $e}' <<<"$LAST" >>"$CASES"
	fi
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
	run_case none baseline $HK 0 "nothing attached" none -- "${OPEN_M[@]}"
	run_case empty baseline $HK 1 "empty program (bench/empty.bpf.c), the floor" \
		attach_hold "$B/empty_openat.bpf.o" -- "${OPEN_M[@]}"
	# The hand-written program decides by the name exec'd: run the workload
	# through a copy under another name for the binary miss.
	cp "$B/openat" "$W/openat-copy"
	run_case hand_binary_miss hand $HK 1 "hand-written (bench/hand.bpf.c), binary not in set" \
		attach_hold "$B/hand_openat.bpf.o" -- "$W/openat-copy" "$N" "$MATCH"
	run_case hand_path_miss hand $HK 1 "hand-written, binary in set, path prefix differs" \
		attach_hold "$B/hand_openat.bpf.o" -- "${OPEN_O[@]}"
	run_case hand_match hand $HK 1 "hand-written, full match, event posted (NO_WAKEUP, drained every 1 ms)" \
		attach_hold "$B/hand_openat.bpf.o" -- "${OPEN_M[@]}"
	if [ $HAVE_BPFTRACE = 1 ]; then
		BT1='tracepoint:syscalls:sys_enter_openat /comm == "nomatch"/ { @n = count(); }'
		BT2="tracepoint:syscalls:sys_enter_openat /comm == \"openat\" && strncmp(str(args->filename), \"$MATCH\", ${#MATCH}) == 0/ { @n = count(); }"
		BT3="tracepoint:syscalls:sys_enter_openat /comm == \"openat\" && strncmp(str(args->filename), \"$MATCH\", ${#MATCH}) == 0/ { printf(\"%d %s\\n\", pid, str(args->filename)); }"
		run_case bpftrace_comm_miss bpftrace $HK 1 "$BT1" attach_bpftrace "$BT1" -- "${OPEN_M[@]}"
		run_case bpftrace_path_miss bpftrace $HK 1 "$BT2" attach_bpftrace "$BT2" -- "${OPEN_O[@]}"
		run_case bpftrace_match_count bpftrace $HK 1 "$BT2" attach_bpftrace "$BT2" -- "${OPEN_M[@]}"
		run_case bpftrace_match_printf bpftrace $HK 1 "$BT3" attach_bpftrace "$BT3" -- "${OPEN_M[@]}"
	fi
	openat_policy bench-binmiss In /usr/bin/true "$PREFIX_SPEC" >"$P/binmiss.yaml"
	openat_policy bench-open In "$OPENAT_BIN" "$PREFIX_SPEC" >"$P/open.yaml"
	build "$P/binmiss.bpf.o" "$P/binmiss.yaml" && build "$P/open.bpf.o" "$P/open.yaml" && {
		run_case tpc_binary_miss tpc $HK 1 "tpc: matchBinaries In [/usr/bin/true], Prefix [$MATCH], Post; tpc-loader" \
			attach_loader "$P/binmiss.bpf.o" -- "${OPEN_M[@]}"
		run_case tpc_path_miss tpc $HK 1 "tpc: matchBinaries In [bench/openat], Prefix [$MATCH]; file $OTHER; tpc-loader" \
			attach_loader "$P/open.bpf.o" -- "${OPEN_O[@]}"
		run_case tpc_match tpc $HK 1 "tpc: same policy, full match, Post; tpc-loader writes JSON to /dev/null" \
			attach_loader "$P/open.bpf.o" -- "${OPEN_M[@]}"
	}
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
				run_case "scale_${kind}_${k}_$v" "scale_$kind" $HK 1 \
					"$kind, $k values, binary matches, value $v" \
					attach_hold "$f.bpf.o" -- "${OPEN_M[@]}"
			done
		done
	done
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
		for v in miss match; do
			wl=("${OPEN_O[@]}")
			[ $v = match ] && wl=("${OPEN_M[@]}")
			run_case "fused_${np}_$v" policies_fused $HK 1 "$np policies fused into one object, event $v" \
				attach_loader "$P/fused-$np.bpf.o" -- "${wl[@]}"
			run_case "separate_${np}_$v" policies_separate $HK "$np" "$np policies as $np objects, event $v" \
				attach_loader "${objs[@]}" -- "${wl[@]}"
		done
	done
fi

# --- 4. exec ----------------------------------------------------------------------
if [[ $PARTS == *" exec "* ]]; then
	log "exec: $EXEC_N execs of bench/tiny x $REPS"
	HK=sched_process_exec
	EX=("$B/exec" "$EXEC_N" "$B/tiny")
	run_case exec_none exec_baseline $HK 0 "nothing attached" none -- "${EX[@]}"
	run_case exec_empty exec_baseline $HK 1 "empty tp_btf/sched_process_exec program" \
		attach_hold "$B/empty_exec.bpf.o" -- "${EX[@]}"
	if [ $HAVE_BPFTRACE = 1 ]; then
		BT='tracepoint:sched:sched_process_exec /comm == "nc"/ { @n = count(); }'
		run_case exec_bpftrace_comm_miss exec_bpftrace $HK 1 "$BT" attach_bpftrace "$BT" -- "${EX[@]}"
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
		run_case exec_tpc_block_miss exec_tpc $HK 1 "tpc: seed block-netcat (matchBinary [/usr/bin/nc], Block), exec of another binary; tpc-loader" \
			attach_loader "$P/exec-block.bpf.o" -- "${EX[@]}"
fi

# --- 5. connect ---------------------------------------------------------------------
if [[ $PARTS == *" connect "* ]]; then
	log "connect: $CONN_N attempts on 127.0.0.1:$PORT x $REPS"
	HK=sys_enter_connect
	CN=("$B/connect" "$CONN_N" "$PORT")
	run_case connect_none connect_baseline $HK 0 "nothing attached" none -- "${CN[@]}"
	run_case connect_empty connect_baseline $HK 1 "empty tracepoint/syscalls/sys_enter_connect program" \
		attach_hold "$B/empty_connect.bpf.o" -- "${CN[@]}"
	if [ $HAVE_BPFTRACE = 1 ]; then
		BT='tracepoint:syscalls:sys_enter_connect /comm == "nomatch"/ { @n = count(); }'
		run_case connect_bpftrace_comm_miss connect_bpftrace $HK 1 "$BT" attach_bpftrace "$BT" -- "${CN[@]}"
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
			run_case "connect_tpc_binary_$v" connect_tpc $HK 1 "tpc: matchBinaries In [$bin], Post; tpc-loader" \
				attach_loader "$P/connect-$v.bpf.o" -- "${CN[@]}"
	done
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
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "null"}'; }
if [[ $PARTS == *" compile "* ]]; then
	log "compile: tpc build of every corpus/stdlib/example policy, 3 runs each"
	CJ=$W/compile.jsonl
	: >"$CJ"
	# ARGS... -> "wall_s cpu_s maxrss_kb"; cpu = user+sys of tpc and its
	# children (clang, llvm-objcopy): wall time on a shared 2-vCPU VM mostly
	# measures the neighbours, CPU time what tpc itself costs
	tbuild() {
		/usr/bin/time -f '%e %U %S %M' -o "$W/time.out" "$TPC" build "$@" >/dev/null 2>&1 || return 1
		awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$W/time.out"
	}
	# compile_row NAME EXTRA-JSON ARGS...: 3 runs of the build and of --emit-c alone
	compile_row() {
		local name=$1 extra=$2 s r
		shift 2
		local tot=() cpu=() fe=() fecpu=() rss=0 ferss=0
		local args=("$@")
		for r in 1 2 3; do
			s=$(tbuild "${args[@]}" -o "$W/c.bpf.o") || return 1
			read -r w c m <<<"$s"
			tot+=("$w") cpu+=("$c")
			[ "$m" -gt "$rss" ] && rss=$m
			s=$(tbuild "${args[@]}" --emit-c "$W/c.bpf.c") || return 1
			read -r w c m <<<"$s"
			fe+=("$w") fecpu+=("$c")
			[ "$m" -gt "$ferss" ] && ferss=$m
		done
		jq -c -n --arg f "$name" --argjson x "$extra" \
			--argjson t "$(printf '%s\n' "${tot[@]}" | median)" --argjson c "$(printf '%s\n' "${cpu[@]}" | median)" \
			--argjson fe "$(printf '%s\n' "${fe[@]}" | median)" --argjson fec "$(printf '%s\n' "${fecpu[@]}" | median)" \
			--argjson rss "$rss" --argjson ferss "$ferss" \
			'{file: $f, wall_s: $t, cpu_s: $c, frontend_s: $fe, frontend_cpu_s: $fec,
			  clang_share: (if $t > 0 then ([$t - $fe, 0]|max) / $t else null end),
			  clang_cpu_share: (if $c > 0 then ([$c - $fec, 0]|max) / $c else null end),
			  max_rss_kb: $rss, frontend_max_rss_kb: $ferss} + $x' >>"$CJ"
	}
	for f in examples/*.yaml tests/corpus/*.yaml stdlib-policies/*/*.yaml; do
		[ -e "$f" ] || continue
		"$TPC" build "$f" -o "$W/c.bpf.o" >/dev/null 2>&1 || continue
		compile_row "$f" '{}' "$f"
	done
	# a 50-policy bundle: distinct policies on one hook
	bundle=()
	for ((i = 0; i < 50; i++)); do
		openat_policy "bundle-$i" In "/usr/bin/b$i" "$(argspec 6 Prefix "\"/etc/b$i/\", \"/var/b$i/\"")" >"$P/bundle-$i.yaml"
		bundle+=("$P/bundle-$i.yaml")
	done
	compile_row "bundle of 50 policies" '{"bundle": true}' "${bundle[@]}" || log "bundle build failed"
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
		h=$(sed -n 's/^hook events.*= \([0-9]*\) events\/s/\1/p' <<<"$bout")
		e=$(sed -n 's/^exec events.*= \([0-9]*\) events\/s/\1/p' <<<"$bout")
		c=$(awk -v n=$((bn + bn / 4)) '/^cpu / {printf "%d", n / ($2 + $3)}' <<<"$bout")
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
	# 20 objects: start-up to "ready", attach time reported by the loader, RSS
	objs=()
	for ((i = 0; i < 20; i++)); do
		openat_policy "obj-$i" In "/usr/bin/o$i" "$(argspec 6 Prefix "\"/etc/o$i/\"")" >"$P/obj-$i.yaml"
		build "$P/obj-$i.bpf.o" "$P/obj-$i.yaml" && objs+=("$P/obj-$i.bpf.o")
	done
	: >"$W/att.err" # before the background start: its redirect races the poll below
	t0=$(date +%s%N)
	"$LOADER" run -o json "${objs[@]}" >/dev/null 2>>"$W/att.err" &
	ATT_PID=$!
	for ((i = 0; i < 2000; i++)); do
		grep -q "ready:" "$W/att.err" && break
		sleep 0.005
	done
	t1=$(date +%s%N)
	sleep 1
	# VmRSS also counts the mmapped ring buffers (kernel memory, each mapped
	# twice by libbpf), so the anonymous (heap) part is reported beside it
	rss=$(awk '/^VmRSS:/ {print $2}' /proc/$ATT_PID/status)
	hwm=$(awk '/^VmHWM:/ {print $2}' /proc/$ATT_PID/status)
	rss_anon=$(awk '/^RssAnon:/ {print $2}' /proc/$ATT_PID/status)
	rss_shared=$(awk '/^Rss(File|Shmem):/ {s += $2} END {print s + 0}' /proc/$ATT_PID/status)
	sed -n 's/.*\(loaded .*\)/\1/p; s/.*\(ready: .*\)/\1/p' "$W/att.err" >"$W/startup20.log"
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
		--argjson rss "${rss:-null}" --argjson hwm "${hwm:-null}" --argjson rssnb "${rss_nobase:-null}" \
		--argjson ranon "${rss_anon:-null}" --argjson rshared "${rss_shared:-null}" \
		--argjson nobj "${#objs[@]}" --argjson natt "$nattached" '
		{export_events_per_s: $hr, exec_events_per_s: $er, events_per_cpu_s: $cr,
		 loader_bench_output: $bench,
		 burst: {events: $bn, program_runs: $runs, delivered: $del, lost_counted: $lost,
		         unaccounted: (if $lost == null then null else $bn - $del - $lost end),
		         loss_warnings_logged: $warned, poll_ms: 500},
		 footprint: {objects: $nobj, programs_attached: $natt, startup_to_ready_ms: $startup,
		             attach_ms_sum: $attach, rss_kb: $rss, rss_hwm_kb: $hwm,
		             rss_anon_kb: $ranon, rss_file_shmem_kb: $rshared,
		             rss_kb_no_base_sensor: $rssnb}}' >"$LJ"
	jq -c . "$LJ" >&2
fi

# --- results ------------------------------------------------------------------------
# Ratios against the floor and against "nothing attached" of the same run.
jq -s '
	def med: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
	(map({(.name): .}) | add // {}) as $c |
	map(if .skipped then . else . +
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
jq -n --slurpfile cases "$W/cases.json" --argjson compile "$compile" --argjson loader "$loader" \
	--arg kernel "$(uname -r)" --arg cpu "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" \
	--arg ncpu "$(nproc)" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--arg commit "$COMMIT" \
	--argjson n "$N" --argjson reps "$REPS" --argjson exec_n "$EXEC_N" --argjson conn_n "$CONN_N" \
	--argjson tcp_n "$TCP_N" \
	--arg bt "$(bpftrace --version 2>/dev/null)" --arg clang "$(clang --version | head -1)" '
	{machine: {kernel: $kernel, cpu: $cpu, cpus: ($ncpu|tonumber), date: $date, commit: $commit,
	           bpftrace: $bt, clang: $clang},
	 params: {openat_n: $n, reps: $reps, exec_n: $exec_n, connect_n: $conn_n, tcp_n: $tcp_n},
	 cases: $cases[0], compile: $compile, loader: $loader}' >"$RESULTS"

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
