#!/bin/bash
# Argument types on this kernel's tracepoints, each with the real workload
# and a look-alike that must not match (issue 14, slice A1):
#   nop      - the hook fires, the argument is not read and is left out of
#              args[] (as Tetragon does), the other args keep their order
source "$(dirname "$0")/lib.sh"
need_bpf args

# policy NAME: writes $E2E_TMP/NAME.yaml from stdin and builds NAME.bpf.o
policy() {
	cat >"$E2E_TMP/$1.yaml"
	"$TPC" build -o "$E2E_TMP/$1.bpf.o" "$E2E_TMP/$1.yaml" 2>"$E2E_TMP/$1.build" ||
		{ fail "args/$1-build" "$(cat "$E2E_TMP/$1.build")"; return 1; }
}

# --- nop: openat's dfd and flags are declared nop, filename is read ---------
D=$E2E_TMP/nop-dir
mkdir -p "$D"
if policy nop <<EOF; then
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: args-nop
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_openat
    args:
    - index: 5
      type: nop
    - index: 6
      type: string
    - index: 7
      type: nop
    selectors:
    - matchArgs:
      - index: 6
        operator: Prefix
        values: ["$D/hit"]
EOF
	start_loader nop "$E2E_TMP/nop.bpf.o" || fail args/nop-loader
	: >"$D/hit-1"
	cat "$D/hit-1" "$D/miss-1" 2>/dev/null
	stop_loader
	python3 - "$E2E_TMP/nop.json" "$D" <<'PY'
import json, sys
d = sys.argv[2]
evs = [json.loads(l)["process_tracepoint"] for l in open(sys.argv[1])
       if '"process_tracepoint"' in l]
mine = [e for e in evs if e.get("policy_name") == "args-nop"]
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "args/" + name)
    if not ok:
        print("  " + why, file=sys.stderr)
hits = [e for e in mine if e["args"][0].get("string_arg", "").startswith(d + "/hit-1")]
check("nop-fires", len(hits) >= 1, repr(mine))
check("nop-args-left-out", all(e["args"] == [{"string_arg": e["args"][0]["string_arg"]}]
                               for e in mine), repr([e["args"] for e in mine]))
check("nop-lookalike-not-matched",
      not any("miss-1" in json.dumps(e["args"]) for e in mine), repr(mine))
PY
fi

# --- file_arg permission: the inode mode of the opened file, ls -l style ---
P=$E2E_TMP/perm-dir
mkdir -p "$P"
if policy perm <<EOF; then
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: args-perm
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_exit_openat
    args:
    - index: 5
      type: fd
    selectors:
    - matchArgs:
      - index: 5
        operator: Prefix
        values: ["$P/"]
EOF
	: >"$P/suid" && chmod 4754 "$P/suid"
	: >"$P/plain" && chmod 640 "$P/plain"
	start_loader perm "$E2E_TMP/perm.bpf.o" || fail args/perm-loader
	cat "$P/suid" "$P/plain" /etc/hostname >/dev/null
	stop_loader
	python3 - "$E2E_TMP/perm.json" "$P" <<'PY'
import json, sys
evs = [json.loads(l)["process_tracepoint"] for l in open(sys.argv[1])
       if '"process_tracepoint"' in l]
got = {e["args"][0]["file_arg"]["path"]: e["args"][0]["file_arg"].get("permission")
       for e in evs if e.get("policy_name") == "args-perm"}
p = sys.argv[2]
ok = got.get(p + "/suid") == "-rwsr-xr--" and got.get(p + "/plain") == "-rw-r-----"
print(("PASS " if ok else "FAIL ") + "args/file-permission")
if not ok:
    print("  " + repr(got), file=sys.stderr)
ok = "/etc/hostname" not in got
print(("PASS " if ok else "FAIL ") + "args/file-permission-lookalike-not-matched")
PY
fi
