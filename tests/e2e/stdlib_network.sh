#!/bin/bash
# stdlib-policies/network: the whole group is built as one fused object and
# loaded; on this kernel the socket_connect policies run as cgroup
# connect4/6 programs. Traffic rules: TCP only to 127.0.0.1; the
# non-loopback destinations (169.254.169.254, TEST-NET 192.0.2.0/24) are
# only used with UDP connect(), which sends no packet, and with TCP to
# 169.254.169.254 only after the UDP connect proved the deny is in place
# (the cgroup hook refuses before any SYN). The metadata block is the only
# enforcing policy; nothing on the CI host needs the metadata service.
source "$(dirname "$0")/lib.sh"
need_bpf stdlib_network
source "$E2E_ROOT/tests/e2e/lib/stdlib.sh"
mapfile -t POLICIES < <(stdlib_group network)
"$TPC" build "${POLICIES[@]}" -o "$E2E_TMP/net.bpf.o" 2>"$E2E_TMP/build.err" ||
	{ fail stdlib_network/build "$(cat "$E2E_TMP/build.err")"; exit 0; }
pass stdlib_network/build
start_loader net "$E2E_TMP/net.bpf.o" || { fail stdlib_network/loader-start; exit 0; }
grep -q "ready.* 1 object attached" "$E2E_TMP/net.log" && pass stdlib_network/loaded ||
	{ fail stdlib_network/loaded "$(cat "$E2E_TMP/net.log")"; exit 0; }
PIDS=$E2E_TMP/pids
: >"$PIDS"
run() { # run TAG CMD...: run CMD in the background, record TAG, pid, status
	"${@:2}" >/dev/null 2>"$E2E_TMP/$1.err" &
	local p=$!
	wait $p
	echo "$1 $p $?" >>"$PIDS"
}
# udp_connect ADDR PORT: exit 0 if connect() succeeded, 1 on EPERM, 2 else
UDPC='
import errno, socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    sys.exit(1 if e.errno == errno.EPERM else 2)
sys.exit(0)'
run md-udp python3 -c "$UDPC" 169.254.169.254 80
if grep -q "^md-udp [0-9]* 1$" "$PIDS"; then
	run md-tcp python3 -c '
import errno, socket, sys
s = socket.socket(); s.settimeout(2)
try:
    s.connect(("169.254.169.254", 80))
except OSError as e:
    sys.exit(1 if e.errno == errno.EPERM else 2)
sys.exit(0)'
fi
run lo-udp python3 -c "$UDPC" 127.0.0.1 4513
run out-udp python3 -c "$UDPC" 192.0.2.1 4513
run dns-bad python3 -c "$UDPC" 192.0.2.53 53
run dns-ok python3 -c "$UDPC" 127.0.0.53 53
run raw python3 -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0).close()'
run dgram python3 -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()'
run listen python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 4512)); s.listen(1); s.close()'
python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 4514)); s.listen(1); time.sleep(3)' &
lpid=$!
sleep 0.3
run client python3 -c '
import socket
c = socket.create_connection(("127.0.0.1", 4514), timeout=2); c.close()'
kill $lpid 2>/dev/null
wait $lpid 2>/dev/null
stop_loader
python3 - "$E2E_TMP/net.json" "$PIDS" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
runs = {}
for l in open(sys.argv[2]):
    tag, pid, rc = l.split()
    runs[tag] = (int(pid), int(rc))
def body(e):
    return next(iter(e.values()))
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "stdlib_network/" + name)
    if not ok: print("  " + str(why)[:3000], file=sys.stderr)
def hits(policy, tag):
    if tag not in runs: return []
    pid = runs[tag][0]
    return [b for b in (body(e) for e in evs) if b.get("policy_name") == policy
            and b["process"]["pid"] == pid]
def acted(policy, tag, action):
    h = hits(policy, tag)
    return bool(h) and all(b["action"] == action for b in h), h
def none(policy, tag):
    h = hits(policy, tag)
    return not h, h
def addr(b):
    a = b["args"][0]
    return next(iter(v for k, v in a.items() if k != "label"))
check("cloud-metadata-block/udp-eperm", runs["md-udp"][1] == 1, runs["md-udp"])
check("cloud-metadata-block/tcp-eperm", runs.get("md-tcp", (0, -1))[1] == 1, runs.get("md-tcp"))
ok, h = acted("cloud-metadata-block", "md-udp", "KPROBE_ACTION_OVERRIDE")
check("cloud-metadata-block/event", ok and addr(h[0]).get("addr") == "169.254.169.254", h)
check("cloud-metadata-block/loopback-allowed", runs["lo-udp"][1] == 0, runs["lo-udp"])
check("cloud-metadata-block/loopback-not-reported", *none("cloud-metadata-block", "lo-udp"))
check("cloud-metadata/event", *acted("cloud-metadata", "md-udp", "KPROBE_ACTION_POST"))
check("cloud-metadata/loopback-not-reported", *none("cloud-metadata", "lo-udp"))
ok, h = acted("outbound-outside-cidrs", "out-udp", "KPROBE_ACTION_POST")
check("outbound-outside-cidrs/event", ok and addr(h[0]).get("addr") == "192.0.2.1", h)
check("outbound-outside-cidrs/allowed-ran", runs["out-udp"][1] == 0, runs["out-udp"])
check("outbound-outside-cidrs/loopback-not-reported", *none("outbound-outside-cidrs", "lo-udp"))
check("outbound-outside-cidrs/metadata-link-local-not-reported", *none("outbound-outside-cidrs", "md-udp"))
ok, h = acted("dns-unapproved-servers", "dns-bad", "KPROBE_ACTION_POST")
check("dns-unapproved-servers/event", ok and str(addr(h[0]).get("port")) == "53", h)
check("dns-unapproved-servers/local-resolver-not-reported", *none("dns-unapproved-servers", "dns-ok"))
check("dns-unapproved-servers/other-port-not-reported", *none("dns-unapproved-servers", "out-udp"))
check("raw-socket/ran", runs["raw"][1] == 0, runs["raw"])
check("raw-socket/events", *acted("raw-socket", "raw", "KPROBE_ACTION_POST"))
check("raw-socket/two", len(hits("raw-socket", "raw")) == 2, hits("raw-socket", "raw"))
check("raw-socket/dgram-not-reported", *none("raw-socket", "dgram"))
check("unexpected-listen/ran", runs["listen"][1] == 0, runs["listen"])
ok, h = acted("unexpected-listen", "listen", "KPROBE_ACTION_POST")
check("unexpected-listen/event", ok and "4512" in json.dumps(h[0]["args"]), h)
check("unexpected-listen/client-not-reported", *none("unexpected-listen", "client"))
PY
