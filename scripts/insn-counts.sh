#!/bin/bash
# Instruction counts of the corpus programs, one line per program:
#   POLICY PROGRAM INSNS VERIFIED TRANSLATED
# INSNS is the program's size in the object (its symbol size / 8: every
# attach kind, no kernel needed); VERIFIED and TRANSLATED come from this
# kernel's verifier (`tpc explain --verify`), "-" when the kernel cannot
# load the program (kprobe, fentry and LSM on this host; tests/vm for those).
# Usage: scripts/insn-counts.sh [POLICY.yaml...]   (default: tests/corpus and
# tests/golden). Needs root and bpffs for the verifier columns. Compare two
# builds: TPC=OLD/build/tpc scripts/insn-counts.sh >a; scripts/insn-counts.sh >b; diff a b
set -u
cd "$(dirname "$0")/.."
TPC=${TPC:-$PWD/build/tpc}
TMP=$(mktemp -d /tmp/tpc-insns.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
[ $# -gt 0 ] || set -- tests/corpus/*.yaml tests/golden/*.yaml
for f in "$@"; do
	name=${f#tests/}
	if ! "$TPC" build "$f" -o "$TMP/o.bpf.o" >/dev/null 2>&1; then
		echo "$name - not-built - -"
		continue
	fi
	"$TPC" explain --verify "$f" 2>/dev/null |
		awk '/^verifier/ { on = 1; next }
		     on && /^  [a-z]/ { if ($3 == "instructions") print $1, $2, $5; else print $1, "-", "-"; next }
		     on { on = 0 }' >"$TMP/v"
	# global FUNC symbols in program sections are the entry points
	llvm-readelf -sW "$TMP/o.bpf.o" |
		awk '$4 == "FUNC" && $5 == "GLOBAL" { print $8, $3 / 8 }' | sort >"$TMP/s"
	join -a 1 -e - -o 0,1.2,2.2,2.3 "$TMP/s" <(sort "$TMP/v") | sed "s|^|$name |"
done
