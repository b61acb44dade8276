#!/bin/bash
# GetUrl and DnsLookup, performed by tpc-loader (tracepoint
# syscalls/sys_enter_openat on the host). A local HTTP server and a local
# DNS responder (python3, loopback, ports of their own) log what they get.
#   allowed   with --allow-url/--allow-dns the request is made (HTTP GET
#             /allowed, A query allowed.tpc.test); DnsLookup with NoPost
#             still queries but exports no event
#   denied    a destination not allowed is not requested; the loader says
#             once, at load, what it skips
#   rate      with --request-rate 2, six triggers at once make at most the
#             bucket's two requests (+1 for a refill in between)
#   off       without any --allow flag nothing is requested at all
source "$(dirname "$0")/lib.sh"
need_bpf requests
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
cat >"$E2E_TMP/servers.py" <<'PY'
import http.server, socket, socketserver, sys, threading
log = open(sys.argv[1], "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        log.write("http %s\n" % self.path)
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
hs = socketserver.TCPServer(("127.0.0.1", 0), H)
ds = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ds.bind(("127.0.0.1", 0))
with open(sys.argv[2], "w") as f:
    f.write("%d %d\n" % (hs.server_address[1], ds.getsockname()[1]))
threading.Thread(target=hs.serve_forever, daemon=True).start()
while True:
    q, peer = ds.recvfrom(512)
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode()); i += 1 + q[i]
    log.write("dns %s\n" % ".".join(labels))
    # the question, one A answer 127.0.0.1
    a = q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01\x00\x00\x00\x00" + q[12:i + 5]
    a += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01"
    ds.sendto(a, peer)
PY
python3 "$E2E_TMP/servers.py" "$E2E_TMP/hits" "$E2E_TMP/ports" &
SRV=$!
for _ in $(seq 100); do [ -s "$E2E_TMP/ports" ] && break; sleep 0.05; done
read -r HTTP DNS <"$E2E_TMP/ports" || { fail requests/servers "no ports"; kill $SRV; exit 0; }
sed -e "s|@DIR@|$E2E_TMP|g" -e "s/@HTTP@/$HTTP/g" "$E2E_ROOT/tests/e2e/policies/requests.yaml" \
	>"$E2E_TMP/requests.yaml"
"$TPC" build "$E2E_TMP/requests.yaml" -o "$E2E_TMP/requests.bpf.o" 2>"$E2E_TMP/build.err" ||
	{ fail requests/build "$(grep -m1 error: "$E2E_TMP/build.err")"; kill $SRV; exit 0; }
touch "$E2E_TMP/url-allowed" "$E2E_TMP/url-denied" "$E2E_TMP/dns-allowed" "$E2E_TMP/dns-denied"
# tp_events FILE NAME: process_tracepoint events whose argument ends in NAME
tp_events() {
	python3 -c '
import json, sys
n = 0
for l in open(sys.argv[1]):
    tp = json.loads(l).get("process_tracepoint") if l.strip() else None
    if tp and any(str(a.get("string_arg", "")).endswith("/" + sys.argv[2]) for a in tp.get("args", [])):
        n += 1
print(n)' "$@"
}
trig() { for f in "$@"; do cat "$E2E_TMP/$f" >/dev/null; done; }
# wait until the servers saw N lines (requests are made off the event path)
hits_wait() { for _ in $(seq 60); do [ "$(wc -l <"$E2E_TMP/hits")" -ge "$1" ] && return; sleep 0.1; done; }

# --- allowed and denied -------------------------------------------------------
start_loader req "$E2E_TMP/requests.bpf.o" --allow-url "http://127.0.0.1:$HTTP/allowed" \
	--allow-dns allowed.tpc.test --dns-server "127.0.0.1:$DNS" --request-rate 50 ||
	{ fail requests/loader-start; kill $SRV; exit 0; }
trig url-allowed url-denied dns-allowed dns-denied
hits_wait 2
sleep 0.5 # a denied request that would come late
stop_loader
check requests/url-allowed-requested grep -qx "http /allowed" "$E2E_TMP/hits"
check requests/dns-allowed-queried grep -qx "dns allowed.tpc.test" "$E2E_TMP/hits"
check requests/url-denied-not-requested bash -c "! grep -q denied '$E2E_TMP/hits'"
check requests/skip-said-once test "$(grep -c "GetUrl .*denied.* is skipped" "$E2E_TMP/req.log")" = 1
check requests/dns-skip-said test "$(grep -c "DnsLookup .*denied.tpc.test.* is skipped" "$E2E_TMP/req.log")" = 1
check requests/nopost-no-event test "$(tp_events "$E2E_TMP/req.json" dns-allowed)" = 0
check requests/posted-event test "$(tp_events "$E2E_TMP/req.json" url-allowed)" = 1

# --- rate limit ---------------------------------------------------------------
: >"$E2E_TMP/hits"
start_loader rate "$E2E_TMP/requests.bpf.o" --allow-url "http://127.0.0.1:$HTTP/" \
	--request-rate 2 || { fail requests/rate-loader-start; kill $SRV; exit 0; }
trig url-allowed url-allowed url-allowed url-allowed url-allowed url-allowed
hits_wait 2
sleep 1
stop_loader
n=$(grep -c "^http /allowed" "$E2E_TMP/hits")
check requests/rate-limited test "$n" -ge 2 -a "$n" -le 3
check requests/rate-events-all-posted test "$(tp_events "$E2E_TMP/rate.json" url-allowed)" = 6

# --- off by default -----------------------------------------------------------
: >"$E2E_TMP/hits"
start_loader off "$E2E_TMP/requests.bpf.o" --dns-server "127.0.0.1:$DNS" ||
	{ fail requests/off-loader-start; kill $SRV; exit 0; }
trig url-allowed dns-allowed
sleep 1
stop_loader
check requests/off-nothing-requested test ! -s "$E2E_TMP/hits"
check requests/off-skips-said test "$(grep -c "is skipped" "$E2E_TMP/off.log")" = 4
kill $SRV 2>/dev/null
wait $SRV 2>/dev/null
