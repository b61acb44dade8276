#!/bin/bash
# matchPIDs followForks and isNamespacePID on the host (tracepoint
# syscalls/sys_enter_kill; every workload step is a bash builtin
# `kill -0 MAGIC` to a pid that does not exist, so the process doing it is
# the shell itself and nothing else on the machine sends that signal).
#
# Process tree (ROOT and P1 exist before the object is loaded):
#   ROOT                      kill: matched by follow-in and plain-in
#   +- P1 (forked before load) matched by follow-in (ancestor walk)
#   +- C1 (exits at once)
#      +- C2 (reparented)     matched by follow-in (bit inherited at fork;
#                             its ancestors no longer include ROOT)
#   OTHER (not under ROOT)    the look-alike: only follow-notin matches
#   unshare --pid: N1 (nspid 1) -> N2 (nspid 2) -> N3 (nspid 3)
#                             ns-in (isNamespacePID In [1]) matches N1 only;
#                             ns-follow (In [2], followForks) N2 and N3
source "$(dirname "$0")/lib.sh"
need_bpf follow
command -v unshare >/dev/null || { skip follow "unshare not installed"; exit 0; }
MAGIC=$((3900000 + $$ % 90000))
W=$E2E_TMP/w
mkdir -p "$W"
mkfifo "$W/go" "$W/go1"

# me NAME: append "<host tgid> NAME <ppid>" (read by a builtin: /proc/self
# is this shell)
cat >"$W/lib.sh" <<EOF
me() { local x c s pp; read -r x c s pp _ </proc/self/stat; echo "\$x \$1 \$pp" >>"$W/pids"; }
EOF

# ROOT and P1 start first; they wait on fifos until the loader is ready.
bash -c "
source '$W/lib.sh'
me root
( me p1; read -r _ <'$W/go1'; kill -0 $MAGIC 2>/dev/null ) &
read -r _ <'$W/go'
kill -0 $MAGIC 2>/dev/null
( ( sleep 0.3; me c2; kill -0 $MAGIC 2>/dev/null ) & me c1 ) 
sleep 0.6
wait
" &
RUNNER=$!
for _ in $(seq 100); do
	[ "$(wc -l <"$W/pids" 2>/dev/null)" -ge 2 ] 2>/dev/null && break
	sleep 0.05
done
ROOT=$(awk '$2 == "root" { print $1 }' "$W/pids")
[ -n "$ROOT" ] || { fail follow/workload-start; kill "$RUNNER" 2>/dev/null; exit 0; }

sed -e "s/@ROOT@/$ROOT/g" -e "s/@MAGIC@/$MAGIC/g" \
	"$E2E_ROOT/tests/e2e/policies/follow-forks.yaml" >"$W/policy.yaml"
if ! "$TPC" build "$W/policy.yaml" -o "$E2E_TMP/f.bpf.o" 2>"$E2E_TMP/build.err"; then
	fail follow/build "$(head -3 "$E2E_TMP/build.err")"
	echo x >"$W/go1"; echo x >"$W/go"; wait "$RUNNER"
	exit 0
fi
if ! start_loader fol "$E2E_TMP/f.bpf.o"; then
	fail follow/loader-start
	echo x >"$W/go1"; echo x >"$W/go"; wait "$RUNNER"
	exit 0
fi
echo x >"$W/go1"
echo x >"$W/go"
wait "$RUNNER"
# the look-alike, not under ROOT
bash -c "source '$W/lib.sh'; me other; kill -0 $MAGIC 2>/dev/null"
# a new pid namespace: its init is nspid 1, its first child 2, grandchild 3
unshare --pid --fork bash -c "
source '$W/lib.sh'
me n1; kill -0 $MAGIC 2>/dev/null
( me n2; kill -0 $MAGIC 2>/dev/null; ( me n3; kill -0 $MAGIC 2>/dev/null ) )
"
stop_loader
python3 - "$E2E_TMP/fol.json" "$W/pids" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
who, ppid, pid_of = {}, {}, {}
for l in open(sys.argv[2]):
    pid, name, pp = l.split()
    who[int(pid)] = name
    ppid[name] = int(pp)
    pid_of[name] = int(pid)
seen = {}
for e in evs:
    tp = e.get("process_tracepoint")
    if not tp:
        continue
    name = who.get(tp["process"]["pid"], "unknown:%d" % tp["process"]["pid"])
    seen.setdefault(tp["policy_name"], set()).add(name)
want = {
    "follow-in": {"root", "p1", "c2"},
    "plain-in": {"root"},
    "follow-notin": {"other", "n1", "n2", "n3"},
    "ns-in": {"n1"},
    "ns-follow": {"n2", "n3"},
}
for pol, names in want.items():
    got = seen.get(pol, set())
    ok = got == names
    print(("PASS " if ok else "FAIL ") + "follow/" + pol)
    if not ok:
        print("  %s: want %s, got %s" % (pol, sorted(names), sorted(got)), file=sys.stderr)
# C2 really was reparented (C1 had exited) when it ran: no ancestor walk
# could have found ROOT, only the bit inherited at fork
ok = ppid.get("c2") not in (pid_of.get("c1"), pid_of.get("root"), None)
print(("PASS " if ok else "FAIL ") + "follow/c2-was-reparented")
if not ok:
    print("  c2 ppid %s, c1 %s, root %s" % (ppid.get("c2"), pid_of.get("c1"), pid_of.get("root")), file=sys.stderr)
PY
