#!/bin/bash
# Kernel-object argument types on this kernel (issue 14, part B), each with
# the real workload and a look-alike that must not match:
#   syscall64 - raw_syscalls/sys_enter's id, InMap over a `syscalls` list:
#               x86-64 and i386 (int 0x80) syscalls are told apart by bit 31
#   uint64    - the same list on the raw id (Tetragon's older form)
#   skb       - a UDP datagram on loopback (raw tracepoint net/net_dev_xmit):
#               DAddr, DPort, Protocol on the packet; net_device by name
# Kprobe-only objects (cred, bpf_attr, bpf_map, perf_event, module) run in
# the VM tier (tests/vm), where kprobes attach.
source "$(dirname "$0")/lib.sh"
need_bpf kobj

policy() { # policy NAME: $E2E_TMP/NAME.yaml from stdin, built to NAME.bpf.o
	cat >"$E2E_TMP/$1.yaml"
	"$TPC" build -o "$E2E_TMP/$1.bpf.o" "$E2E_TMP/$1.yaml" 2>"$E2E_TMP/$1.build" ||
		{ fail "kobj/$1-build" "$(cat "$E2E_TMP/$1.build")"; return 1; }
}

SYSID=$E2E_TMP/sysid
if ! cc -O2 -o "$SYSID" "$E2E_ROOT/tests/e2e/kobj/sysid.c" 2>"$E2E_TMP/sysid.log"; then
	fail kobj/sysid-build "$(cat "$E2E_TMP/sysid.log")"
	exit 0
fi
# int 0x80 needs the kernel's IA32 emulation (ia32_emulation=0 turns it off)
I386=1
[ "$("$SYSID" i386 20)" = "-38" ] && I386=0 # getpid (i386 20) answered ENOSYS

# --- syscall64 + list: x64 dup and i386 dup match; x64 dup2 and the i386
# syscall that has x64 dup's number (32) do not ---------------------------
if policy sys64 <<EOF; then
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: kobj-sys64
spec:
  lists:
  - name: dups
    type: syscalls
    values: ["sys_dup", "i386/sys_dup"]
  tracepoints:
  - subsystem: raw_syscalls
    event: sys_enter
    args:
    - index: 4
      type: syscall64
    selectors:
    - matchArgs:
      - index: 4
        operator: InMap
        values: ["list:dups"]
      matchBinaries:
      - operator: In
        values: ["$SYSID"]
EOF
	start_loader sys64 "$E2E_TMP/sys64.bpf.o" || fail kobj/sys64-loader
	"$SYSID" x64 32 >/dev/null   # dup: matches (x64)
	"$SYSID" x64 33 >/dev/null   # dup2: look-alike
	"$SYSID" i386 41 >/dev/null  # dup: matches (i386)
	"$SYSID" i386 32 >/dev/null  # i386 32 is not dup: bit 31 keeps it apart
	stop_loader
	python3 - "$E2E_TMP/sys64.json" "$I386" <<'PY'
import json, sys
evs = [json.loads(l)["process_tracepoint"] for l in open(sys.argv[1])
       if '"process_tracepoint"' in l]
ids = [e["args"][0].get("syscall_id") for e in evs if e.get("policy_name") == "kobj-sys64"]
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "kobj/" + name)
    if not ok:
        print("  " + why, file=sys.stderr)
check("syscall64-x64-matches", {"id": 32, "abi": "x64"} in ids, repr(ids))
check("syscall64-lookalike-dup2-not-matched", {"id": 33, "abi": "x64"} not in ids, repr(ids))
if sys.argv[2] == "1":
    check("syscall64-i386-matches", {"id": 41, "abi": "i386"} in ids, repr(ids))
    check("syscall64-i386-same-number-not-matched",
          {"id": 32, "abi": "i386"} not in ids, repr(ids))
else:
    print("SKIP kobj/syscall64-i386: the kernel runs without IA32 emulation")
check("syscall64-only-list-members", all(i in ({"id": 32, "abi": "x64"},
                                               {"id": 41, "abi": "i386"}) for i in ids), repr(ids))
PY
fi

# --- uint64 on the raw id with a syscalls list (a warning, then the raw
# number): x64 dup matches, dup2 does not ---------------------------------
if policy sysraw <<EOF; then
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: kobj-sysraw
spec:
  lists:
  - name: dups
    type: syscalls
    values: ["sys_dup"]
  tracepoints:
  - subsystem: raw_syscalls
    event: sys_enter
    args:
    - index: 4
      type: uint64
    selectors:
    - matchArgs:
      - index: 0
        operator: InMap
        values: ["list:dups"]
      matchBinaries:
      - operator: In
        values: ["$SYSID"]
EOF
	if grep -q "warning: syscall list 'dups' holds syscall64 ids" "$E2E_TMP/sysraw.build"; then
		pass kobj/uint64-list-warns
	else
		fail kobj/uint64-list-warns "$(cat "$E2E_TMP/sysraw.build")"
	fi
	start_loader sysraw "$E2E_TMP/sysraw.bpf.o" || fail kobj/sysraw-loader
	"$SYSID" x64 32 >/dev/null
	"$SYSID" x64 33 >/dev/null
	stop_loader
	python3 - "$E2E_TMP/sysraw.json" <<'PY'
import json, sys
evs = [json.loads(l)["process_tracepoint"] for l in open(sys.argv[1])
       if '"process_tracepoint"' in l]
got = [e["args"][0].get("size_arg") for e in evs if e.get("policy_name") == "kobj-sysraw"]
ok = "32" in got and set(got) == {"32"}
print(("PASS " if ok else "FAIL ") + "kobj/uint64-list-raw-id")
if not ok:
    print("  " + repr(got), file=sys.stderr)
PY
fi

# --- skb + net_device: a UDP datagram to 127.0.0.1:PORT on lo matches, one
# to PORT+1 does not -----------------------------------------------------
PORT=$((40000 + $$ % 20000))
if policy skb <<EOF; then
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: kobj-skb
spec:
  tracepoints:
  - subsystem: net
    event: net_dev_xmit
    raw: true
    args:
    - index: 0
      type: skb
    - index: 2
      type: net_device
    selectors:
    - matchArgs:
      - index: 0
        operator: DPort
        values: ["$PORT"]
      - index: 0
        operator: Protocol
        values: ["IPPROTO_UDP"]
      - index: 0
        operator: DAddr
        values: ["127.0.0.0/8"]
      - index: 2
        operator: Equal
        values: ["lo"]
EOF
	start_loader skb "$E2E_TMP/skb.bpf.o" || fail kobj/skb-loader
	python3 - "$PORT" <<'PY'
import socket, sys
p = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"kobj-hit", ("127.0.0.1", p))
s.sendto(b"kobj-miss", ("127.0.0.1", p + 1))
PY
	stop_loader
	python3 - "$E2E_TMP/skb.json" "$PORT" <<'PY'
import json, sys
p = int(sys.argv[2])
evs = [json.loads(l)["process_tracepoint"] for l in open(sys.argv[1])
       if '"process_tracepoint"' in l]
mine = [e for e in evs if e.get("policy_name") == "kobj-skb"]
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "kobj/" + name)
    if not ok:
        print("  " + why, file=sys.stderr)
skbs = [e["args"][0].get("skb_arg", {}) for e in mine]
hit = [k for k in skbs if k.get("dport") == p]
check("skb-udp-matches", len(hit) >= 1 and hit[0].get("protocol") == "IPPROTO_UDP" and
      hit[0].get("daddr") == "127.0.0.1" and hit[0].get("saddr") == "127.0.0.1" and
      hit[0].get("family") == "AF_INET" and hit[0].get("sport", 0) > 0 and
      hit[0].get("len", 0) >= 28 + len(b"kobj-hit"), repr(mine))
check("skb-lookalike-port-not-matched", not any(k.get("dport") == p + 1 for k in skbs),
      repr(skbs))
check("net-device-name", len(mine) >= 1 and
      all(e["args"][1] == {"net_dev_arg": {"name": "lo"}} for e in mine),
      repr([e["args"] for e in mine]))
PY
fi
