#!/bin/bash
# matchBinaries at exec across mounts: the canonical path walk crosses
# from the binary's own mount into its parents (tmpfs in tmpfs under the
# root filesystem), and the verdict is the same through a relative path, a
# symlink, a chroot and another mount namespace; a bind mount names the
# file by the bind mount's path (the loader's view of the mount tree), so
# a path policy does not match it there. The binaries are copies of the
# static busybox: `true` (blocked) and `false` (not named) as applets.
source "$(dirname "$0")/lib.sh"
need_bpf exec_mounts
BB=$(command -v busybox) || { skip exec_mounts "busybox missing"; exit 0; }
ldd "$BB" >/dev/null 2>&1 && { skip exec_mounts "busybox is not static (chroot case)"; exit 0; }

T=$E2E_TMP
M=$T/m
mkdir -p "$M" "$T/b" && mount -t tmpfs tpc-e2e "$M" || { fail exec_mounts/tmpfs; exit 0; }
mkdir -p "$M/bin" "$M/sub" && mount -t tmpfs tpc-e2e-sub "$M/sub" && mkdir -p "$M/sub/bin" ||
	{ umount "$M"; fail exec_mounts/tmpfs-sub; exit 0; }
umount_all() {
	umount "$T/b" 2>/dev/null
	umount "$M/sub" 2>/dev/null
	umount "$M" 2>/dev/null
	cleanup_e2e
}
trap umount_all EXIT
for d in "$M/bin" "$M/sub/bin"; do
	cp "$BB" "$d/true"
	cp "$BB" "$d/false"
done
ln -s "$M/bin/true" "$T/link"
mount --bind "$M/bin" "$T/b"

cat >"$T/p.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: exec-mounts
spec:
  selectors:
    matchBinary: ["$M/bin/true", "$M/sub/bin/true"]
  action: Block
EOF
"$TPC" build "$T/p.yaml" -o "$T/p.bpf.o" || { fail exec_mounts/build; exit 0; }
start_loader em "$T/p.bpf.o" || { fail exec_mounts/loader-start; exit 0; }

exp() { # exp NAME blocked|runs CMD...
	local name=$1 want=$2 s
	shift 2
	s=$(status_of "$@")
	case $want,$s in
	blocked,137 | blocked,126 | runs,0 | runs,1) pass "exec_mounts/$name" ;;
	*) fail "exec_mounts/$name" "exit $s, wanted $want: $*" ;;
	esac
}
exp one-mount-up blocked "$M/bin/true"
exp two-mounts-up blocked "$M/sub/bin/true"
exp other-binary-runs runs "$M/bin/false"
exp other-binary-sub-runs runs "$M/sub/bin/false"
exp relative blocked sh -c "cd '$M/sub' && exec ./bin/true"
exp symlink blocked "$T/link"
exp chroot blocked chroot "$M" /bin/true
exp chroot-other-runs runs chroot "$M" /bin/false
exp mount-namespace blocked unshare -m --propagation private "$M/bin/true"
exp bind-mount-path-differs runs "$T/b/true"

# Verify on hit: the set is keyed by a 64-bit hash of the path and the
# value holds the path, which the program compares. Change one byte of the
# stored path under the same key (what a hash collision looks like to the
# program) and the blocked binary runs.
if command -v bpftool >/dev/null && command -v jq >/dev/null; then
	ids=$(sed -n 's/.*(ids \([0-9 ]*\)).*/\1/p' "$T/em.log" | tr "\n" " ")
	map=
	for id in $ids; do
		for m in $(bpftool prog show id "$id" --json | jq -r '.map_ids[]?'); do
			[ "$(bpftool map show id "$m" --json | jq -r .name)" = tpc_m0 ] && map=$m
		done
	done
	want=$M/bin/true
	entry=$(bpftool map dump id "${map:-0}" -j 2>/dev/null |
		jq -c --arg n "$(printf '0x%02x' ${#want})" '.[] | select(.value[0] == $n)' | head -1)
	if [ -n "$entry" ]; then
		key=$(jq -r '.key | join(" ")' <<<"$entry")
		# the path's last byte (offset 8 + len - 1): 'e' -> 'f'
		val=$(jq -r --argjson i $((8 + ${#want} - 1)) '.value | .[$i] = "0x66" | join(" ")' <<<"$entry")
		# shellcheck disable=SC2086 # byte lists
		bpftool map update id "$map" key hex ${key//0x/} value hex ${val//0x/} &&
			exp verify-on-hit-refuses-other-path runs "$M/bin/true" ||
			fail exec_mounts/verify-on-hit "map update failed"
	else
		fail exec_mounts/verify-on-hit "no entry for $want in map ${map:-?} (ids $ids)"
	fi
else
	skip exec_mounts/verify-on-hit "bpftool or jq missing"
fi
stop_loader
grep -q '"binary":"'"$M"'/sub/bin/true"' "$T/em.json" && pass exec_mounts/event-path ||
	fail exec_mounts/event-path "no event with $M/sub/bin/true: $(head -c 600 "$T/em.json")"
