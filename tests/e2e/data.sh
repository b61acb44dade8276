#!/bin/bash
# 'data' entries (source: current_task, a resolve path from task_struct)
# and matchData on them: a syscall kprobe (its sys_enter tracepoint variant
# on this host) posts only for the process whose comm and real uid both
# match; the event carries them in process_kprobe.data. Look-alikes: the
# same binary as root (uid differs) and a copy under another name as the
# matched uid (comm differs).
source "$(dirname "$0")/lib.sh"
need_bpf data
W=$E2E_TMP/w
mkdir -p "$W"
chmod 755 "$E2E_TMP" "$W" # the uid-4247 shells exec from here
cp /bin/true "$W/tpcdata-hit"
cp /bin/true "$W/tpcdata-miss"
cat >"$E2E_TMP/data.yaml" <<EOF2
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: data-uid
spec:
  kprobes:
  - call: sys_execve
    syscall: true
    return: false
    data:
    - index: 0
      type: int
      source: current_task
      resolve: cred.uid.val
      label: uid
    - index: 0
      type: string
      source: current_task
      resolve: comm
    selectors:
    - matchData:
      - index: 1
        operator: Prefix
        values: ["tpcdata-hit"]
      - index: 0
        operator: Equal
        values: ["4247"]
EOF2
"$TPC" build -o "$E2E_TMP/data.bpf.o" "$E2E_TMP/data.yaml" 2>"$E2E_TMP/build.log" ||
	{ fail data/build "$(head -3 "$E2E_TMP/build.log")"; exit 0; }
start_loader data "$E2E_TMP/data.bpf.o" || { fail data/loader; exit 0; }
# comm is the caller's at execve entry: a shell named tpcdata-hit execs
cp /bin/dash "$W/tpcdata-hit-sh"
cp /bin/dash "$W/tpcdata-miss-sh"
setpriv --reuid 4247 --regid 4247 --clear-groups "$W/tpcdata-hit-sh" -c "$W/tpcdata-hit; exit 0"
"$W/tpcdata-hit-sh" -c "$W/tpcdata-hit; exit 0"
setpriv --reuid 4247 --regid 4247 --clear-groups "$W/tpcdata-miss-sh" -c "$W/tpcdata-miss; exit 0"
stop_loader
python3 - "$E2E_TMP/data.json" <<'PY'
import json, sys
evs = [json.loads(l)["process_kprobe"] for l in open(sys.argv[1])
       if l.strip() and "process_kprobe" in l]
evs = [e for e in evs if e.get("policy_name") == "data-uid"]
def check(n, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "data/" + n)
    if not ok:
        print("  " + str(why)[:600], file=sys.stderr)
check("one-event", len(evs) == 1, [(e["process"].get("binary"), e.get("data")) for e in evs])
if evs:
    d = evs[0].get("data", [])
    check("data-uid", len(d) == 2 and d[0] == {"int_arg": 4247, "label": "uid"}, d)
    check("data-comm", len(d) == 2 and d[1].get("string_arg", "").startswith("tpcdata-hit"), d)
    check("no-args", "args" not in evs[0], evs[0].keys())
PY
