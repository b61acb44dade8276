#!/bin/bash
# stdlib-policies/privileges: the whole group is built as one fused object
# and loaded (all observe policies); each policy is triggered by a process
# this test starts (setuid(0) attempted by a test uid, capset through
# setpriv, unshare -U, ptrace attach to the test's own sleep, a tmpfs mount
# in a private mount namespace, a trivial socket-filter BPF program) and a
# benign twin must not be reported.
source "$(dirname "$0")/lib.sh"
need_bpf stdlib_privileges
source "$E2E_ROOT/tests/e2e/lib/stdlib.sh"
mapfile -t POLICIES < <(stdlib_group privileges)
"$TPC" build "${POLICIES[@]}" -o "$E2E_TMP/priv.bpf.o" 2>"$E2E_TMP/build.err" ||
	{ fail stdlib_privileges/build "$(cat "$E2E_TMP/build.err")"; exit 0; }
pass stdlib_privileges/build
start_loader priv "$E2E_TMP/priv.bpf.o" || { fail stdlib_privileges/loader-start; exit 0; }
grep -q "ready.* 1 object attached" "$E2E_TMP/priv.log" && pass stdlib_privileges/loaded ||
	fail stdlib_privileges/loaded "$(cat "$E2E_TMP/priv.log")"
PIDS=$E2E_TMP/pids
: >"$PIDS"
run() { # run TAG CMD...: run CMD in the background, record TAG, pid, status
	"${@:2}" >/dev/null 2>&1 &
	local p=$!
	wait $p
	echo "$1 $p $?" >>"$PIDS"
}
as_test() { exec setpriv --reuid 4502 --regid 4502 --clear-groups "$@"; }
PY=/usr/bin/python3 # readable by the test uid (not a pyenv shim under /root)
[ -x $PY ] || { skip stdlib_privileges "/usr/bin/python3 missing"; exit 0; }
# exec so that the recorded pid is the python process itself
run setuid0 as_test "$PY" -c 'import os
try: os.setuid(0)
except PermissionError: pass
try: os.setresgid(4502, 0, 4502)
except PermissionError: pass'
run setuid-self as_test "$PY" -c 'import os; os.setuid(4502); os.setresuid(-1, 4502, -1)'
run setuid-root "$PY" -c 'import os; os.setuid(0)'
run capset setpriv --inh-caps=-all /usr/bin/true
run plain /usr/bin/true
run userns unshare -U /usr/bin/true
run mntns unshare -m /usr/bin/true
sleep 30 &
victim=$!
run ptrace "$PY" -c "
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
if libc.ptrace(16, $victim, None, None) != 0: sys.exit(3)
os.waitpid($victim, 0)
libc.ptrace(17, $victim, None, None)"
run ptrace-peek "$PY" -c "
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace(2, $victim, None, None)"
kill $victim 2>/dev/null
wait $victim 2>/dev/null
run mount unshare -m mount -t tmpfs tpc-stdlib /mnt
run mount-list /usr/bin/findmnt /
run bpf "$PY" -c '
import ctypes, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
insns = ctypes.create_string_buffer(struct.pack("<BBhiBBhi", 0xb7, 0, 0, 0, 0x95, 0, 0, 0), 16)
lic = ctypes.create_string_buffer(b"GPL")
attr = ctypes.create_string_buffer(struct.pack("<IIQQIIQI", 1, 2, ctypes.addressof(insns),
    ctypes.addressof(lic), 0, 0, 0, 0).ljust(128, b"\0"), 128)
fd = libc.syscall(321, 5, attr, 128)
sys.exit(0 if fd >= 0 else 4)'
run bpf-other "$PY" -c '
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
attr = ctypes.create_string_buffer(128)
libc.syscall(321, 0, attr, 128)'
stop_loader
python3 - "$E2E_TMP/priv.json" "$PIDS" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
runs = {}
for l in open(sys.argv[2]):
    tag, pid, rc = l.split()
    runs[tag] = (int(pid), int(rc))
def body(e):
    return next(iter(e.values()))
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "stdlib_privileges/" + name)
    if not ok: print("  " + str(why)[:3000], file=sys.stderr)
def hits(policy, tag):
    pid = runs[tag][0]
    return [b for b in (body(e) for e in evs) if b.get("policy_name") == policy
            and b["process"]["pid"] == pid]
def posted(policy, tag, n=1):
    h = hits(policy, tag)
    return len(h) >= n and all(b["action"] == "KPROBE_ACTION_POST" for b in h), h
def none(policy, tag):
    h = hits(policy, tag)
    return not h, h
check("setuid-root/event", *posted("setuid-root", "setuid0", 2))
check("setuid-root/own-uid-not-reported", *none("setuid-root", "setuid-self"))
check("setuid-root/root-not-reported", *none("setuid-root", "setuid-root"))
check("capset/event", *posted("capset", "capset"))
check("capset/plain-not-reported", *none("capset", "plain"))
check("user-namespace/event", *posted("user-namespace", "userns"))
check("user-namespace/mount-ns-not-reported", *none("user-namespace", "mntns"))
check("ptrace-attach/ran", runs["ptrace"][1] == 0, runs["ptrace"])
check("ptrace-attach/event", *posted("ptrace-attach", "ptrace"))
check("ptrace-attach/peek-not-reported", *none("ptrace-attach", "ptrace-peek"))
check("mount/ran", runs["mount"][1] == 0, runs["mount"])
ok, h = posted("mount", "mount")
check("mount/event", ok and any("/mnt" in json.dumps(b["args"]) for b in h), h)
check("mount/findmnt-not-reported", *none("mount", "mount-list"))
check("bpf-prog-load/ran", runs["bpf"][1] == 0, runs["bpf"])
check("bpf-prog-load/event", *posted("bpf-prog-load", "bpf"))
check("bpf-prog-load/map-create-not-reported", *none("bpf-prog-load", "bpf-other"))
PY
