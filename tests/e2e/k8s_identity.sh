#!/bin/bash
# Pod identity end to end: a replaying HTTPS Kubernetes API (list + chunked
# watch with ADDED, MODIFIED, BOOKMARK, DELETED, a dropped stream and a 410
# that forces a relist), kubelet-style cgroup v2 hierarchies (systemd and
# cgroupfs drivers, containerd and CRI-O names, three QoS classes), processes
# moved into them, and the exec events checked for process.pod.
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
need_root_tools
for t in openssl curl; do
	command -v $t >/dev/null || { skip all "$t not installed (make deps)"; exit 0; }
done
CGR=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
if [ -z "$CGR" ] || [ ! -w "$CGR/cgroup.procs" ]; then
	skip all "no writable cgroup v2 mount"
	exit 0
fi
EXTRA_PIDS=
NODE=tpc-k8sid-node-$$
BASE=$CGR/tpc-k8sid-$$
MARK=tpc-k8sid-$$

UID_A=6f1d2a8e-3b4c-4d5e-9f60-718293a4b5c6
UID_B=0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9
UID_C=c0ffee00-1111-4222-8333-944455556666
CID_A=551e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3
CID_B=b1b2b3b4b5b6b7b8b9b0c1c2c3c4c5c6c7c8c9c0d1d2d3d4d5d6d7d8d9d0e1e2
CID_C=c9c8c7c6c5c4c3c2c1c0b9b8b7b6b5b4b3b2b1b0a9a8a7a6a5a4a3a2a1a0f9f8
UID_D=d00d0000-aaaa-4bbb-8ccc-dddddddddddd
CID_D=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
CID_X=dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd
# systemd driver, Burstable, containerd
CG_A=$BASE/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_A//-/_}.slice/cri-containerd-$CID_A.scope
# cgroupfs driver, BestEffort, CRI-O
CG_B=$BASE/kubepods/besteffort/pod$UID_B/crio-$CID_B
# systemd driver, Guaranteed (directly under kubepods.slice), CRI-O
CG_C=$BASE/kubepods.slice/kubepods-pod${UID_C//-/_}.slice/crio-$CID_C.scope
# systemd driver, BestEffort, docker
CG_D=$BASE/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_D//-/_}.slice/docker-$CID_D.scope
# a container the API never names
CG_X=$BASE/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_C//-/_}x.slice/cri-containerd-$CID_X.scope

cleanup_k8s() {
	[ -n "$LPID" ] && kill -TERM "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	LPID=
	for p in $EXTRA_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	EXTRA_PIDS=
	# deepest first; our processes have exited by now
	[ -d "$BASE" ] && find "$BASE" -depth -type d -exec rmdir {} \; 2>/dev/null
	[ -n "${V1:-}" ] && [ -d "$V1/tpc-k8sid-$$" ] && find "$V1/tpc-k8sid-$$" -depth -type d -exec rmdir {} \; 2>/dev/null
	rm -rf "$T"
}
trap cleanup_k8s EXIT
[ -n "${K8SID_KEEP:-}" ] && trap - EXIT
for c in "$CID_A" "$CID_B" "$CID_C" "$CID_D" "$CID_X"; do [ ${#c} = 64 ] || { fail fixture "id $c"; exit 1; }; done
mkdir -p "$CG_A" "$CG_B" "$CG_C" "$CG_D" "$CG_X" || { fail cgroups "cannot create under $CGR"; exit 1; }

# --- certificates and the API server
K=$T/k8s
mkdir -p "$K"
k8s_api_certs "$K" tpc-k8sid-ca || { fail certs "$(tail -3 "$K/openssl.log")"; exit 1; }
echo "tok-one-$$" >"$K/token"
cat >"$K/fixture.json" <<EOF
{"node": "$NODE", "pods": {
 "a": {"uid": "$UID_A", "name": "web-7d4b9c8f6d-x2x9q", "namespace": "shop", "qos": "Burstable",
       "labels": {"app": "web", "pod-template-hash": "7d4b9c8f6d"},
       "owner": {"kind": "ReplicaSet", "name": "web-7d4b9c8f6d"},
       "containers": [{"name": "nginx", "id": "$CID_A", "runtime": "containerd",
                       "image": "docker.io/library/nginx:1.25",
                       "image_id": "docker.io/library/nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
                       "started": "2026-11-30T10:00:01Z"}]},
 "b": {"uid": "$UID_B", "name": "db-0", "namespace": "data", "qos": "BestEffort",
       "labels": {"app": "db"},
       "owner": {"kind": "StatefulSet", "name": "db"},
       "containers": [{"name": "postgres", "id": "$CID_B", "runtime": "cri-o",
                       "image": "docker.io/library/postgres:16",
                       "image_id": "docker.io/library/postgres@sha256:1111111111111111111111111111111111111111111111111111111111111111",
                       "started": "2026-11-30T10:00:05Z"}]},
 "d": {"uid": "$UID_D", "name": "backup-28912345-k7x2p", "namespace": "ops", "qos": "BestEffort",
       "labels": {"job": "backup"},
       "owner": {"kind": "Job", "name": "backup-28912345", "apiVersion": "batch/v1"},
       "containers": [{"name": "backup", "id": "$CID_D", "runtime": "docker",
                       "image": "registry.local/backup:3", "image_id": "docker-pullable://registry.local/backup@sha256:3333333333333333333333333333333333333333333333333333333333333333",
                       "started": "2026-11-30T10:02:00Z"}]},
 "c": {"uid": "$UID_C", "name": "late", "namespace": "shop", "qos": "Guaranteed",
       "labels": {"app": "late"},
       "containers": [{"name": "main", "id": "$CID_C", "runtime": "cri-o",
                       "image": "quay.io/x/late:1", "image_id": "quay.io/x/late@sha256:2222222222222222222222222222222222222222222222222222222222222222",
                       "started": "2026-11-30T10:01:00Z"}]}
}}
EOF
python3 "$ROOT/tests/e2e/lib/k8s_replay.py" --cert "$K/srv.crt" --key "$K/srv.key" \
	--token-file "$K/token" --fixture "$K/fixture.json" --initial a,b --log "$K/requests.jsonl" \
	--port-file "$K/port" --page 1 >"$K/server.log" 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"
for _ in $(seq 50); do [ -s "$K/port" ] && break; sleep 0.1; done
[ -s "$K/port" ] || { fail server "$(tail -3 "$K/server.log")"; exit 1; }
API=https://127.0.0.1:$(cat "$K/port")
ctl() { curl -sf --cacert "$K/ca.crt" "$API/_ctl/$1" >/dev/null; }

# in_cg DIR TAG : run /bin/true TAG as a process of cgroup DIR (and a shell
# parent there too: `sh -c "true; :"` forks, so the parent is in the pod)
in_cg() {
	sh -c "echo \$\$ >'$1/cgroup.procs' && exec sh -c '/bin/true $2; :'"
}
# ev TAG : the exec event of /bin/true TAG (last one)
ev() {
	jq -c --arg a "$1" 'select(.process_exec.process.arguments == $a and
		(.process_exec.process.binary | test("/true$"))) | .process_exec' "$LOUT" | tail -1
}
# until_ev DIR TAGBASE JQ : exec in DIR until the event satisfies JQ (5 s)
until_ev() {
	local i
	for i in $(seq 25); do
		in_cg "$1" "$2-$i"
		wait_for "$LOUT" "$2-$i" 20
		ev "$2-$i" | jq -e "$3" >/dev/null 2>&1 && { LAST="$2-$i"; return 0; }
		sleep 0.2
	done
	LAST="$2-$i"
	return 1
}

MPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if ! start_loader -o json --node-name "$NODE" --k8s-api "$API" --k8s-ca "$K/ca.crt" \
	--k8s-token-file "$K/token" --cgroup-root "$CGR" --metrics-addr "127.0.0.1:$MPORT"; then
	fail loader-start "$(tail -3 "$LERR")"
	exit 1
fi
wait_for "$LERR" "kubernetes: 2 pods on node '$NODE'" 100 &&
	pass "initial-list (2 pods over 2 pages)" || fail initial-list "$(grep kubernetes "$LERR")"

# --- pod A: systemd/containerd/burstable, full metadata
in_cg "$CG_A" "$MARK-a1"
host_tag=$MARK-host
/bin/true "$host_tag"
wait_for "$LOUT" "$MARK-a1" && wait_for "$LOUT" "$host_tag"
A=$(ev "$MARK-a1")
want_a=$(jq -cn --arg uid "$UID_A" --arg cid "containerd://$CID_A" '{namespace: "shop",
	name: "web-7d4b9c8f6d-x2x9q", uid: $uid, container: {id: $cid, name: "nginx",
	image: {id: "docker.io/library/nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
	name: "docker.io/library/nginx:1.25"}, start_time: "2026-11-30T10:00:01Z"},
	pod_labels: {app: "web", "pod-template-hash": "7d4b9c8f6d"}, workload: "web",
	workload_kind: "Deployment"}')
if [ "$(jq -c '.process.pod' <<<"$A")" = "$want_a" ]; then
	pass "pod-a-full-metadata (systemd, containerd, burstable)"
else
	fail pod-a-full-metadata "got $(jq -c '.process.pod' <<<"$A")"
fi
check pod-a-docker test "$(jq -r '.process.docker' <<<"$A")" = "${CID_A:0:31}"
check pod-a-parent-in-pod test "$(jq -r '.parent.pod.name' <<<"$A")" = web-7d4b9c8f6d-x2x9q
H=$(ev "$host_tag")
check host-process-no-pod test "$(jq -c '[.process.pod, .process.docker]' <<<"$H")" = '[null,null]'

# --- pod B: cgroupfs/CRI-O/besteffort
in_cg "$CG_B" "$MARK-b1"
wait_for "$LOUT" "$MARK-b1"
B=$(ev "$MARK-b1")
check pod-b-cgroupfs-crio test "$(jq -c '.process.pod | [.namespace, .name, .container.id,
	.workload_kind, .workload]' <<<"$B")" = "[\"data\",\"db-0\",\"cri-o://$CID_B\",\"StatefulSet\",\"db\"]"

# --- an unknown container: docker id, no pod
in_cg "$CG_X" "$MARK-x1"
wait_for "$LOUT" "$MARK-x1"
X=$(ev "$MARK-x1")
check unknown-container-docker-only test "$(jq -c '[.process.pod, .process.docker]' <<<"$X")" = "[null,\"${CID_X:0:31}\"]"

# --- cgroup v1 (a hybrid host whose containers live in v1 controllers
# only, cgroupfs driver): the pod comes from /proc/PID/cgroup's v1 lines
V1=$(awk '$9 == "cgroup" && $NF ~ /(^|,)pids(,|$)/ {print $5; exit}' /proc/self/mountinfo)
if [ -z "$V1" ]; then
	skip v1-cgroupfs-pod "no cgroup v1 pids hierarchy on this host"
elif [ "$(sed -n 's/^0:://p' /proc/self/cgroup)" != / ]; then
	skip v1-cgroupfs-pod "this shell is not in the v2 root (a v2 cgroup would win)"
else
	CG_V1=$V1/tpc-k8sid-$$/kubepods/burstable/pod$UID_A/$CID_A
	mkdir -p "$CG_V1"
	# the loader reads /proc when it writes the event: the process must
	# still be there (a v1 limitation, docs/loader.md)
	sh -c "echo \$\$ >'$CG_V1/cgroup.procs' && exec /bin/sleep 1" &
	vpid=$!
	wait $vpid
	v1ev() {
		jq -c --argjson p "$vpid" 'select(.process_exec.process.pid == $p and
			(.process_exec.process.binary | test("/sleep$"))) | .process_exec' "$LOUT" | tail -1
	}
	for _ in $(seq 30); do [ -n "$(v1ev)" ] && break; sleep 0.1; done
	check v1-cgroupfs-pod test "$(v1ev | jq -r '.process.pod.name')" = web-7d4b9c8f6d-x2x9q
	find "$V1/tpc-k8sid-$$" -depth -type d -exec rmdir {} \; 2>/dev/null
fi

# --- pod C: not listed yet; ADDED on the watch
C0=$(in_cg "$CG_C" "$MARK-c0"; wait_for "$LOUT" "$MARK-c0"; ev "$MARK-c0")
check pod-c-before-added test "$(jq -c '.process.pod' <<<"$C0")" = null
ctl add:c
until_ev "$CG_C" "$MARK-c1" '.process.pod.name == "late"' &&
	pass "watch-added (guaranteed, systemd, crio)" || fail watch-added "$(ev "$LAST" | jq -c .process.pod)"
check pod-c-bare-pod-workload test "$(ev "$LAST" | jq -c '.process.pod | [.workload, .workload_kind]')" = '["late","Pod"]'

# --- a pod whose container the kubelet has not reported yet: the pod is
# found by the UID in the cgroup path, the container id comes from the
# cgroup; once the status names the container, everything is there
ctl add-pending:d
until_ev "$CG_D" "$MARK-d1" '.process.pod.name == "backup-28912345-k7x2p"' &&
	pass "pod-before-container-status (by cgroup pod uid)" || fail pod-before-container-status "$(ev "$LAST" | jq -c .process.pod)"
check pod-d-container-from-cgroup test "$(ev "$LAST" | jq -c '.process.pod.container')" = "{\"id\":\"docker://$CID_D\"}"
check pod-d-cronjob-workload test "$(ev "$LAST" | jq -c '.process.pod | [.workload, .workload_kind]')" = '["backup","CronJob"]'
ctl start:d
until_ev "$CG_D" "$MARK-d2" '.process.pod.container.name == "backup"' &&
	pass pod-d-container-status-arrives || fail pod-d-container-status-arrives "$(ev "$LAST" | jq -c .process.pod)"
check pod-d-container-image test "$(ev "$LAST" | jq -r '.process.pod.container.image.name')" = registry.local/backup:3

# --- MODIFIED: new labels
ctl relabel:a:app=web-v2
until_ev "$CG_A" "$MARK-a2" '.process.pod.pod_labels.app == "web-v2"' &&
	pass watch-modified-labels || fail watch-modified-labels "$(ev "$LAST" | jq -c .process.pod.pod_labels)"

# --- garbage on the stream is skipped; DELETED then BOOKMARK
ctl garbage
ctl delete:b
until_ev "$CG_B" "$MARK-b2" '.process.pod == null and .process.docker != null' &&
	pass watch-deleted || fail watch-deleted "$(ev "$LAST" | jq -c .process)"
RV_BM=$(curl -sf --cacert "$K/ca.crt" "$API/_ctl/bookmark" | jq -r .rv)

# --- the stream dies: reconnect from the bookmark's resourceVersion, with
# the rotated token
echo "tok-two-$$" >"$K/token"
sleep 0.5 # let the bookmark through before the drop
ctl drop
nwatch() { jq -s '[.[] | select(.query.watch == "1")] | length' "$K/requests.jsonl"; }
for _ in $(seq 100); do [ "$(nwatch)" -ge 2 ] && break; sleep 0.1; done
W2=$(jq -c -s '[.[] | select(.query.watch == "1")][1]' "$K/requests.jsonl")
check reconnect-from-last-rv test "$(jq -r .query.resourceVersion <<<"$W2")" = "$RV_BM"
check reconnect-rotated-token test "$(jq -r .auth <<<"$W2")" = "Bearer tok-two-$$"

# --- the server ends the stream (its timeout): reconnect at once from the
# last event's resourceVersion, no relist
RV_T=$(curl -sf --cacert "$K/ca.crt" "$API/_ctl/relabel:a:tier=front" | jq -r .rv)
sleep 0.3
ctl end
for _ in $(seq 100); do [ "$(nwatch)" -ge 3 ] && break; sleep 0.1; done
W3=$(jq -c -s '[.[] | select(.query.watch == "1")][2]' "$K/requests.jsonl")
check reconnect-after-stream-end test "$(jq -r .query.resourceVersion <<<"$W3")" = "$RV_T"
check no-relist-after-stream-end test "$(jq -s '[.[] | select(.query.watch == null)] | length' "$K/requests.jsonl")" = 2

# --- 410: relist; a pod that vanished meanwhile is deleted by the relist
ctl vanish:c
ctl expire
until_ev "$CG_C" "$MARK-c2" '.process.pod == null' &&
	pass relist-after-410-drops-vanished || fail relist-after-410-drops-vanished "$(ev "$LAST" | jq -c .process.pod)"
wait_for "$LERR" "relisted, 2 pods" 100 && pass relist-logged || fail relist-logged "$(grep kubernetes "$LERR")"
in_cg "$CG_A" "$MARK-a3"
wait_for "$LOUT" "$MARK-a3"
check relist-keeps-pod-a test "$(ev "$MARK-a3" | jq -r '.process.pod.pod_labels.app')" = web-v2
M=$(curl -sf "http://127.0.0.1:$MPORT/metrics")
check metrics-pods grep -qx "tpc_k8s_pods 2" <<<"$M"
check metrics-relists grep -qx 'tpc_k8s_relists_total 1' <<<"$M"
check metrics-reconnects test "$(awk '$1 == "tpc_k8s_watch_reconnects_total" {print $2}' <<<"$M")" -ge 2
if out=$(python3 "$SCHEMA/check.py" "$SCHEMA/events.schema.json" "$LOUT"); then
	pass "events-schema ($out)"
else
	fail events-schema "$out"
fi
stop_loader TERM
check clean-shutdown test "$LRC" = 0

# --- the protocol, as the server recorded it
R=$K/requests.jsonl
jcheck() { # jcheck NAME JQ-ARGS... : PASS when the jq boolean holds
	local name=$1
	shift
	if jq -e "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "jq $*"; fi
}
jcheck proto-all-pods-path -s 'all(.path == "/api/v1/pods")' "$R"
jcheck proto-node-selector -s --arg n "spec.nodeName=$NODE" 'all(.query.fieldSelector == $n)' "$R"
jcheck proto-bearer -s 'all(.auth | startswith("Bearer tok-"))' "$R"
jcheck proto-list-paginated -s '[.[] | select(.query.watch == null)][0:2] |
	(.[0].query.limit != null and .[0].query.continue == null and .[1].query.continue == "c1")' "$R"
jcheck proto-first-watch -s '[.[] | select(.query.watch == "1")][0].query |
	(.resourceVersion == "1000" and .allowWatchBookmarks == "true")' "$R"
jcheck proto-relist-after-410 -s '[.[] | select(.query.watch == null and .query.continue == null)] | length >= 2' "$R"

# --- --pods-file instead of the API: compact output names ns/pod; SIGHUP
# reloads the file and a pod no longer in it is gone
curl -sf --cacert "$K/ca.crt" -H "Authorization: Bearer $(cat "$K/token")" \
	"$API/api/v1/pods?fieldSelector=spec.nodeName%3D$NODE" >"$K/podlist.json"
if start_loader -o compact --no-k8s --pods-file "$K/podlist.json" --cgroup-root "$CGR"; then
	check pods-file-loaded grep -q "pods-file $K/podlist.json: 1 pods" "$LERR"
	check pods-file-no-api-line grep -q "no Kubernetes API (--no-k8s): pod metadata comes from --pods-file only" "$LERR"
	in_cg "$CG_A" "$MARK-f1"
	wait_for "$LOUT" "$MARK-f1"
	check compact-ns-pod grep -Eq " process +[0-9]+ shop/web-7d4b9c8f6d-x2x9q [^ ]*/true $MARK-f1\$" "$LOUT"
	echo '{"apiVersion":"v1","kind":"PodList","metadata":{"resourceVersion":"9"},"items":[]}' >"$K/podlist.json"
	kill -HUP "$LPID"
	wait_for "$LERR" "podlist.json: 0 pods" 30
	in_cg "$CG_A" "$MARK-f2"
	wait_for "$LOUT" "$MARK-f2"
	check pods-file-sighup-reload grep -Eq " process +[0-9]+ [^ ]*/true $MARK-f2\$" "$LOUT"
	stop_loader TERM
else
	fail pods-file-start "$(tail -3 "$LERR")"
fi

# --- 401: a wrong token is reported as an authentication problem
echo "wrong" >"$K/token.bad"
if start_loader -o none --node-name "$NODE" --k8s-api "$API" --k8s-ca "$K/ca.crt" \
	--k8s-token-file "$K/token.bad" --cgroup-root "$CGR"; then
	wait_for "$LERR" "HTTP 401.*authentication failed" 50 && pass unauthorized-reported ||
		fail unauthorized-reported "$(grep kubernetes "$LERR")"
	stop_loader TERM
else
	fail unauthorized-start "$(tail -3 "$LERR")"
fi

# --- a wrong CA: TLS verification fails, reported, loader keeps running
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$K/other.key" -out "$K/other.crt" -days 1 \
	-subj /CN=other >/dev/null 2>&1
if start_loader -o none --node-name "$NODE" --k8s-api "$API" --k8s-ca "$K/other.crt" \
	--k8s-token-file "$K/token" --cgroup-root "$CGR"; then
	wait_for "$LERR" "warning: kubernetes: list pods at $API: .*[Cc]ertificate" 50 &&
		pass tls-verify-failure-reported || fail tls-verify-failure-reported "$(grep kubernetes "$LERR")"
	stop_loader TERM
fi

# --- no API at all: one info line, and the loader runs
if env -u KUBERNETES_SERVICE_HOST "$LOADER" run -o none --cgroup-root "$CGR" >"$T/noapi.out" 2>"$T/noapi.err" &
	LPID=$!
	wait_for "$T/noapi.err" 'info: ready' 50; then
	check no-api-says-so grep -q "info: no Kubernetes API (not in a cluster.*events carry no pod metadata" "$T/noapi.err"
	stop_loader TERM
else
	fail no-api-start "$(tail -3 "$T/noapi.err")"
fi
