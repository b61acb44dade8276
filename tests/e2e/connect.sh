#!/bin/bash
# Network deny on this kernel: an lsmhooks socket_connect policy with
# Override compiles to lsm/socket_connect plus a cgroup/connect4+6 fallback;
# here (no BPF LSM) the loader picks the cgroup programs, connect() to the
# blocked loopback port fails with EPERM, other ports connect, and the event
# names the destination. Only 127.0.0.1 / ::1 are used.
source "$(dirname "$0")/lib.sh"
need_bpf connect

"$TPC" build "$E2E_ROOT/tests/e2e/policies/block-port.yaml" -o "$E2E_TMP/bp.bpf.o" ||
	{ fail connect/build; exit 0; }
start_loader conn "$E2E_TMP/bp.bpf.o" || { fail connect/loader-start; exit 0; }
grep -q "connect4" "$E2E_TMP/conn.log" || true
python3 - <<'PY'
import errno, socket, threading
def listen(fam, addr, port):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(8); s.settimeout(5)
    return s
def try_connect(fam, addr, port):
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.settimeout(3)
    try:
        c.connect((addr, port)); return 0
    except OSError as e:
        return e.errno
    finally:
        c.close()
ls = [listen(socket.AF_INET, "127.0.0.1", 4242), listen(socket.AF_INET, "127.0.0.1", 4243)]
r = try_connect(socket.AF_INET, "127.0.0.1", 4242)
print(("PASS " if r == errno.EPERM else "FAIL ") + "connect/v4-blocked-eperm")
r = try_connect(socket.AF_INET, "127.0.0.1", 4243)
print(("PASS " if r == 0 else "FAIL ") + "connect/v4-other-port-ok")
try:
    l6 = listen(socket.AF_INET6, "::1", 4242)
    r = try_connect(socket.AF_INET6, "::1", 4242)
    print(("PASS " if r == errno.EPERM else "FAIL ") + "connect/v6-blocked-eperm")
except OSError as e:
    print("SKIP connect/v6-blocked-eperm: no IPv6 loopback (%s)" % e)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    u.connect(("127.0.0.1", 4242)); r = 0
except OSError as e:
    r = e.errno
print(("PASS " if r == errno.EPERM else "FAIL ") + "connect/udp-blocked-eperm")
PY
stop_loader
python3 - "$E2E_TMP/conn.json" <<'PY' && pass connect/event || fail connect/event
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
lsm = [e["process_lsm"] for e in evs if "process_lsm" in e]
assert lsm, "no process_lsm event"
e = lsm[0]
assert e["policy_name"] == "block-port-4242", e
assert e["action"] == "KPROBE_ACTION_OVERRIDE", e
a = e["args"][0]
sa = a.get("sockaddr_arg") or a.get("sock_arg")
assert sa and str(sa.get("port")) == "4242" and sa.get("addr") in ("127.0.0.1", "::1"), a
assert "python3" in e["process"]["binary"], e["process"]
PY
