#!/bin/bash
# tpc-loader under valgrind memcheck for a long-running scenario: base
# sensor, a block object and an openat object from --policy-dir, a
# verifier-rejected object, events flowing (a blocked private binary killed,
# opens observed), a /metrics scrape, a hot replacement, a junk object
# arriving and refused, SIGHUP, SIGTERM.  Valgrind must report no errors and
# no definite or indirect leaks (tests/e2e/valgrind.supp holds only
# false positives of its bpf(2) model).  Slow: every object load parses the
# kernel BTF under valgrind (~15 s each on 2 shared CPUs).
# Not named loader_*.sh: tier san runs those with ASan binaries.
# e2e-timeout: 900
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
need_root_tools
if ! command -v valgrind >/dev/null; then
	skip all "valgrind not installed (make deps)"
	exit 0
fi
build_objs || { fail build-objects "$(tail -5 "$T/build.log")"; exit 1; }
bash "$ROOT/scripts/mounts.sh" 2>/dev/null
EXTRA_PIDS=

BLK=$T/tpc-valgrind-blocked
cp /bin/true "$BLK"
POL=$T/pol
mkdir -p "$POL"
block_obj "$POL/block.bpf.o" a "$BLK" && block_obj "$T/block-b.bpf.o" b "$BLK" ||
	{ fail block-objects "llvm-objcopy failed"; exit 1; }
cp "$OBJS/openat.bpf.o" "$POL/"
cp "$OBJS/verifier_reject.bpf.o" "$POL/bad.bpf.o"
PORT=$(free_port)
LOUT=$T/out.json LERR=$T/err.log VLOG=$T/valgrind.log
valgrind ${VALGRIND_EXTRA:-} --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=no \
	--suppressions="$ROOT/tests/e2e/valgrind.supp" --log-file="$VLOG" \
	"$LOADER" run -o json --metrics-addr "127.0.0.1:$PORT" --policy-dir "$POL" \
	>"$LOUT" 2>"$LERR" &
LPID=$!
t0=$SECONDS
if ! wait_for "$LERR" "info: ready" 1800; then
	fail start "not ready after $((SECONDS - t0)) s: $(tail -3 "$LERR")"
	exit 0
fi
pass "start (ready in $((SECONDS - t0)) s under valgrind)"
check refused-verifier grep -q "bad.bpf.o' refused: load failed" "$LERR"

"$BLK"
check block-kills test $? = 137
cp /bin/cat "$T/tpcprobe"
(cd /etc && "$T/tpcprobe" hostname >/dev/null)
wait_for "$LOUT" '"string_arg":"hostname"' 1200
check events-openat jq_any "$LOUT" '.process_tracepoint.policy_name == "observe-openat"'
wait_for "$LOUT" '"policy_name":"harden-block"' 1200
check events-block jq_any "$LOUT" '.process_exec.policy_name == "harden-block"'
check metrics-scrape grep -q '^tpc_object_loaded{object="block.bpf.o"} 1' \
	<(curl -s -m 60 "http://127.0.0.1:$PORT/metrics")

cp "$T/block-b.bpf.o" "$T/r.tmp"
mv "$T/r.tmp" "$POL/block.bpf.o"
wait_for "$LERR" "replaced 'block.bpf.o'" 1800
check hot-replace grep -q "replaced 'block.bpf.o'" "$LERR"
"$BLK"
check block-kills-after-replace test $? = 137
printf 'junk\n' >"$T/j.tmp"
mv "$T/j.tmp" "$POL/junk.bpf.o"
wait_for "$LERR" "junk.bpf.o' refused" 1200
check refused-junk grep -q "junk.bpf.o' refused: not an ELF" "$LERR"
rm "$POL/openat.bpf.o"
wait_for "$LERR" "removed 'openat.bpf.o'" 1200
check hot-remove grep -q "removed 'openat.bpf.o'" "$LERR"
kill -HUP "$LPID"
wait_for "$LERR" "SIGHUP: rescanning" 1200
check sighup grep -q "SIGHUP: rescanning" "$LERR"
sleep 1
kill -TERM "$LPID"
wait "$LPID"
rc=$?
LPID=
errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$VLOG" | tail -1)
leaks=$(grep -E "definitely lost:|indirectly lost:" "$VLOG" | tr -s ' ' | cut -d' ' -f2- | tr '\n' ';')
echo "valgrind: exit $rc, ERROR SUMMARY $errs errors; ${leaks:-no leak summary (all heap blocks freed)}; $(grep -o 'total heap usage.*' "$VLOG")" >&2
mkdir -p "$ROOT/$BUILD/test-logs"
cp "$VLOG" "$ROOT/$BUILD/test-logs/valgrind_loader.log"
if [ "$rc" = 0 ] && [ "$errs" = 0 ]; then
	pass "valgrind-clean (exit 0, 0 errors, $(grep -c '"policy_name"' "$LOUT") policy events)"
else
	fail valgrind-clean "exit $rc, $errs errors (see $BUILD/test-logs/valgrind_loader.log): $(grep -A8 -m2 -E '== (Invalid|Conditional|Syscall|[0-9,]+ bytes in)' "$VLOG" | head -20)"
fi
check no-definite-or-indirect-leaks test -z "$(grep -E '(definitely|indirectly) lost: [1-9]' "$VLOG")"
exit 0
