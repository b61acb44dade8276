#!/bin/bash
# Workload scope enforced in BPF, with real cgroups: kubelet-style cgroup v2
# directories for three "pods" (labels and containers from a PodList given
# to the loader with --pods-file), policies scoped by podSelector,
# TracingPolicyNamespaced, containerSelector and matchExpressions that kill
# the exec of their own binary copy; processes moved into each container's
# cgroup (or left on the host) prove who is in scope: killed and reported,
# or running and not reported. Also: a container cgroup created after the
# loader started under a matching pod is in scope at once, and a pod
# removed from the file (SIGHUP) is out of scope.
# Prints PASS/FAIL/SKIP lines (tests/run.sh tier e2e).
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
EXTRA_PIDS=
need_root_tools
TPC=${TPC:-$ROOT/$BUILD/tpc}
. "$(dirname "$0")/lib/pods_lib.sh"
pods_setup tpc-k8s-scope all

WEB_UID=5c1f0a2e-0000-4000-8000-00000000a001
DB_UID=5c1f0a2e-0000-4000-8000-00000000a002
SHOP_UID=5c1f0a2e-0000-4000-8000-00000000a003
NGINX=$(hex 0xa1) SIDECAR=$(hex 0xa2) PG=$(hex 0xb1) API=$(hex 0xc1) LATE=$(hex 0xa9)
LATE2=$(hex 0xaa)
WEB=$(pod_dir $WEB_UID burstable)
DB=$(pod_dir $DB_UID besteffort)
SHOP=$(pod_dir $SHOP_UID burstable)
mkdir -p "$WEB/cri-containerd-$NGINX.scope" "$WEB/cri-containerd-$SIDECAR.scope" \
	"$DB/cri-containerd-$PG.scope" "$SHOP/cri-containerd-$API.scope"

P_WEB=$(pod web-1 default $WEB_UID '{"app":"web","tier":"front"}' \
	"$(container nginx $NGINX docker.io/library/nginx:1.25),$(container sidecar $SIDECAR registry.local:5000/mesh/proxy:v2)")
P_DB=$(pod db-1 default $DB_UID '{"app":"db","team":"data"}' "$(container postgres $PG postgres:16)")
P_SHOP=$(pod api-1 shop $SHOP_UID '{"app":"api"}' "$(container api $API shop/api:3)")
write_pods "$P_WEB" "$P_DB" "$P_SHOP"

# one binary copy per policy: each policy kills the exec of its own copy
V=$T/bin
mkdir -p "$V"
for v in web ns cont expr repo dsl; do cp /bin/true "$V/victim-$v"; done
policy() { # policy NAME KIND NAMESPACE SPEC-LINES VICTIM
	cat <<EOF
---
apiVersion: cilium.io/v1alpha1
kind: $2
metadata:
  name: $1
${3:+  namespace: $3}
spec:
$4
  selectors:
    matchBinary: ["$V/victim-$5"]
  action: Block
EOF
}
{
	policy k8s-scope-web TracingPolicy "" "  podSelector:
    matchLabels:
      app: web" web
	policy k8s-scope-ns TracingPolicyNamespaced shop "" ns
	policy k8s-scope-cont TracingPolicy "" "  containerSelector:
    matchLabels:
      name: nginx" cont
	policy k8s-scope-expr TracingPolicy "" "  podSelector:
    matchExpressions:
    - key: app
      operator: NotIn
      values: [web]
    - key: team
      operator: Exists
    - key: k8s:io.kubernetes.pod.namespace
      operator: In
      values: [default]" expr
	policy k8s-scope-repo TracingPolicy "" "  containerSelector:
    matchExpressions:
    - key: repo
      operator: In
      values: [registry.local:5000/mesh/proxy]" repo
	# match: pod/container fields in the top-level && chain: a scope map of
	# the selector's own (raw tracepoint at exec, Sigkill)
	cat <<EOF
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: k8s-scope-dsl
spec:
  tracepoints:
  - subsystem: sched
    event: sched_process_exec
    raw: true
    args:
    - index: 2
      type: linux_binprm
    selectors:
    - match: 'pod.labels["app"] == "db" && container.name == "postgres" && arg2 == "$V/victim-dsl" && pod.namespace in ["default"]'
      matchActions:
      - action: Sigkill
EOF
} >"$T/scope.yaml"
if ! "$TPC" build "$T/scope.yaml" -o "$T/scope.bpf.o" >"$T/build.log" 2>&1; then
	fail build "$(grep error "$T/build.log" | head -3)"
	exit 1
fi
pass build
"$TPC" explain "$T/scope.bpf.o" >"$T/meta.json" 2>"$T/explain.err"
meta_ok() { # the selectors as the loader reads them (docs/object-format.md)
	jq -e '[.maps[] | select(.fill.kind == "cgroup_scope")] | length == 6 and
	(.[0].name == "tpc_scope0") and (.[0].fill.scope.pods.match_labels.app == "web") and
	(.[0].fill.scope.level == "pod") and (.[1].fill.scope.namespace == "shop") and
	(.[2].fill.scope.level == "container") and
	(.[3].fill.scope.pods.match_expressions[1] == {"key": "team", "operator": "Exists", "values": []}) and
	(.[5].name == "tpc_scope5_r5") and (.[5].fill.scope.containers.match_expressions[0].values == ["postgres"])' \
		"$T/meta.json" >/dev/null
}
check meta-selector meta_ok

HOSTCG=$BASE/host.slice
mkdir -p "$HOSTCG"
# reported NAME POLICY DIR-IN-CGROUP-PATH : a process_exec with the policy
reported() {
	jq_any "$LOUT" '.process_lsm.policy_name == "'"$1"'" and .process_lsm.process.binary == "'"$V/victim-$2"'"'
}

if ! start_loader --node-name e2e-node --pods-file "$T/pods.json" -o json "$T/scope.bpf.o"; then
	fail start "loader did not become ready: $(tail -5 "$LERR")"
	exit 1
fi
pass start
check fill-logged grep -q "policy 'k8s-scope-web' scoped (pod level): 1 cgroups in scope" "$LERR"

# podSelector app=web: the web pod's containers, nothing else
expect web-pod-killed 137 "$WEB/cri-containerd-$NGINX.scope" web
expect web-pod-sidecar-killed 137 "$WEB/cri-containerd-$SIDECAR.scope" web
expect web-db-pod-runs 0 "$DB/cri-containerd-$PG.scope" web
expect web-host-runs 0 "$HOSTCG" web
expect web-loader-cgroup-runs 0 "" web
# TracingPolicyNamespaced shop: only the shop namespace's pod
expect ns-shop-killed 137 "$SHOP/cri-containerd-$API.scope" ns
expect ns-default-runs 0 "$WEB/cri-containerd-$NGINX.scope" ns
expect ns-host-runs 0 "$HOSTCG" ns
# containerSelector name=nginx: that container, not its sibling
expect cont-nginx-killed 137 "$WEB/cri-containerd-$NGINX.scope" cont
expect cont-sidecar-runs 0 "$WEB/cri-containerd-$SIDECAR.scope" cont
expect cont-host-runs 0 "$HOSTCG" cont
# containerSelector repo (image without tag, registry port kept)
expect repo-proxy-killed 137 "$WEB/cri-containerd-$SIDECAR.scope" repo
expect repo-nginx-runs 0 "$WEB/cri-containerd-$NGINX.scope" repo
# app NotIn [web], team Exists, namespace In [default]: the db pod only
expect expr-db-killed 137 "$DB/cri-containerd-$PG.scope" expr
expect expr-web-runs 0 "$WEB/cri-containerd-$NGINX.scope" expr
expect expr-shop-runs 0 "$SHOP/cri-containerd-$API.scope" expr
expect expr-host-runs 0 "$HOSTCG" expr
# match: 'pod.labels["app"] == "db" && container.name == "postgres" && ...'
expect dsl-db-postgres-killed 137 "$DB/cri-containerd-$PG.scope" dsl
expect dsl-web-runs 0 "$WEB/cri-containerd-$NGINX.scope" dsl
expect dsl-host-runs 0 "$HOSTCG" dsl

# no window: a container cgroup created now under the web pod, whose id no
# pod source has ever listed, is in scope through its pod's entry
mkdir "$WEB/cri-containerd-$LATE.scope"
expect late-container-killed 137 "$WEB/cri-containerd-$LATE.scope" web
mkdir "$WEB/cri-containerd-$LATE.scope/nested"
expect late-nested-cgroup-killed 137 "$WEB/cri-containerd-$LATE.scope/nested" web

wait_for "$LOUT" '"policy_name":"k8s-scope-expr"'
check web-reported reported k8s-scope-web web
check ns-reported reported k8s-scope-ns ns
check cont-reported reported k8s-scope-cont cont
check expr-reported reported k8s-scope-expr expr
check dsl-reported jq_any "$LOUT" '.process_tracepoint.policy_name == "k8s-scope-dsl" and .process_tracepoint.action == "KPROBE_ACTION_SIGKILL"'
n_dsl=$(jq -s '[.[] | select(.process_tracepoint.policy_name == "k8s-scope-dsl")] | length' "$LOUT")
check dsl-only-kill-reported test "$n_dsl" = 1
check killed-action jq_any "$LOUT" '.process_lsm.policy_name == "k8s-scope-web" and .process_lsm.action == "KPROBE_ACTION_SIGKILL"'
# every report is a kill (exactly the 137s above): the runs were not reported
n_web=$(jq -s '[.[] | select(.process_lsm.policy_name == "k8s-scope-web")] | length' "$LOUT")
check web-only-kills-reported test "$n_web" = 4

# containerSelector, container started after the loader: the mkdir record
# of the base sensor puts it in scope as soon as the pod source lists it
P_WEB2=$(pod web-1 default $WEB_UID '{"app":"web","tier":"front"}' \
	"$(container nginx $NGINX docker.io/library/nginx:1.25),$(container sidecar $SIDECAR registry.local:5000/mesh/proxy:v2),$(container nginx $LATE docker.io/library/nginx:1.25)")
write_pods "$P_WEB2" "$P_DB" "$P_SHOP"
kill -HUP "$LPID"
wait_for "$LERR" "pods-file.*: 3 pods" 30
sleep 0.3
expect cont-listed-late-killed 137 "$WEB/cri-containerd-$LATE.scope" cont

# containerSelector, the pod source lists the container before its cgroup
# exists (what a runtime hook would give): the base sensor's cgroup_mkdir
# record puts the new cgroup in scope, no polling; the log says how long
# after the mkdir the map had it
P_WEB3=$(pod web-1 default $WEB_UID '{"app":"web","tier":"front"}' \
	"$(container nginx $NGINX docker.io/library/nginx:1.25),$(container sidecar $SIDECAR registry.local:5000/mesh/proxy:v2),$(container nginx $LATE docker.io/library/nginx:1.25),$(container nginx $LATE2 docker.io/library/nginx:1.25)")
write_pods "$P_WEB3" "$P_DB" "$P_SHOP"
kill -HUP "$LPID"
for _ in $(seq 30); do
	[ "$(grep -c 'pods-file.*: 3 pods' "$LERR")" -ge 3 ] && break
	sleep 0.1
done
mkdir "$WEB/cri-containerd-$LATE2.scope"
if wait_for "$LERR" "policy 'k8s-scope-cont': new cgroup cri-containerd-$LATE2.scope (id [0-9]*) of pod default/web-1 in scope" 30; then
	pass cont-mkdir-in-scope
	grep -o "policy 'k8s-scope-cont': new cgroup cri-containerd-$LATE2.scope.* in scope [0-9]* us" "$LERR" |
		sed 's/.* in scope /  containerSelector window measured: /' >&2
else
	fail cont-mkdir-in-scope "no scope log line for the new cgroup"
fi
expect cont-mkdir-killed 137 "$WEB/cri-containerd-$LATE2.scope" cont

# the web pod leaves the source: out of scope after SIGHUP
write_pods "$P_DB" "$P_SHOP"
kill -HUP "$LPID"
for _ in $(seq 30); do
	[ "$(grep -c 'pods-file.*: 2 pods' "$LERR")" -ge 1 ] && break
	sleep 0.1
done
sleep 0.3
expect deleted-pod-runs 0 "$WEB/cri-containerd-$NGINX.scope" web
expect deleted-pod-cont-runs 0 "$WEB/cri-containerd-$NGINX.scope" cont
expect remaining-pod-still-killed 137 "$DB/cri-containerd-$PG.scope" expr
# the pod comes back: in scope again
write_pods "$P_WEB" "$P_DB" "$P_SHOP"
kill -HUP "$LPID"
sleep 0.5
expect readded-pod-killed 137 "$WEB/cri-containerd-$NGINX.scope" web
stop_loader
check clean-exit test "$LRC" = 0

# no pod source: a scoped policy matches nothing (never everything)
if start_loader --node-name e2e-node -o json "$T/scope.bpf.o"; then
	check no-source-logged grep -q "no pod source (--pods-file or the Kubernetes API): scoped policies match nothing" "$LERR"
	expect no-source-web-runs 0 "$WEB/cri-containerd-$NGINX.scope" web
	expect no-source-host-runs 0 "$HOSTCG" web
	stop_loader
else
	fail no-source-start "$(tail -3 "$LERR")"
fi
