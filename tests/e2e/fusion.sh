#!/bin/bash
# Two policies on one hook: fused into one program in one object, and as
# two separate objects; both ways each policy reports exactly its events.
source "$(dirname "$0")/lib.sh"
need_bpf fusion
P=$E2E_ROOT/tests/e2e/policies
"$TPC" build "$P/fuse-etc.yaml" "$P/fuse-key.yaml" -o "$E2E_TMP/bundle.bpf.o" 2>/dev/null ||
	{ fail fusion/build-bundle; exit 0; }
"$TPC" build "$P/fuse-etc.yaml" -o "$E2E_TMP/etc.bpf.o" 2>/dev/null &&
	"$TPC" build "$P/fuse-key.yaml" -o "$E2E_TMP/key.bpf.o" 2>/dev/null ||
	{ fail fusion/build-separate; exit 0; }
n=$("$TPC" explain "$E2E_TMP/bundle.bpf.o" | python3 -c 'import json,sys; m=json.load(sys.stdin); print(sum(1 for p in m["programs"] if p["target"]=="syscalls/sys_exit_openat"))')
[ "$n" = 1 ] && pass fusion/one-program-per-hook || fail fusion/one-program-per-hook "programs on the hook: $n"
chmod 755 "$E2E_TMP"
echo k >"$E2E_TMP/x.key" && chmod 644 "$E2E_TMP/x.key"
workload() {
	setpriv --reuid 4244 --regid 4244 --clear-groups cat /etc/hostname "$E2E_TMP/x.key" >/dev/null
	cat /etc/hostname >/dev/null # uid 0: not reported
}
verify() { # verify LOGNAME
	python3 - "$E2E_TMP/$1.json" "$1" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
tp = [e["process_tracepoint"] for e in evs if "process_tracepoint" in e]
def path(e): 
    v = next(iter(e["args"][0].values()))
    return v.get("path") if isinstance(v, dict) else v
got = sorted((e["policy_name"], path(e), e["process"]["uid"]) for e in tp)
ok = (len(got) == 2 and got[0][0] == "fuse-etc" and got[0][1] == "/etc/hostname"
      and got[1][0] == "fuse-key" and got[1][1].endswith("/x.key")
      and all(u == 4244 for _, _, u in got))
print(("PASS " if ok else "FAIL ") + "fusion/events-" + sys.argv[2])
if not ok: print("  got %r" % got, file=sys.stderr)
PY
}
start_loader fused "$E2E_TMP/bundle.bpf.o" || { fail fusion/loader-fused; exit 0; }
workload
stop_loader
verify fused
start_loader separate "$E2E_TMP/etc.bpf.o" "$E2E_TMP/key.bpf.o" || { fail fusion/loader-separate; exit 0; }
workload
stop_loader
verify separate
