#!/bin/bash
# stdlib-policies/process: the whole group is built as one fused object and
# loaded; each policy is triggered by a process this test starts (nc, a copy
# of true under /tmp, a memfd exec, su run by a test uid, a CGI request to a
# web server whose shell script runs /bin/sh, an unlinked binary executed
# through its descriptor, dpkg in a new pid namespace) and a benign twin that
# must not be reported. The enforcing policies only act on netcat-family
# binaries and on shells whose parent is a web server, which nothing on the
# CI host needs during these few seconds (the seed test does the same).
source "$(dirname "$0")/lib.sh"
need_bpf stdlib_process
source "$E2E_ROOT/tests/e2e/lib/stdlib.sh"
mapfile -t POLICIES < <(stdlib_group process)
"$TPC" build "${POLICIES[@]}" -o "$E2E_TMP/proc.bpf.o" 2>"$E2E_TMP/build.err" ||
	{ fail stdlib_process/build "$(cat "$E2E_TMP/build.err")"; exit 0; }
pass stdlib_process/build
start_loader proc "$E2E_TMP/proc.bpf.o" || { fail stdlib_process/loader-start; exit 0; }
grep -q "ready.* 1 object attached" "$E2E_TMP/proc.log" && pass stdlib_process/loaded ||
	fail stdlib_process/loaded "$(cat "$E2E_TMP/proc.log")"
chmod 755 "$E2E_TMP"
UID_T=4501
as_test() { setpriv --reuid $UID_T --regid $UID_T --clear-groups "$@"; }
PIDS=$E2E_TMP/pids
: >"$PIDS"
run() { # run TAG CMD...: start CMD in the background, record TAG=pid and exit status
	"${@:2}" >/dev/null 2>&1 &
	local p=$!
	wait $p
	echo "$1 $p $?" >>"$PIDS"
}
if command -v nc.openbsd >/dev/null; then
	run nc nc -h
else
	skip stdlib_process/reverse-shell "netcat-openbsd not installed"
fi
cp /usr/bin/true "$E2E_TMP/dropper"
run tmp-exec "$E2E_TMP/dropper"
run true-exec /usr/bin/true
run memfd python3 -c '
import os
fd = os.memfd_create("tpc-stdlib", 0)
os.write(fd, open("/usr/bin/true", "rb").read())
os.execve(fd, ["x"], {})'
run su as_test /usr/bin/su --help
run nosu as_test /usr/bin/id

# web-server-shell: a real web server (python3's http.server with CGI) runs a
# /bin/sh CGI script for each request. The "nginx" is a copy of python3 at
# /usr/sbin/nginx, placed on a tmpfs over /usr/sbin in a private mount
# namespace, so the kernel resolves the server's executable to that
# canonical path exactly as it would for a real nginx. Its look-alike is
# the same copy at $E2E_TMP/nginx (same comm "nginx", another path): its
# CGI shell must run and not be reported.
mkdir -p "$E2E_TMP/www/cgi-bin"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho tpc-cgi-ran\n' >"$E2E_TMP/www/cgi-bin/run.sh"
chmod 755 "$E2E_TMP/www" "$E2E_TMP/www/cgi-bin" "$E2E_TMP/www/cgi-bin/run.sh"
cp "$(readlink -f /usr/bin/python3)" "$E2E_TMP/nginx"
SRV=()
# serve PORT NGINX-PATH [unshare...]: start the server, wait until it answers
serve() {
	local port=$1 bin=$2
	shift 2
	"$@" sh -c 'exec "$0" -m http.server --cgi --bind 127.0.0.1 --directory "$1" "$2"' \
		"$bin" "$E2E_TMP/www" "$port" >"$E2E_TMP/srv.$port.log" 2>&1 &
	SRV+=($!)
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
		sleep 0.05
	done
	return 1
}
P1=$((20000 + RANDOM % 20000))
P2=$((P1 + 1))
if ! python3 -c 'import http.server; http.server.CGIHTTPRequestHandler' 2>/dev/null; then
	skip stdlib_process/web-server-shell "python3 without http.server CGI (removed in 3.15)"
elif serve $P1 /usr/sbin/nginx unshare -m --propagation private \
	sh -c 'mount -t tmpfs tpc-stdlib /usr/sbin && cp "$0" /usr/sbin/nginx && exec "$@"' "$E2E_TMP/nginx" &&
	serve $P2 "$E2E_TMP/nginx"; then
	curl -s -m 5 "http://127.0.0.1:$P1/cgi-bin/run.sh" >"$E2E_TMP/cgi.server" 2>&1
	curl -s -m 5 "http://127.0.0.1:$P2/cgi-bin/run.sh" >"$E2E_TMP/cgi.lookalike" 2>&1
	echo "srv ${SRV[0]} 0" >>"$PIDS"
	echo "lookalike ${SRV[1]} 0" >>"$PIDS"
else
	fail stdlib_process/web-server-shell/server-start "$(cat "$E2E_TMP"/srv.*.log)"
fi
sh -c 'exec /bin/sh -c true' & # the same shell, parent bash: not reported
echo "bash-sh $! 0" >>"$PIDS"
wait $!

# deleted-binary-exec: a copy of true opened, unlinked, then executed
# through its descriptor (fexecve) and through /proc/self/fd/N
DEL='
import os, shutil, sys
p = sys.argv[1]
shutil.copy("/usr/bin/true", p)
fd = os.open(p, os.O_RDONLY)
os.unlink(p)
if sys.argv[2] == "fd":
    os.execve(fd, ["x"], {})
os.set_inheritable(fd, True)
os.execv("/proc/self/fd/%d" % fd, ["x"])'
run del-fd python3 -c "$DEL" "$E2E_TMP/payload1" fd
run del-proc python3 -c "$DEL" "$E2E_TMP/payload2" proc

# package-manager-in-container: the real dpkg in a new pid (and mount)
# namespace, and on the host
run pm-ns unshare --pid --fork --mount --mount-proc /usr/bin/dpkg --version
run pm-host /usr/bin/dpkg --version
stop_loader
for p in "${SRV[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
python3 - "$E2E_TMP/proc.json" "$PIDS" "$E2E_TMP" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
runs = {}
for l in open(sys.argv[2]):
    tag, pid, rc = l.split()
    runs[tag] = (int(pid), int(rc))
def body(e):
    return next(iter(e.values()))
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "stdlib_process/" + name)
    if not ok: print("  " + str(why)[:2000], file=sys.stderr)
def evs_of(policy, binary=None, uid=None):
    out = []
    for e in evs:
        b = body(e)
        if b.get("policy_name") != policy: continue
        if binary and not b["process"]["binary"].startswith(binary): continue
        if uid is not None and b["process"].get("uid") != uid: continue
        out.append(b)
    return out
if "nc" in runs:
    pid, rc = runs["nc"]
    check("block-netcat/killed", rc == 137, rc)
    k = [b for b in evs_of("block-netcat") if b["process"]["pid"] == pid]
    check("block-netcat/event", k and k[0]["action"] == "KPROBE_ACTION_SIGKILL", k)
    o = evs_of("reverse-shell-tools", "/usr/bin/nc.openbsd")
    check("reverse-shell-tools/event", o and o[0]["action"] == "KPROBE_ACTION_POST", o)
    o = evs_of("reverse-shell-tools-kill", "/usr/bin/nc.openbsd")
    check("reverse-shell-tools-kill/event", o and o[0]["action"] == "KPROBE_ACTION_SIGKILL", o)
t = evs_of("exec-from-writable-dirs")
check("exec-from-writable-dirs/event", any(b["process"]["binary"].endswith("/dropper") and b["action"] == "KPROBE_ACTION_POST" for b in t), t)
check("exec-from-writable-dirs/not-usr-bin", not any(b["process"]["binary"] == "/usr/bin/true" for b in t), t)
check("exec-from-writable-dirs/ran", runs["tmp-exec"][1] == 0, runs["tmp-exec"])
m = evs_of("fileless-exec")
check("fileless-exec/event", any(b["process"]["pid"] == runs["memfd"][0] for b in m), m)
check("fileless-exec/path-exec-not-reported", not any(b["process"]["pid"] in (runs["true-exec"][0], runs["tmp-exec"][0]) for b in m), m)
s = evs_of("setuid-root-exec", uid=4501)
check("setuid-root-exec/event", any(b["process"]["binary"] == "/usr/bin/su" for b in s), s)
check("setuid-root-exec/not-id", not any(b["process"]["binary"] == "/usr/bin/id" for b in s), s)
def parent_is(b, pid):
    return (b.get("parent") or {}).get("pid") == pid
if "srv" in runs:
    out = open(sys.argv[3] + "/cgi.server").read()
    w = [b for b in evs_of("web-server-shell") if parent_is(b, runs["srv"][0])]
    check("web-server-shell/event", any(b["process"]["binary"] == "/usr/bin/dash" and
          b["parent"]["binary"] == "/usr/sbin/nginx" and b["action"] == "KPROBE_ACTION_POST" for b in w), w)
    k = [b for b in evs_of("web-server-shell-kill") if parent_is(b, runs["srv"][0])]
    check("web-server-shell-kill/event", any(b["action"] == "KPROBE_ACTION_SIGKILL" for b in k), k)
    check("web-server-shell-kill/shell-killed", "tpc-cgi-ran" not in out, out)
    look = open(sys.argv[3] + "/cgi.lookalike").read()
    check("web-server-shell/lookalike-ran", "tpc-cgi-ran" in look, look)
    lw = [b for b in evs_of("web-server-shell") + evs_of("web-server-shell-kill")
          if parent_is(b, runs["lookalike"][0])]
    check("web-server-shell/lookalike-not-reported", not lw, lw)
bw = [b for b in evs_of("web-server-shell") + evs_of("web-server-shell-kill")
      if b["process"]["pid"] == runs["bash-sh"][0]]
check("web-server-shell/bash-child-not-reported", not bw, bw)
d = evs_of("deleted-binary-exec")
for tag in ("del-fd", "del-proc"):
    check("deleted-binary-exec/event-" + tag[4:], any(b["process"]["pid"] == runs[tag][0] for b in d), d)
check("deleted-binary-exec/normal-exec-not-reported",
      not any(b["process"]["pid"] in (runs["tmp-exec"][0], runs["true-exec"][0]) for b in d), d)
check("deleted-binary-exec/memfd-reported", any(b["process"]["pid"] == runs["memfd"][0] for b in d), d)
pm = evs_of("package-manager-in-container")
check("package-manager-in-container/event",
      any(b["process"]["binary"] == "/usr/bin/dpkg" and parent_is(b, runs["pm-ns"][0]) for b in pm), pm)
check("package-manager-in-container/host-not-reported",
      not any(b["process"]["pid"] == runs["pm-host"][0] for b in pm), pm)
PY
