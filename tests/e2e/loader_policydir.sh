#!/bin/bash
# tpc-loader --policy-dir (hot add / replace without a gap / remove / failed
# replacement keeps the old copy / SIGHUP) and --pin (survives kill -9 and
# SIGTERM, re-adopted at start, stale pins detached).
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
need_root_tools
build_objs || { fail build-objects "$(tail -5 "$T/build.log")"; exit 1; }
bash "$ROOT/scripts/mounts.sh" 2>/dev/null
EXTRA_PIDS=

nc_rc() {
	nc -h >/dev/null 2>&1
	echo $?
}

POL=$T/policies
mkdir -p "$POL"
if ! start_loader --policy-dir "$POL"; then
	fail start "$(tail -3 "$LERR")"
	exit 1
fi
check start-empty-dir grep -q "ready in [0-9]* ms: 0 objects" "$LERR"
if nc_blocked_elsewhere; then
	skip nc-runs-before-add "nc is blocked by another session's program on this host"
else
	pass nc-runs-before-add
fi

cp "$OBJS/exec_kill.bpf.o" "$POL/"
wait_for "$LERR" "loaded 'exec_kill.bpf.o'"
check hot-add-loads grep -q "loaded 'exec_kill.bpf.o'" "$LERR"
check hot-add-enforces test "$(nc_rc)" = 137
first_ids=$(loaded_ids "$LERR" exec_kill.bpf.o)

# replace while nc runs in a loop (100 replacements of a private binary:
# loader_faults.sh): every run must die (no enforcement gap)
(while [ ! -e "$T/stop-loop" ]; do nc -h >/dev/null 2>&1; echo $? >>"$T/loop.rc"; done) 2>/dev/null &
loop=$!
EXTRA_PIDS=$loop
sleep 0.3
cp "$OBJS/exec_kill.bpf.o" "$T/new.tmp"
touch "$T/new.tmp"
mv "$T/new.tmp" "$POL/exec_kill.bpf.o"
wait_for "$LERR" "replaced 'exec_kill.bpf.o'"
sleep 0.3
touch "$T/stop-loop"
wait $loop
runs=$(wc -l <"$T/loop.rc")
survivors=$(grep -vc '^137$' "$T/loop.rc")
check hot-replace-logged grep -q "replaced 'exec_kill.bpf.o'" "$LERR"
if [ "$runs" -gt 5 ] && [ "$survivors" = 0 ]; then
	pass "hot-replace-no-gap ($runs nc runs, all killed)"
else
	fail hot-replace-no-gap "$runs runs, $survivors not killed"
fi
check hot-replace-old-detached ids_gone $first_ids
second_ids=$(loaded_ids "$LERR" exec_kill.bpf.o)

# a broken replacement is refused and the old copy keeps enforcing
cp "$OBJS/junk.bpf.o" "$T/junk.tmp"
mv "$T/junk.tmp" "$POL/exec_kill.bpf.o"
wait_for "$LERR" "exec_kill.bpf.o' refused"
check bad-replace-refused grep -q "policies/exec_kill.bpf.o' refused: not an ELF" "$LERR"
check bad-replace-old-enforces test "$(nc_rc)" = 137

cp "$OBJS/openat.bpf.o" "$POL/"
wait_for "$LERR" "loaded 'openat.bpf.o'"
kill -HUP "$LPID"
wait_for "$LERR" "SIGHUP: rescanning"
check sighup-rescan grep -q "SIGHUP: rescanning $POL" "$LERR"
check sighup-still-running kill -0 "$LPID"

rm "$POL/exec_kill.bpf.o"
wait_for "$LERR" "removed 'exec_kill.bpf.o'"
check hot-remove-logged grep -q "removed 'exec_kill.bpf.o'" "$LERR"
check hot-remove-detached ids_gone $second_ids
nc_after_stop hot-remove-stops-enforcing
stop_loader TERM
check policydir-sigterm-0 test "$LRC" = 0

# --- pinning
if ! mountpoint -q /sys/fs/bpf; then
	skip pin "bpffs not mounted and could not be mounted"
	exit 0
fi
PIN=/sys/fs/bpf/tpc-e2e-$$
if ! start_loader --pin "$PIN" "$OBJS/exec_kill.bpf.o"; then
	fail pin-start "$(tail -3 "$LERR")"
	exit 0
fi
pinned_ids=$(loaded_ids "$LERR" exec_kill.bpf.o)
check pin-files test -e "$PIN/exec_kill_bpf_o/link_tpc_h0_tp" -a -e "$PIN/exec_kill_bpf_o/map_tpc_bin0"
stop_loader KILL
check pin-survives-kill9 test "$(nc_rc)" = 137
# nc keeps being exec'd while no loader runs and while the next one starts
# and re-adopts: every run must die
rm -f "$T/stop-loop" "$T/loop.rc"
(while [ ! -e "$T/stop-loop" ]; do nc -h >/dev/null 2>&1; echo $? >>"$T/loop.rc"; done) 2>/dev/null &
loop=$!
EXTRA_PIDS=$loop
sleep 0.5
if start_loader -o json --pin "$PIN" "$OBJS/exec_kill.bpf.o"; then
	sleep 0.3
	touch "$T/stop-loop"
	wait $loop
	EXTRA_PIDS=
	runs=$(wc -l <"$T/loop.rc")
	survivors=$(grep -vc '^137$' "$T/loop.rc")
	if [ "$runs" -gt 5 ] && [ "$survivors" = 0 ]; then
		pass "pin-restart-no-gap ($runs nc runs across kill -9 and re-adoption, all killed)"
	else
		fail pin-restart-no-gap "$runs runs, $survivors not killed"
	fi
	check pin-readopt-enforces test "$(nc_rc)" = 137
	check pin-readopt-replaces-old ids_gone $pinned_ids
	pinned_ids=$(loaded_ids "$LERR" exec_kill.bpf.o)
	# one copy attached: exactly one link of ours, to the new program
	check pin-readopt-one-link test "$(bpftool link list 2>/dev/null | grep -cE "prog $pinned_ids( |$)")" = 1
	# and the new copy's events reach this loader
	nc -h >/dev/null 2>&1
	wait_for "$LOUT" '"policy_name":"block-netcat"'
	check pin-readopt-events-flow jq_any "$LOUT" \
		'.process_exec.policy_name == "block-netcat" and .process_exec.action == "KPROBE_ACTION_SIGKILL"'
	stop_loader TERM
	check pin-sigterm-exit-0 test "$LRC" = 0
	check pin-survives-sigterm test "$(nc_rc)" = 137
else
	touch "$T/stop-loop"
	wait $loop
	fail pin-readopt-start "$(tail -3 "$LERR")"
fi
mkdir -p "$T/empty"
if start_loader --pin "$PIN" --policy-dir "$T/empty"; then
	check pin-stale-detached grep -q "detaching pinned 'exec_kill_bpf_o'" "$LERR"
	check pin-stale-ids-gone ids_gone $pinned_ids
	sleep 0.3
	nc_after_stop pin-stale-nc-runs
	stop_loader TERM
fi
rm -rf "$PIN" 2>/dev/null
exit 0
