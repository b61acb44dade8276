#!/bin/bash
# kubectl apply, end to end on this kernel: a policy applied to the
# recorded API (tests/e2e/lib/k8s_ctl_api.py) is compiled and signed by
# tpc-controller and published in its ConfigMaps; a stand-in kubelet syncs
# those ConfigMaps into a volume directory with the kubelet's atomic-writer
# layout (kubelet_publish, polling every 0.2 s where a real kubelet takes up
# to its sync period); a live tpc-loader with --require-signature watches
# that directory. Applying the policy kills its (private) binary while a
# look-alike runs; a modification moves the block to another binary (the
# first runs again); deleting the policy detaches it. Prints the time from
# `kubectl apply` to the kill.
# e2e-timeout: 300
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
need_root_tools
TPC=${TPC:-$ROOT/$BUILD/tpc}
CTL=${CTL:-$ROOT/$BUILD/tpc-controller}
for t in openssl curl; do
	command -v $t >/dev/null || { skip all "$t not installed (make deps)"; exit 0; }
done
python3 -c 'import yaml' 2>/dev/null || { skip all "python3-yaml not installed (make deps)"; exit 0; }
[ -x "$CTL" ] || { fail build "no $CTL (make)"; exit 1; }
bash "$ROOT/scripts/mounts.sh" 2>/dev/null
EXTRA_PIDS=
K=$T/k8s
VOL=$T/vol
mkdir -p "$K" "$VOL" "$T/stage"
k8s_api_certs "$K" tpc-ctl-e2e-ca || { fail certs "$(tail -3 "$K/openssl.log")"; exit 1; }
echo "tok-$$" >"$K/token"
python3 "$ROOT/tests/e2e/lib/k8s_ctl_api.py" --cert "$K/srv.crt" --key "$K/srv.key" \
	--token-file "$K/token" --log "$K/req.jsonl" --port-file "$K/port" >"$K/server.log" 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"
for _ in $(seq 100); do [ -s "$K/port" ] && break; sleep 0.1; done
[ -s "$K/port" ] || { fail server "$(tail -3 "$K/server.log")"; exit 1; }
API=https://127.0.0.1:$(cat "$K/port")
NS=tpc-e2e
ctl() { curl -sf --cacert "$K/ca.crt" -X POST --data-binary @"$2" "$API/_ctl/$1" >/dev/null; }
cm() { curl -sf --cacert "$K/ca.crt" "$API/_ctl/get?res=configmaps&ns=$NS&name=tpc-objects-$1"; }
now_s() { date +%s.%N; }

for b in va vb vlook; do cp /bin/true "$T/$b"; done
rc_of() {
	"$T/$1" >/dev/null 2>&1
	echo $?
}
until_rc() { # until_rc BIN WANT SECONDS
	for _ in $(seq $(($3 * 20))); do
		[ "$(rc_of "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
policy() { # policy BINARY : the exec-shorthand policy blocking BINARY
	printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: e2e-apply\nspec:\n  selectors:\n    matchBinary: ["%s"]\n  action: Block\n' "$1"
}

"$TPC" keygen -o "$T/key" >/dev/null 2>&1 || { fail keygen; exit 1; }
"$CTL" --k8s-api "$API" --k8s-ca "$K/ca.crt" --k8s-token-file "$K/token" --namespace $NS \
	--id e2e-$$ --tpc "$TPC" --sign-key "$T/key" --tmpdir "$T" --configmaps 2 --lease-seconds 3 \
	>/dev/null 2>"$T/ctl.err" &
CPID=$!
EXTRA_PIDS="$EXTRA_PIDS $CPID"

# the stand-in kubelet: the two ConfigMaps projected into $VOL
(
	last=
	while [ ! -e "$T/stop-kubelet" ]; do
		data=$({ cm 0 || echo '{}'; cm 1 || echo '{}'; } | jq -c -s 'map(.binaryData // {}) | add')
		if [ -n "$data" ] && [ "$data" != "$last" ]; then
			rm -f "$T/stage"/*
			args=()
			for k in $(jq -r 'keys[]' <<<"$data"); do
				jq -r --arg k "$k" '.[$k]' <<<"$data" | base64 -d >"$T/stage/$k"
				args+=("$k=$T/stage/$k")
			done
			kubelet_publish "$VOL" "${args[@]}"
			echo "$(now_s) $(jq -c keys <<<"$data")" >>"$T/kubelet.log"
			last=$data
		fi
		sleep 0.2
	done
) &
EXTRA_PIDS="$EXTRA_PIDS $!"

if ! start_loader --policy-dir "$VOL" --require-signature "$T/key.pub"; then
	fail loader-start "$(tail -3 "$LERR")"
	exit 1
fi
check before-apply-runs test "$(rc_of va)" = 0

policy "$T/va" >"$T/p1.yaml"
t0=$(now_s)
ctl apply "$T/p1.yaml"
if until_rc va 137 60; then
	t1=$(now_s)
	pass "apply-enforced ($(echo "($t1 - $t0) * 1000 / 1" | bc) ms from kubectl apply to the kill)"
else
	fail apply-enforced "va exits $(rc_of va); $(tail -3 "$T/ctl.err") $(tail -3 "$LERR")"
fi
check apply-lookalike-runs test "$(rc_of vlook)" = 0
check apply-loaded-signed grep -q "loaded 'tp.e2e-apply.bpf.o'" "$LERR"
check apply-status-true jq -e '.status.conditions[0].status == "True"' -e >/dev/null \
	<<<"$(curl -sf --cacert "$K/ca.crt" "$API/_ctl/get?res=tracingpolicies&name=e2e-apply")"
ids1=$(loaded_ids "$LERR" tp.e2e-apply.bpf.o)

policy "$T/vb" >"$T/p2.yaml"
t0=$(now_s)
ctl apply "$T/p2.yaml"
if until_rc vb 137 60; then
	t1=$(now_s)
	pass "modify-enforced ($(echo "($t1 - $t0) * 1000 / 1" | bc) ms from kubectl apply to the kill)"
else
	fail modify-enforced "vb exits $(rc_of vb)"
fi
# the loader logs the replacement after the old copy is drained and
# destroyed, which can come after the kill (seconds under ASan): wait for it
check modify-replaced wait_for "$LERR" "replaced 'tp.e2e-apply.bpf.o'" 100
check modify-old-detached ids_gone $ids1
check modify-old-binary-runs until_rc va 0 5
ids2=$(loaded_ids "$LERR" tp.e2e-apply.bpf.o)

printf '{"kind": "TracingPolicy", "name": "e2e-apply"}' >"$T/del.json"
ctl delete "$T/del.json"
check delete-stops-enforcing until_rc vb 0 60
wait_for "$LERR" "removed 'tp.e2e-apply.bpf.o'"
check delete-removed grep -q "removed 'tp.e2e-apply.bpf.o'" "$LERR"
check delete-detached ids_gone $ids2
touch "$T/stop-kubelet"
check loader-alive kill -0 "$LPID"
stop_loader TERM
check loader-sigterm-0 test "$LRC" = 0
kill -TERM "$CPID"
wait "$CPID"
check controller-sigterm-0 test $? = 0
# where the time goes: the controller's share (watch event to ConfigMap)
grep -o 'published tp.e2e-apply.bpf.o .*' "$T/ctl.err" | sed 's/^/# loader_controller: /'
grep -o "replaced 'tp.e2e-apply.bpf.o'.* attached in [0-9.]* ms" "$LERR" | sed 's/^/# loader_controller: /'
