#!/bin/bash
# tpc-loader outputs: -o compact, --export-file rotation, allow/deny filters,
# Prometheus metrics and /healthz, ring-buffer losses reported (never silent).
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
need_root_tools
build_objs || { fail build-objects "$(tail -5 "$T/build.log")"; exit 1; }
bash "$ROOT/scripts/mounts.sh" 2>/dev/null
EXTRA_PIDS=

# --- compact
if start_loader -o compact --export-file "$T/compact-export.log" "$OBJS/exec_kill.bpf.o"; then
	nc -h >/dev/null 2>&1
	/usr/bin/printf 'x' >/dev/null
	wait_for "$LOUT" 'SIGKILL$'
	stop_loader TERM
	check compact-exec grep -q $'^\xf0\x9f\x9a\x80 process [0-9]* /usr/bin/printf x$' "$LOUT"
	check compact-exit grep -q $'^\xf0\x9f\x92\xa5 exit    [0-9]* /usr/bin/nc.openbsd -h SIGKILL$' "$LOUT"
	check compact-block grep -q $'^\xf0\x9f\x9b\x91 exec    [0-9]* /usr/bin/nc.openbsd -h \\[block-netcat\\] SIGKILL$' "$LOUT"
	check compact-not-json test "$(grep -c '^{' "$LOUT")" = 0
	# in time order: exec, then the block, then the exit of that process
	pid=$(grep -a ' exec .*nc.openbsd -h \[block-netcat\]' "$LOUT" | head -1 | awk '{print $3}')
	order=$(grep -a " $pid /usr/bin/nc.openbsd" "$LOUT" | awk '{print $2}' | tr '\n' ' ')
	if [ "$order" = "process exec exit " ]; then
		pass compact-time-order
	else
		fail compact-time-order "got '$order'"
	fi
	# the export file stays JSON while stdout is compact
	if out=$(python3 "$SCHEMA/check.py" "$SCHEMA/events.schema.json" "$T/compact-export.log"); then
		pass "compact-export-file-json ($out)"
	else
		fail compact-export-file-json "$out"
	fi
	check compact-export-has-block jq_any "$T/compact-export.log" '.process_exec.policy_name == "block-netcat"'
else
	fail compact-start "$(tail -3 "$LERR")"
fi

# --- export file with rotation, nothing on stdout with -o none
EXP=$T/export/events.log
mkdir -p "$T/export"
if start_loader -o none --export-file "$EXP" --export-max-mb 1 --export-backups 2; then
	for _ in $(seq 3000); do /bin/true; done
	sleep 0.5
	stop_loader TERM
	check export-stdout-empty test ! -s "$LOUT"
	check export-rotated test -s "$EXP.1" -a -s "$EXP.2"
	check export-backups-bounded test ! -e "$EXP.3"
	big=0
	for f in "$EXP" "$EXP.1" "$EXP.2"; do
		[ -e "$f" ] && [ "$(stat -c %s "$f")" -gt 1048576 ] && big=1
	done
	check export-size-bounded test $big = 0
	if out=$(python3 "$SCHEMA/check.py" "$SCHEMA/events.schema.json" "$EXP.1"); then
		pass "export-lines-valid ($out)"
	else
		fail export-lines-valid "$out"
	fi
else
	fail export-start "$(tail -3 "$LERR")"
fi

# --- filters: no exits, no block-netcat events; enforcement unaffected
if start_loader --deny-event process_exit --deny-policy block-netcat "$OBJS/exec_kill.bpf.o"; then
	nc -h >/dev/null 2>&1
	rc=$?
	/usr/bin/printf 'y' >/dev/null
	wait_for "$LOUT" '/usr/bin/printf'
	stop_loader TERM
	check filter-enforcement-kept test $rc = 137
	check filter-deny-event test "$(grep -c '"process_exit"' "$LOUT")" = 0
	check filter-deny-policy test "$(grep -c '"policy_name":"block-netcat"' "$LOUT")" = 0
	check filter-others-pass grep -q '"binary":"/usr/bin/printf"' "$LOUT"
fi
if start_loader --allow-event process_kprobe,process_tracepoint "$OBJS/exec_kill.bpf.o"; then
	/usr/bin/printf 'z' >/dev/null
	sleep 0.5
	stop_loader TERM
	check filter-allow-event test "$(grep -c '"process_exec"' "$LOUT")" = 0
fi

# --- metrics, healthz, losses (a 1 s poll interval and a burst overflow
# the openat object's 256 KiB ring)
PORT=$((20000 + $$ % 20000))
if start_loader --poll-ms 1000 --metrics-addr "127.0.0.1:$PORT" "$OBJS/openat.bpf.o" \
	"$OBJS/junk.bpf.o"; then
	cp /bin/cat "$T/tpcprobe"
	(cd "$T" && yes /etc/hostname | head -20000 | xargs ./tpcprobe >/dev/null)
	sleep 2.5
	check healthz test "$(curl -s "http://127.0.0.1:$PORT/healthz")" = ok
	curl -s "http://127.0.0.1:$PORT/metrics" >"$T/metrics.txt"
	check metrics-events grep -q '^tpc_events_total{type="process_tracepoint",policy="observe-openat",action="KPROBE_ACTION_POST"} [1-9]' "$T/metrics.txt"
	check metrics-exec-events grep -q '^tpc_events_total{type="process_exec",policy="",action=""} [1-9]' "$T/metrics.txt"
	check metrics-load-errors grep -q '^tpc_policy_load_errors_total 1$' "$T/metrics.txt"
	check metrics-losses grep -q '^tpc_ringbuf_lost_total{object="openat.bpf.o"} [1-9]' "$T/metrics.txt"
	check metrics-object-loaded grep -q '^tpc_object_loaded{object="openat.bpf.o"} 1$' "$T/metrics.txt"
	check loss-warning grep -q 'warning: ring buffer full, events lost since last report:.*openat.bpf.o=[1-9]' "$LERR"
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nope")
	check metrics-404 test "$code" = 404
	if [ "$(cat /proc/sys/kernel/bpf_stats_enabled)" = 1 ]; then
		check metrics-prog-stats grep -q '^tpc_program_run_count_total{object="openat.bpf.o",program="tpc_h0_openat"} [1-9]' "$T/metrics.txt"
	else
		skip metrics-prog-stats "kernel.bpf_stats_enabled is 0"
	fi
	stop_loader TERM
	check metrics-sigterm-0 test "$LRC" = 0
else
	fail metrics-start "$(tail -3 "$LERR")"
fi
exit 0
