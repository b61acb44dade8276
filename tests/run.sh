#!/bin/bash
# Test driver: runs every tier and prints one summary line at the end:
#   N passed, N failed, N skipped
# Tiers: unit (cmocka), diag (golden diagnostics), corpus (valid policies),
# cases (tpc test on every stdlib policy's cases, golden tpc test runs),
# golden (generated C), docs (generated policy index), layers (include and
# call directions, scripts/check-layers.sh), deploy (Helm chart,
# CRDs, manifests), e2e (real BPF on this kernel; root), fuzz smoke,
# san (unit, diag, corpus, golden, the loader e2e scripts and the controller's again, with
# ASan+UBSan builds from `make SAN=1` in build/san; results named san/...).
# Usage: tests/run.sh [tier...]     TPC_UPDATE=1 rewrites golden files.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${OUTPUT:-build}
TPC=$ROOT/$BUILD/tpc
LOADER=$ROOT/$BUILD/tpc-loader
export TPC LOADER ROOT BUILD
# BPF tiers need tracefs and bpffs; mount them when root and missing.
if [ "$(id -u)" = 0 ]; then
	bash scripts/mounts.sh || echo "warning: could not mount tracefs/bpffs; BPF tests will skip"
fi
PASS=0 FAIL=0 SKIP=0
FAILED=()
PREFIX= # "san/" while tier san reruns the others
LOG=$BUILD/test-logs
mkdir -p "$LOG"

result() { # result PASS|FAIL|SKIP name [reason]
	case $1 in
	PASS) PASS=$((PASS + 1)) ;;
	FAIL) FAIL=$((FAIL + 1)); FAILED+=("$PREFIX$2") ;;
	SKIP) SKIP=$((SKIP + 1)) ;;
	esac
	printf '%-4s %s%s\n' "$1" "$PREFIX$2" "${3:+ ($3)}"
}

tier_unit() {
	echo "== unit (cmocka)"
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		local name=${t##*/} out
		out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout 120 "$t" 2>&1)
		local rc=$?
		local n=0
		while IFS= read -r line; do
			case $line in
			"ok "*) result PASS "unit/$name/${line#ok * - }"; n=$((n + 1)) ;;
			"not ok "*) result FAIL "unit/$name/${line#not ok * - }"; n=$((n + 1)) ;;
			esac
		done <<<"$out"
		if [ $rc -ne 0 ] && [ $n -eq 0 ]; then
			result FAIL "unit/$name" "exit $rc"
		fi
		[ $rc -ne 0 ] && echo "$out" >"$LOG/$name.log"
	done
}

# Golden diagnostics: tests/diag/NAME.yaml -> NAME.expected holds
# "exit: N" then the exact stderr of `tpc validate NAME.yaml`.
tier_diag() {
	echo "== diag (golden diagnostics)"
	for f in tests/diag/*.yaml; do
		[ -e "$f" ] || continue
		local exp=${f%.yaml}.expected got rc
		got=$(cd tests/diag && "$TPC" validate "${f##*/}" 2>&1 >/dev/null)
		rc=$?
		got="exit: $rc"$'\n'"$got"
		if [ "${TPC_UPDATE:-}" = 1 ]; then
			printf '%s\n' "$got" >"$exp"
		fi
		if [ -f "$exp" ] && [ "$got" = "$(cat "$exp")" ]; then
			result PASS "diag/${f##*/}"
		else
			result FAIL "diag/${f##*/}"
			diff -u "$exp" <(printf '%s\n' "$got") | head -20
		fi
	done
}

# templates/: every skeleton is filled by the emitter (a template whose
# name is not in the tpc binary is never emitted), and the generator
# refuses a placeholder that is not in templates/placeholders and a stray
# '@' (a build error of tpc).
tier_templates() {
	local t name unused= tmp
	for t in templates/*.tpl; do
		name=${t##*/}
		name=${name%.tpl}
		# an unused static inline tpl_NAME__emit() leaves no text in tpc
		grep -qaF "templates/$name.tpl" "$TPC" || unused+=" $name"
	done
	if [ -z "$unused" ]; then
		result PASS "golden/templates/used"
	else
		result FAIL "golden/templates/used" "never emitted:$unused"
	fi
	tmp=$(mktemp -d)
	cp templates/* "$tmp"/
	if ! bash scripts/gen-templates.sh "$tmp/ok.h" "$tmp" 2>"$LOG/templates.stderr"; then
		result FAIL "golden/templates/generator" "the tree's templates: $(head -1 "$LOG/templates.stderr")"
	else
		printf 'int @NAME@(void) { return @NOSUCH@; }\n' >"$tmp/bad.tpl"
		if bash scripts/gen-templates.sh "$tmp/bad.h" "$tmp" 2>"$LOG/templates.stderr" ||
			! grep -q 'bad.tpl:1: error: unknown placeholder @NOSUCH@' "$LOG/templates.stderr" ||
			[ -e "$tmp/bad.h" ]; then
			result FAIL "golden/templates/generator" "an unknown placeholder passed"
		else
			printf 'a@b\n' >"$tmp/bad.tpl"
			if bash scripts/gen-templates.sh "$tmp/bad.h" "$tmp" 2>/dev/null; then
				result FAIL "golden/templates/generator" "a stray @ passed"
			else
				result PASS "golden/templates/generator"
			fi
		fi
	fi
	rm -rf "$tmp"
}

tier_corpus() {
	echo "== corpus (valid policies validate cleanly)"
	for f in tests/corpus/*.yaml stdlib-policies/*/*.yaml examples/*.yaml; do
		[ -e "$f" ] || continue
		local out
		if out=$("$TPC" validate "$f" 2>&1); then
			result PASS "corpus/$f"
		elif ! echo "$out" | grep "error:" | grep -vqE "not supported.* by tpc"; then
			# valid Tetragon, refused honestly: a feature tpc lacks
			result SKIP "corpus/$f" "$(echo "$out" | grep -m1 "error:" | sed 's/.*error: //')"
		else
			result FAIL "corpus/$f"
			echo "$out" | head -10
		fi
	done
}

# tpc test: every stdlib policy ships with its cases (stdlib-policies/
# GROUP/cases/NAME.yaml: the attack it catches and the look-alikes it must
# not), and they hold. tests/cases/NAME.yaml are golden runs of tpc test
# itself (failing expectations, bad cases): a line "# policies: FILE..."
# names the policies (relative to tests/cases), "# options: ..." adds
# options (--format github); NAME.expected holds
# "exit: N" then the exact stdout and stderr.
tier_cases() {
	echo "== cases (tpc test: stdlib cases, golden runs)"
	for f in stdlib-policies/*/*.yaml; do
		[ -e "$f" ] || continue
		local c=${f%/*}/cases/${f##*/} out
		if [ ! -f "$c" ]; then
			result FAIL "cases/$f" "no cases file $c"
			continue
		fi
		if out=$("$TPC" test "$f" --cases "$c" 2>&1); then
			result PASS "cases/$f" "$(tail -1 <<<"$out")"
		else
			result FAIL "cases/$f"
			echo "$out" | head -30
		fi
	done
	for f in tests/cases/*.yaml; do
		[ -e "$f" ] || continue
		local exp=${f%.yaml}.expected got rc pols opts
		pols=$(sed -n 's/^# policies: //p' "$f" | head -1)
		opts=$(sed -n 's/^# options: //p' "$f" | head -1)
		# shellcheck disable=SC2086 # the policies and options are word lists
		got=$(cd tests/cases && "$TPC" test $opts $pols --cases "${f##*/}" 2>&1)
		rc=$?
		got="exit: $rc"$'\n'"$got"
		if [ "${TPC_UPDATE:-}" = 1 ]; then
			printf '%s\n' "$got" >"$exp"
		fi
		if [ -f "$exp" ] && [ "$got" = "$(cat "$exp")" ]; then
			result PASS "cases/${f##*/}"
		else
			result FAIL "cases/${f##*/}"
			diff -u "$exp" <(printf '%s\n' "$got") | head -20
		fi
	done
}

tier_golden() {
	echo "== golden (generated C)"
	for f in tests/golden/*.yaml; do
		[ -e "$f" ] || continue
		local exp=${f%.yaml}.bpf.c got
		got=$(cd tests/golden && "$TPC" build --emit-c - "${f##*/}" 2>&1)
		if [ "${TPC_UPDATE:-}" = 1 ]; then
			printf '%s\n' "$got" >"$exp"
		fi
		if [ -f "$exp" ] && [ "$got" = "$(cat "$exp")" ]; then
			result PASS "golden/${f##*/}"
		else
			result FAIL "golden/${f##*/}"
			diff -u "$exp" <(printf '%s\n' "$got") | head -20
		fi
	done
	tier_templates
	tier_format
}

# Kernel style (.clang-format) for the generated C: the C of every golden
# and corpus policy is as clang-format would print it (long rule
# conditions stay one line: ColumnLimit 0). Break test: openat-prefix's C
# with its continuation lines indented as before must fail the check.
tier_format() {
	local f bad= tmp n=0
	if ! command -v clang-format >/dev/null; then
		result SKIP "golden/format" "clang-format not installed"
		return
	fi
	tmp=$(mktemp -d)
	for f in tests/golden/*.yaml tests/corpus/*.yaml; do
		"$TPC" build --emit-c "$tmp/c.bpf.c" "$f" >/dev/null 2>&1 || continue
		clang-format --dry-run -Werror --style=file:.clang-format "$tmp/c.bpf.c" 2>>"$LOG/format.out" ||
			bad+=" $f"
		n=$((n + 1))
	done
	if [ -n "$bad" ]; then
		result FAIL "golden/format" "not in kernel style (clang-format --style=file:.clang-format):$bad"
		head -10 "$LOG/format.out"
	else
		result PASS "golden/format ($n files)"
	fi
	"$TPC" build --emit-c "$tmp/c.bpf.c" tests/golden/openat-prefix.yaml >/dev/null 2>&1
	sed 's/^\t     /\t    /' "$tmp/c.bpf.c" >"$tmp/bad.bpf.c"
	if cmp -s "$tmp/c.bpf.c" "$tmp/bad.bpf.c"; then
		result FAIL "golden/format/break-test" "the break test changed nothing in openat-prefix's C"
	elif clang-format --dry-run -Werror --style=file:.clang-format "$tmp/bad.bpf.c" 2>/dev/null; then
		result FAIL "golden/format/break-test" "a mis-indented continuation line passed"
	else
		result PASS "golden/format/break-test"
	fi
	# the runtime headers the generated C includes, in the same style
	bad= n=0
	for f in runtime/*.h runtime/include/*.h; do
		clang-format --dry-run -Werror --style=file:.clang-format "$f" 2>>"$LOG/format.out" ||
			bad+=" $f"
		n=$((n + 1))
	done
	if [ -n "$bad" ]; then
		result FAIL "golden/format/runtime" "not in kernel style (clang-format -i --style=file:.clang-format):$bad"
	else
		result PASS "golden/format/runtime ($n files)"
	fi
	sed 's/^\ts32 err; /\ts32 err;   /' runtime/tpc_enforce.bpf.h >"$tmp/bad.h"
	if cmp -s runtime/tpc_enforce.bpf.h "$tmp/bad.h"; then
		result FAIL "golden/format/runtime-break-test" "the break test changed nothing in tpc_enforce.bpf.h"
	elif clang-format --dry-run -Werror --style=file:.clang-format "$tmp/bad.h" 2>/dev/null; then
		result FAIL "golden/format/runtime-break-test" "a realigned trailing comment passed"
	else
		result PASS "golden/format/runtime-break-test"
	fi
	rm -rf "$tmp"
}

# docs/policies.md is generated from stdlib-policies/ by `make docs`: a
# fresh run into $BUILD must match the committed file.
tier_docs() {
	echo "== docs (generated policy index)"
	local got=$BUILD/policies.md
	if ! TPC=$TPC bash scripts/gen-policy-index.sh "$got" 2>"$LOG/docs.stderr"; then
		result FAIL "docs/policies.md" "generator failed, see $LOG/docs.stderr"
	elif diff -u docs/policies.md "$got" >"$LOG/docs.diff"; then
		result PASS "docs/policies.md"
	else
		result FAIL "docs/policies.md" "stale: run make docs"
		head -20 "$LOG/docs.diff"
	fi
}

# The include and call directions of compiler/ and loader/
# (scripts/check-layers.sh), on the tree and on a small tree with one
# violation of each rule, which must be found.
tier_layers() {
	echo "== layers (include and call directions)"
	if bash scripts/check-layers.sh >"$LOG/layers.out" 2>&1; then
		result PASS "layers/tree"
	else
		result FAIL "layers/tree"
		head -20 "$LOG/layers.out"
	fi
	local t n
	t=$(mktemp -d /tmp/tpc-layers.XXXXXX)
	mkdir -p "$t/compiler/ir" "$t/compiler/emit" "$t/compiler/sema" "$t/loader/a" "$t/loader/b"
	printf '#include "emit/emit.h"\n' >"$t/compiler/ir/lower.c"
	: >"$t/compiler/emit/emit.h"
	printf 'int sema__policy(void)\n{\n\treturn 0;\n}\n' >"$t/compiler/sema/sema.c"
	printf 'int dsl(void)\n{\n\treturn sema__policy();\n}\n' >"$t/compiler/sema/sema_dsl.c"
	printf '#include "b/y.h"\n' >"$t/loader/a/x.c"
	printf '#include "a/x.h"\n' >"$t/loader/b/y.h"
	: >"$t/loader/a/x.h"
	printf '#include "b/y.h"\n' >>"$t/loader/a/x.h"
	n=$(bash scripts/check-layers.sh "$t" 2>&1 | grep -c ': error: ')
	rm -rf "$t"
	if [ "$n" = 3 ]; then
		result PASS "layers/finds-violations"
	else
		result FAIL "layers/finds-violations" "found $n of 3"
	fi
}

# e2e scripts print lines "PASS name", "FAIL name", "SKIP name: reason".
# tier_e2e [GLOB]: only the scripts matching tests/e2e/GLOB.sh
tier_e2e() {
	echo "== e2e (real BPF on this kernel)"
	for s in tests/e2e/${1:-*}.sh; do
		[ -e "$s" ] || continue
		local name=${s##*/}
		if [ "$(id -u)" != 0 ]; then
			result SKIP "e2e/$name" "needs root"
			continue
		fi
		run_script "$s" "e2e/${name%.sh}"
	done
}

# run_script SCRIPT PREFIX: a script printing "PASS name" / "FAIL name" /
# "SKIP name: reason" lines; each becomes a result named PREFIX/name.
run_script() {
	local s=$1 prefix=$2 name=${1##*/} out to
	# a script may ask for more than 300 s: a line "# e2e-timeout: N"
	to=$(sed -n 's/^# e2e-timeout: \([0-9]*\)$/\1/p' "$s" | head -1)
	out=$(timeout "${to:-300}" bash "$s" 2>"$LOG/$name.stderr")
	local rc=$? n=0
	while IFS= read -r line; do
		case $line in
		PASS\ *) result PASS "$prefix/${line#PASS }"; n=$((n + 1)) ;;
		FAIL\ *) result FAIL "$prefix/${line#FAIL }"; n=$((n + 1)) ;;
		SKIP\ *) local r=${line#SKIP }; result SKIP "$prefix/${r%%:*}" "${r#*: }"; n=$((n + 1)) ;;
		*) [ -n "$line" ] && echo "     $line" ;;
		esac
	done <<<"$out"
	if [ $rc -ne 0 ] && [ $n -eq 0 ]; then
		result FAIL "$prefix" "exit $rc, see $LOG/$name.stderr"
	fi
	if [ $rc -ne 0 ] || grep -q '^FAIL' <<<"$out"; then tail -15 "$LOG/$name.stderr"; fi
}

# Helm chart, CRDs and generated manifests (tests/deploy/check.sh): helm
# lint/template and checks of what they render; no cluster, no root.
tier_deploy() {
	echo "== deploy (Helm chart, CRDs, manifests)"
	run_script tests/deploy/check.sh deploy
}

tier_fuzz() {
	echo "== fuzz smoke"
	if [ -x tests/fuzz/run.sh ] || [ -f tests/fuzz/run.sh ]; then
		local out
		if out=$(bash tests/fuzz/run.sh 10 2>&1); then
			result PASS "fuzz/smoke"
		else
			result FAIL "fuzz/smoke"
			echo "$out" | tail -20
		fi
	else
		result SKIP "fuzz/smoke" "no fuzz targets yet"
	fi
}

# The same tiers with binaries built by `make SAN=1` (ASan+UBSan, UBSan
# aborting on its first report).  Every sanitizer report goes to a file in
# $SANLOG (log_path), so one is caught even when the test that triggered it
# only looked at an exit status or the process was killed afterwards: any
# file there fails san/reports.
tier_san() {
	echo "== san (ASan+UBSan builds of tpc, tpc-loader and the unit tests)"
	local sb=$BUILD/san
	[ "$BUILD" = build ] || sb=$BUILD-san
	if ! make -s -j2 SAN=1 OUTPUT="$sb" san-build >"$LOG/san-build.log" 2>&1; then
		result FAIL "san/build" "see $LOG/san-build.log"
		tail -20 "$LOG/san-build.log"
		return
	fi
	local SANLOG=$ROOT/$sb/san-logs
	rm -rf "$SANLOG"
	mkdir -p "$SANLOG"
	local saved=("$BUILD" "$TPC" "$LOADER" "$LOG")
	BUILD=$sb TPC=$ROOT/$sb/tpc LOADER=$ROOT/$sb/tpc-loader LOG=$sb/test-logs PREFIX=san/
	mkdir -p "$LOG"
	# TPC_RUNTIME: the runtime headers are not next to $sb/tpc; TPC_SAN:
	# for the few checks (RSS) that mean nothing under ASan
	export BUILD TPC LOADER TPC_SAN=1 TPC_RUNTIME=$ROOT/runtime
	export ASAN_OPTIONS="detect_leaks=1:log_path=$SANLOG/asan"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$SANLOG/ubsan"
	tier_unit
	tier_diag
	tier_cases
	tier_corpus
	tier_golden
	tier_e2e 'loader_*'
	# tpc-controller (its builds run the sanitized tpc too)
	CTL=$ROOT/$sb/tpc-controller tier_e2e 'controller'
	unset ASAN_OPTIONS UBSAN_OPTIONS TPC_SAN TPC_RUNTIME
	if compgen -G "$SANLOG/*" >/dev/null; then
		result FAIL "reports" "sanitizer reports in $SANLOG"
		for f in "$SANLOG"/*; do
			echo "     --- $f"
			head -30 "$f" | sed 's/^/     /'
		done
	else
		result PASS "reports" "none"
	fi
	PREFIX=
	BUILD=${saved[0]} TPC=${saved[1]} LOADER=${saved[2]} LOG=${saved[3]}
	export BUILD TPC LOADER
}

TIERS=${*:-unit diag corpus cases golden docs layers deploy e2e fuzz san}
for t in $TIERS; do "tier_$t"; done

# A test that runs a tool with /dev/stdout as its output file can replace the
# symlink with a regular file (tools that write through a renamed temporary),
# which silently breaks every later test and the next run on this machine
if [ -L /dev/stdout ]; then
	result PASS "harness/dev-stdout-intact"
else
	result FAIL "harness/dev-stdout-intact" "/dev/stdout is no longer a symlink: restore it with ln -sf /proc/self/fd/1 /dev/stdout"
fi

if ((FAIL)); then
	echo "failed tests:"
	printf '  %s\n' "${FAILED[@]}"
fi
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" -eq 0 ]
