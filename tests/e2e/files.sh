#!/bin/bash
# File observation by canonical path on this kernel: sys_exit_openat's fd is
# resolved to the file's path in BPF, so `cat /etc/hostname`,
# `cd /etc && cat hostname`, `cat //etc///hostname` and a symlink all
# report /etc/hostname, and files outside /etc are not reported.
source "$(dirname "$0")/lib.sh"
need_bpf files
command -v setpriv >/dev/null || { skip files "setpriv (util-linux) missing"; exit 0; }

"$TPC" build "$E2E_ROOT/tests/e2e/policies/etc-opens.yaml" -o "$E2E_TMP/f.bpf.o" ||
	{ fail files/build; exit 0; }
start_loader files "$E2E_TMP/f.bpf.o" || { fail files/loader-start; exit 0; }
chmod 755 "$E2E_TMP"
ln -s /etc/hostname "$E2E_TMP/hn-link"
echo data >"$E2E_TMP/outside"
chmod 644 "$E2E_TMP/outside"
as_test() { setpriv --reuid 4243 --regid 4243 --clear-groups "$@"; }
as_test cat /etc/hostname >/dev/null
(cd /etc && as_test cat hostname >/dev/null)
as_test cat //etc///hostname >/dev/null
as_test cat "$E2E_TMP/hn-link" >/dev/null
as_test cat "$E2E_TMP/outside" >/dev/null
stop_loader
python3 - "$E2E_TMP/files.json" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
tp = [e["process_tracepoint"] for e in evs if "process_tracepoint" in e]
cats = [e for e in tp if e["process"]["binary"] == "/usr/bin/cat"]
def path(e):
    a = e["args"][0]
    return next(iter(a.values())).get("path") if isinstance(next(iter(a.values())), dict) else next(iter(a.values()))
paths = [path(e) for e in cats]
args = [e["process"]["arguments"] for e in cats]
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "files/" + name)
    if not ok: print("  " + why, file=sys.stderr)
for arg, nm in (("/etc/hostname", "absolute"), ("hostname", "relative"),
                ("//etc///hostname", "slashes"), ("hn-link", "symlink")):
    # cat also opens /etc/ld.so.cache etc.; the file it was asked for must
    # be reported exactly once, under its canonical name
    hits = [p for p, a in zip(paths, args) if (a == arg or a.endswith("/" + arg) and arg == "hn-link") and "hostname" in p]
    check(nm, hits == ["/etc/hostname"], "%s: %r (all: %r)" % (arg, hits, list(zip(args, paths))))
check("only-under-etc", all(p.startswith("/etc/") for p in paths), repr(paths))
check("outside-not-reported", not any("outside" in p for p in paths), repr(paths))
check("policy-name", all(e["policy_name"] == "etc-opens" for e in tp), "")
PY
