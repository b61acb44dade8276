#!/bin/bash
# tetragon-examples.sh [--markdown] [--tpc PATH] DIR - the compatibility
# yardstick: build every YAML file under DIR (Tetragon's examples/ folder,
# fetched as cilium/tetragon) with tpc, one file at a time, and say what
# happened to each.
#
# A file whose documents hold no TracingPolicy or TracingPolicyNamespaced is
# "not a policy" (Tetragon keeps a few other manifests there) and is not
# counted. Every other file is "built" (tpc build exited 0) or "refused"
# (the first error line is printed). A file refused for this machine's
# kernel is tried again for each Debian kernel of the VM matrix (--kernel
# 5.10, 6.1, 6.12, from the kernel cache; TPC_EXAMPLES_KERNELS overrides the
# list, empty to skip): if some build it, it is "builds for K" instead
# (the host's BTF lacks the function, the policy is written for older
# kernels), counted apart from both. Output: one line per file, then the
# totals and the wall time of the whole folder; --markdown prints the table
# docs/compatibility.md carries instead.
#
# Exit status: 0 when every file was classified, 2 on usage errors.
set -u
MD=0
TPC=
while [ $# -gt 0 ]; do
	case $1 in
	--markdown) MD=1; shift ;;
	--tpc) TPC=$2; shift 2 ;;
	-h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) break ;;
	esac
done
DIR=${1:-}
[ -n "$DIR" ] && [ -d "$DIR" ] || { echo "usage: $0 [--markdown] [--tpc PATH] DIR" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
TPC=${TPC:-$HERE/build/tpc}
[ -x "$TPC" ] || { echo "$0: no tpc at $TPC (run make first)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
built=0 refused=0 other=0 elsewhere=0
KERNELS=${TPC_EXAMPLES_KERNELS-5.10 6.1 6.12}
start=$(date +%s.%N)
rows=$tmp/rows
: >"$rows"
while IFS= read -r f; do
	rel=${f#"$DIR"/}
	if ! grep -Eq '^kind:[[:space:]]*"?TracingPolicy(Namespaced)?"?[[:space:]]*$' "$f"; then
		other=$((other + 1))
		printf '%s\tnot a policy\t\n' "$rel" >>"$rows"
		continue
	fi
	if "$TPC" build -o "$tmp/out.bpf.o" "$f" >"$tmp/log" 2>&1; then
		built=$((built + 1))
		printf '%s\tbuilt\t\n' "$rel" >>"$rows"
	else
		why=$(grep -m1 -E 'error:' "$tmp/log" | sed -E 's/^[^ ]*: error: //')
		[ -n "$why" ] || why=$(head -n1 "$tmp/log")
		ok=
		for k in $KERNELS; do
			"$TPC" build --kernel "$k" -o "$tmp/out.bpf.o" "$f" >/dev/null 2>&1 &&
				ok="${ok:+$ok, }$k"
		done
		if [ -n "$ok" ]; then
			elsewhere=$((elsewhere + 1))
			printf '%s\tbuilds for %s\thost: %s\n' "$rel" "$ok" "$why" >>"$rows"
		else
			refused=$((refused + 1))
			printf '%s\trefused\t%s\n' "$rel" "$why" >>"$rows"
		fi
	fi
	rm -f "$tmp/out.bpf.o"
done < <(find "$DIR" -type f \( -name '*.yaml' -o -name '*.yml' \) | LC_ALL=C sort)
secs=$(echo "$(date +%s.%N) - $start" | bc)

if [ $MD = 1 ]; then
	echo "| File | Result | First error |"
	echo "|---|---|---|"
	# Pipes in a message would break the table.
	sed -e 's/|/\\|/g' -e 's/\t/ | /g' -e 's/^/| /' -e 's/$/ |/' "$rows"
	echo
	printf '%d built, %d build only for other kernels, %d refused, %d not policies; %.1f s for the folder.\n' \
		"$built" "$elsewhere" "$refused" "$other" "$secs"
else
	column -t -s "$(printf '\t')" "$rows"
	printf '%d built, %d build only for other kernels, %d refused, %d not policies; %.1f s\n' \
		"$built" "$elsewhere" "$refused" "$other" "$secs"
fi
