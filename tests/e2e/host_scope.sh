#!/bin/bash
# hostSelector enforced in BPF, with real cgroups: kubelet-style cgroup v2
# directories for pods (pods_lib.sh), policies that kill the exec of their
# own binary copy. spec.hostSelector {} kills on the host (a plain cgroup,
# the loader's own) and not in a pod, even one the pod source does not list
# (the loader finds every kubelet pod cgroup) or one created after the
# loader started; hostSelector {} plus a podSelector is their union;
# matchWorkloads.hostSelector scopes one selector. Without a pod source, a
# host process is still killed and a pod's is not.
# Prints PASS/FAIL/SKIP lines (tests/run.sh tier e2e).
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
EXTRA_PIDS=
need_root_tools
TPC=${TPC:-$ROOT/$BUILD/tpc}
. "$(dirname "$0")/lib/pods_lib.sh"
pods_setup tpc-host-scope all

WEB_UID=5c1f0a2e-0000-4000-8000-00000000b001
DB_UID=5c1f0a2e-0000-4000-8000-00000000b002
GHOST_UID=5c1f0a2e-0000-4000-8000-00000000b003 # in no pod source
LATE_UID=5c1f0a2e-0000-4000-8000-00000000b004  # created after the start
NGINX=$(hex 0xd1) PG=$(hex 0xd2) GH=$(hex 0xd3) LT=$(hex 0xd4)
WEB=$(pod_dir $WEB_UID burstable)
DB=$(pod_dir $DB_UID besteffort)
GHOST=$(pod_dir $GHOST_UID besteffort)
LATE=$(pod_dir $LATE_UID burstable)
mkdir -p "$WEB/cri-containerd-$NGINX.scope" "$DB/cri-containerd-$PG.scope" \
	"$GHOST/cri-containerd-$GH.scope"
write_pods "$(pod web-1 default $WEB_UID '{"app":"web"}' "$(container nginx $NGINX nginx:1.25)")" \
	"$(pod db-1 default $DB_UID '{"app":"db"}' "$(container postgres $PG postgres:16)")"

V=$T/bin
mkdir -p "$V"
for v in host union wl; do cp /bin/true "$V/victim-$v"; done
cat >"$T/host.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: host-only
spec:
  hostSelector: {}
  selectors:
    matchBinary: ["$V/victim-host"]
  action: Block
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: host-or-web
spec:
  hostSelector: {}
  podSelector:
    matchLabels:
      app: web
  selectors:
    matchBinary: ["$V/victim-union"]
  action: Block
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: host-selector-rule
spec:
  tracepoints:
  - subsystem: sched
    event: sched_process_exec
    raw: true
    args:
    - index: 2
      type: linux_binprm
    selectors:
    - match: 'arg2 == "$V/victim-wl"'
      matchWorkloads:
        hostSelector: {}
      matchActions:
      - action: Sigkill
EOF
if ! "$TPC" build "$T/host.yaml" -o "$T/host.bpf.o" >"$T/build.log" 2>&1; then
	fail build "$(grep error "$T/build.log" | head -3)"
	exit 1
fi
pass build
"$TPC" explain "$T/host.bpf.o" >"$T/meta.json" 2>/dev/null
meta_ok() { jq -e '[.maps[] | select(.fill.scope.level == "any_pod")] | length == 1' "$T/meta.json" >/dev/null; }
check meta-any-pod meta_ok

HOSTCG=$BASE/host.slice
mkdir -p "$HOSTCG"

if ! start_loader --node-name e2e-node --pods-file "$T/pods.json" -o json "$T/host.bpf.o"; then
	fail start "loader did not become ready: $(tail -5 "$LERR")"
	exit 1
fi
pass start
check fill-logged grep -q "hostSelector: [0-9]* pod cgroups found" "$LERR"

expect host-killed 137 "$HOSTCG" host
expect host-loader-cgroup-killed 137 "" host
expect host-web-pod-runs 0 "$WEB/cri-containerd-$NGINX.scope" host
expect host-db-pod-runs 0 "$DB/cri-containerd-$PG.scope" host
expect host-unlisted-pod-runs 0 "$GHOST/cri-containerd-$GH.scope" host
expect host-pod-level-cgroup-runs 0 "$DB" host
mkdir -p "$LATE/cri-containerd-$LT.scope"
if wait_for "$LERR" "new pod cgroup kubepods-burstable-pod${LATE_UID//-/_}.slice .* is no host workload" 10; then
	pass new-pod-logged
	grep -o "new pod cgroup kubepods-burstable-pod.*is no host workload [0-9]* us" "$LERR" |
		sed 's/.* workload /  pod cgroup out of the host scope: /' >&2
else
	fail new-pod-logged "no log line for the new pod cgroup"
fi
expect host-new-pod-runs 0 "$LATE/cri-containerd-$LT.scope" host

expect union-host-killed 137 "$HOSTCG" union
expect union-web-killed 137 "$WEB/cri-containerd-$NGINX.scope" union
expect union-db-runs 0 "$DB/cri-containerd-$PG.scope" union

expect rule-host-killed 137 "$HOSTCG" wl
expect rule-pod-runs 0 "$WEB/cri-containerd-$NGINX.scope" wl
expect rule-unlisted-pod-runs 0 "$GHOST/cri-containerd-$GH.scope" wl

wait_for "$LOUT" '"policy_name":"host-selector-rule"'
n_host=$(jq -s '[.[] | select(.process_lsm.policy_name == "host-only")] | length' "$LOUT")
check host-only-kills-reported test "$n_host" = 2
stop_loader
check clean-exit test "$LRC" = 0

# no pod source: the kubelet's cgroups still tell pods from the host
if start_loader --node-name e2e-node -o json "$T/host.bpf.o"; then
	expect no-source-host-killed 137 "$HOSTCG" host
	expect no-source-pod-runs 0 "$WEB/cri-containerd-$NGINX.scope" host
	stop_loader
else
	fail no-source-start "$(tail -3 "$LERR")"
fi
