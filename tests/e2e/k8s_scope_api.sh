#!/bin/bash
# Workload scope fed by the Kubernetes API: the replaying HTTPS API server
# of tests/e2e/lib/k8s_replay.py (list, then a watch stream the test drives:
# ADDED, MODIFIED labels, DELETED, and a 410 that forces a relist in which a
# pod has vanished) and kubelet-style cgroup v2 directories. A policy
# scoped to podSelector app=web kills the exec of its binary copy; each
# step is proven by a process in the pod's container cgroup being killed
# (in scope) or running (out of scope) once the watch has delivered it.
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
need_root_tools
TPC=${TPC:-$ROOT/$BUILD/tpc}
for t in openssl curl; do
	command -v $t >/dev/null || { skip all "$t not installed (make deps)"; exit 0; }
done
CGR=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
if [ -z "$CGR" ] || [ ! -w "$CGR/cgroup.procs" ]; then
	skip all "no writable cgroup v2 mount"
	exit 0
fi
EXTRA_PIDS=
NODE=tpc-k8s-scope-api-$$
BASE=$CGR/tpc-k8s-scope-api-$$
UID_W=7e57a001-0000-4000-8000-00000000c0de
UID_L=7e57a002-0000-4000-8000-00000000c0de
CID_W=$(printf '%064x' 0xc1)
CID_L=$(printf '%064x' 0xc2)
CG_W=$BASE/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_W//-/_}.slice/cri-containerd-$CID_W.scope
CG_L=$BASE/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_L//-/_}.slice/cri-containerd-$CID_L.scope
cleanup_scope_api() {
	[ -n "$LPID" ] && kill -TERM "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	LPID=
	for p in $EXTRA_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	EXTRA_PIDS=
	[ -d "$BASE" ] && find "$BASE" -depth -type d -exec rmdir {} \; 2>/dev/null
	rm -rf "$T"
}
trap cleanup_scope_api EXIT
mkdir -p "$CG_W" "$CG_L" "$BASE/host.slice" || { fail cgroups "cannot create under $CGR"; exit 1; }

K=$T/k8s
mkdir -p "$K"
k8s_api_certs "$K" tpc-scope-ca || { fail certs "$(tail -3 "$K/openssl.log")"; exit 1; }
echo "tok-$$" >"$K/token"
cat >"$K/fixture.json" <<EOF
{"node": "$NODE", "pods": {
 "web": {"uid": "$UID_W", "name": "web-1", "namespace": "shop", "qos": "Burstable",
         "labels": {"app": "web"},
         "containers": [{"name": "nginx", "id": "$CID_W", "runtime": "containerd",
                         "image": "docker.io/library/nginx:1.25", "image_id": "", "started": "2026-12-01T00:00:00Z"}]},
 "late": {"uid": "$UID_L", "name": "late-1", "namespace": "shop", "qos": "BestEffort",
          "labels": {"app": "web"},
          "containers": [{"name": "app", "id": "$CID_L", "runtime": "containerd",
                          "image": "docker.io/library/busybox:1", "image_id": "", "started": "2026-12-01T00:00:00Z"}]}
}}
EOF
python3 "$ROOT/tests/e2e/lib/k8s_replay.py" --cert "$K/srv.crt" --key "$K/srv.key" \
	--token-file "$K/token" --fixture "$K/fixture.json" --initial web --log "$K/requests.jsonl" \
	--port-file "$K/port" >"$K/server.log" 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"
for _ in $(seq 50); do [ -s "$K/port" ] && break; sleep 0.1; done
[ -s "$K/port" ] || { fail server "$(tail -3 "$K/server.log")"; exit 1; }
API=https://127.0.0.1:$(cat "$K/port")
ctl() { curl -sf --cacert "$K/ca.crt" "$API/_ctl/$1" >/dev/null; }

cp /bin/true "$T/victim"
cat >"$T/p.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: k8s-scope-api-web
spec:
  podSelector:
    matchLabels:
      app: web
  selectors:
    matchBinary: ["$T/victim"]
  action: Block
EOF
"$TPC" build "$T/p.yaml" -o "$T/p.bpf.o" >"$T/build.log" 2>&1 || { fail build "$(tail -3 "$T/build.log")"; exit 1; }

# status_in DIR : exit status of the victim exec'd in cgroup DIR (137: killed)
status_in() {
	sh -c 'echo $$ >"$1/cgroup.procs" || exit 99; exec "$2"' sh "$1" "$T/victim" >/dev/null 2>&1
	echo $?
}
# until_status NAME DIR WANT : the watch is asynchronous: retry for 5 s
until_status() {
	local got
	for _ in $(seq 50); do
		got=$(status_in "$2")
		[ "$got" = "$3" ] && { pass "$1"; return; }
		sleep 0.1
	done
	fail "$1" "exit status $got, want $3"
}

if ! start_loader -o json --node-name "$NODE" --k8s-api "$API" --k8s-ca "$K/ca.crt" \
	--k8s-token-file "$K/token" --cgroup-root "$CGR" "$T/p.bpf.o"; then
	fail loader-start "$(tail -3 "$LERR")"
	exit 1
fi
wait_for "$LERR" "kubernetes: 1 pods on node '$NODE'" 50 && pass initial-list ||
	fail initial-list "$(grep kubernetes "$LERR")"

until_status listed-pod-in-scope "$CG_W" 137
check host-out-of-scope test "$(status_in "$BASE/host.slice")" = 0
check unlisted-pod-out-of-scope test "$(status_in "$CG_L")" = 0

ctl add:late
until_status watch-added-in-scope "$CG_L" 137
ctl relabel:web:app=other
until_status watch-relabelled-out-of-scope "$CG_W" 0
check other-pod-still-in-scope test "$(status_in "$CG_L")" = 137
ctl relabel:web:app=web
until_status watch-relabelled-back-in-scope "$CG_W" 137
ctl delete:late
until_status watch-deleted-out-of-scope "$CG_L" 0
# a pod that vanished while the watch was broken: the relist after 410
# deletes it from the store, and so from the scope
ctl vanish:web
ctl expire
until_status relist-vanished-out-of-scope "$CG_W" 0
wait_for "$LOUT" '"policy_name":"k8s-scope-api-web"'
check kills-reported jq_any "$LOUT" '.process_lsm.policy_name == "k8s-scope-api-web" and
	.process_lsm.action == "KPROBE_ACTION_SIGKILL" and .process_lsm.process.pod.name == "web-1"'
stop_loader TERM
check clean-shutdown test "$LRC" = 0
