#!/bin/bash
# stdlib-policies/process: the whole group is built as one fused object and
# loaded; each policy is triggered by a process this test starts (nc, a copy
# of true under /tmp, a memfd exec, su run by a test uid) and a benign twin that must not be reported. The enforcing
# policies only act on netcat-family binaries, which nothing on the CI host
# needs during these few seconds (the seed test does the same).
source "$(dirname "$0")/lib.sh"
need_bpf stdlib_process
source "$E2E_ROOT/tests/e2e/lib/stdlib.sh"
mapfile -t POLICIES < <(stdlib_group process)
"$TPC" build "${POLICIES[@]}" -o "$E2E_TMP/proc.bpf.o" 2>"$E2E_TMP/build.err" ||
	{ fail stdlib_process/build "$(cat "$E2E_TMP/build.err")"; exit 0; }
pass stdlib_process/build
start_loader proc "$E2E_TMP/proc.bpf.o" || { fail stdlib_process/loader-start; exit 0; }
grep -q "ready.* 1 object attached" "$E2E_TMP/proc.log" && pass stdlib_process/loaded ||
	fail stdlib_process/loaded "$(cat "$E2E_TMP/proc.log")"
chmod 755 "$E2E_TMP"
UID_T=4501
as_test() { setpriv --reuid $UID_T --regid $UID_T --clear-groups "$@"; }
PIDS=$E2E_TMP/pids
: >"$PIDS"
run() { # run TAG CMD...: start CMD in the background, record TAG=pid and exit status
	"${@:2}" >/dev/null 2>&1 &
	local p=$!
	wait $p
	echo "$1 $p $?" >>"$PIDS"
}
if command -v nc.openbsd >/dev/null; then
	run nc nc -h
else
	skip stdlib_process/reverse-shell "netcat-openbsd not installed"
fi
cp /usr/bin/true "$E2E_TMP/dropper"
run tmp-exec "$E2E_TMP/dropper"
run true-exec /usr/bin/true
run memfd python3 -c '
import os
fd = os.memfd_create("tpc-stdlib", 0)
os.write(fd, open("/usr/bin/true", "rb").read())
os.execve(fd, ["x"], {})'
run su as_test /usr/bin/su --help
run nosu as_test /usr/bin/id
stop_loader
python3 - "$E2E_TMP/proc.json" "$PIDS" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
runs = {}
for l in open(sys.argv[2]):
    tag, pid, rc = l.split()
    runs[tag] = (int(pid), int(rc))
def body(e):
    return next(iter(e.values()))
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "stdlib_process/" + name)
    if not ok: print("  " + str(why)[:2000], file=sys.stderr)
def evs_of(policy, binary=None, uid=None):
    out = []
    for e in evs:
        b = body(e)
        if b.get("policy_name") != policy: continue
        if binary and not b["process"]["binary"].startswith(binary): continue
        if uid is not None and b["process"].get("uid") != uid: continue
        out.append(b)
    return out
if "nc" in runs:
    pid, rc = runs["nc"]
    check("block-netcat/killed", rc == 137, rc)
    k = [b for b in evs_of("block-netcat") if b["process"]["pid"] == pid]
    check("block-netcat/event", k and k[0]["action"] == "KPROBE_ACTION_SIGKILL", k)
    o = evs_of("reverse-shell-tools", "/usr/bin/nc.openbsd")
    check("reverse-shell-tools/event", o and o[0]["action"] == "KPROBE_ACTION_POST", o)
    o = evs_of("reverse-shell-tools-kill", "/usr/bin/nc.openbsd")
    check("reverse-shell-tools-kill/event", o and o[0]["action"] == "KPROBE_ACTION_SIGKILL", o)
t = evs_of("exec-from-writable-dirs")
check("exec-from-writable-dirs/event", any(b["process"]["binary"].endswith("/dropper") and b["action"] == "KPROBE_ACTION_POST" for b in t), t)
check("exec-from-writable-dirs/not-usr-bin", not any(b["process"]["binary"] == "/usr/bin/true" for b in t), t)
check("exec-from-writable-dirs/ran", runs["tmp-exec"][1] == 0, runs["tmp-exec"])
m = evs_of("fileless-exec")
check("fileless-exec/event", any(b["process"]["pid"] == runs["memfd"][0] for b in m), m)
check("fileless-exec/path-exec-not-reported", not any(b["process"]["pid"] in (runs["true-exec"][0], runs["tmp-exec"][0]) for b in m), m)
s = evs_of("setuid-root-exec", uid=4501)
check("setuid-root-exec/event", any(b["process"]["binary"] == "/usr/bin/su" for b in s), s)
check("setuid-root-exec/not-id", not any(b["process"]["binary"] == "/usr/bin/id" for b in s), s)
PY
