#!/bin/bash
# tpcNetwork dns and http end to end: `tpc build` + `tpc-loader run
# --cgroup` on a cgroup of this test, with real servers (dnsmasq answering
# a test zone, python3's http.server) in a network namespace this test
# creates. Clients: dig (UDP, TCP), getaddrinfo (netl7_client), curl on one
# keep-alive connection, two requests pipelined in one segment. Checks:
# paired query/answer events (name, type, id, rcode, addresses, TTL,
# process; IPv4 and IPv6 resolver), the blocked domain's lookup fails and
# is reported, others resolve, malformed queries are counted;
# request/response events in order; a Sigkill rule kills the client; 10k
# queries and 10k requests each end as an event or a loss the loader
# reported; every event passes the JSON schema.
source "$(dirname "$0")/lib.sh"
need_bpf net-dns-http
NL7_TMP=$E2E_TMP
NL7_BUILD=$E2E_ROOT/${BUILD:-build}/tests
source "$(dirname "$0")/lib/netl7.sh"
if ! why=$(nl7_need); then
	skip net-dns-http "$why"
	exit 0
fi
trap 'stop_loader; nl7_down; cleanup_e2e' EXIT
P=$E2E_ROOT/tests/e2e/policies
"$TPC" build "$P/net-dns.yaml" -o "$E2E_TMP/dns.bpf.o" &&
	"$TPC" build "$P/net-http.yaml" -o "$E2E_TMP/http.bpf.o" || { fail net/build; exit 0; }
nl7_up || { fail net/servers-up "dnsmasq or http.server did not start"; exit 0; }
# a ring that holds a whole 10k burst (the client runs at ~100k queries/s,
# faster than JSON rendering); with the default 256 KiB, losses are counted
start_loader l7 --ring-kb "${NETL7_RING_KB:-8192}" --cgroup "$NL7_CG" "$E2E_TMP/dns.bpf.o" "$E2E_TMP/http.bpf.o" ||
	{ fail net/loader-start; exit 0; }

DIG="dig @127.0.0.1 +tries=1 +timeout=2"
nl7_run $DIG +short www.zone.test A >"$E2E_TMP/d1" 2>&1
nl7_run $DIG +short www.zone.test AAAA >"$E2E_TMP/d2" 2>&1
nl7_run $DIG +short +tcp tcp.zone.test A >"$E2E_TMP/d3" 2>&1
nl7_run $DIG nope.nx.test A >"$E2E_TMP/d4" 2>&1
nl7_run $DIG +short x.blocked.test A >"$E2E_TMP/d5" 2>&1
echo "rc=$?" >>"$E2E_TMP/d5"
nl7_run dig @::1 +tries=1 +timeout=2 +short www.zone.test AAAA >"$E2E_TMP/d6" 2>&1
# three malformed queries (label of 64, a pointer in the question, a
# header only): passed, counted, no event
nl7_run python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
h = struct.pack(">HHHHHH", 0x5151, 0x0100, 1, 0, 0, 0)
for m in (h + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01",
          h + b"\x03bad\xc0\x0c\x00\x01\x00\x01", h):
    s.sendto(m, ("127.0.0.1", 53))
' >/dev/null 2>&1
nl7_run "$NL7_BUILD/netl7_client" gai www.zone.test evil.blocked.test >"$E2E_TMP/gai" 2>&1
nl7_run curl -s -o /dev/null -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
	-H 'Host: web.test' http://127.0.0.1:8080/a.txt http://127.0.0.1:8080/missing \
	"http://127.0.0.1:8080/a.txt?q=2" >"$E2E_TMP/curl" 2>&1
# two requests pipelined in one segment, read back in order
nl7_run python3 -c '
import socket
s = socket.create_connection(("127.0.0.1", 8080))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.sendall(b"GET /a.txt?pipe=1 HTTP/1.1\r\nHost: pipe.test\r\n\r\n"
          b"HEAD /missing?pipe=2 HTTP/1.1\r\nHost: pipe.test\r\n\r\n")
buf = b""
while buf.count(b"HTTP/1.") < 2:
    d = s.recv(65536)
    if not d:
        break
    buf += d
print(buf.count(b"HTTP/1."))
' >"$E2E_TMP/pipe" 2>&1
nl7_run curl -s -o /dev/null -H 'Host: web.test' http://127.0.0.1:8080/admin/x >/dev/null 2>&1
echo "$?" >"$E2E_TMP/kill"

grep -qx 192.0.2.8 "$E2E_TMP/d1" && pass net/dig-a-resolves || fail net/dig-a-resolves "$(cat "$E2E_TMP/d1")"
grep -qx 2001:db8::8 "$E2E_TMP/d2" && pass net/dig-aaaa-resolves || fail net/dig-aaaa-resolves
grep -qx 192.0.2.7 "$E2E_TMP/d3" && pass net/dig-tcp-resolves || fail net/dig-tcp-resolves
grep -q "status: NXDOMAIN" "$E2E_TMP/d4" && pass net/dig-nxdomain || fail net/dig-nxdomain
grep -q "timed out" "$E2E_TMP/d5" && grep -q "rc=9" "$E2E_TMP/d5" &&
	pass net/dig-blocked-times-out || fail net/dig-blocked-times-out "$(cat "$E2E_TMP/d5")"
grep -qx 2001:db8::8 "$E2E_TMP/d6" && pass net/dig-ipv6-server-resolves || fail net/dig-ipv6-server-resolves "$(cat "$E2E_TMP/d6")"
grep -q "^www.zone.test ok .*192.0.2.8" "$E2E_TMP/gai" && grep -q "^evil.blocked.test fail" "$E2E_TMP/gai" &&
	pass net/getaddrinfo-resolves-and-blocked-fails || fail net/getaddrinfo-resolves-and-blocked-fails "$(cat "$E2E_TMP/gai")"
[ "$(cat "$E2E_TMP/kill")" = 137 ] && pass net/http-sigkill-kills-client ||
	fail net/http-sigkill-kills-client "curl exit $(cat "$E2E_TMP/kill")"

NQ=${NETL7_LOAD_N:-10000}
nl7_run "$NL7_BUILD/netl7_client" dns 127.0.0.1 "$NQ" load.zone.test >"$E2E_TMP/ldns" 2>&1
nl7_run "$NL7_BUILD/netl7_client" http 127.0.0.1 8080 "$NQ" /a.txt >"$E2E_TMP/lhttp" 2>&1
sleep 0.5
stop_loader

python3 - "$E2E_TMP" "$NQ" "$NL7_BUILD/netl7_client" "$E2E_ROOT/tests/e2e/schema" <<'PY'
import json, re, subprocess, sys
d, nq, client = sys.argv[1], int(sys.argv[2]), sys.argv[3]
evs = [json.loads(l) for l in open(d + "/l7.json") if l.strip()]
dns = [e["network_dns"] for e in evs if "network_dns" in e]
http = [e["network_http"] for e in evs if "network_http" in e]
lost = sum(int(n) for n in re.findall(r"ring buffer full.*?=(\d+)", open(d + "/l7.log").read()))
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "net/" + name + ("" if ok else "  # " + str(why)[:400]))
def by(name, t, binary="/usr/bin/dig"):
    return [e for e in dns if e["name"] == name and e["type"] == t and e["process"]["binary"] == binary
            and e["server"]["addr"] == "127.0.0.1"]
a = by("www.zone.test", "A")
check("dns-a-event", len(a) == 1 and a[0]["rcode"] == "NOERROR" and a[0]["answers"] == [{"addr": "192.0.2.8", "ttl": 123}]
      and a[0]["server"] == {"addr": "127.0.0.1", "port": 53} and a[0]["policy_name"] == "e2e-net-dns"
      and a[0]["action"] == "KPROBE_ACTION_POST" and int(a[0]["latency_ns"]) > 0 and isinstance(a[0]["id"], int)
      and a[0]["parent"]["binary"].endswith("bash"), a)
q = by("www.zone.test", "AAAA")
check("dns-aaaa-event", len(q) == 1 and q[0]["answers"] == [{"addr": "2001:db8::8", "ttl": 123}], q)
t = by("tcp.zone.test", "A")
check("dns-tcp-event", len(t) == 1 and t[0]["protocol"] == "TCP" and t[0]["answers"][0]["addr"] == "192.0.2.7", t)
n = by("nope.nx.test", "A")
check("dns-nxdomain-event", len(n) == 1 and n[0]["rcode"] == "NXDOMAIN" and n[0]["answers"] == [], n)
b = by("x.blocked.test", "A")
check("dns-blocked-event", len(b) >= 1 and all(e.get("blocked") and e["action"] == "KPROBE_ACTION_OVERRIDE" for e in b), b)
g = [e for e in dns if e["name"] == "www.zone.test" and e["process"]["binary"].endswith("netl7_client")]
check("dns-getaddrinfo-events", sorted(e["type"] for e in g) == ["A", "AAAA"] and all(e.get("rcode") == "NOERROR" for e in g), g)
gb = [e for e in dns if e["name"] == "evil.blocked.test"]
check("dns-getaddrinfo-blocked-event", gb and all(e.get("blocked") for e in gb), gb)
v6 = [e for e in dns if e["server"] == {"addr": "::1", "port": 53}]
check("dns-ipv6-event", len(v6) == 1 and v6[0]["type"] == "AAAA" and v6[0]["answers"] == [{"addr": "2001:db8::8", "ttl": 123}]
      and v6[0]["client"]["addr"] == "::1", v6)
m = re.findall(r"dns_malformed=(\d+)", open(d + "/l7.log").read())
check("dns-malformed-counted", m and max(int(x) for x in m) >= 3 and not [e for e in dns if e["id"] == 0x5151], m)
check("dns-other-names-not-posted", not [e for e in dns if e["name"].endswith(".example")], "")
h = [e for e in http if e["host"] == "web.test" and e["process"]["binary"].endswith("curl") and not e["path"].startswith("/admin")]
check("http-keepalive-events", [e["path"] for e in h] == ["/a.txt", "/missing", "/a.txt?q=2"]
      and [e.get("status") for e in h] == [200, 404, 200] and all(e["method"] == "GET" for e in h)
      and h[0]["client"] == h[1]["client"] and all(int(e["latency_ns"]) > 0 for e in h)
      and h[0]["policy_name"] == "e2e-net-http", h)
pp = [e for e in http if e["host"] == "pipe.test"]
check("http-pipelined-events", [(e["method"], e["path"], e.get("status")) for e in pp] ==
      [("GET", "/a.txt?pipe=1", 200), ("HEAD", "/missing?pipe=2", 404)] and open(d + "/pipe").read().strip() == "2", pp)
k = [e for e in http if e["path"].startswith("/admin")]
# the segment is dropped until the loader has killed the client: its
# retransmissions may post again
check("http-sigkill-event", len(k) >= 1 and all(e["action"] == "KPROBE_ACTION_SIGKILL" for e in k), k)
ld = [e for e in dns if e["name"] == "load.zone.test"]
lh = [e for e in http if e["host"] == "load.test"]
ans_d = int(open(d + "/ldns").read().split()[3]); ans_h = int(open(d + "/lhttp").read().split()[3])
secs_d = float(open(d + "/ldns").read().split()[5]); secs_h = float(open(d + "/lhttp").read().split()[5])
check("load-dns-%d-accounted" % nq, ans_d == nq and len(ld) + lost >= nq and sum(1 for e in ld if e.get("rcode") == "NOERROR") + lost >= nq,
      (len(ld), lost, ans_d))
check("load-http-%d-accounted" % nq, ans_h == nq and len(lh) + lost >= nq and sum(1 for e in lh if e.get("status") == 200) + lost >= nq,
      (len(lh), lost, ans_h))
out = subprocess.run([sys.executable, sys.argv[4] + "/check.py", sys.argv[4] + "/events.schema.json", d + "/l7.json"],
                     capture_output=True, text=True)
check("json-schema", out.returncode == 0, out.stdout + out.stderr)
print("  load through tpc-loader: %d dns events in %.2f s (%.0f/s), %d http events in %.2f s (%.0f/s), %d lost" %
      (len(ld), secs_d, len(ld) / max(secs_d, 1e-9), len(lh), secs_h, len(lh) / max(secs_h, 1e-9), lost))
PY
