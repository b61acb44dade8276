#!/bin/bash
# rateLimit suppresses repeats in the kernel (and counts them).
source "$(dirname "$0")/lib.sh"
need_bpf ratelimit
"$TPC" build "$E2E_ROOT/tests/e2e/policies/ratelimit.yaml" -o "$E2E_TMP/rl.bpf.o" 2>/dev/null ||
	{ fail ratelimit/build; exit 0; }
start_loader rl "$E2E_TMP/rl.bpf.o" || { fail ratelimit/loader-start; exit 0; }
setpriv --reuid 4246 --regid 4246 --clear-groups bash -c '
	for i in 1 2 3 4 5; do kill -0 $$; done
' 2>/dev/null
stop_loader
python3 - "$E2E_TMP/rl.json" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
tp = [e["process_tracepoint"] for e in evs if "process_tracepoint" in e and e["process_tracepoint"]["policy_name"] == "rate-limited"]
kills = [e for e in tp if e["event"] == "sys_enter_kill"]
opens = [next(iter(e["args"][0].values())) for e in tp if e["event"] == "sys_exit_openat"]
opens = [o.get("path") if isinstance(o, dict) else o for o in opens]
def check(n, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "ratelimit/" + n)
    if not ok: print("  " + why, file=sys.stderr)
check("one-event-for-five-kills", len(kills) == 1, "got %d" % len(kills))
PY
