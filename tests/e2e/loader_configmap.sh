#!/bin/bash
# tpc-loader --policy-dir on a ConfigMap volume: a real directory in the
# kubelet's atomic-writer layout (..<timestamp>/ holding the files, ..data ->
# ..<timestamp>, one symlink per key -> ..data/KEY) and a live loader.  Each
# update is published as the kubelet does it (new timestamp directory,
# ..data_tmp renamed over ..data, new keys' symlinks added, dropped keys'
# symlinks removed, old directory deleted).  Swap 1 replaces one object
# while its blocked binary runs in a loop (no run completes) and adds a
# second; swap 2 removes the first (detached, its binary runs again), keeps
# the second byte-identical (not reloaded) and adds a bad object (refused,
# the second keeps enforcing).  Prints the time from a swap to the new
# object enforcing.
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
need_root_tools
TPC=${TPC:-$ROOT/$BUILD/tpc}
bash "$ROOT/scripts/mounts.sh" 2>/dev/null
EXTRA_PIDS=

VOL=$T/vol
mkdir -p "$VOL" "$T/src"
# private binaries: only processes this test starts are killed
for b in va vb vc; do cp /bin/true "$T/$b"; done
# policy NAME BINARY... : build $T/src/NAME.bpf.o blocking the binaries
policy() {
	local name=$1 list
	shift
	list=$(printf '"%s",' "$@")
	printf 'apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: cm-%s\nspec:\n  selectors:\n    matchBinary: [%s]\n  action: Block\n' \
		"$name" "${list%,}" >"$T/src/$name.yaml"
	"$TPC" build "$T/src/$name.yaml" -o "$T/src/$name.bpf.o" >>"$T/build.log" 2>&1
}
policy a1 "$T/va" && policy a2 "$T/va" "$T/vc" && policy b "$T/vb" ||
	{ fail build "$(tail -3 "$T/build.log")"; exit 1; }
printf 'not an elf at all\n' >"$T/src/junk.bpf.o"

rc_of() {
	"$T/$1" >/dev/null 2>&1
	echo $?
}
# until_rc BIN WANT : retry for 5 s (the loader reacts asynchronously)
until_rc() {
	for _ in $(seq 100); do
		[ "$(rc_of "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

kubelet_publish "$VOL" a.bpf.o="$T/src/a1.bpf.o"
if ! start_loader --policy-dir "$VOL"; then
	fail start "$(tail -3 "$LERR")"
	exit 1
fi
check initial-loaded grep -q "loaded 'a.bpf.o'" "$LERR"
check initial-enforces test "$(rc_of va)" = 137
check initial-lookalike-runs test "$(rc_of vb)" = 0
a1_ids=$(loaded_ids "$LERR" a.bpf.o)

# swap 1 while va runs in a loop: replace a, add b
(while [ ! -e "$T/stop-loop" ]; do "$T/va" >/dev/null 2>&1; echo $? >>"$T/loop.rc"; done) 2>/dev/null &
loop=$!
EXTRA_PIDS=$loop
sleep 0.3
t0=$(date +%s%N)
kubelet_publish "$VOL" a.bpf.o="$T/src/a2.bpf.o" b.bpf.o="$T/src/b.bpf.o"
until_rc vc 137
t1=$(date +%s%N)
wait_for "$LERR" "loaded 'b.bpf.o'"
sleep 0.3
touch "$T/stop-loop"
wait $loop
EXTRA_PIDS=
runs=$(wc -l <"$T/loop.rc")
survivors=$(grep -vc '^137$' "$T/loop.rc")
check swap-logged grep -q "\.\.data swapped, rescanning" "$LERR"
check swap-replaced grep -q "replaced 'a.bpf.o'" "$LERR"
if [ "$(rc_of vc)" = 137 ]; then
	pass "swap-new-object-enforcing ($(((t1 - t0) / 1000000)) ms from the swap)"
else
	fail swap-new-object-enforcing "vc exits $(rc_of vc)"
fi
if [ "$runs" -gt 5 ] && [ "$survivors" = 0 ]; then
	pass "swap-no-gap ($runs va runs, all killed)"
else
	fail swap-no-gap "$runs runs, $survivors not killed"
fi
check swap-old-detached ids_gone $a1_ids
check swap-added-enforces test "$(rc_of vb)" = 137
a2_ids=$(loaded_ids "$LERR" a.bpf.o)
b_ids=$(loaded_ids "$LERR" b.bpf.o)

# swap 2: a removed, b the same bytes, a bad object added
kubelet_publish "$VOL" b.bpf.o="$T/src/b.bpf.o" c.bpf.o="$T/src/junk.bpf.o"
wait_for "$LERR" "removed 'a.bpf.o'"
check swap-removed-logged grep -q "removed 'a.bpf.o'" "$LERR"
check swap-removed-detached ids_gone $a2_ids
check swap-removed-stops-enforcing until_rc va 0
wait_for "$LERR" "c.bpf.o' refused"
check swap-bad-refused grep -q "c.bpf.o' refused: not an ELF" "$LERR"
check swap-others-keep-enforcing test "$(rc_of vb)" = 137
check swap-unchanged-not-reloaded test "$(grep -c "'b.bpf.o'" "$LERR")" = 1
check swap-unchanged-same-programs test "$(loaded_ids "$LERR" b.bpf.o)" = "$b_ids"
check loader-alive kill -0 "$LPID"
stop_loader TERM
check sigterm-0 test "$LRC" = 0
check stopped-lookalike-runs test "$(rc_of vb)" = 0
