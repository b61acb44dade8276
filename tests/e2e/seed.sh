#!/bin/bash
# The seed block-netcat policy, end to end: tpc build -> tpc-loader ->
# nc is killed before it runs however it is invoked; other binaries run;
# the event names the policy, the action and the canonical binary path.
source "$(dirname "$0")/lib.sh"
need_bpf seed
command -v nc.openbsd >/dev/null || { skip seed "netcat-openbsd not installed"; exit 0; }

"$TPC" build "$E2E_ROOT/examples/block-netcat.yaml" -o "$E2E_TMP/bn.bpf.o" ||
	{ fail seed/build; exit 0; }
pass seed/build
start_loader seed "$E2E_TMP/bn.bpf.o" || { fail seed/loader-start; exit 0; }

ln -s /usr/bin/nc "$E2E_TMP/my-nc"
ln -s /usr/bin/nc.openbsd "$E2E_TMP/other-link"
[ "$(status_of nc -h)" = 137 ] && pass seed/kill-nc || fail seed/kill-nc
[ "$(status_of /usr/bin/nc -h)" = 137 ] && pass seed/kill-usr-bin-nc || fail seed/kill-usr-bin-nc
[ "$(status_of /bin/nc.openbsd -h)" = 137 ] && pass seed/kill-bin-nc-openbsd || fail seed/kill-bin-nc-openbsd
[ "$(status_of "$E2E_TMP/my-nc" -h)" = 137 ] && pass seed/kill-symlink || fail seed/kill-symlink
[ "$(status_of "$E2E_TMP/other-link" -h)" = 137 ] && pass seed/kill-symlink-to-target || fail seed/kill-symlink-to-target
[ "$(cd /usr/bin && status_of ./nc.openbsd -h)" = 137 ] && pass seed/kill-relative || fail seed/kill-relative
# nothing printed: the image died before its first instruction
out=$(nc -h 2>&1)
[ -z "$out" ] && pass seed/no-output || fail seed/no-output "nc printed: $out"
[ "$(status_of cat /etc/hostname)" = 0 ] && pass seed/cat-runs || fail seed/cat-runs
[ "$(status_of /usr/bin/true)" = 0 ] && pass seed/true-runs || fail seed/true-runs
nc -h >/dev/null 2>&1 &
kpid=$!
wait $kpid
stop_loader && pass seed/sigterm-exit-0 || fail seed/sigterm-exit-0

python3 - "$E2E_TMP/seed.json" "$kpid" <<'PY' && pass seed/event || fail seed/event
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
pid = int(sys.argv[2])
hits = [e["process_lsm"] for e in evs if "process_lsm" in e
        and e["process_lsm"]["process"]["pid"] == pid]
assert hits, "no process_lsm event for pid %d" % pid
e = hits[0]
assert e["policy_name"] == "block-netcat", e
assert e["action"] == "KPROBE_ACTION_SIGKILL", e
assert e["process"]["binary"] == "/usr/bin/nc.openbsd", e["process"]
assert e["args"][0]["linux_binprm_arg"]["path"] == "/usr/bin/nc.openbsd", e["args"]
assert e["process"]["exec_id"] and e["parent"]["exec_id"] == e["process"]["parent_exec_id"]
PY
# after SIGTERM the programs are gone
if bpftool prog show 2>/dev/null | grep -q tpc_p0_tp_btf; then
	fail seed/detached "tpc programs still loaded after SIGTERM"
else
	pass seed/detached
fi
[ "$(status_of nc -h)" != 137 ] && pass seed/nc-runs-after-unload || fail seed/nc-runs-after-unload
