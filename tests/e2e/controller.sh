#!/bin/bash
# tpc-controller against the recorded Kubernetes API of
# tests/e2e/lib/k8s_ctl_api.py (real HTTPS, certificates made here, bearer
# token checked at every request, every request recorded):
#  - a Lease held by another replica: lists, but no write at all;
#  - the lease expires: taken over; the listed policy's object is published
#    in a ConfigMap (decoded: the same bytes `tpc build --sign` makes from
#    the object as kubectl shows it, rendered independently here; the
#    signature verifies) and the status says Compiled=True with its sha256
#    and size and observedGeneration;
#  - a broken policy: Compiled=False with tpc's diagnostic located at the
#    line and column of the object as `kubectl get -o yaml` shows it; no key;
#  - a TracingPolicyNamespaced: its own key, no owner reference; the
#    TracingPolicy's ConfigMap is owned by it;
#  - a policy labelled for Tetragon: left alone (--label-selector);
#  - objects split across ConfigMaps (small --configmap-bytes), one that
#    fits nowhere: Compiled=False NoRoom, published once room is freed; one
#    larger than a ConfigMap: TooLarge;
#  - MODIFIED: the new generation's object replaces the old one; deleted
#    and created again: the same bytes, the owner reference renewed;
#  - faults: a 409 on the ConfigMap update (reread, retried), a 410 relist
#    with 401s on the way (no write, no deletion), a dropped watch
#    (reconnects, later events applied), a 403 on the status patch
#    (retried);
#  - DELETED: its key removed; SIGTERM: exit 0 and the lease released;
#  - a tpc that hangs: killed at the timeout, BuildFailed; /healthz says
#    the main loop stalled (a --stall-seconds below the timeout);
#  - /readyz: 503 while a list fails, ready as a standby while another
#    replica holds the lease, ready as the leader; /metrics: the counters
#    move as the events above happen (builds by result, compile and publish
#    histograms, ConfigMap writes and conflicts, relists, watch restarts,
#    API errors by code, status patches, lease holder, last sync);
#  - Warning Events (events.k8s.io/v1, validated by the server) for each
#    Compiled=False (Invalid in default, TooLarge and NoRoom in the
#    policy's namespace), none for True; a flapping policy: a burst of 3,
#    then suppressed; a 403 on the Event counted, the RBAC named.
# Prints the time from each watch event to the ConfigMap write.
# e2e-timeout: 400
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
TPC=${TPC:-$ROOT/$BUILD/tpc}
CTL=${CTL:-$ROOT/$BUILD/tpc-controller}
for t in openssl curl jq python3 clang; do
	command -v $t >/dev/null || { skip all "$t not installed (make deps)"; exit 0; }
done
python3 -c 'import yaml' 2>/dev/null || { skip all "python3-yaml not installed (make deps)"; exit 0; }
[ -x "$CTL" ] || { fail build "no $CTL (make)"; exit 1; }
EXTRA_PIDS=
CPID=
K=$T/k8s
mkdir -p "$K" "$T/src"
k8s_api_certs "$K" tpc-ctl-ca || { fail certs "$(tail -3 "$K/openssl.log")"; exit 1; }
echo "tok-$$" >"$K/token"
python3 "$ROOT/tests/e2e/lib/k8s_ctl_api.py" --cert "$K/srv.crt" --key "$K/srv.key" \
	--token-file "$K/token" --log "$K/req.jsonl" --port-file "$K/port" >"$K/server.log" 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"
for _ in $(seq 100); do [ -s "$K/port" ] && break; sleep 0.1; done
[ -s "$K/port" ] || { fail server "$(tail -3 "$K/server.log")"; exit 1; }
API=https://127.0.0.1:$(cat "$K/port")
NS=tpc-sys
touch "$K/req.jsonl"

ctl() { # ctl PATH [BODY-FILE] : the server's test control
	if [ $# -gt 1 ]; then
		curl -sf --cacert "$K/ca.crt" -X POST --data-binary @"$2" "$API/_ctl/$1"
	else
		curl -sf --cacert "$K/ca.crt" "$API/_ctl/$1"
	fi
}
ctl_json() { # ctl_json PATH JSON
	printf '%s' "$2" >"$T/ctl.json"
	ctl "$1" "$T/ctl.json" >/dev/null
}
get() { ctl "get?res=$1&ns=$2&name=$3"; }
policy() { get tracingpolicies "" "$1"; }
# cond NAME [NS] : the Compiled condition of a policy (compact JSON)
cond() {
	if [ -n "${2:-}" ]; then
		get tracingpoliciesnamespaced "$2" "$1"
	else
		policy "$1"
	fi | jq -c '(.status.conditions // [])[] | select(.type == "Compiled")'
}
# where KEY : the ConfigMap holding KEY, "" when none
where() {
	local i cm
	for i in 0 1; do
		cm=$(get configmaps $NS tpc-objects-$i 2>/dev/null) || continue
		jqe --arg k "$1" '.binaryData[$k] != null' "$cm" && { echo tpc-objects-$i; return; }
	done
}
# object KEY OUT : the published object's bytes
object() {
	local cm
	cm=$(where "$1")
	[ -n "$cm" ] && get configmaps $NS "$cm" | jq -r --arg k "$1" '.binaryData[$k]' | base64 -d >"$2"
}
until_true() { # until_true SECONDS 'CODE' : retry the shell CODE every 0.2 s
	local n=$(($1 * 5))
	shift
	for _ in $(seq $n); do eval "$1" && return 0; sleep 0.2; done
	return 1
}
writes() { # number of ConfigMap and status writes so far
	writes_before 1e12
}
writes_before() { # writes_before T : ConfigMap and status writes before epoch T
	jq -s --argjson t "$1" '[.[] | select(.method != "GET" and (.path | test("/leases") | not)
		and .t < $t)] | length' "$K/req.jsonl"
}
# first_write_ms T0 KEY : ms from T0 (epoch s) to the first ConfigMap write
# answered 2xx whose data holds KEY with bytes other than BEFORE (base64)
first_write_ms() {
	jq -s --argjson t0 "$1" --arg k "$2" --arg before "${3:-}" '
		[.[] | select((.method == "PUT" or .method == "POST") and (.path | test("/configmaps"))
			and .status < 300 and .body.binaryData[$k] != null
			and .body.binaryData[$k] != $before and .t >= $t0)] |
		if length == 0 then "none" else ((.[0].t - $t0) * 1000 | floor) end' "$K/req.jsonl"
}
now_s() { date +%s.%N; }
jqf() { jq -s -e "$@" >/dev/null; } # jqf [ARGS] FILTER FILE : over a JSON-lines file
jqe() { # jqe [--arg K V]... FILTER JSON : the boolean FILTER holds for JSON
	local a=()
	while [ "$1" = --arg ]; do a+=("$1" "$2" "$3"); shift 3; done
	# jq 1.6 -e is true on empty input: nothing to judge is false
	[ -n "${2//[[:space:]]/}" ] || return 1
	jq -e "${a[@]}" "$1" <<<"$2" >/dev/null 2>&1
}

# build_like_kubectl RES NS NAME OUT : the object as kubectl shows it,
# compiled with tpc build --sign under the controller's file name
build_like_kubectl() {
	local dir=$T/expect/${4##*/} rel
	rm -rf "$dir"
	if [ "$1" = tracingpolicies ]; then rel=tracingpolicy/$3.yaml; else rel=tracingpolicynamespaced/$2/$3.yaml; fi
	mkdir -p "$dir/$(dirname "$rel")"
	get "$1" "$2" "$3" | python3 "$ROOT/tests/e2e/lib/kubectl_yaml.py" source >"$dir/$rel" &&
		(cd "$dir" && "$TPC" build --sign "$T/key" "$rel" -o out.bpf.o) >"$dir/build.log" 2>&1 &&
		cp "$dir/out.bpf.o" "$4"
}

"$TPC" keygen -o "$T/key" >/dev/null 2>&1 || { fail keygen; exit 1; }

cat >"$T/src/a.yaml" <<'EOF'
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: ctl-a
  labels:
    team: sec
  annotations:
    note: |
      two lines
      of text
    version: "7"
spec:
  kprobes:
  - call: sys_openat
    syscall: true
    args:
    - index: 1
      type: string
    selectors:
    - matchArgs:
      - index: 1
        operator: Equal
        values:
        - "/etc/shadow"
EOF
sed 's/ctl-a/ctl-b/; s/type: string/type: strng/' "$T/src/a.yaml" >"$T/src/b.yaml"
sed 's#/etc/shadow#/etc/gshadow#' "$T/src/a.yaml" >"$T/src/a2.yaml"
cat >"$T/src/n.yaml" <<'EOF'
apiVersion: cilium.io/v1alpha1
kind: TracingPolicyNamespaced
metadata:
  name: ctl-n
  namespace: shop
spec:
  kprobes:
  - call: sys_openat
    syscall: true
    args:
    - index: 1
      type: string
EOF
sed 's/ctl-n/ctl-c/' "$T/src/n.yaml" >"$T/src/c.yaml"
sed 's/name: ctl-n/name: ctl-n\n  labels:\n    rev: "2"/' "$T/src/n.yaml" >"$T/src/n2.yaml"
sed -i 's/type: string/type: string\n    - index: 2\n      type: int/' "$T/src/n2.yaml"
sed 's/ctl-a/ctl-t/; s/team: sec/tetragon.io\/agent: "true"/' "$T/src/a.yaml" >"$T/src/t.yaml"

# another replica holds the lease and renews it (at least 6 s, and until
# the standby checks below are done)
ctl_json lease '{"namespace": "'$NS'", "name": "tpc-controller", "holder": "other-replica", "duration": 3}'
touch "$T/renewing"
(n=0; while [ $((n++)) -lt 12 ] || [ -e "$T/renewing" ]; do
	printf '{"namespace": "%s", "name": "tpc-controller", "holder": "other-replica", "duration": 3}' $NS >"$T/renew.json"
	ctl lease "$T/renew.json" >/dev/null
	now_s >"$T/renewed"
	sleep 0.5
done) &
renewer=$!
for p in a b n t; do ctl apply "$T/src/$p.yaml" >/dev/null || { fail "apply-$p"; exit 1; }; done

# the namespaced list fails until the probe saw it (cleared below)
ctl_json fault '{"method": "GET", "path": "/apis/cilium.io/v1alpha1/tracingpoliciesnamespaced", "code": 500, "count": 100000}'
MPORT=$(free_port)
M=http://127.0.0.1:$MPORT
"$CTL" --k8s-api "$API" --k8s-ca "$K/ca.crt" --k8s-token-file "$K/token" --namespace $NS \
	--id ctl-test-$$ --tpc "$TPC" --sign-key "$T/key" --tmpdir "$T" --lease-seconds 3 \
	--configmaps 2 --configmap-bytes 70000 --label-selector '!tetragon.io/agent' -v \
	--metrics-addr 127.0.0.1:$MPORT >"$T/ctl.out" 2>"$T/ctl.err" &
CPID=$!
EXTRA_PIDS="$EXTRA_PIDS $CPID"
cleanup_ctl() {
	[ -n "$CPID" ] && kill -TERM "$CPID" 2>/dev/null && wait "$CPID" 2>/dev/null
	kill "$renewer" 2>/dev/null
	# TPC_E2E_KEEP=DIR: keep the controller's log and the request log
	[ -n "${TPC_E2E_KEEP:-}" ] && mkdir -p "$TPC_E2E_KEEP" && cp -r "$T/ctl.err" "$K" "$TPC_E2E_KEEP/"
}
trap 'cleanup_ctl; cleanup_all' EXIT

# probe NAME : the HTTP status of /NAME (body in $T/probe.body)
probe() { curl -s -m 5 -o "$T/probe.body" -w '%{http_code}' "$M/$1"; }
probe_is() { # probe_is NAME CODE BODY-REGEX
	test "$(probe "$1")" = "$2" && grep -Eq "$3" "$T/probe.body"
}
scrape() { curl -sf -m 5 "$M/metrics" >"$T/m.txt"; }
mv_() { scrape && metric "$T/m.txt" "$1"; } # mv_ 'NAME{LABELS}' : its value now
mge() { test "$(mv_ "$1")" -ge "$2"; } # mge SERIES N : at least N
# 503 first says the TracingPolicy list is not complete (its list runs
# first); wait for the namespaced list's own reason, which the fault keeps
until_true 20 'probe_is readyz 503 TracingPolicyNamespaced'
check readyz-503-while-list-fails probe_is readyz 503 '^not ready: the TracingPolicyNamespaced list is not complete yet$'
check healthz-200-while-list-fails probe_is healthz 200 '^ok: the main loop'
until_true 10 'mge "tpc_controller_api_errors_total{code=\"500\"}" 1'
check metrics-api-errors-500 mge 'tpc_controller_api_errors_total{code="500"}' 1
check metrics-api-requests-by-method mge 'tpc_controller_api_requests_total{method="GET",code="500"}' 1
check metrics-list-incomplete test "$(mv_ 'tpc_controller_list_complete{resource="tracingpoliciesnamespaced"}')" = 0
check metrics-content-type bash -c "curl -sf -D - -o /dev/null '$M/metrics' | grep -qi '^content-type: text/plain; version=0.0.4'"
ctl clear >/dev/null
until_true 20 'grep -q "TracingPolicyNamespaced objects listed" "$T/ctl.err"'
# listed, the lease another's: a ready standby
until_true 5 'probe_is readyz 200 .'
check readyz-standby probe_is readyz 200 "^ready: standby, the Lease is held by 'other-replica'$"
check metrics-standby-not-leader test "$(mv_ tpc_controller_leader)" = 0
check metrics-lease-holder-other test "$(mv_ 'tpc_controller_lease_holder{holder="other-replica"}')" = 1
check metrics-lists-complete test "$(mv_ 'tpc_controller_list_complete{resource="tracingpoliciesnamespaced"}')" = 1 -a \
	"$(mv_ 'tpc_controller_list_complete{resource="tracingpolicies"}')" = 1
check metrics-standby-no-builds test "$(mv_ 'tpc_controller_builds_total{result="Compiled"}')" = 0
rm -f "$T/renewing"
wait "$renewer"
check lease-held-lists grep -q "2 TracingPolicy objects listed" "$T/ctl.err"
# while renewed, and for the lease duration after (minus a margin): no write
t_renewed=$(cat "$T/renewed")
check lease-held-no-writes test "$(writes_before "$(echo "$t_renewed + 2" | bc)")" = 0
t_takeover=$(now_s)

# the lease expires: taken over, A and N published
until_true 40 'test -n "$(where tp.ctl-a.bpf.o)"'
check lease-taken-over grep -q "taken over from 'other-replica'" "$T/ctl.err"
check lease-holder test "$(get leases $NS tpc-controller | jq -r .spec.holderIdentity)" = "ctl-test-$$"
check added-configmap-created test -n "$(where tp.ctl-a.bpf.o)"
object tp.ctl-a.bpf.o "$T/a.pub.o"
build_like_kubectl tracingpolicies "" ctl-a "$T/a.expect.o" || fail expected-build
check added-same-bytes-as-tpc-build cmp -s "$T/a.pub.o" "$T/a.expect.o"
check added-signature-verifies "$TPC" verify-signature -q --key "$T/key.pub" "$T/a.pub.o"
sha=$(sha256sum "$T/a.pub.o" | cut -d' ' -f1)
size=$(stat -c %s "$T/a.pub.o")
until_true 20 'test -n "$(cond ctl-a)"'
c=$(cond ctl-a)
check added-status-true jqe '.status == "True" and .reason == "Compiled" and .observedGeneration == 1' "$c"
check added-status-sha-size jqe --arg s "$sha" --arg n "$size" \
	'.message | contains("sha256 " + $s + ", " + $n + " bytes")' "$c"
check added-observed-generation test "$(policy ctl-a | jq .status.observedGeneration)" = 1
check readyz-leader probe_is readyz 200 '^ready: leader$'
check metrics-leader test "$(mv_ tpc_controller_leader)" = 1
check metrics-lease-holder-self test "$(mv_ "tpc_controller_lease_holder{holder=\"ctl-test-$$\"}")" = 1
check metrics-leader-changes test "$(mv_ tpc_controller_leader_changes_total)" = 1
check status-by-merge-patch jqf '[.[] | select(.method == "PATCH")] | length > 0 and
	all(.content_type == "application/merge-patch+json" and (.path | endswith("/status")))' "$K/req.jsonl"

# the broken policy: located diagnostic, nothing published
until_true 20 'test -n "$(cond ctl-b)"'
c=$(cond ctl-b)
policy ctl-b | python3 "$ROOT/tests/e2e/lib/kubectl_yaml.py" view >"$T/b.view.yaml"
line=$(grep -n '^ *type: strng$' "$T/b.view.yaml" | head -1 | cut -d: -f1)
col=$(grep '^ *type: strng$' "$T/b.view.yaml" | head -1 | awk '{print index($0, "strng")}')
check broken-status-false jqe '.status == "False" and .reason == "Invalid" and .observedGeneration == 1' "$c"
check broken-diagnostic-located jqe --arg at "tracingpolicy/ctl-b.yaml:$line:$col: error: unknown argument type 'strng'" \
	'.message | startswith($at)' "$c"
check broken-diagnostic-caret jqe '.message | contains("type: strng") and contains("^~~~~")' "$c"
check broken-not-published test -z "$(where tp.ctl-b.bpf.o)"
# ... and a Warning Event on it, in default (ctl-b is cluster-scoped)
events() { # events NAME : the Event POSTs regarding the policy NAME, answered 2xx
	jq -c --arg n "$1" 'select(.method == "POST" and (.path | test("^/apis/events.k8s.io/v1/namespaces/"))
		and .body.regarding.name == $n and .status < 300)' "$K/req.jsonl"
}
uid_b=$(policy ctl-b | jq -r .metadata.uid)
until_true 10 'test -n "$(events ctl-b)"'
e=$(events ctl-b | head -1)
check event-broken-warning jqe --arg u "$uid_b" --arg at "tracingpolicy/ctl-b.yaml:$line:$col: error: unknown argument type" '
	.path == "/apis/events.k8s.io/v1/namespaces/default/events" and .body.type == "Warning" and
	.body.reason == "Invalid" and .body.action == "Compile" and
	.body.reportingController == "tpc.io/tpc-controller" and .body.reportingInstance != null and
	.body.regarding == {"apiVersion": "cilium.io/v1alpha1", "kind": "TracingPolicy", "name": "ctl-b", "uid": $u} and
	(.body.note | startswith($at))' "$e"
check event-none-when-compiled test -z "$(events ctl-a)"

# the namespaced policy: its own key; owner references only on the
# ConfigMap that holds TracingPolicy objects alone
until_true 20 'test -n "$(cond ctl-n shop)"'
check namespaced-status-true jqe '.status == "True"' "$(cond ctl-n shop)"
cm_a=$(where tp.ctl-a.bpf.o)
cm_n=$(where tpn.shop.ctl-n.bpf.o)
check split-across-configmaps test -n "$cm_n" -a -n "$cm_a" -a "$cm_n" != "$cm_a"
uid_a=$(policy ctl-a | jq -r .metadata.uid)
check owner-reference-policy jqe --arg u "$uid_a" '.metadata.ownerReferences == [{"apiVersion":
	"cilium.io/v1alpha1", "kind": "TracingPolicy", "name": "ctl-a", "uid": $u}]' "$(get configmaps $NS "$cm_a")"
check owner-reference-none-namespaced jqe '(.metadata.ownerReferences // []) == []' "$(get configmaps $NS "$cm_n")"
check configmap-labelled jqe '.metadata.labels["app.kubernetes.io/managed-by"] == "tpc-controller"' "$(get configmaps $NS "$cm_a")"
object tpn.shop.ctl-n.bpf.o "$T/n.pub.o"
build_like_kubectl tracingpoliciesnamespaced shop ctl-n "$T/n.expect.o"
check namespaced-same-bytes cmp -s "$T/n.pub.o" "$T/n.expect.o"

# the counters of what happened so far
until_true 10 'test "$(mv_ tpc_controller_last_sync_timestamp_seconds | cut -d. -f1)" -gt 0'
check metrics-builds-compiled mge 'tpc_controller_builds_total{result="Compiled"}' 2
check metrics-builds-invalid test "$(mv_ 'tpc_controller_builds_total{result="Invalid"}')" = 1
check metrics-compile-histogram mge tpc_controller_compile_duration_seconds_count 3
buckets_cumulative() {
	grep '^tpc_controller_compile_duration_seconds_bucket' "$T/m.txt" |
		awk '{ if ($2 < prev) bad = 1; prev = $2 } END { exit bad }' &&
		grep -q '^tpc_controller_compile_duration_seconds_bucket{le="+Inf"} ' "$T/m.txt"
}
check metrics-compile-buckets-cumulative buckets_cumulative
check metrics-publish-latency mge tpc_controller_publish_latency_seconds_count 2
check metrics-configmap-writes mge tpc_controller_configmap_writes_total 2
check metrics-policies-by-reason test "$(mv_ 'tpc_controller_policies{kind="TracingPolicy",reason="Invalid"}')" = 1 -a \
	"$(mv_ 'tpc_controller_policies{kind="TracingPolicyNamespaced",reason="Compiled"}')" = 1
check metrics-status-patches mge 'tpc_controller_status_patches_total{result="ok"}' 3
check metrics-last-sync test "$(echo "$(mv_ tpc_controller_last_sync_timestamp_seconds) > $(date +%s) - 60" | bc)" = 1
check metrics-events-sent test "$(mv_ 'tpc_controller_events_total{result="sent"}')" = 1
check healthz-200-leader probe_is healthz 200 '^ok'

# the Tetragon policy is not ours
check selector-ignored test -z "$(where tp.ctl-t.bpf.o)"
check selector-no-status test -z "$(cond ctl-t)"
check selector-query jqf '[.[] | select(.path | endswith("/tracingpolicies"))] | all(.query.labelSelector == "!tetragon.io/agent")' "$K/req.jsonl"

# deleted and created again under its name: the same bytes (uid, generation
# and creationTimestamp are not in the source), the owner reference names
# the new uid (an old one would let the garbage collector delete the
# ConfigMap)
uid_old=$(policy ctl-a | jq -r .metadata.uid)
ctl_json delete '{"kind": "TracingPolicy", "name": "ctl-a"}'
ctl apply "$T/src/a.yaml" >/dev/null
uid_new=$(policy ctl-a | jq -r .metadata.uid)
owned_by_new() {
	local cm
	cm=$(where tp.ctl-a.bpf.o)
	[ -n "$cm" ] && jqe --arg u "$uid_new" '[.metadata.ownerReferences[]?.uid] == [$u]' "$(get configmaps $NS "$cm")"
}
until_true 30 'owned_by_new && jqe ".status == \"True\"" "$(cond ctl-a)"'
check recreated-new-uid test "$uid_new" != "$uid_old"
check recreated-owner-reference-renewed owned_by_new
object tp.ctl-a.bpf.o "$T/a3.pub.o"
check recreated-same-bytes cmp -s "$T/a3.pub.o" "$T/a.pub.o"

# ADDED by the watch, but both ConfigMaps are full: NoRoom
t0=$(now_s)
ctl apply "$T/src/c.yaml" >/dev/null
until_true 30 'test -n "$(cond ctl-c shop)"'
check no-room-status jqe '.status == "False" and .reason == "NoRoom"' "$(cond ctl-c shop)"
check no-room-not-published test -z "$(where tpn.shop.ctl-c.bpf.o)"
until_true 10 'test -n "$(events ctl-c)"'
check event-no-room-in-namespace jqe '.path == "/apis/events.k8s.io/v1/namespaces/shop/events" and
	.body.reason == "NoRoom" and .body.regarding.namespace == "shop" and .body.regarding.kind == "TracingPolicyNamespaced"' "$(events ctl-c | head -1)"

# an object over one ConfigMap's budget: TooLarge, never published
cat >"$T/src/big.yaml" <<'EOF2'
apiVersion: cilium.io/v1alpha1
kind: TracingPolicyNamespaced
metadata:
  name: ctl-big
  namespace: shop
spec:
  kprobes:
  - call: sys_openat
    syscall: true
    args:
    - index: 1
      type: string
  - call: sys_unlinkat
    syscall: true
    args:
    - index: 1
      type: string
EOF2
ctl apply "$T/src/big.yaml" >/dev/null
until_true 30 'test -n "$(cond ctl-big shop)"'
check too-large-status jqe '.status == "False" and .reason == "TooLarge" and
	(.message | test("^the object is [0-9]+ bytes, over the 70000 bytes a ConfigMap may hold"))' "$(cond ctl-big shop)"
check too-large-not-published test -z "$(where tpn.shop.ctl-big.bpf.o)"
until_true 10 'test -n "$(events ctl-big)"'
check event-too-large jqe '.body.reason == "TooLarge" and (.body.note | test("^the object is [0-9]+ bytes"))' "$(events ctl-big | head -1)"
check metrics-builds-too-large test "$(mv_ 'tpc_controller_builds_total{result="TooLarge"}')" = 1

# MODIFIED: generation 2 replaces the object
before=$(get configmaps $NS "$(where tp.ctl-a.bpf.o)" | jq -r '.binaryData["tp.ctl-a.bpf.o"]')
t0=$(now_s)
ctl apply "$T/src/a2.yaml" >/dev/null
until_true 30 'jqe '\''.observedGeneration == 2'\'' "$(cond ctl-a)"'
ms_mod=$(first_write_ms "$t0" tp.ctl-a.bpf.o "$before")
object tp.ctl-a.bpf.o "$T/a2.pub.o"
build_like_kubectl tracingpolicies "" ctl-a "$T/a2.expect.o"
check modified-status-generation-2 jqe '.status == "True" and .observedGeneration == 2' "$(cond ctl-a)"
check modified-same-bytes cmp -s "$T/a2.pub.o" "$T/a2.expect.o"
check modified-new-bytes test "$(sha256sum <"$T/a2.pub.o")" != "$(sha256sum <"$T/a.pub.o")"
if [ "$ms_mod" != none ]; then
	pass "modified-published ($ms_mod ms from the watch event to the ConfigMap update)"
else
	fail modified-published "no ConfigMap write with the new object"
fi

# DELETED while the next ConfigMap update conflicts once: reread, retried;
# the freed room takes the waiting policy
ctl_json fault '{"method": "PUT", "path": "/api/v1/namespaces/'$NS'/configmaps", "code": 409, "count": 1}'
t0=$(now_s)
ctl_json delete '{"kind": "TracingPolicy", "name": "ctl-a"}'
until_true 30 'test -z "$(where tp.ctl-a.bpf.o)"'
check deleted-key-removed test -z "$(where tp.ctl-a.bpf.o)"
check conflict-seen jqf '[.[] | select(.method == "PUT" and .status == 409)] | length == 1' "$K/req.jsonl"
check conflict-reread grep -q "HTTP 409, reading it again" "$T/ctl.err"
check metrics-configmap-conflict test "$(mv_ tpc_controller_configmap_conflicts_total)" = 1
until_true 30 'test -n "$(where tpn.shop.ctl-c.bpf.o)"'
ms_c=$(first_write_ms "$t0" tpn.shop.ctl-c.bpf.o)
check room-freed-published test -n "$(where tpn.shop.ctl-c.bpf.o)"
until_true 20 'jqe '\''.status == "True"'\'' "$(cond ctl-c shop)"'
check room-freed-status-true jqe '.status == "True"' "$(cond ctl-c shop)"
if [ "$ms_c" != none ]; then
	pass "deleted-room-reused ($ms_c ms from the watch event to the ConfigMap update, a 409 retry included)"
else
	fail deleted-room-reused "no write"
fi
check deleted-others-kept test -n "$(where tpn.shop.ctl-n.bpf.o)"

# 410 with 401s on the relist: no write, nothing deleted
sleep 1
w0=$(writes)
lists0=$(jq -s '[.[] | select(.path == "/apis/cilium.io/v1alpha1/tracingpolicies" and .query.watch == null and .status == 200)] | length' "$K/req.jsonl")
ctl_json fault '{"method": "GET", "path": "/apis/cilium.io/v1alpha1/tracingpolicies", "code": 401, "count": 2}'
ctl "expire?res=tracingpolicies" >/dev/null
relisted() {
	test "$(jq -s '[.[] | select(.path == "/apis/cilium.io/v1alpha1/tracingpolicies" and .query.watch == null and .status == 200)] | length' "$K/req.jsonl")" -gt "$lists0"
}
until_true 40 'relisted'
check expired-relisted relisted
check expired-401-seen jqf '[.[] | select(.status == 401)] | length == 2' "$K/req.jsonl"
check expired-401-hint grep -q "HTTP 401" "$T/ctl.err"
sleep 2
check expired-no-spurious-writes test "$(writes)" = "$w0"
check expired-objects-kept test -n "$(where tpn.shop.ctl-c.bpf.o)" -a -n "$(where tpn.shop.ctl-n.bpf.o)"
check metrics-relist mge 'tpc_controller_relists_total{resource="tracingpolicies"}' 1
check metrics-relist-other-kind test "$(mv_ 'tpc_controller_relists_total{resource="tracingpoliciesnamespaced"}')" = 0
check metrics-api-errors-401 test "$(mv_ 'tpc_controller_api_errors_total{code="401"}')" = 2
restarts0=$(mv_ 'tpc_controller_watch_restarts_total{resource="tracingpoliciesnamespaced"}')

# a dropped watch: reconnects, and a later change is applied
watches0=$(jq -s '[.[] | select(.path | endswith("/tracingpoliciesnamespaced")) | select(.query.watch == "1")] | length' "$K/req.jsonl")
ctl "drop?res=tracingpoliciesnamespaced" >/dev/null
rewatched() {
	test "$(jq -s '[.[] | select(.path | endswith("/tracingpoliciesnamespaced")) | select(.query.watch == "1")] | length' "$K/req.jsonl")" -gt "$watches0"
}
until_true 40 'rewatched'
check dropped-watch-reconnects rewatched
check metrics-watch-restart test "$(mv_ 'tpc_controller_watch_restarts_total{resource="tracingpoliciesnamespaced"}')" -gt "$restarts0"
before=$(get configmaps $NS "$(where tpn.shop.ctl-n.bpf.o)" | jq -r '.binaryData["tpn.shop.ctl-n.bpf.o"]')
# ... and the status patch of that change is refused once
ctl_json fault '{"method": "PATCH", "path": "/apis/cilium.io/v1alpha1/namespaces/shop/", "code": 403, "count": 1}'
t0=$(now_s)
ctl apply "$T/src/n2.yaml" >/dev/null
until_true 40 'jqe '\''.observedGeneration == 2 and .status == "True"'\'' "$(cond ctl-n shop)"'
ms_n=$(first_write_ms "$t0" tpn.shop.ctl-n.bpf.o "$before")
check after-drop-modified-published test "$ms_n" != none
check status-403-hint grep -q "HTTP 403.*patch on tracingpolicies/status" "$T/ctl.err"
check status-403-retried jqe '.observedGeneration == 2 and .status == "True"' "$(cond ctl-n shop)"
check metrics-status-failed mge 'tpc_controller_status_patches_total{result="failed"}' 1
check metrics-api-errors-403 mge 'tpc_controller_api_errors_total{code="403"}' 1

ctl_json delete '{"kind": "TracingPolicyNamespaced", "name": "ctl-n", "namespace": "shop"}'
until_true 30 'test -z "$(where tpn.shop.ctl-n.bpf.o)"'
check deleted-namespaced-removed test -z "$(where tpn.shop.ctl-n.bpf.o)"
# a flapping policy: fixed, broken, fixed, broken (its Event refused with
# 403), fixed, broken: 3 Events tried (the burst), the 4th suppressed
sed 's/ctl-a/ctl-b/' "$T/src/a.yaml" >"$T/src/b-ok.yaml"
flap() { # flap FILE GENERATION STATUS
	ctl apply "$1" >/dev/null
	until_true 30 "jqe '.observedGeneration == $2 and .status == \"$3\"' \"\$(cond ctl-b)\""
}
sup0=$(mv_ 'tpc_controller_events_total{result="suppressed"}')
flap "$T/src/b-ok.yaml" 2 True && flap "$T/src/b.yaml" 3 False && flap "$T/src/b-ok.yaml" 4 True &&
	ctl_json fault '{"method": "POST", "path": "/apis/events.k8s.io/", "code": 403, "count": 1}' &&
	flap "$T/src/b.yaml" 5 False && flap "$T/src/b-ok.yaml" 6 True && flap "$T/src/b.yaml" 7 False
check flap-generations jqe '.observedGeneration == 7 and .status == "False"' "$(cond ctl-b)"
until_true 5 'test "$(mv_ "tpc_controller_events_total{result=\"suppressed\"}")" -gt "$sup0"'
tried=$(jq -s '[.[] | select(.method == "POST" and (.path | test("/events$")) and .body.regarding.name == "ctl-b")] | length' "$K/req.jsonl")
check flap-burst-of-3 test "$tried" = 3
check flap-two-sent test "$(events ctl-b | wc -l)" = 2
check flap-suppressed test "$(mv_ 'tpc_controller_events_total{result="suppressed"}')" = $((sup0 + 1))
check flap-suppressed-logged grep -q 'status of TracingPolicy ctl-b: no Event (more than 3 for this policy within 300 s)' "$T/ctl.err"
check event-403-counted test "$(mv_ 'tpc_controller_events_total{result="failed"}')" = 1
check event-403-rbac-hint grep -q 'HTTP 403.*create on events (events.k8s.io)' "$T/ctl.err"
check flap-still-published test -n "$(where tp.ctl-b.bpf.o)"
check never-half-written jqf '[.[] | select(.method == "PUT" or .method == "POST") | select(.path | test("/configmaps"))
	| select(.status >= 400 and .status != 409)] | length == 0' "$K/req.jsonl"

kill -TERM "$CPID"
wait "$CPID"
rc=$?
CPID=
check sigterm-exit-0 test "$rc" = 0
check sigterm-lease-released test "$(get leases $NS tpc-controller | jq -r .spec.holderIdentity)" = ""
# a tpc that hangs: killed at --compile-timeout, BuildFailed (retried
# later, unlike an invalid policy), no process left behind
SLEEP=98$$
printf '#!/bin/sh\nsleep %s &\nwait\n' $SLEEP >"$T/slow-tpc"
chmod +x "$T/slow-tpc"
MPORT=$(free_port)
M=http://127.0.0.1:$MPORT
"$CTL" --k8s-api "$API" --k8s-ca "$K/ca.crt" --k8s-token-file "$K/token" --namespace tpc-slow \
	--id ctl-slow-$$ --tpc "$T/slow-tpc" --tmpdir "$T" --lease-seconds 3 --compile-timeout 4 \
	--stall-seconds 2 --metrics-addr 127.0.0.1:$MPORT \
	--label-selector '!tetragon.io/agent' >/dev/null 2>"$T/slow.err" &
CPID=$!
until_true 20 'test "$(probe healthz)" = 503'
check healthz-503-when-stalled probe_is healthz 503 '^stalled: the main loop made no step for [0-9]+ s \(--stall-seconds 2\)$'
until_true 40 'jqe ".reason == \"BuildFailed\"" "$(cond ctl-c shop)"'
check timeout-build-failed jqe '.status == "False" and .reason == "BuildFailed" and
	(.message | test("did not finish within 4 s"))' "$(cond ctl-c shop)"
check metrics-builds-build-failed mge 'tpc_controller_builds_total{result="BuildFailed"}' 1
t0=$(now_s)
kill -TERM "$CPID"
wait "$CPID"
rc=$?
CPID=
check timeout-sigterm-during-build test "$rc" = 0 -a "$(echo "$(now_s) - $t0 < 3" | bc)" = 1
check timeout-process-group-killed test -z "$(pgrep -fx "sleep $SLEEP")"
check timeout-no-temporary-left test -z "$(ls -d "$T"/tpc-controller.* 2>/dev/null)"
t_first=$(grep -o 'published tp.ctl-a.bpf.o in ConfigMap [^ ]*: [0-9]* bytes, sha256 [0-9a-f]*, [0-9]* ms after the watch event or the leadership (compile [0-9]* ms)' "$T/ctl.err" | head -1)
echo "# controller: $t_first"
echo "# controller: watch event to ConfigMap: modified ${ms_mod} ms, added after a delete ${ms_c} ms, namespaced after a dropped watch ${ms_n} ms"
