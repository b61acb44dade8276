#!/bin/bash
# The stdlib-policies library as one fused object: it builds, the loader
# attaches every program on this kernel (socket_connect through its cgroup
# fallback), and events from different groups come out of the one
# object. Also pins the compiler's sharing of identical binary sets (the
# same allow-list macro on six setuid hooks is one set), without which the
# fused sys_exit_openat program exceeds the verifier's budget.
# While it is loaded (about two seconds) its enforcing policies act on the
# whole host: netcat-family binaries are killed and connects to the cloud
# metadata addresses fail; nothing the CI host runs needs either.
source "$(dirname "$0")/lib.sh"
need_bpf stdlib_bundle
source "$E2E_ROOT/tests/e2e/lib/stdlib.sh"
# Host-loadable subset: a policy with a program whose only variant is BPF
# LSM (e.g. kernel-module-block) cannot attach here, and the loader refuses
# a whole object rather than run part of it; those policies are tested in
# the VM matrix. The full library must still build as one object.
all=("$E2E_ROOT"/stdlib-policies/*/*.yaml)
host=() lsm_only=()
for f in "${all[@]}"; do
	if host_loadable "$f"; then host+=("$f"); else lsm_only+=("$(basename "$f" .yaml)"); fi
done
echo "  LSM-only (VM matrix): ${lsm_only[*]:-none}" >&2
"$TPC" build "${all[@]}" -o "$E2E_TMP/full.bpf.o" 2>"$E2E_TMP/full.err" &&
	pass stdlib_bundle/build-full || fail stdlib_bundle/build-full "$(cat "$E2E_TMP/full.err")"
if [ ${#lsm_only[@]} -gt 0 ] && [ -f "$E2E_TMP/full.bpf.o" ]; then
	# the full object is refused as a whole, with the reason, not half-run
	timeout 30 "$LOADER" run -o json "$E2E_TMP/full.bpf.o" >/dev/null 2>"$E2E_TMP/full.log" &
	fl=$!
	for _ in $(seq 100); do grep -q ready "$E2E_TMP/full.log" && break; sleep 0.1; done
	kill -TERM $fl 2>/dev/null
	wait $fl 2>/dev/null
	grep -q "refused: no variant of program group .* works on this kernel" "$E2E_TMP/full.log" &&
		grep -q "0 objects attached" "$E2E_TMP/full.log" &&
		pass stdlib_bundle/full-refused-whole || fail stdlib_bundle/full-refused-whole "$(cat "$E2E_TMP/full.log")"
fi
n=${#host[@]}
[ "$n" -ge 24 ] && pass stdlib_bundle/host-policies || fail stdlib_bundle/host-policies "only $n"
start=$(date +%s%N)
"$TPC" build "${host[@]}" -o "$E2E_TMP/stdlib.bpf.o" 2>"$E2E_TMP/build.err" ||
	{ fail stdlib_bundle/build "$(cat "$E2E_TMP/build.err")"; exit 0; }
ms=$((($(date +%s%N) - start) / 1000000))
pass stdlib_bundle/build
echo "  bundle of $n policies built in $ms ms" >&2
sets=$("$TPC" build --emit-c - "$E2E_ROOT/stdlib-policies/privileges/setuid-root.yaml" | grep -c '/\* set [0-9]*:')
[ "$sets" = 1 ] && pass stdlib_bundle/shared-binary-sets || fail stdlib_bundle/shared-binary-sets "$sets sets"
start_loader bundle "$E2E_TMP/stdlib.bpf.o" || { fail stdlib_bundle/loader-start; exit 0; }
if grep -q "loaded 'stdlib.bpf.o': $n policies" "$E2E_TMP/bundle.log" &&
	grep -q "ready.* 1 object attached" "$E2E_TMP/bundle.log"; then
	pass stdlib_bundle/loaded
else
	fail stdlib_bundle/loaded "$(cat "$E2E_TMP/bundle.log")"
fi
grep -o "loaded 'stdlib.bpf.o': [^:]*" "$E2E_TMP/bundle.log" >&2
cat /etc/shadow >/dev/null &
p1=$!
wait $p1
python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()' &
p2=$!
wait $p2
stop_loader
python3 - "$E2E_TMP/bundle.json" "$p1" "$p2" <<'PY'
import json, sys
evs = [next(iter(json.loads(l).values())) for l in open(sys.argv[1]) if l.strip()]
def seen(policy, pid):
    return any(b.get("policy_name") == policy and b["process"]["pid"] == pid for b in evs)
for name, policy, pid in (("file-event", "shadow-reads", int(sys.argv[2])),
                          ("network-event", "raw-socket", int(sys.argv[3]))):
    print(("PASS " if seen(policy, pid) else "FAIL ") + "stdlib_bundle/" + name)
PY
