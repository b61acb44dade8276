#!/bin/bash
# Sets above the inline limit are map lookups filled by the loader from the
# object's metadata: exact paths (hash), prefixes (LPM trie), integers (hash).
source "$(dirname "$0")/lib.sh"
need_bpf sets
"$TPC" build "$E2E_ROOT/tests/e2e/policies/sets.yaml" -o "$E2E_TMP/sets.bpf.o" 2>/dev/null ||
	{ fail sets/build; exit 0; }
rm -rf /tmp/tpc-sets && mkdir -p /tmp/tpc-sets && chmod 777 /tmp/tpc-sets
start_loader sets "$E2E_TMP/sets.bpf.o" || { fail sets/loader-start; exit 0; }
setpriv --reuid 4245 --regid 4245 --clear-groups bash -c '
	: >/tmp/tpc-sets/e3; : >/tmp/tpc-sets/e10; : >/tmp/tpc-sets/p7-file; : >/tmp/tpc-sets/q1
	kill -0 $$
	sleep 30 & kill -s 49 $!; wait
' 2>/dev/null
stop_loader
python3 - "$E2E_TMP/sets.json" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
tp = [e["process_tracepoint"] for e in evs if "process_tracepoint" in e and e["process_tracepoint"]["policy_name"] == "big-sets"]
paths, sigs = set(), []
for e in tp:
    v = next(iter(e["args"][0].values()))
    if e["event"] == "sys_exit_openat":
        paths.add(v.get("path") if isinstance(v, dict) else v)
    else:
        sigs.append(int(v))
def check(n, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "sets/" + n)
    if not ok: print("  " + why, file=sys.stderr)
check("hash-hit", "/tmp/tpc-sets/e3" in paths, repr(paths))
check("hash-miss", "/tmp/tpc-sets/e10" not in paths, repr(paths))
check("lpm-hit", "/tmp/tpc-sets/p7-file" in paths, repr(paths))
check("lpm-miss", "/tmp/tpc-sets/q1" not in paths, repr(paths))
check("int-hit", 0 in sigs, repr(sigs))
check("int-miss", 49 not in sigs, repr(sigs))
PY
rm -rf /tmp/tpc-sets
