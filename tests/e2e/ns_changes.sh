#!/bin/bash
# matchNamespaceChanges on the host (tracepoint syscalls/sys_enter_kill).
# Each workload is a python3 that sends signal 0 to MAGIC (step 0),
# changes a namespace of its own after its exec (or not), then signals
# MAGIC+1 and MAGIC+2 (steps 1, 2):
#   unshare-mnt  unshare(CLONE_NEWNS):  nschg-mnt at step 1 only (the match
#                renews the baseline, so step 2 is not reported again)
#   unshare-uts  unshare(CLONE_NEWUTS): nschg-not-mnt at step 1 only (a
#                change, but not of Mnt: the look-alike nschg-mnt ignores)
#   setns-net    started in a new network namespace (unshare -n, before
#                its exec: its baseline), then setns(2) into the host's
#                one, as an escape would: nschg-net and nschg-not-mnt at 1
#   benign       changes nothing: none (also not the one started under
#                unshare -m, whose namespace is new but its exec's own)
source "$(dirname "$0")/lib.sh"
need_bpf nschg
command -v unshare >/dev/null || { skip nschg "unshare not installed"; exit 0; }
MAGIC=$((3900000 + $$ % 90000))
sed -e "s/@MAGIC@/$MAGIC/g" -e "s/@MAGIC2@/$((MAGIC + 2))/g" \
	"$E2E_ROOT/tests/e2e/policies/ns-changes.yaml" >"$E2E_TMP/ns-changes.yaml"
"$TPC" build "$E2E_TMP/ns-changes.yaml" -o "$E2E_TMP/ns.bpf.o" 2>"$E2E_TMP/build.err" ||
	{ fail "nschg/build" "$(head -3 "$E2E_TMP/build.err")"; exit 0; }
export PYTHONPATH="$E2E_ROOT/tests/e2e/lib"
cat >"$E2E_TMP/w.py" <<'PY'
import ctypes, sys
from steps import start
name, how, magic, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
libc = ctypes.CDLL(None, use_errno=True)
sig = start(name, magic, out)
rc = 0
if how == "mnt":
    rc = libc.unshare(0x00020000)  # CLONE_NEWNS
elif how == "uts":
    rc = libc.unshare(0x04000000)  # CLONE_NEWUTS
elif how == "net":
    rc = libc.setns(9, 0x40000000)  # CLONE_NEWNET; fd 9: the host's, from the shell
if rc:
    sys.exit("%s: errno %d" % (how, ctypes.get_errno()))
sig(1)
sig(2)
PY
start_loader ns "$E2E_TMP/ns.bpf.o" || { fail nschg/loader-start; exit 0; }
python3 "$E2E_TMP/w.py" unshare-mnt mnt "$MAGIC" "$E2E_TMP/pids"
python3 "$E2E_TMP/w.py" unshare-uts uts "$MAGIC" "$E2E_TMP/pids"
unshare -n python3 "$E2E_TMP/w.py" setns-net net "$MAGIC" "$E2E_TMP/pids" 9</proc/self/ns/net
python3 "$E2E_TMP/w.py" benign none "$MAGIC" "$E2E_TMP/pids"
unshare -m python3 "$E2E_TMP/w.py" benign-newns none "$MAGIC" "$E2E_TMP/pids"
stop_loader
[ "$(wc -l <"$E2E_TMP/pids")" = 5 ] ||
	fail nschg/workloads "a workload did not start: $(cut -d' ' -f2 "$E2E_TMP/pids" | tr '\n' ' ')"
python3 "$E2E_ROOT/tests/e2e/lib/steps.py" "$E2E_TMP/ns.json" "$E2E_TMP/pids" "$MAGIC" nschg \
	nschg-mnt=unshare-mnt@1 nschg-not-mnt=setns-net@1,unshare-uts@1 nschg-net=setns-net@1
