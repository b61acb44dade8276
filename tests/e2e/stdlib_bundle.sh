#!/bin/bash
# The whole stdlib-policies library as one fused object: it builds, the
# loader attaches every program on this kernel (socket_connect through its
# cgroup fallback), and events from different groups come out of the one
# object. Also pins the compiler's sharing of identical binary sets (the
# same allow-list macro on six setuid hooks is one set), without which the
# fused sys_exit_openat program exceeds the verifier's budget.
# While it is loaded (about two seconds) its enforcing policies act on the
# whole host: netcat-family binaries are killed and connects to the cloud
# metadata addresses fail; nothing the CI host runs needs either.
source "$(dirname "$0")/lib.sh"
need_bpf stdlib_bundle
n=$(ls "$E2E_ROOT"/stdlib-policies/*/*.yaml | wc -l)
start=$(date +%s%N)
"$TPC" build "$E2E_ROOT"/stdlib-policies/*/*.yaml -o "$E2E_TMP/stdlib.bpf.o" 2>"$E2E_TMP/build.err" ||
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
