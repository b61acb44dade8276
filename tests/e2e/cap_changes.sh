#!/bin/bash
# matchCapabilityChanges and isNamespaceCapability on the host
# (tracepoint syscalls/sys_enter_kill). Each workload is a python3 that,
# as root, sends signal 0 to MAGIC (step 0), changes its effective set
# with capset(2) (or not), then signals MAGIC+1 and MAGIC+2 (steps 1, 2):
#   drop-admin   drops CAP_SYS_ADMIN: capchg-in at step 1 only (the match
#                renews the baseline, so step 2 is not reported again)
#   drop-netraw  drops CAP_NET_RAW:   capchg-notin at step 1 only
#   benign       changes nothing:      neither
#   userns       runs in a new user namespace (unshare -U -r), where it
#                holds CAP_SYS_ADMIN: cap-userns; the host root workloads,
#                which hold it too, are not matched by cap-userns
source "$(dirname "$0")/lib.sh"
need_bpf capchg
command -v unshare >/dev/null || { skip capchg "unshare not installed"; exit 0; }
MAGIC=$((3800000 + $$ % 90000))
for p in cap-changes cap-changes-notin; do
	sed -e "s/@MAGIC@/$MAGIC/g" -e "s/@MAGIC2@/$((MAGIC + 2))/g" \
		"$E2E_ROOT/tests/e2e/policies/$p.yaml" >"$E2E_TMP/$p.yaml"
	"$TPC" build "$E2E_TMP/$p.yaml" -o "$E2E_TMP/$p.bpf.o" 2>"$E2E_TMP/build.err" ||
		{ fail "capchg/build-$p" "$(head -3 "$E2E_TMP/build.err")"; exit 0; }
done
export PYTHONPATH="$E2E_ROOT/tests/e2e/lib"
cat >"$E2E_TMP/w.py" <<'PY'
import ctypes, sys
from steps import start
name, drop, magic, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
libc = ctypes.CDLL(None, use_errno=True)
class Hdr(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
class Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]
sig = start(name, magic, out)
if drop >= 0:
    h, d = Hdr(0x20080522, 0), (Data * 2)()
    if libc.capget(ctypes.byref(h), d) or not d[0].effective & (1 << drop):
        sys.exit("capget: no capability %d to drop" % drop)
    d[0].effective &= ~(1 << drop)
    if libc.capset(ctypes.byref(h), d):
        sys.exit("capset failed: errno %d" % ctypes.get_errno())
sig(1)
sig(2)
PY
start_loader cap "$E2E_TMP/cap-changes.bpf.o" "$E2E_TMP/cap-changes-notin.bpf.o" ||
	{ fail capchg/loader-start; exit 0; }
python3 "$E2E_TMP/w.py" drop-admin 21 "$MAGIC" "$E2E_TMP/pids"
python3 "$E2E_TMP/w.py" drop-netraw 13 "$MAGIC" "$E2E_TMP/pids"
python3 "$E2E_TMP/w.py" benign -1 "$MAGIC" "$E2E_TMP/pids"
unshare -U -r python3 "$E2E_TMP/w.py" userns -1 "$MAGIC" "$E2E_TMP/pids"
stop_loader
python3 "$E2E_ROOT/tests/e2e/lib/steps.py" "$E2E_TMP/cap.json" "$E2E_TMP/pids" "$MAGIC" capchg \
	capchg-in=drop-admin@1 capchg-notin=drop-netraw@1 cap-userns=userns@0,userns@1,userns@2
