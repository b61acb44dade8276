# loader_lib.sh - helpers sourced by tests/e2e/loader_*.sh (kept out of
# tests/e2e/*.sh so the test driver does not run it as a test).
# Every helper only touches processes the test itself started.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
BUILD=${BUILD:-build}
LOADER=${LOADER:-$ROOT/$BUILD/tpc-loader}
OBJS=$ROOT/$BUILD/e2e-loader
SCHEMA=$ROOT/tests/e2e/schema
T=$(mktemp -d /tmp/tpc-loader-e2e.XXXXXX)
N=0
LPID=
trap 'cleanup_all' EXIT

cleanup_all() {
	[ -n "$LPID" ] && kill -TERM "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	for p in $EXTRA_PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1${2:+: $2}"; echo "FAIL $1 ${2:-}" >&2; }
skip() { echo "SKIP $1: $2"; }
check() { # check NAME CMD... : PASS if CMD succeeds
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

build_objs() {
	bash "$ROOT/tests/e2e/objs/build.sh" "$OBJS" >"$T/build.log" 2>&1
}

# start_loader ARGS... : runs `tpc-loader run ARGS`, waits for "ready";
# sets LPID, LOUT (stdout), LERR (stderr).
start_loader() {
	N=$((N + 1))
	LOUT=$T/out.$N
	LERR=$T/err.$N
	"$LOADER" run "$@" >"$LOUT" 2>"$LERR" &
	LPID=$!
	for _ in $(seq 150); do
		grep -q 'info: ready' "$LERR" 2>/dev/null && return 0
		kill -0 "$LPID" 2>/dev/null || { LPID=; return 1; }
		sleep 0.1
	done
	return 1
}

# stop_loader [SIG] : sets LRC to the loader's exit code
stop_loader() {
	kill -"${1:-TERM}" "$LPID" 2>/dev/null
	wait "$LPID"
	LRC=$?
	LPID=
}

# wait_for FILE PATTERN [TENTHS] : grep -q with retries (events are flushed
# every poll interval)
wait_for() {
	local f=$1 pat=$2 n=${3:-50}
	for _ in $(seq "$n"); do
		grep -q -- "$pat" "$f" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# jq_any FILE FILTER : true when some line satisfies the jq boolean FILTER
jq_any() {
	jq -e -s "map(select($2)) | length > 0" "$1" >/dev/null 2>&1
}

prog_listed() { # prog_listed NAME : bpftool sees a loaded program of that name
	bpftool prog list 2>/dev/null | grep -q "name $1 "
}

# prog_ids NAME... : ids of loaded programs with these names, one per line
# (to tell our programs from another loader's running on the same machine)
prog_ids() {
	local pat
	pat=$(printf '|%s' "$@")
	bpftool prog list 2>/dev/null | grep -E "name (${pat:1}) " | cut -d: -f1 | sort
}

need_root_tools() {
	if [ "$(id -u)" != 0 ]; then
		skip all "needs root"
		exit 0
	fi
	for t in jq bpftool llvm-objcopy clang python3; do
		if ! command -v $t >/dev/null; then
			skip all "$t not installed (make deps)"
			exit 0
		fi
	done
}

# nc_after_stop NAME : after our loader stopped, nc must run again, unless
# another session's exec-blocking program (not ours) is loaded right now
nc_after_stop() {
	local rc
	for _ in 1 2 3; do
		nc -h >/dev/null 2>&1
		rc=$?
		[ $rc = 0 ] && { pass "$1"; return; }
		# ours are verified gone by id: any exec program left is foreign
		if bpftool prog list 2>/dev/null | grep -E '^[0-9]+: tracing +name tpc_' |
			grep -vq tpc_base; then
			skip "$1" "nc is killed by another session's tpc program on this host"
			return
		fi
		sleep 0.3
	done
	fail "$1" "nc exits $rc"
}

ldr_probe_has() { # ldr_probe_has KIND : tpc-loader probe says yes
	"$LOADER" probe --json | jq -e ".$1.supported" >/dev/null
}

# loaded_ids FILE NAME : kernel program ids the loader logged for object NAME
# (its last "loaded"/"replaced" line); NAME = base for the base sensor
loaded_ids() {
	if [ "$2" = base ]; then
		grep -o 'base sensor attached (ids[ 0-9]*)' "$1" | tail -1 | grep -o '[0-9][0-9]*'
	else
		grep -E "(loaded|replaced) '$2'" "$1" | tail -1 | sed 's/.*(ids//; s/).*//' |
			tr ' ' '\n' | grep .
	fi
}

# ids_gone IDS... : none of these program ids is loaded (waits for RCU)
ids_gone() {
	local left
	[ $# -gt 0 ] || return 1
	for _ in $(seq 30); do
		left=$(bpftool prog list 2>/dev/null | cut -d: -f1 | grep -Fx -f <(printf '%s\n' "$@"))
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	echo "still loaded: $left" >&2
	return 1
}

# nc_free NAME : skip the rest of an nc check when another session blocks nc
nc_blocked_elsewhere() {
	nc -h >/dev/null 2>&1 && return 1
	return 0
}

# block_obj OUT VERSION BIN : exec_kill.bpf.o (tests/e2e/objs) as policy
# "harden-block" whose binary set holds only BIN, a private copy the test
# made, so no other session's exec is affected; VERSION goes into
# tpc_version, so two builds of the same policy differ in bytes
block_obj() {
	jq --arg p "$3" --arg v "$2" \
		'.policies[0].name = "harden-block" | .tpc_version = $v | .maps[0].fill.values = [$p]' \
		"$ROOT/tests/e2e/objs/exec_kill.json" >"$T/blk.meta" || return 1
	llvm-objcopy --remove-section .tpc.meta "$OBJS/exec_kill.bpf.o" "$T/blk.tmp.o" &&
		llvm-objcopy --add-section .tpc.meta="$T/blk.meta" --set-section-flags \
			.tpc.meta=readonly "$T/blk.tmp.o" "$1"
}

free_port() { # a TCP port on 127.0.0.1 nobody listens on right now
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

metric() { # metric FILE NAME{LABELS} : the value in a /metrics scrape, 0 when absent
	awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }' "$1"
}

# k8s_api_certs DIR CN : a throw-away CA (DIR/ca.crt) and a server
# certificate for 127.0.0.1 (DIR/srv.crt, srv.key) for the replayed
# Kubernetes API; non-zero with openssl's output in DIR/openssl.log
k8s_api_certs() {
	(
		cd "$1" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 \
			-subj "/CN=$2"
		openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1
		printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >ext.cnf
		openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt \
			-days 1 -extfile ext.cnf
	) >"$1/openssl.log" 2>&1
}

# kubelet_publish DIR KEY=FILE... : one update of DIR as the kubelet's
# AtomicWriter makes it for a ConfigMap or projected volume, to exactly
# these keys: the files in a new ..<timestamp> directory, ..data_tmp
# renamed over ..data, symlinks KEY -> ..data/KEY added for new keys and
# removed for dropped ones, the old directory deleted
kubelet_publish() {
	local vol=$1 ts old kv key keys= f
	shift
	ts=$(mktemp -d "$vol/..$(date +%Y_%m_%d_%H_%M_%S).XXXXXXXXX")
	for kv in "$@"; do
		key=${kv%%=*}
		cp "${kv#*=}" "$ts/$key"
		keys="$keys $key"
	done
	chmod 755 "$ts"
	old=$(readlink "$vol/..data" 2>/dev/null)
	ln -s "${ts##*/}" "$vol/..data_tmp"
	mv -T "$vol/..data_tmp" "$vol/..data"
	for key in $keys; do
		[ -L "$vol/$key" ] || ln -s "..data/$key" "$vol/$key"
	done
	for f in "$vol"/*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		key=${f##*/}
		case " $keys " in *" $key "*) ;; *) rm -f "$f" ;; esac
	done
	[ -n "$old" ] && rm -rf "${vol:?}/$old"
	return 0
}
