#!/bin/bash
# Differential campaign: random policies and cases (gen.py, seeded) until a
# time budget runs out; each bundle is built for production and every
# program this kernel can load must pass the verifier (tests objload), and
# `tpc test --kernel --differential` must find the compiled object deciding
# every case as the evaluator. A failure is minimised (minimise.py) into
# build/difftest/fail-SEED-min and fails the run.
#
# usage: tests/difftest/run.sh [--seconds N] [--seed S] [--cases N] [--bundles N]
#   --bundles N  at most N bundles (seeds S..S+N-1): a reproducible run
#   --seconds N  time budget (default 90)
#   --seed S     first seed (default: from the date, printed; seeds S, S+1, ...)
#   --cases N    cases per bundle (default 200)
# Prints PASS/FAIL lines (tests/run.sh e2e format) and a summary line
# "difftest: B bundles, P policies, C cases, X policy/case pairs, F failures, T s".
# Needs root (BPF_PROG_TEST_RUN); SKIPs otherwise. Regression inputs in
# tests/difftest/regress/*/ are run first.
set -u
cd "$(dirname "$0")/../.."
TPC=${TPC:-$PWD/build/tpc}
OBJLOAD=$(dirname "$TPC")/tests/objload
SECONDS_BUDGET=90
SEED=$(date +%s)
NCASES=200
MAX_BUNDLES=0 # 0: as many as the budget allows
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECONDS_BUDGET=$2; shift 2 ;;
	--seed) SEED=$2; shift 2 ;;
	--cases) NCASES=$2; shift 2 ;;
	--bundles) MAX_BUNDLES=$2; shift 2 ;;
	*) echo "usage: $0 [--seconds N] [--seed S] [--cases N] [--bundles N]" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" != 0 ]; then
	echo "SKIP difftest: needs root (BPF_PROG_TEST_RUN)"
	exit 0
fi
[ -x "$OBJLOAD" ] || make -s "$OBJLOAD" >/dev/null
WORK=${DIFFTEST_DIR:-build/difftest}
mkdir -p "$WORK"
start=$(date +%s)
bundles=0 policies=0 cases=0 pairs=0 failures=0

# run_bundle DIR NAME: 0 agree, 1 disagree, 2 the test object was refused,
# 3 the production object was refused, 4 another error, 5 the generated C
# did not compile (a compiler bug too)
run_bundle() {
	local d=$1 out rc
	if "$TPC" build "$d/policies.yaml" -o "$d/prod.bpf.o" >"$d/build.log" 2>&1; then
		if ! "$OBJLOAD" "$d/prod.bpf.o" >"$d/objload.log" 2>&1; then
			return 3
		fi
	else
		grep -q "clang failed" "$d/build.log" && return 5
		return 4
	fi
	"$TPC" test "$d/policies.yaml" --cases "$d/cases.yaml" --kernel --differential \
		>"$d/test.out" 2>"$d/test.err"
	rc=$?
	case $rc in
	0) return 0 ;;
	1) return 1 ;;
	*) grep -q "refused the test object" "$d/test.err" && return 2; return 4 ;;
	esac
}

for r in tests/difftest/regress/*/; do
	[ -f "$r/policies.yaml" ] || continue
	# run in a copy: the build and test outputs stay out of the source tree
	rd=$WORK/regress-$(basename "$r")
	rm -rf "$rd" && mkdir -p "$rd" && cp "$r"/policies.yaml "$r"/cases.yaml "$rd"/
	run_bundle "$rd" && echo "PASS difftest/regress/$(basename "$r")" ||
		{ echo "FAIL difftest/regress/$(basename "$r")"; failures=$((failures + 1)); }
done

seed=$SEED
echo "difftest: seeds from $SEED, budget ${SECONDS_BUDGET}s" >&2
while [ $(($(date +%s) - start)) -lt "$SECONDS_BUDGET" ]; do
	[ "$MAX_BUNDLES" -gt 0 ] && [ "$seed" -ge $((SEED + MAX_BUNDLES)) ] && break
	d=$WORK/seed-$seed
	rm -rf "$d"
	python3 tests/difftest/gen.py "$seed" "$d" --cases "$NCASES"
	run_bundle "$d"
	rc=$?
	np=$(grep -c '"kind": "TracingPolicy"' "$d/policies.yaml")
	bundles=$((bundles + 1))
	policies=$((policies + np))
	cases=$((cases + NCASES))
	pairs=$((pairs + np * NCASES))
	if [ $rc -ne 0 ]; then
		failures=$((failures + 1))
		kind=disagree
		[ $rc -eq 2 ] || [ $rc -eq 3 ] && kind=verifier
		[ $rc -eq 5 ] && kind=build
		if [ $rc -eq 4 ]; then
			echo "FAIL difftest/seed-$seed: an error (see $d/build.log, $d/test.err)"
			head -5 "$d/build.log" "$d/test.err" >&2
		else
			echo "FAIL difftest/seed-$seed: $kind (minimising into $d-min)"
			python3 tests/difftest/minimise.py "$TPC" "$d" "$d-min" "$kind" >&2
		fi
	else
		rm -rf "$d"
	fi
	seed=$((seed + 1))
done
elapsed=$(($(date +%s) - start))
if [ $bundles -eq 0 ]; then
	echo "SKIP difftest/campaign: the budget ran out before a bundle"
elif [ $failures -eq 0 ]; then
	echo "PASS difftest/campaign ($bundles bundles, $pairs policy/case pairs, seeds $SEED..$((seed - 1)))"
fi
echo "difftest: $bundles bundles, $policies policies, $cases cases, $pairs policy/case pairs, $failures failures, ${elapsed}s" >&2
[ $failures -eq 0 ]
