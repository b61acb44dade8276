#!/bin/bash
# e2e-timeout: 600
# tpc test --kernel: the compiled objects against the reference evaluator
# (docs/testing-policies.md, docs/security.md "Differential testing").
#  - every stdlib policy, built alone, decides each of its cases in the
#    kernel (BPF_PROG_TEST_RUN on its test entries) as the evaluator and as
#    the case expects;
#  - the whole stdlib fused into one object agrees with the evaluator on
#    every stdlib case (--differential);
#  - no production build carries test code (the build flag is tpc test's);
#  - an object that records a wrong rule, or posts a wrong argument value
#    (TPC_TEST_INJECT_FAULT), is caught;
#  - without root, --kernel is skipped with a reason and the evaluator runs;
#  - a random campaign (tests/difftest/run.sh, 90 s at most, seeds 1..40:
#    reproducible; the regressions in tests/difftest/regress/ first): generated
#    policies pass the verifier and agree with the evaluator on every case.
source "$(dirname "$0")/lib.sh"
need_bpf tpctest
cd "$E2E_ROOT"

all=(stdlib-policies/*/*.yaml)
for f in "${all[@]}"; do
	c=${f%/*}/cases/${f##*/}
	if out=$("$TPC" test "$f" --cases "$c" --kernel 2>&1); then
		pass "kernel/$f ($(tail -1 <<<"$out"))"
	else
		fail "kernel/$f" "$(grep -v '^;' <<<"$out" | tail -5)"
	fi
done

# the test entries are a build flag of tpc test: a production build has none
leaked=0
for f in "${all[@]}" tests/corpus/*.yaml; do
	if "$TPC" build --emit-c - "$f" 2>/dev/null | grep -qE 'TPC_TESTRUN|TPC_TESTV|tpc_test__'; then
		leaked=$((leaked + 1))
		echo "  test code in the production C of $f" >&2
	fi
done
[ $leaked -eq 0 ] && pass "kernel/no-test-code-in-production" ||
	fail "kernel/no-test-code-in-production" "$leaked policies"

cs=()
for f in "${all[@]}"; do cs+=(--cases "${f%/*}/cases/${f##*/}"); done
if out=$("$TPC" test "${all[@]}" "${cs[@]}" --kernel --differential 2>&1); then
	pass "kernel/stdlib-fused (${#all[@]} policies in one object: $(tail -1 <<<"$out"))"
else
	fail "kernel/stdlib-fused" "$(grep -v '^;' <<<"$out" | tail -5)"
fi

out=$(TPC_TEST_INJECT_FAULT=1 "$TPC" test stdlib-policies/process/block-netcat.yaml \
	--cases stdlib-policies/process/cases/block-netcat.yaml --kernel 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q "compiled object disagrees with the evaluator" <<<"$out"; then
	pass "kernel/wrong-object-caught"
else
	fail "kernel/wrong-object-caught" "exit $rc: $(tail -3 <<<"$out")"
fi

out=$(TPC_TEST_INJECT_FAULT=event "$TPC" test stdlib-policies/privileges/setuid-root.yaml \
	--cases stdlib-policies/privileges/cases/setuid-root.yaml --kernel 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q "event of rule .* carries another value" <<<"$out"; then
	pass "kernel/wrong-event-caught"
else
	fail "kernel/wrong-event-caught" "exit $rc: $(tail -3 <<<"$out")"
fi

if command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$TPC" test \
		stdlib-policies/process/block-netcat.yaml \
		--cases stdlib-policies/process/cases/block-netcat.yaml --kernel 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && grep -q "^SKIP tpc test --kernel: needs root" <<<"$out" &&
		grep -q "^4 passed, 0 failed" <<<"$out"; then
		pass "kernel/not-root-skips"
	else
		fail "kernel/not-root-skips" "exit $rc: $out"
	fi
else
	skip "kernel/not-root-skips" "no setpriv"
fi

DIFFTEST_DIR=$E2E_TMP/difftest bash tests/difftest/run.sh --seconds "${TPC_DIFFTEST_SECONDS:-90}" \
	--seed "${TPC_DIFFTEST_SEED:-1}" --bundles "${TPC_DIFFTEST_BUNDLES:-40}"
