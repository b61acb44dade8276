#!/bin/bash
# stdlib-policies/file: the whole group is built as one fused object and
# loaded (all observe policies); each policy is triggered by a process this
# test starts and checked by policy_name, action and the reported path, and
# a benign twin (a public key, an unrelated file) must not be reported.
# Writes "under /etc" happen inside a private mount namespace with a tmpfs
# mounted on /etc, so the host's /etc (and its ld.so.preload) is never
# touched; the kernel still resolves those files to /etc/... .
source "$(dirname "$0")/lib.sh"
need_bpf stdlib_file
source "$E2E_ROOT/tests/e2e/lib/stdlib.sh"
mapfile -t POLICIES < <(stdlib_group file)
"$TPC" build "${POLICIES[@]}" -o "$E2E_TMP/file.bpf.o" 2>"$E2E_TMP/build.err" ||
	{ fail stdlib_file/build "$(cat "$E2E_TMP/build.err")"; exit 0; }
pass stdlib_file/build
H=$E2E_TMP/home
mkdir -p "$H/.ssh" "$H/.aws"
echo key >"$H/.ssh/id_ed25519"
echo pub >"$H/.ssh/id_ed25519.pub"
echo creds >"$H/.aws/credentials"
echo cfg >"$H/.aws/notes"
for f in .bash_history .zsh_history .python_history notes notes2; do echo x >"$H/$f"; done
start_loader file "$E2E_TMP/file.bpf.o" || { fail stdlib_file/loader-start; exit 0; }
grep -q "ready.* 1 object attached" "$E2E_TMP/file.log" && pass stdlib_file/loaded ||
	fail stdlib_file/loaded "$(cat "$E2E_TMP/file.log")"
PIDS=$E2E_TMP/pids
: >"$PIDS"
run() { # run TAG CMD...: run CMD in the background, record TAG, pid, status
	"${@:2}" >/dev/null 2>&1 &
	local p=$!
	wait $p
	echo "$1 $p $?" >>"$PIDS"
}
run shadow cat /etc/shadow
run shadow-rel sh -c 'cd /etc && exec cat ./shadow'
run passwd cat /etc/passwd
run key cat "$H/.ssh/id_ed25519"
run pub cat "$H/.ssh/id_ed25519.pub"
run aws cat "$H/.aws/credentials"
run aws-notes cat "$H/.aws/notes"
run rm-hist rm "$H/.bash_history"
run trunc-hist sh -c ": > '$H/.zsh_history'"
run truncate-hist python3 -c "import os; os.truncate('$H/.python_history', 0)"
run rm-notes rm "$H/notes"
run trunc-notes sh -c ": > '$H/notes2'"
run write-tmp sh -c "echo data > '$E2E_TMP/plain'"
if unshare -m true 2>/dev/null; then
	# pid of the writer = the unshare process itself (it execs sh, which
	# performs the writes with builtins)
	run etc-ns unshare -m sh -c '
		mount -t tmpfs tpc-stdlib /etc || exit 9
		echo data > /etc/tpc-stdlib-test
		echo > /etc/ld.so.preload
		echo > /etc/tpc-new-preload
		exec python3 -c "import os; os.rename(\"/etc/tpc-new-preload\", \"/etc/ld.so.preload\")"'
	# a pod's service-account token, on a tmpfs over /run in a private
	# mount namespace (the host's /run is not touched)
	run sa-token unshare -m sh -c '
		mount -t tmpfs tpc-stdlib /run || exit 9
		d=/run/secrets/kubernetes.io/serviceaccount
		mkdir -p $d/..2026_01_01 && echo tok > $d/..2026_01_01/token &&
			ln -s ..2026_01_01/token $d/token || exit 8
		exec cat /var/run/secrets/kubernetes.io/serviceaccount/token'
else
	skip stdlib_file/system-dir-writes "unshare -m not permitted"
fi
stop_loader
python3 - "$E2E_TMP/file.json" "$PIDS" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
runs = {}
for l in open(sys.argv[2]):
    tag, pid, rc = l.split()
    runs[tag] = (int(pid), int(rc))
def body(e):
    return next(iter(e.values()))
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "stdlib_file/" + name)
    if not ok: print("  " + str(why)[:3000], file=sys.stderr)
def argval(b):
    vals = []
    for a in b.get("args", []):
        for v in a.values():
            vals.append(v.get("path") if isinstance(v, dict) else v)
    return vals
def hits(policy, tag):
    pid = runs[tag][0]
    return [b for b in (body(e) for e in evs) if b.get("policy_name") == policy
            and b["process"]["pid"] == pid]
def post(policy, tag, path):
    h = hits(policy, tag)
    return any(b["action"] == "KPROBE_ACTION_POST" and path in argval(b) for b in h), h
def none(policy, tag):
    h = hits(policy, tag)
    return not h, h
check("shadow-reads/absolute", *post("shadow-reads", "shadow", "/etc/shadow"))
check("shadow-reads/relative", *post("shadow-reads", "shadow-rel", "/etc/shadow"))
check("shadow-reads/passwd-not-reported", *none("shadow-reads", "passwd"))
H = sys.argv[1].rsplit("/", 1)[0] + "/home"
check("ssh-private-keys/event", *post("ssh-private-keys", "key", H + "/.ssh/id_ed25519"))
check("ssh-private-keys/pub-not-reported", *none("ssh-private-keys", "pub"))
check("cloud-credentials/event", *post("cloud-credentials", "aws", H + "/.aws/credentials"))
check("cloud-credentials/other-not-reported", *none("cloud-credentials", "aws-notes"))
def hist(tag, suffix):
    h = hits("history-tampering", tag)
    return any(b["action"] == "KPROBE_ACTION_POST" and any(str(v).endswith(suffix) for v in argval(b)) for b in h), h
check("history-tampering/unlink", *hist("rm-hist", "/.bash_history"))
check("history-tampering/o-trunc", *hist("trunc-hist", "/.zsh_history"))
check("history-tampering/truncate", *hist("truncate-hist", "/.python_history"))
check("history-tampering/other-rm-not-reported", *none("history-tampering", "rm-notes"))
check("history-tampering/other-trunc-not-reported", *none("history-tampering", "trunc-notes"))
check("system-dir-writes/tmp-not-reported", *none("system-dir-writes", "write-tmp"))
if "etc-ns" in runs:
    check("etc-ns-ran", runs["etc-ns"][1] == 0, runs["etc-ns"])
    check("cloud-credentials/sa-token-ran", runs["sa-token"][1] == 0, runs["sa-token"])
    check("cloud-credentials/sa-token", *post("cloud-credentials", "sa-token",
          "/run/secrets/kubernetes.io/serviceaccount/..2026_01_01/token"))
    check("system-dir-writes/event", *post("system-dir-writes", "etc-ns", "/etc/tpc-stdlib-test"))
    lp = hits("ld-so-preload", "etc-ns")
    msgs = sorted(set(b.get("message", "") for b in lp))
    check("ld-so-preload/write", any("/etc/ld.so.preload" in argval(b) for b in lp), lp)
    check("ld-so-preload/o-trunc", any("truncated" in m for m in msgs), msgs)
    check("ld-so-preload/rename", any("renamed" in m for m in msgs), msgs)
    check("ld-so-preload/other-file-not-reported",
          not any("/etc/tpc-stdlib-test" in argval(b) or "/etc/tpc-new-preload" in argval(b) for b in lp
                  if "written" in b.get("message", "")), lp)
PY
