#!/bin/bash
# matchParentBinaries: an exec whose parent runs dash is reported; the same
# exec under bash is not. The parent's canonical binary path comes from the
# same per-process cache as matchBinaries.
source "$(dirname "$0")/lib.sh"
need_bpf parent
command -v dash >/dev/null || { skip parent "dash not installed"; exit 0; }
"$TPC" build "$E2E_ROOT/tests/e2e/policies/parent-dash.yaml" -o "$E2E_TMP/p.bpf.o" 2>/dev/null ||
	{ fail parent/build; exit 0; }
start_loader par "$E2E_TMP/p.bpf.o" || { fail parent/loader-start; exit 0; }
setpriv --reuid 4247 --regid 4247 --clear-groups dash -c '/usr/bin/id -u >/dev/null; true'
setpriv --reuid 4247 --regid 4247 --clear-groups bash -c '/usr/bin/uname >/dev/null; true'
stop_loader
python3 - "$E2E_TMP/par.json" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
tp = [e["process_tracepoint"] for e in evs if "process_tracepoint" in e and e["process_tracepoint"]["policy_name"] == "child-of-dash"]
bins = [e["process"]["binary"] for e in tp]
def check(n, ok):
    print(("PASS " if ok else "FAIL ") + "parent/" + n)
    if not ok: print("  %r" % bins, file=sys.stderr)
check("child-of-dash-reported", "/usr/bin/id" in bins)
check("child-of-bash-not-reported", "/usr/bin/uname" not in bins)
PY
