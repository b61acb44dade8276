#!/bin/bash
# SubString and SubStringIgnCase on the host (tracepoint
# syscalls/sys_enter_openat): files under a directory of the script's own
# are opened; the needle in the middle, at the start, at the end, twice,
# in another case, and look-alikes (one byte short, split by the path).
source "$(dirname "$0")/lib.sh"
need_bpf substring
D=$E2E_TMP/s
mkdir -p "$D/tpc-nee/dle"
sed -e "s|@DIR@|$D|g" "$E2E_ROOT/tests/e2e/policies/substring.yaml" >"$E2E_TMP/substring.yaml"
"$TPC" build "$E2E_TMP/substring.yaml" -o "$E2E_TMP/substring.bpf.o" 2>"$E2E_TMP/build.err" ||
	{ fail substring/build "$(grep -m1 error: "$E2E_TMP/build.err")"; exit 0; }
start_loader sub "$E2E_TMP/substring.bpf.o" || { fail substring/loader-start; exit 0; }
for f in a-tpc-needle-b tpc-needle-start end-tpc-needle x-other-needle-y tpc-needletpc-needle \
	a-CASE-NEEDLE-b case-needle tpc-needl a-tpc-nee/dle/x; do
	cat "$D/$f" 2>/dev/null
done
stop_loader
python3 - "$E2E_TMP/sub.json" "$D" <<'PY'
import json, sys
d = sys.argv[2] + "/"
got = {}
for l in open(sys.argv[1]):
    tp = json.loads(l).get("process_tracepoint") if l.strip() else None
    if not tp:
        continue
    f = tp["args"][0].get("string_arg", "")
    if f.startswith(d):
        got.setdefault(tp["policy_name"], []).append(f[len(d):])
want = {
    "substring": sorted(["a-tpc-needle-b", "tpc-needle-start", "end-tpc-needle",
                         "x-other-needle-y", "tpc-needletpc-needle"]),
    "substring-icase": sorted(["a-CASE-NEEDLE-b", "case-needle"]),
}
for pol, w in want.items():
    g = sorted(got.get(pol, []))
    print(("PASS " if g == w else "FAIL ") + "substring/" + pol)
    if g != w:
        print("  want %s, got %s" % (w, g), file=sys.stderr)
PY
