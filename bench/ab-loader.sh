#!/bin/bash
# bench/ab-loader.sh: tpc-loader start-up with 20 objects (the objects and
# the measurement of bench/run.sh's loader part), A/B: each round starts
# every case once, in an order that rotates by one case per round, and
# reports per case the median and min-max of "ready in" (the loader's own
# start-up to ready), the wall time to the "ready" line, VmRSS and VmHWM
# (1 s after ready), and the CPU time (user + system, all threads) the
# loader had used when the "ready" line was seen: on a shared machine the
# least noisy of them.  Needs root and make bench-build (build/tpc).
#   bash bench/ab-loader.sh NAME='ENV=... [LOADER] [ARGS]' ...
# e.g. bash bench/ab-loader.sh reduced='build/tpc-loader' \
#          full='TPC_CORE_BTF=full build/tpc-loader'
# ROUNDS (default 7).
set -u
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-7}
W=$(mktemp -d /tmp/ab-loader.XXXXXX)
PID=
trap '[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null; rm -rf "$W"' EXIT
for ((i = 0; i < 20; i++)); do
	cat >"$W/obj-$i.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: obj-$i
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_openat
    args:
    - index: 6
      type: string
    selectors:
    - matchBinaries:
      - operator: In
        values: ["/usr/bin/o$i"]
      matchArgs:
      - index: 6
        operator: Prefix
        values: ["/etc/o$i/"]
EOF
	build/tpc build "$W/obj-$i.yaml" -o "$W/obj-$i.bpf.o" 2>/dev/null || { echo "tpc build failed" >&2; exit 1; }
done

one() { # SPEC: prints "ready_ms wall_ms rss_kb hwm_kb cpu_ms", or "fail"
	local spec=$1 t0 t1 i cpu
	: >"$W/err"
	t0=$(date +%s%N)
	env $spec run -o json "$W"/obj-*.bpf.o >/dev/null 2>>"$W/err" &
	PID=$!
	for ((i = 0; i < 4000; i++)); do
		grep -q "^tpc-loader: info: ready in " "$W/err" && break
		sleep 0.005
	done
	t1=$(date +%s%N)
	# utime + stime in clock ticks (fields 14, 15; comm has no spaces here)
	cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) * 1000 / hz}' /proc/$PID/stat)
	if ! grep -q "^tpc-loader: info: ready in .*: 20 objects" "$W/err"; then
		echo fail
	else
		sleep 1
		echo "$(sed -n 's/.*ready in \([0-9]*\) ms.*/\1/p' "$W/err") $(((t1 - t0) / 1000000))" \
			"$(awk '/^VmRSS:/ {print $2}' /proc/$PID/status) $(awk '/^VmHWM:/ {print $2}' /proc/$PID/status)" \
			"$cpu"
	fi
	kill -TERM "$PID"
	wait "$PID" 2>/dev/null
	PID=
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
		echo "${names[$i]} $(one "${specs[$i]}")" >>"$W/results"
	done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg), $ROUNDS rounds"
printf '%-12s %22s %22s %22s %14s %14s\n' case "ready ms med (min-max)" "wall ms med (min-max)" "CPU ms med (min-max)" "VmRSS MB med" "VmHWM MB med"
for nm in "${names[@]}"; do
	awk -v n="$nm" '$1 == n && $2 != "fail" {print $2, $3, $4, $5, $6}' "$W/results" >"$W/c"
	nf=$(awk -v n="$nm" '$1 == n && $2 == "fail"' "$W/results" | wc -l)
	med() { cut -d' ' -f"$1" "$W/c" | sort -n | awk '{a[NR] = $1} END {if (NR) printf "%d (%d-%d)", a[int((NR + 1) / 2)], a[1], a[NR]}'; }
	medmb() { cut -d' ' -f"$1" "$W/c" | sort -n | awk '{a[NR] = $1} END {if (NR) printf "%.1f", a[int((NR + 1) / 2)] / 1024}'; }
	printf '%-12s %22s %22s %22s %14s %14s%s\n' "$nm" "$(med 1)" "$(med 2)" "$(med 5)" "$(medmb 3)" "$(medmb 4)" \
		"$([ "$nf" -gt 0 ] && echo " ($nf failed)")"
done
