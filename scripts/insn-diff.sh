#!/bin/bash
# insn-diff.sh BEFORE AFTER - compare two verified instruction count files
# (scripts/insn-counts.sh's "POLICY PROG INSNS VERIFIED XLATED" or the VM's
# "NAME PROG SEC verified_insns=N xlated=N"): the sums over the programs both
# hold, how many went up or down, the largest changes, and the programs only
# one of them verified. Exit 1 when a program grew.
set -u
[ $# -eq 2 ] || { echo "usage: insn-diff.sh BEFORE AFTER" >&2; exit 2; }
awk -v top="${TOP:-10}" '
function val(   i) {
	for (i = 3; i <= NF; i++)
		if ($i ~ /^verified_insns=/)
			return substr($i, 16)
	return $4
}
FNR == 1 { f++ }
{ v = val(); if (v == "-" || v == "") next; k = $1 " " $2 }
f == 1 { a[k] = v; next }
{ b[k] = v }
END {
	for (k in a) {
		if (!(k in b)) { gone++; print "only before: " k; continue }
		sa += a[k]; sb += b[k]; n++
		d = b[k] - a[k]
		if (d > 0) up++; else if (d < 0) down++
		if (d != 0) ch[k] = d
	}
	for (k in b) if (!(k in a)) { new++; print "only after: " k }
	printf "%d programs: %d -> %d (%+d, %+.1f%%); %d up, %d down, %d same\n",
		n, sa, sb, sb - sa, sa ? 100 * (sb - sa) / sa : 0, up, down, n - up - down
	m = 0
	for (k in ch) keys[++m] = k
	# largest changes by absolute size (insertion sort: a few hundred keys)
	for (i = 2; i <= m; i++) {
		x = keys[i]; j = i - 1
		while (j >= 1 && (ch[keys[j]] < 0 ? -ch[keys[j]] : ch[keys[j]]) < (ch[x] < 0 ? -ch[x] : ch[x])) { keys[j + 1] = keys[j]; j-- }
		keys[j + 1] = x
	}
	for (i = 1; i <= m && i <= top; i++)
		printf "  %-70s %7d -> %7d (%+d)\n", keys[i], a[keys[i]], b[keys[i]], ch[keys[i]]
	if (up) {
		print "grew:"
		for (k in ch) if (ch[k] > 0) printf "  %-70s %7d -> %7d (%+d)\n", k, a[k], b[k], ch[k]
	}
	exit up ? 1 : 0
}' "$1" "$2"
