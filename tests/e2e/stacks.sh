#!/bin/bash
# Post with kernelStackTrace and userStackTrace (process_kprobe's
# kernel_stack_trace and user_stack_trace): a syscall kprobe, which on this
# host attaches as its sys_enter tracepoint variant (kprobes and fentry do
# not attach here; the VM tier loads those variants). The workload calls a
# known function that makes the syscall itself; the kernel trace must hold
# the syscall entry path (do_syscall_64), the user trace that function
# (innermost, in the workload's file) and its caller main. A second policy
# on the same hook without the flags, matching a copy of the workload,
# must post events with no trace.
source "$(dirname "$0")/lib.sh"
need_bpf stacks
case $(uname -m) in
x86_64) ;;
*) skip stacks "the workload's inline syscall is x86-64"; exit 0 ;;
esac
W=$E2E_TMP/w
mkdir -p "$W"
if ! cc -O0 -fno-omit-frame-pointer -o "$W/tpcstk-marker" \
	"$E2E_ROOT/tests/e2e/stacks/marker.c" 2>"$E2E_TMP/cc.log"; then
	fail stacks/workload-build "$(head -3 "$E2E_TMP/cc.log")"
	exit 0
fi
cp "$W/tpcstk-marker" "$W/tpcstk-plain"
cat >"$E2E_TMP/stacks.yaml" <<EOF2
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: stacks-on
spec:
  kprobes:
  - call: sys_getpgid
    syscall: true
    args:
    - index: 0
      type: int
    selectors:
    - matchBinaries:
      - operator: In
        values: ["$W/tpcstk-marker"]
      matchActions:
      - action: Post
        kernelStackTrace: true
        userStackTrace: true
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: stacks-off
spec:
  kprobes:
  - call: sys_getpgid
    syscall: true
    selectors:
    - matchBinaries:
      - operator: In
        values: ["$W/tpcstk-plain"]
EOF2
if ! "$TPC" build -o "$E2E_TMP/stacks.bpf.o" "$E2E_TMP/stacks.yaml" 2>"$E2E_TMP/build.log"; then
	fail stacks/build "$(head -3 "$E2E_TMP/build.log")"
	exit 0
fi
start_loader stacks "$E2E_TMP/stacks.bpf.o" || { fail stacks/loader; exit 0; }
"$W/tpcstk-marker" &
m=$!
"$W/tpcstk-plain"
wait $m
stop_loader
python3 - "$E2E_TMP/stacks.json" "$W/tpcstk-marker" <<'PY'
import json, sys
# By key, not by substring: a base-sensor exec event whose arguments
# mention process_kprobe (another test's command line) is not one.
evs = [d["process_kprobe"] for d in map(json.loads, filter(str.strip, open(sys.argv[1])))
       if "process_kprobe" in d]
on = [e for e in evs if e.get("policy_name") == "stacks-on"]
off = [e for e in evs if e.get("policy_name") == "stacks-off"]
def check(n, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "stacks/" + n)
    if not ok:
        print("  " + str(why)[:600], file=sys.stderr)
check("one-event-each", len(on) == 1 and len(off) == 1, (len(on), len(off)))
if on:
    k = [f.get("symbol") for f in on[0].get("kernel_stack_trace", [])]
    u = on[0].get("user_stack_trace", [])
    check("kernel-syscall-path", "do_syscall_64" in k, k)
    check("kernel-offsets", all("offset" in f for f in on[0].get("kernel_stack_trace", [])
                                if f.get("symbol") != "[unknown]"), on[0].get("kernel_stack_trace"))
    check("user-innermost-marker", bool(u) and u[0].get("symbol") == "tpc_stack_marker" and
          u[0].get("module") == sys.argv[2], u[:3])
    check("user-caller-main", len(u) > 1 and u[1].get("symbol") == "main", u[:3])
    check("no-addresses-by-default",
          not any("address" in f for f in on[0].get("kernel_stack_trace", []) + u), u[:2])
if off:
    check("look-alike-no-traces", "kernel_stack_trace" not in off[0] and
          "user_stack_trace" not in off[0], off[0].keys())
PY
