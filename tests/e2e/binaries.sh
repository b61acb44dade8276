#!/bin/bash
# matchBinaries semantics on the canonical path of the executed file:
# a NotIn allow-list lets the real binary run (also through a symlink) and
# kills a renamed copy of it; scoped to a test uid so nothing else is hit.
source "$(dirname "$0")/lib.sh"
need_bpf binaries
command -v setpriv >/dev/null || { skip binaries "setpriv (util-linux) missing"; exit 0; }

"$TPC" build "$E2E_ROOT/tests/e2e/policies/allow-only-cat.yaml" -o "$E2E_TMP/a.bpf.o" ||
	{ fail binaries/build; exit 0; }
start_loader bin "$E2E_TMP/a.bpf.o" || { fail binaries/loader-start; exit 0; }
mkdir -p "$E2E_TMP/x" && chmod 755 "$E2E_TMP" "$E2E_TMP/x"
cp /usr/bin/cat "$E2E_TMP/x/mycat"
ln -s /usr/bin/cat "$E2E_TMP/x/catlink"
as_test() { setpriv --reuid 4242 --regid 4242 --clear-groups "$@"; }

[ "$(status_of as_test /usr/bin/cat /etc/hostname)" = 0 ] && pass binaries/allowed-runs ||
	fail binaries/allowed-runs
[ "$(status_of as_test "$E2E_TMP/x/catlink" /etc/hostname)" = 0 ] &&
	pass binaries/allowed-through-symlink || fail binaries/allowed-through-symlink
[ "$(status_of as_test "$E2E_TMP/x/mycat" /etc/hostname)" = 137 ] &&
	pass binaries/renamed-copy-killed || fail binaries/renamed-copy-killed
[ "$(status_of as_test /usr/bin/id)" = 137 ] && pass binaries/other-binary-killed ||
	fail binaries/other-binary-killed
# root (uid 0) is outside the policy's scope
[ "$(status_of "$E2E_TMP/x/mycat" /etc/hostname)" = 0 ] && pass binaries/other-uid-untouched ||
	fail binaries/other-uid-untouched
stop_loader
python3 - "$E2E_TMP/bin.json" <<'PY' && pass binaries/events || fail binaries/events
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
tp = [e["process_tracepoint"] for e in evs if "process_tracepoint" in e]
bins = sorted({e["process"]["binary"] for e in tp})
assert any(b.endswith("/x/mycat") for b in bins), bins
assert "/usr/bin/id" in bins, bins
assert "/usr/bin/cat" not in bins, bins
for e in tp:
    assert e["policy_name"] == "allow-only-cat" and e["action"] == "KPROBE_ACTION_SIGKILL", e
    assert e["subsys"] == "sched" and e["event"] == "sched_process_exec", e
PY
