#!/bin/bash
# DNS and HTTP events from real servers: dnsmasq answering a test zone and
# python3's http.server, in a network namespace this test creates; clients
# (dig, getaddrinfo in netl7_client, curl) run in a cgroup the hand-written
# policy of tests/tools/netl7_test.bpf.c is attached to (Block
# *.blocked.test, Post the rest). Events must match what was asked and
# answered; the blocked lookup fails; 10k queries and 10k requests are all
# accounted for (event or counted loss).
source "$(dirname "$0")/lib.sh"
need_bpf netl7-servers
NL7_TMP=$E2E_TMP
NL7_BUILD=$E2E_ROOT/${BUILD:-build}/tests
source "$(dirname "$0")/lib/netl7.sh"
if ! why=$(nl7_need); then
	skip netl7-servers "$why"
	exit 0
fi
trap 'nl7_down; cleanup_e2e' EXIT
nl7_up || { fail netl7/servers-up "dnsmasq or http.server did not start"; exit 0; }
nl7_attach "$E2E_TMP/ev.json" || { fail netl7/attach "$(cat "$E2E_TMP/ev.json.err")"; exit 0; }

DIG="dig @127.0.0.1 +tries=1 +timeout=2"
nl7_run $DIG +short www.zone.test A >"$E2E_TMP/d1" 2>&1
nl7_run $DIG +short www.zone.test AAAA >"$E2E_TMP/d2" 2>&1
nl7_run $DIG +short +tcp tcp.zone.test A >"$E2E_TMP/d3" 2>&1
nl7_run $DIG nope.nx.test A >"$E2E_TMP/d4" 2>&1
nl7_run $DIG +short x.blocked.test A >"$E2E_TMP/d5" 2>&1
echo "rc=$?" >>"$E2E_TMP/d5"
nl7_run "$NL7_BUILD/netl7_client" gai www.zone.test evil.blocked.test >"$E2E_TMP/gai" 2>&1
nl7_run curl -s -o /dev/null -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
	-H 'Host: web.test' http://127.0.0.1:8080/a.txt http://127.0.0.1:8080/missing \
	"http://127.0.0.1:8080/a.txt?q=2" >"$E2E_TMP/curl" 2>&1

grep -qx 192.0.2.8 "$E2E_TMP/d1" && pass netl7/dig-a-resolves || fail netl7/dig-a-resolves "$(cat "$E2E_TMP/d1")"
grep -qx 2001:db8::8 "$E2E_TMP/d2" && pass netl7/dig-aaaa-resolves || fail netl7/dig-aaaa-resolves
grep -qx 192.0.2.7 "$E2E_TMP/d3" && pass netl7/dig-tcp-resolves || fail netl7/dig-tcp-resolves
grep -q "status: NXDOMAIN" "$E2E_TMP/d4" && pass netl7/dig-nxdomain || fail netl7/dig-nxdomain
grep -q "timed out" "$E2E_TMP/d5" && grep -q "rc=9" "$E2E_TMP/d5" &&
	pass netl7/dig-blocked-times-out || fail netl7/dig-blocked-times-out "$(cat "$E2E_TMP/d5")"
grep -q "^www.zone.test ok .*192.0.2.8" "$E2E_TMP/gai" && grep -q "^evil.blocked.test fail" "$E2E_TMP/gai" &&
	pass netl7/getaddrinfo-resolves-and-blocked-fails || fail netl7/getaddrinfo-resolves-and-blocked-fails "$(cat "$E2E_TMP/gai")"

# load: 10k queries, 10k requests on one keep-alive connection
NQ=${NETL7_LOAD_N:-10000}
nl7_run "$NL7_BUILD/netl7_client" dns 127.0.0.1 "$NQ" load.zone.test >"$E2E_TMP/ldns" 2>&1
nl7_run "$NL7_BUILD/netl7_client" http 127.0.0.1 8080 "$NQ" /a.txt >"$E2E_TMP/lhttp" 2>&1
nl7_detach

python3 - "$E2E_TMP" "$NQ" <<'PY'
import json, sys
d, nq = sys.argv[1], int(sys.argv[2])
evs = [json.loads(l) for l in open(d + "/ev.json") if l.strip()]
stats = [e["stats"] for e in evs if "stats" in e]
dns = [e["network_dns"] for e in evs if "network_dns" in e]
http = [e["network_http"] for e in evs if "network_http" in e]
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "netl7/" + name + ("" if ok else "  # " + str(why)[:300]))
def one(pred):
    m = [e for e in dns if pred(e)]
    return m[0] if len(m) == 1 else None
a = one(lambda e: e["name"] == "www.zone.test" and e["type"] == "A" and e.get("comm") == "dig" or
        e["name"] == "www.zone.test" and e["type"] == "A" and e["client"]["port"] and e.get("protocol") == "UDP" and "isc" in e.get("comm", ""))
a = [e for e in dns if e["name"] == "www.zone.test" and e["type"] == "A"]
check("event-dns-a", a and a[0]["rcode"] == "NOERROR" and a[0]["answers"] == [{"addr": "192.0.2.8", "ttl": 123}]
      and a[0]["server"] == {"addr": "127.0.0.1", "port": 53} and int(a[0]["latency_ns"]) > 0, a[:1])
q = [e for e in dns if e["name"] == "www.zone.test" and e["type"] == "AAAA"]
check("event-dns-aaaa", q and q[0]["answers"] == [{"addr": "2001:db8::8", "ttl": 123}], q[:1])
t = [e for e in dns if e["name"] == "tcp.zone.test"]
check("event-dns-tcp", len(t) == 1 and t[0]["protocol"] == "TCP" and t[0]["answers"][0]["addr"] == "192.0.2.7", t)
n = [e for e in dns if e["name"] == "nope.nx.test"]
check("event-dns-nxdomain", len(n) == 1 and n[0]["rcode"] == "NXDOMAIN" and n[0]["answers"] == [], n)
b = [e for e in dns if e["name"] == "x.blocked.test"]
check("event-dns-blocked", len(b) >= 1 and all(e.get("blocked") for e in b), b)
g = [e for e in dns if e["name"] == "www.zone.test" and e["comm"] == "netl7_client"]
check("event-getaddrinfo-a-and-aaaa", sorted(e["type"] for e in g) == ["A", "AAAA"] and all(e.get("rcode") == "NOERROR" for e in g), g)
gb = [e for e in dns if e["name"] == "evil.blocked.test"]
check("event-getaddrinfo-blocked", gb and all(e.get("blocked") for e in gb), gb)
ids_ok = all(isinstance(e["id"], int) for e in dns)
check("event-dns-ids", ids_ok)
h = [e for e in http if e["host"] == "web.test"]
paths = [e["path"] for e in h]
check("event-http-keepalive", paths == ["/a.txt", "/missing", "/a.txt?q=2"] and [e["status"] for e in h] == [200, 404, 200]
      and all(e["method"] == "GET" and e["server"]["port"] == 8080 for e in h) and h[0]["client"] == h[1]["client"], h)
st = stats[0] if stats else {}
ld = [e for e in dns if e["name"] == "load.zone.test"]
lh = [e for e in http if e["host"] == "load.test"]
lost = st.get("rb_drops", -1) + st.get("expired", 0) + st.get("evicted", 0)
ans_d = int(open(d + "/ldns").read().split()[3])
ans_h = int(open(d + "/lhttp").read().split()[3])
check("load-dns-10k-accounted", ans_d == nq and len(ld) + st.get("rb_drops", 0) >= nq and
      sum(1 for e in ld if e.get("rcode") == "NOERROR") + lost >= nq, (len(ld), st, ans_d))
check("load-http-10k-accounted", ans_h == nq and len(lh) + st.get("rb_drops", 0) >= nq and
      sum(1 for e in lh if e.get("status") == 200) + lost >= nq, (len(lh), st, ans_h))
check("no-malformed-on-real-traffic", st.get("dns_malformed") == 0 and st.get("http_malformed") == 0 and st.get("pkt_malformed") == 0, st)
secs_d = float(open(d + "/ldns").read().split()[5]); secs_h = float(open(d + "/lhttp").read().split()[5])
print("  load: %d dns events in %.2f s (%.0f/s), %d http events in %.2f s (%.0f/s), rb_drops %d" %
      (len(ld), secs_d, len(ld) / secs_d, len(lh), secs_h, len(lh) / secs_h, st.get("rb_drops", -1)))
PY
