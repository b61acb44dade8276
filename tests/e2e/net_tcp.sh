#!/bin/bash
# tpcNetwork tcp on this kernel, with real servers and clients on loopback
# (127.0.0.1 and ::1, ports 47311-47317; nothing else is contacted):
# connect/accept/listen/close events with the 4-tuple, the owning process
# and byte counts equal to what the test sent and received; connections no
# selector matches produce no event; Block makes connect() fail with EPERM
# (and posts), also through a v4-mapped IPv6 socket; Sigkill kills the
# connecting process; rateLimit posts once; matchBinaries sees the owner (curl).
source "$(dirname "$0")/lib.sh"
need_bpf net_tcp

"$TPC" build "$E2E_ROOT/tests/e2e/policies/net-tcp.yaml" -o "$E2E_TMP/net.bpf.o" ||
	{ fail net_tcp/build; exit 0; }
start_loader net "$E2E_TMP/net.bpf.o" || { fail net_tcp/loader-start; exit 0; }
grep -q "tpc_p0_connect4" "$E2E_TMP/net.log" && grep -q "tpc_net_sock_create" "$E2E_TMP/net.log" &&
	pass net_tcp/attached-cgroup-and-tp_btf || fail net_tcp/attached-cgroup-and-tp_btf

# peer.py: a server (accepts one connection, reads N bytes, waits, answers
# M bytes, closes) or a client (connects, sends N, reads to EOF, closes);
# prints what it saw as one JSON line.
cat >"$E2E_TMP/peer.py" <<'PY'
import json, socket, sys, time
role, fam, port, n, m = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
af, host = (socket.AF_INET6, "::1") if fam == "6" else (socket.AF_INET, "127.0.0.1")
out = {"role": role, "pid": __import__("os").getpid()}
if role == "server":
    s = socket.socket(af, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port)); s.listen(4); s.settimeout(10)
    print("listening", flush=True)
    c, peer = s.accept()
    got = 0
    while got < n:
        d = c.recv(65536)
        if not d: break
        got += len(d)
    time.sleep(0.3)  # the connection lives at least this long
    c.sendall(b"y" * m)
    c.close(); s.close()
    out.update(received=got, peer_port=peer[1])
else:
    c = socket.socket(af, socket.SOCK_STREAM)
    c.settimeout(10)
    try:
        c.connect((host, port))
    except OSError as e:
        out.update(errno=e.errno); print(json.dumps(out)); sys.exit(0)
    out.update(local_port=c.getsockname()[1])
    c.sendall(b"x" * n)
    got = 0
    while True:
        d = c.recv(65536)
        if not d: break
        got += len(d)
    c.close()
    out.update(received=got, errno=0)
print(json.dumps(out), flush=True)
PY

python3 - "$E2E_TMP" <<'PY'
import json, os, signal, socket, subprocess, sys, time
T = sys.argv[1]
peer = [sys.executable, os.path.join(T, "peer.py")]
res = {}
def pair(name, fam, port, n, m):
    srv = subprocess.Popen(peer + ["server", fam, str(port), str(n), str(m)], stdout=subprocess.PIPE, text=True)
    assert srv.stdout.readline().strip() == "listening"
    cli = subprocess.run(peer + ["client", fam, str(port), str(n), str(m)], capture_output=True, text=True, timeout=20)
    s_out = srv.stdout.read(); srv.wait(timeout=20)
    res[name] = {"server": json.loads(s_out), "client": json.loads(cli.stdout)}
def listener(fam, port):
    af, host = (socket.AF_INET6, "::1") if fam == "6" else (socket.AF_INET, "127.0.0.1")
    s = socket.socket(af, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port)); s.listen(16)
    return s
pair("v4", "4", 47311, 12345, 6789)
try:
    pair("v6", "6", 47316, 1000, 2000)
except OSError as e:
    res["v6_skip"] = str(e)
# not matched by any selector: a full exchange on 47312
pair("other", "4", 47312, 100, 100)
# blocked: a listener exists, connect() must still fail
l3 = listener("4", 47313)
res["block"] = json.loads(subprocess.run(peer + ["client", "4", "47313", "1", "0"], capture_output=True, text=True, timeout=20).stdout)
# the same destination through an IPv6 socket (::ffff:127.0.0.1)
try:
    m = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    m.settimeout(5)
    try:
        m.connect(("::ffff:127.0.0.1", 47313)); res["block_mapped"] = {"errno": 0}
    except OSError as e:
        res["block_mapped"] = {"errno": e.errno}
    m.close()
except OSError as e:
    res["block_mapped"] = {"skip": str(e)}
# killed: the connecting process dies of SIGKILL
l4 = listener("4", 47314)
k = subprocess.run(peer + ["client", "4", "47314", "1", "0"], capture_output=True, text=True, timeout=20)
res["kill"] = {"rc": k.returncode}
# rate-limited: three connects from one process, one event
l5 = listener("4", 47315)
rl = subprocess.run([sys.executable, "-c", """
import socket
for _ in range(3):
    c = socket.socket(); c.connect(("127.0.0.1", 47315)); c.close()
print(__import__("os").getpid())
"""], capture_output=True, text=True, timeout=20)
res["rl_pid"] = int(rl.stdout.strip() or 0)
# matchBinaries on the owner: curl's connection posts, python's does not
if os.path.exists("/usr/bin/curl"):
    web = subprocess.Popen([sys.executable, "-m", "http.server", "47317", "--bind", "127.0.0.1"],
                           cwd=T, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", 47317), timeout=1).close(); break
        except OSError:
            time.sleep(0.1)
    cu = subprocess.run(["/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:47317/peer.py"],
                        capture_output=True, text=True, timeout=20)
    res["curl"] = {"code": cu.stdout}
    web.terminate(); web.wait(timeout=10)
json.dump(res, open(os.path.join(T, "res.json"), "w"))
PY
sleep 0.5
stop_loader

python3 - "$E2E_TMP/net.json" "$E2E_TMP/res.json" "$E2E_ROOT/tests/e2e/schema" <<'PY'
import errno, json, subprocess, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
res = json.load(open(sys.argv[2]))
tcp = [e["network_tcp"] for e in evs if "network_tcp" in e and e["network_tcp"]["policy_name"] == "netcore-tcp-e2e"]
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "net_tcp/" + name)
    if not ok:
        print("  %s" % why, file=sys.stderr)
def find(event, pid, sport=None, dport=None):
    return [e for e in tcp if e["event"] == event and e["process"]["pid"] == pid
            and (sport is None or e["socket"]["sport"] == sport)
            and (dport is None or e["socket"]["dport"] == dport)]
def lifecycle(tag, port, fam):
    r = res[tag]; srv, cli = r["server"], r["client"]
    addr = "::1" if fam == "AF_INET6" else "127.0.0.1"
    check(tag + "/client-ok", cli.get("errno") == 0, r)
    lst = find("LISTEN", srv["pid"], sport=port)
    check(tag + "/listen-event", len(lst) == 1, lst)
    con = find("CONNECT", cli["pid"], sport=cli["local_port"], dport=port)
    check(tag + "/connect-event-4-tuple", len(con) == 1 and con[0]["socket"]["daddr"] == addr
          and con[0]["socket"]["saddr"] == addr and con[0]["socket"]["family"] == fam
          and con[0]["socket"].get("protocol") == "IPPROTO_TCP", con or tcp)
    acc = find("ACCEPT", srv["pid"], sport=port, dport=cli["local_port"])
    check(tag + "/accept-event-listener-process", len(acc) == 1 and acc[0].get("owner") == "listener", acc or tcp)
    cc = find("CLOSE", cli["pid"], sport=cli["local_port"], dport=port)
    n, m = srv["received"], cli["received"]
    check(tag + "/client-close-bytes", len(cc) == 1 and cc[0]["bytes_sent"] == str(n)
          and cc[0]["bytes_received"] == str(m), (n, m, cc))
    sc = find("CLOSE", srv["pid"], sport=port, dport=cli["local_port"])
    check(tag + "/server-close-bytes", len(sc) == 1 and sc[0]["bytes_sent"] == str(m)
          and sc[0]["bytes_received"] == str(n), (n, m, sc))
    if cc:
        d = int(cc[0]["duration_ns"])
        check(tag + "/close-duration", 300_000_000 <= d < 10_000_000_000, d)
    if cc and sc:
        check(tag + "/segments", cc[0]["data_segs_out"] >= 1 and sc[0]["data_segs_in"] >= 1
              and cc[0]["segs_out"] >= cc[0]["data_segs_out"], (cc, sc))
    lc = find("CLOSE", srv["pid"], sport=port, dport=0)
    check(tag + "/listener-close", len(lc) == 1, lc)
    check(tag + "/process-binary", all("python" in e["process"]["binary"] for e in con + acc + cc + sc), con + acc)
lifecycle("v4", 47311, "AF_INET")
if "v6" in res:
    lifecycle("v6", 47316, "AF_INET6")
else:
    print("SKIP net_tcp/v6: no IPv6 loopback (%s)" % res.get("v6_skip"))
check("v4/bytes-as-sent", res["v4"]["server"]["received"] == 12345 and res["v4"]["client"]["received"] == 6789, res["v4"])
other = [e for e in tcp if 47312 in (e["socket"]["sport"], e["socket"]["dport"])]
check("unmatched-port-no-event", res["other"]["client"].get("errno") == 0 and not other, other)
check("block-eperm", res["block"].get("errno") == errno.EPERM, res["block"])
blk = find("CONNECT", res["block"]["pid"], dport=47313)
check("block-event", len(blk) == 1 and blk[0]["action"] == "KPROBE_ACTION_OVERRIDE" and blk[0].get("error") == 1, blk or tcp)
if "skip" in res["block_mapped"]:
    print("SKIP net_tcp/block-v4-mapped-eperm: no dual-stack socket (%s)" % res["block_mapped"]["skip"])
else:
    # DAddr 127.0.0.1 must also hold for ::ffff:127.0.0.1 on an IPv6 socket
    check("block-v4-mapped-eperm", res["block_mapped"].get("errno") == errno.EPERM, res["block_mapped"])
if "curl" in res:
    cu = [e for e in tcp if e["socket"]["dport"] == 47317]
    check("binary-owner-curl-only", res["curl"]["code"] == "200" and
          sorted(e["event"] for e in cu) == ["CLOSE", "CONNECT"] and
          all(e["process"]["binary"] == "/usr/bin/curl" for e in cu), (res["curl"], cu))
else:
    print("SKIP net_tcp/binary-owner-curl-only: /usr/bin/curl not installed")
check("sigkill-process-killed", res["kill"]["rc"] == -9, res["kill"])
kl = [e for e in tcp if e["socket"]["dport"] == 47314 and e["action"] == "KPROBE_ACTION_SIGKILL"]
check("sigkill-event", len(kl) == 1 and kl[0]["event"] == "CONNECT", kl or tcp)
rl = [e for e in tcp if e["socket"]["dport"] == 47315]
check("ratelimit-one-of-three", len(rl) == 1 and rl[0]["process"]["pid"] == res["rl_pid"], rl)
out = subprocess.run([sys.executable, sys.argv[3] + "/check.py", sys.argv[3] + "/events.schema.json", sys.argv[1]], capture_output=True, text=True)
check("json-schema", out.returncode == 0, out.stdout + out.stderr)
PY
