#!/bin/bash
# NotifyEnforcer on the host (tracepoint syscalls/sys_enter_dup): the
# policy's enforcers section names sys_dup; the matching hook sends the
# signal itself. Each workload is a python3 that calls dup(FD) once:
#   kill       dup(MAGIC)   argSig 9 (and argError, not applied): dies by
#                           SIGKILL before it prints "survived"
#   signal     dup(MAGIC+1) argSig SIGUSR1: its handler runs
#   lookalike  dup(MAGIC+2) no rule matches: survives, no signal
# (python3's os.dup is fcntl(F_DUPFD_CLOEXEC): libc's dup() through ctypes)
# and the events say KPROBE_ACTION_NOTIFYENFORCER for the two matches only.
source "$(dirname "$0")/lib.sh"
need_bpf enforcer
MAGIC=$((7000 + $$ % 900 * 3))
sed -e "s/@MAGIC@/$MAGIC/g" -e "s/@MAGIC1@/$((MAGIC + 1))/g" \
	"$E2E_ROOT/tests/e2e/policies/enforcer.yaml" >"$E2E_TMP/enforcer.yaml"
"$TPC" build "$E2E_TMP/enforcer.yaml" -o "$E2E_TMP/enforcer.bpf.o" 2>"$E2E_TMP/build.err" ||
	{ fail "enforcer/build" "$(head -3 "$E2E_TMP/build.err")"; exit 0; }
cat >"$E2E_TMP/w.py" <<'PY'
import ctypes, os, signal, sys
libc = ctypes.CDLL(None)
fd, out = int(sys.argv[1]), sys.argv[2]
got = []
signal.signal(signal.SIGUSR1, lambda n, f: got.append(n))
with open(out, "a") as f:
    f.write("%d start %d\n" % (os.getpid(), fd))
libc.dup(fd)  # glibc's dup() is the dup syscall (os.dup is fcntl)
with open(out, "a") as f:
    f.write("%d survived %s\n" % (os.getpid(), "usr1" if got else "none"))
PY
start_loader enforcer "$E2E_TMP/enforcer.bpf.o" || { fail enforcer/loader-start; exit 0; }
st=()
for i in 0 1 2; do
	(python3 "$E2E_TMP/w.py" $((MAGIC + i)) "$E2E_TMP/out.$i") 2>/dev/null
	st+=($?)
	cat "$E2E_TMP/out.$i" >>"$E2E_TMP/out"
done 2>/dev/null # no "Killed" line for the expected SIGKILL
stop_loader
# 137: killed by SIGKILL
check enforcer/kill-killed test "${st[0]}" = 137
check enforcer/kill-not-survived bash -c "! grep -q survived '$E2E_TMP/out.0'"
check enforcer/signal-delivered grep -q "survived usr1" "$E2E_TMP/out.1"
check enforcer/lookalike-untouched grep -q "survived none" "$E2E_TMP/out.2"
python3 - "$E2E_TMP/enforcer.json" "$E2E_TMP/out" "$MAGIC" <<'PY'
import json, sys
magic = int(sys.argv[3])
pids = {}
for l in open(sys.argv[2]):
    w = l.split()
    if w[1] == "start":
        pids[int(w[0])] = int(w[2]) - magic
got = []
for l in open(sys.argv[1]):
    tp = json.loads(l).get("process_tracepoint") if l.strip() else None
    if tp and tp["process"]["pid"] in pids:
        got.append((pids[tp["process"]["pid"]], tp["policy_name"], tp.get("action")))
want = [(0, "enforcer-kill", "KPROBE_ACTION_NOTIFYENFORCER"),
        (1, "enforcer-signal", "KPROBE_ACTION_NOTIFYENFORCER")]
ok = sorted(got) == want
print(("PASS " if ok else "FAIL ") + "enforcer/events")
if not ok:
    print("  want %s, got %s" % (want, sorted(got)), file=sys.stderr)
PY

# Override on a syscall kprobe (sys_linkat) is carried out by an lsm/path_link
# enforcer program: where this kernel has no BPF LSM the object must be
# refused, naming the enforcer, never loaded without its deny; where it has
# BPF LSM, the matched link fails with EPERM and a look-alike link works.
cat >"$E2E_TMP/link.yaml" <<YAML
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: enforcer-link
spec:
  kprobes:
  - call: sys_linkat
    syscall: true
    args:
    - index: 1
      type: string
    selectors:
    - matchArgs:
      - index: 1
        operator: Equal
        values: ["$E2E_TMP/secret"]
      matchActions:
      - action: Override
        argError: -1
YAML
"$TPC" build "$E2E_TMP/link.yaml" -o "$E2E_TMP/link.bpf.o" 2>"$E2E_TMP/build.err" ||
	{ fail "enforcer/override-build" "$(grep -m1 error: "$E2E_TMP/build.err")"; exit 0; }
echo s >"$E2E_TMP/secret"
echo p >"$E2E_TMP/plain"
if "$LOADER" probe 2>/dev/null | grep -qE '^ *lsm +yes'; then
	start_loader link "$E2E_TMP/link.bpf.o" || { fail enforcer/override-loader-start; exit 0; }
	python3 - "$E2E_TMP" >"$E2E_TMP/link.out" <<'PY'
import os, sys
d = sys.argv[1]
for src, dst in (("secret", "l1"), ("plain", "l2")):
    try:
        os.link(os.path.join(d, src), os.path.join(d, dst))
        print("ok")
    except OSError as e:
        print(e.errno)
PY
	stop_loader
	check enforcer/override-denied-eperm test "$(sed -n 1p "$E2E_TMP/link.out")" = 1
	check enforcer/override-lookalike-links test "$(sed -n 2p "$E2E_TMP/link.out")" = ok
else
	"$LOADER" run -o json "$E2E_TMP/link.bpf.o" >/dev/null 2>"$E2E_TMP/link.log" &
	pid=$!
	for _ in $(seq 100); do
		grep -q "ready" "$E2E_TMP/link.log" 2>/dev/null && break
		sleep 0.05
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	check enforcer/override-refused-without-bpf-lsm \
		grep -q "refused: no variant of program group 'enforce_lsm0'.*tpc_enf_lsm0 (lsm)" "$E2E_TMP/link.log"
	check enforcer/override-not-attached grep -q "0 objects attached" "$E2E_TMP/link.log"
fi
