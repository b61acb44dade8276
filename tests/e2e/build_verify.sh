#!/bin/bash
# Every corpus/example/stdlib policy either builds with tpc and every
# program of its object that this kernel can load passes the verifier, or
# tpc refuses it with an "unsupported" diagnostic (reported as SKIP with the
# reason). Verified instruction counts go to build/verified-insns.txt so a
# complexity regression shows in review.
set -u
cd "$(dirname "$0")/../.."
TPC=${TPC:-build/tpc}
OBJLOAD=build/tests/objload
OUT=build/e2e-objs
mkdir -p "$OUT"
: >build/verified-insns.txt
for f in examples/*.yaml tests/corpus/*.yaml stdlib-policies/*/*.yaml; do
	[ -e "$f" ] || continue
	n=${f//\//_}
	n=${n%.yaml}
	if ! "$TPC" build "$f" -o "$OUT/$n.bpf.o" 2>"$OUT/$n.err"; then
		if grep -qE "not supported.* by tpc" "$OUT/$n.err"; then
			why=$(grep -m1 "error:" "$OUT/$n.err" | sed 's/.*error: //')
			echo "SKIP build/$f: $why"
		else
			echo "FAIL build/$f"
			head -5 "$OUT/$n.err" >&2
		fi
		continue
	fi
	if "$OBJLOAD" "$OUT/$n.bpf.o" >"$OUT/$n.load" 2>&1; then
		echo "PASS verify/$f"
		sed "s|^|$f |" "$OUT/$n.load" | grep ' ok ' >>build/verified-insns.txt
	else
		echo "FAIL verify/$f"
		grep -v '^;' "$OUT/$n.load" | tail -8 >&2
	fi
done
