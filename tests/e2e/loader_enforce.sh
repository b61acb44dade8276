#!/bin/bash
# tpc-loader end to end: exec kill (tp_btf fallback of an LSM/tp_btf group),
# openat observation, cgroup/connect4 deny, refused objects while a good one
# keeps enforcing, base-sensor exec/exit events, JSON schema, clean SIGTERM.
# Prints PASS/FAIL/SKIP lines (tests/run.sh tier e2e).
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
need_root_tools
build_objs || { fail build-objects "$(tail -5 "$T/build.log")"; exit 1; }
bash "$ROOT/scripts/mounts.sh" 2>/dev/null

EXTRA_PIDS=
if ! start_loader --node-name e2e-node "$OBJS/exec_kill.bpf.o" "$OBJS/openat.bpf.o" \
	"$OBJS/connect4.bpf.o" "$OBJS/truncated.bpf.o" "$OBJS/junk.bpf.o" "$OBJS/badjson.bpf.o" \
	"$OBJS/badabi.bpf.o" "$OBJS/badver.bpf.o" "$OBJS/nometa.bpf.o" "$OBJS/verifier_reject.bpf.o" \
	"$OBJS/lsmonly.bpf.o" "$OBJS/uprobe.bpf.o" "$OBJS/fallback.bpf.o"; then
	fail start "loader did not become ready: $(tail -5 "$LERR")"
	exit 1
fi
pass start

# --- (d) refused objects, each with a reason naming it
refused() { grep -q "object '$OBJS/$1' refused: .*$2" "$LERR"; }
check refuse-truncated refused truncated.bpf.o "truncated ELF"
check refuse-junk refused junk.bpf.o "bad magic"
check refuse-bad-json refused badjson.bpf.o "not valid JSON"
check refuse-abi-version refused badabi.bpf.o "ABI version 99"
check refuse-meta-version refused badver.bpf.o "metadata version 7"
check refuse-no-meta refused nometa.bpf.o "no .tpc.meta section"
check refuse-verifier refused verifier_reject.bpf.o "load failed: Permission denied; verifier: .*invalid mem access"
if ldr_probe_has lsm; then
	skip refuse-no-variant "this kernel has BPF LSM"
else
	check refuse-no-variant refused lsmonly.bpf.o "no variant of program group 'hook0' works on this kernel"
fi
check loaded-good-objects grep -q "ready in [0-9]* ms: 5 objects attached" "$LERR"
check variant-fallback-warned grep -q "object 'fallback.bpf.o': program 'tpc_fb_bad' failed (load failed: .*verifier: .*); trying the next variant of group 'g'" "$LERR"
fb_ids=$(loaded_ids "$LERR" fallback.bpf.o)
check variant-fallback-loaded test "$(bpftool prog show id "$fb_ids" 2>/dev/null | grep -c 'name tpc_fb_good')" = 1
check variant-tp_btf-chosen prog_listed tpc_h0_tp
if prog_listed tpc_h0_lsm; then fail variant-lsm-not-loaded; else pass variant-lsm-not-loaded; fi

# --- (a) exec kill: nc however invoked; cat still runs
out=$(nc -h 2>&1)
rc=$?
check nc-killed-137 test "$rc" = 137
check nc-prints-nothing test -z "$out"
/bin/nc.openbsd -h >/dev/null 2>&1
check nc-openbsd-killed test $? = 137
ln -s /bin/nc.openbsd "$T/mync"
"$T/mync" -h >/dev/null 2>&1
check nc-symlink-killed test $? = 137
cp /bin/nc.openbsd "$T/nc-copy"
"$T/nc-copy" -h >/dev/null 2>&1
check nc-renamed-copy-runs test $? = 0 # not in the set: a different canonical path
out=$(cat /etc/hostname)
check cat-runs test "$out" = "$(head -1 /etc/hostname)"
wait_for "$LOUT" '"policy_name":"block-netcat"'
check exec-block-event jq_any "$LOUT" \
	'.process_exec.policy_name == "block-netcat" and .process_exec.action == "KPROBE_ACTION_SIGKILL" and .process_exec.process.binary == "/usr/bin/nc.openbsd"'
check exec-block-exit-sigkill jq_any "$LOUT" \
	'.process_exit.process.binary == "/usr/bin/nc.openbsd" and .process_exit.signal == "SIGKILL"'

# --- (b) openat: the filename of our probe process as string_arg
cp /bin/cat "$T/tpcprobe"
(cd /etc && "$T/tpcprobe" hostname >/dev/null)
wait_for "$LOUT" '"string_arg":"hostname"'
check openat-string-arg jq_any "$LOUT" \
	'.process_tracepoint.subsys == "syscalls" and .process_tracepoint.event == "sys_enter_openat" and (.process_tracepoint.args | map(.string_arg) | index("hostname")) != null and .process_tracepoint.process.cwd == "/etc"'
check openat-int-arg-label jq_any "$LOUT" \
	'(.process_tracepoint.args[0] == {"int_arg": -100, "label": "dfd"})'

# --- uprobe on libc getcwd (path:symbol), for a copy of pwd named tpcprobe
mkdir -p "$T/u"
cp /bin/pwd "$T/u/tpcprobe"
"$T/u/tpcprobe" >/dev/null
wait_for "$LOUT" '"symbol":"getcwd"'
check uprobe-event jq_any "$LOUT" \
	'.process_uprobe.symbol == "getcwd" and (.process_uprobe.path | test("libc.so.6$")) and .process_uprobe.process.binary == "'"$T/u/tpcprobe"'" and .process_uprobe.policy_name == "observe-getcwd" and (.process_uprobe.args[0].size_arg | test("^[0-9]+$"))'

# --- (c) cgroup/connect4: 127.0.0.1:47777 denied with EPERM, :47778 allowed
cat >"$T/listen.py" <<'EOF'
import socket, sys, time
socks = []
for port in (47777, 47778):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    socks.append(s)
print("listening", flush=True)
time.sleep(30)
EOF
python3 "$T/listen.py" >"$T/listen.out" 2>&1 &
LISTEN=$!
EXTRA_PIDS="$LISTEN"
wait_for "$T/listen.out" listening 50
connect() {
	python3 -c "
import socket, sys
s = socket.socket()
try:
    s.connect(('127.0.0.1', $1)); print('ok')
except OSError as e:
    print(e.errno)"
}
check connect-blocked-eperm test "$(connect 47777)" = 1
check connect-other-port-ok test "$(connect 47778)" = ok
kill "$LISTEN" 2>/dev/null
wait_for "$LOUT" 'block-port-47777'
check connect-event jq_any "$LOUT" \
	'.process_kprobe.policy_name == "block-port-47777" and .process_kprobe.action == "KPROBE_ACTION_OVERRIDE" and .process_kprobe.args[0].sockaddr_arg == {"family": "AF_INET", "addr": "127.0.0.1", "port": 47777}'

# --- (g) base sensor: exec + exit of a command we run, with parent
bash -c '/usr/bin/printf "%s-%s\n" "tpc e2e" word >/dev/null; exit 3' &
child=$!
wait $child
wait_for "$LOUT" '"binary":"/usr/bin/printf"'
check base-exec-binary-args jq_any "$LOUT" \
	'.process_exec.process.binary == "/usr/bin/printf" and .process_exec.process.arguments == "%s-%s\\n \"tpc e2e\" word" and .process_exec.parent.binary == "/usr/bin/bash" and .process_exec.process.cwd == "'"$PWD"'"'
check base-exec-parent-link jq_any "$LOUT" \
	'.process_exec.process.binary == "/usr/bin/printf" and .process_exec.process.parent_exec_id == .process_exec.parent.exec_id and .process_exec.parent.pid == '"$child"
check base-exit-status jq_any "$LOUT" \
	'.process_exit.process.pid == '"$child"' and .process_exit.status == 3'
check base-exec-id-format jq_any "$LOUT" \
	'.process_exec.process.binary == "/usr/bin/printf" and (.process_exec.process.exec_id | @base64d | test("^e2e-node:[0-9]+:[0-9]+$"))'
check node-name jq_any "$LOUT" '.node_name == "e2e-node"'

# --- (f) SIGTERM: exit 0, programs gone (base: exec, fork, exit, cgroup_mkdir)
ids="$(loaded_ids "$LERR" base) $(loaded_ids "$LERR" exec_kill.bpf.o) $(loaded_ids "$LERR" openat.bpf.o) $(loaded_ids "$LERR" connect4.bpf.o) $(loaded_ids "$LERR" uprobe.bpf.o)"
check progs-ids-logged test "$(echo $ids | wc -w)" = 8
listed=0
for id in $ids; do bpftool prog show id "$id" >/dev/null 2>&1 && listed=$((listed + 1)); done
check progs-attached-while-running test $listed = 8
stop_loader TERM
check sigterm-exit-0 test "$LRC" = 0
check sigterm-detached ids_gone $ids
nc_after_stop nc-runs-after-stop

# --- (h) every line validates against the schema; the checker can fail
if out=$(python3 "$SCHEMA/check.py" "$SCHEMA/events.schema.json" "$LOUT"); then
	pass "schema-all-events ($out)"
else
	fail schema-all-events "$out"
fi
for t in process_exec process_exit process_kprobe process_tracepoint process_uprobe; do
	check "schema-has-$t" grep -q "\"$t\"" "$LOUT"
done
head -1 "$LOUT" | jq -c '.node_name = 5' >"$T/broken.json"
if python3 "$SCHEMA/check.py" "$SCHEMA/events.schema.json" "$T/broken.json" >/dev/null; then
	fail schema-checker-rejects-bad
else
	pass schema-checker-rejects-bad
fi
exit 0
