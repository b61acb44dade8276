#!/bin/bash
# bench/scope.sh - per-event cost of the workload scope check (podSelector)
# on syscalls/sys_enter_openat, from kernel.bpf_stats_enabled run_time_ns /
# run_cnt of the policy's program, attached by tpc-loader. Not part of
# `make bench` (not in results.json); run by hand as root after `make
# bench-build`:   bash bench/scope.sh [N] [REPS]
# Cases (the workload never opens a matching path, so only tests run):
#   unscoped/host      the policy without podSelector, workload on the host
#   unscoped/pod       the same, workload in a pod's container cgroup (level 5)
#   scoped/host        podSelector app=web, workload on the host (level 2):
#                      rejected by the scope check, the Prefix test never runs
#   scoped/pod         podSelector app=web, workload in that pod's container:
#                      scope check passes (pod cgroup found at level 4), then
#                      the same Prefix test as unscoped/pod
# scoped/pod - unscoped/pod is what the scope check adds to an in-scope event.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/build
N=${1:-200000}
REPS=${2:-5}
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
T=$(mktemp -d /tmp/tpc-scope-bench.XXXXXX)
BASE=$CG2/tpc-scope-bench-$$
UID_=7a1b2c3d-0000-4000-8000-0000000000b1
POD=$BASE/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_//-/_}.slice
CT=$POD/cri-containerd-$(printf '%064x' 0xb1).scope
HOST=$BASE/host.slice
LPID=
old_stats=$(cat /proc/sys/kernel/bpf_stats_enabled)
cleanup() {
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	echo "$old_stats" >/proc/sys/kernel/bpf_stats_enabled
	find "$BASE" -depth -type d -exec rmdir {} \; 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$CT" "$HOST"
cat >"$T/pods.json" <<EOF
{"kind":"PodList","items":[{"metadata":{"name":"web","namespace":"default","uid":"$UID_",
 "labels":{"app":"web"}},"status":{"containerStatuses":[]}}]}
EOF
policy() { # policy NAME SCOPE-LINES
	cat <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: $1
spec:
$2
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_openat
    args:
    - index: 6
      type: string
    selectors:
    - matchArgs:
      - index: 6
        operator: Prefix
        values: ["/tmp/tpcbench-match"]
EOF
}
policy scope-bench-unscoped "" >"$T/u.yaml"
policy scope-bench-scoped "  podSelector:
    matchLabels:
      app: web" >"$T/s.yaml"
"$B/tpc" build "$T/u.yaml" -o "$T/unscoped.bpf.o" 2>/dev/null
"$B/tpc" build "$T/s.yaml" -o "$T/scoped.bpf.o" 2>/dev/null
echo 1 >/proc/sys/kernel/bpf_stats_enabled

stats() { # stats ID : "run_time_ns run_cnt"
	bpftool prog show id "$1" --json | jq -r '"\(.run_time_ns) \(.run_cnt)"'
}
measure() { # measure OBJ CGROUP LABEL
	local ids id r0 c0 r1 c1 vals=()
	"$B/tpc-loader" run --no-base-sensor -o none --pods-file "$T/pods.json" "$1" \
		2>"$T/loader.log" &
	LPID=$!
	for _ in $(seq 100); do grep -q 'info: ready' "$T/loader.log" && break; sleep 0.1; done
	ids=$(grep -o "ids [0-9 ]*" "$T/loader.log" | head -1)
	id=${ids#ids }
	id=${id%% *}
	for _ in $(seq "$REPS"); do
		read -r r0 c0 < <(stats "$id")
		sh -c 'echo $$ >"$1/cgroup.procs"; exec "$2" "$3" /tmp/tpcbench-other' sh "$2" \
			"$B/bench/openat" "$N" >/dev/null
		read -r r1 c1 < <(stats "$id")
		vals+=("$(((r1 - r0) / (c1 - c0)))")
	done
	kill "$LPID"
	wait "$LPID" 2>/dev/null || true
	LPID=
	printf '%-16s ns/event median %s (all: %s)\n' "$3" \
		"$(printf '%s\n' "${vals[@]}" | sort -n | sed -n "$(((REPS + 1) / 2))p")" "${vals[*]}"
}
measure "$T/unscoped.bpf.o" "$HOST" unscoped/host
measure "$T/unscoped.bpf.o" "$CT" unscoped/pod
measure "$T/scoped.bpf.o" "$HOST" scoped/host
measure "$T/scoped.bpf.o" "$CT" scoped/pod
