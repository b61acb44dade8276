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
# Features this kernel lacks, as tpc-loader probes them ("  NAME  no  why"):
# an object that needs one (its .tpc.meta "features") is refused by the
# loader before loading, so a verifier refusal here is a SKIP with the
# probe's reason, not a failure (probe_write_user under lockdown)
LACKS=$("${LOADER:-build/tpc-loader}" probe 2>/dev/null | awk '$2 == "no" {print}')
lacked() { # OBJ: print "FEATURE: why" for a feature OBJ needs that is lacking
	local feats f
	llvm-objcopy --dump-section .tpc.meta="$OUT/meta.json" "$1" 2>/dev/null || return 1
	feats=$(jq -r '.features[]?' "$OUT/meta.json" 2>/dev/null)
	for f in $feats; do
		awk -v f="$f" '$1 == f {$1 = $2 = ""; sub(/^ +/, ""); print f ": " $0; found = 1}
			END {exit !found}' <<<"$LACKS" && return 0
	done
	return 1
}
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
	elif why=$(lacked "$OUT/$n.bpf.o"); then
		echo "SKIP verify/$f: this kernel lacks $why"
	else
		echo "FAIL verify/$f"
		grep -v '^;' "$OUT/$n.load" | tail -8 >&2
	fi
done
