#!/bin/bash
# The per-process binary verdict (runtime/tpc_proc.bpf.h) across exec
# chains: a process whose image A (in the policy's matchBinaries set) made
# an event execs B, which makes no event, which execs C (not in the set).
# C must not match: the cached verdict belongs to A's image. A slot tagged
# only with (tgid, mm) got this wrong when C's mm_struct reused A's freed
# address (B's exec frees A's mm; the slab hands the same address to C's),
# which the pinned, repeated chains below make likely. Also: a thread that
# execs (its new image replaces the process's), and a fork child keeps the
# parent's image. The hook is sys_enter_umask, which neither dash nor bash
# calls unless told to (bash's `umask` builtin does).
source "$(dirname "$0")/lib.sh"
need_bpf exec_chain
command -v taskset >/dev/null || { skip exec_chain "taskset (util-linux) missing"; exit 0; }
command -v python3 >/dev/null || { skip exec_chain "python3 missing"; exit 0; }

T=$E2E_TMP/chain
mkdir -p "$T"
cp /bin/bash "$T/a"
cat >"$E2E_TMP/chain.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: exec-chain
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_umask
    args:
    - index: 5
      type: int
    selectors:
    - matchBinaries:
      - operator: In
        values: ["$T/a"]
EOF
"$TPC" build -o "$E2E_TMP/chain.bpf.o" "$E2E_TMP/chain.yaml" 2>"$E2E_TMP/chain.build" ||
	{ fail exec_chain/build "$(cat "$E2E_TMP/chain.build")"; exit 0; }
start_loader chain "$E2E_TMP/chain.bpf.o" || { fail exec_chain/loader; exit 0; }
N=30
: >"$T/pids"
for ((i = 0; i < N; i++)); do
	# A (umask 0022: event) -> B = dash (no umask) -> C = /bin/bash (umask 0023: no event)
	taskset -c 0 "$T/a" -c 'echo $$ >>'"$T/pids"'; umask 0022; exec /bin/dash -c "exec /bin/bash -c \"umask 0023\""'
done
# fork: the child of A is A (umask 0024: event); thread exec: a thread of a
# python process (not in the set) execs A (umask 0025: event)
"$T/a" -c '( umask 0024 ); true'
python3 - "$T/a" <<'PY'
import os, sys, threading
def run():
    os.execv(sys.argv[1], [sys.argv[1], "-c", "umask 0025"])
t = threading.Thread(target=run)
t.start()
t.join()
PY
# and a benign look-alike: /bin/bash itself, never in the set (umask 0026)
/bin/bash -c 'umask 0026'
stop_loader
python3 - "$E2E_TMP/chain.json" "$T/pids" "$N" "$T/a" <<'PY'
import json, sys
path, pidfile, n, a = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
pids = {int(l) for l in open(pidfile) if l.strip()}
evs = []
for l in open(path):
    if '"process_tracepoint"' not in l:
        continue
    e = json.loads(l)["process_tracepoint"]
    if e.get("policy_name") == "exec-chain":
        evs.append((e["process"]["pid"], e["args"][0].get("int_arg"), e["process"].get("binary")))
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "exec_chain/" + name)
    if not ok:
        print("  " + why, file=sys.stderr)
first = [e for e in evs if e[1] == 0o22 and e[0] in pids]
check("image-in-set-matches", len(first) == n, "%d of %d: %r" % (len(first), n, evs[:5]))
stale = [e for e in evs if e[1] == 0o23]
check("exec-exec-not-stale", not stale, "%d events from C: %r" % (len(stale), stale[:5]))
check("fork-child-matches", any(e[1] == 0o24 for e in evs), repr(evs[-5:]))
check("thread-exec-matches", any(e[1] == 0o25 for e in evs), repr(evs[-5:]))
check("lookalike-not-matched", not any(e[1] == 0o26 for e in evs), repr(evs[-5:]))
PY
