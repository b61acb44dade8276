#!/bin/bash
# bench/doc.sh [RESULTS.json]: replace the generated part of docs/performance.md
# (between the BEGIN/END GENERATED markers) with bench/report.sh's tables of
# that run, so the document always shows the numbers of a real run.
set -eu
cd "$(dirname "$0")/.."
R=${1:-build/bench/results.json}
DOC=docs/performance.md
[ -f "$R" ] || { echo "doc: $R missing (run make bench)" >&2; exit 1; }
grep -q '^<!-- BEGIN GENERATED' "$DOC" || { echo "doc: no markers in $DOC" >&2; exit 1; }
tables=$(mktemp)
trap 'rm -f "$tables" "$DOC.tmp"' EXIT
bash bench/report.sh "$R" >"$tables"
awk -v t="$tables" '
	/^<!-- BEGIN GENERATED/ { print; while ((getline l < t) > 0) print l; skip = 1; next }
	/^<!-- END GENERATED/ { skip = 0 }
	!skip { print }' "$DOC" >"$DOC.tmp"
mv "$DOC.tmp" "$DOC"
echo "doc: $DOC updated from $R"
