# Shared helpers for end-to-end tests (sourced). Tests print one line per
# check: "PASS name", "FAIL name", or "SKIP name: reason".
E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TPC=${TPC:-$E2E_ROOT/build/tpc}
LOADER=${LOADER:-$E2E_ROOT/build/tpc-loader}
E2E_TMP=$(mktemp -d /tmp/tpc-e2e.XXXXXX)
LOADER_PID=

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; [ -n "${2:-}" ] && echo "  $2" >&2; return 0; }
skip() { echo "SKIP $1: $2"; }
check() { # check NAME CMD... : PASS if CMD succeeds
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

# start_loader LOGNAME OBJ... : runs tpc-loader with JSON events into
# $E2E_TMP/LOGNAME.json and waits until it is ready (or fails).
start_loader() {
	local log=$1
	shift
	"$LOADER" run -o json "$@" >"$E2E_TMP/$log.json" 2>"$E2E_TMP/$log.log" &
	LOADER_PID=$!
	for _ in $(seq 100); do
		grep -q "ready" "$E2E_TMP/$log.log" 2>/dev/null && return 0
		kill -0 "$LOADER_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "loader did not start:" >&2
	cat "$E2E_TMP/$log.log" >&2
	return 1
}

stop_loader() {
	[ -n "$LOADER_PID" ] || return 0
	sleep 0.3 # let the poller drain the ring buffer
	kill -TERM "$LOADER_PID" 2>/dev/null
	wait "$LOADER_PID" 2>/dev/null
	local rc=$?
	LOADER_PID=
	return $rc
}

# Run a command and print its exit status (never fails the script).
status_of() {
	"$@" >/dev/null 2>&1
	echo $?
}

cleanup_e2e() {
	[ -n "$LOADER_PID" ] && kill -TERM "$LOADER_PID" 2>/dev/null && wait "$LOADER_PID" 2>/dev/null
	rm -rf "$E2E_TMP"
}
trap cleanup_e2e EXIT

need_bpf() {
	if [ "$(id -u)" != 0 ]; then
		skip "$1" "needs root"
		exit 0
	fi
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null
	mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
}
