#!/bin/bash
# --pin with --require-signature: a pinned copy whose object is refused at
# start is kept only if it was verified with the same key when it was
# loaded (the marker verified_<key id> in its pin directory); any other
# pinned copy (loaded unsigned, or under another key) is detached, because
# the loader cannot re-verify bytes an earlier run loaded.  Checked by
# effect: a private copy of /bin/true blocked by a signed policy dies (137)
# or runs (0).
set -u
. "$(dirname "$0")/lib/loader_lib.sh"
need_root_tools
bash "$ROOT/scripts/mounts.sh" 2>/dev/null
if ! mountpoint -q /sys/fs/bpf; then
	skip all "bpffs not mounted and could not be mounted"
	exit 0
fi
TPC=${TPC:-$ROOT/$BUILD/tpc}
EXTRA_PIDS=
BLK=$T/tpc-pinsig-blocked
cp /bin/true "$BLK"
blk_rc() {
	"$BLK" >/dev/null 2>&1
	echo $?
}
cat >"$T/pol.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: harden-pinsig
spec:
  selectors:
    matchBinary: ["$BLK"]
  action: Block
EOF
"$TPC" keygen -o "$T/k" >/dev/null && "$TPC" keygen -o "$T/other" >/dev/null &&
	"$TPC" build --no-btf --sign "$T/k" "$T/pol.yaml" -o "$T/signed.bpf.o" 2>"$T/build.log" &&
	"$TPC" build --no-btf "$T/pol.yaml" -o "$T/unsigned.bpf.o" 2>>"$T/build.log" ||
	{ fail build "$(tail -3 "$T/build.log")"; exit 0; }
# expect_detached NAME IDS... : the running loader detached the unverified
# pinned copy (program ids IDS) and the blocked binary runs again
expect_detached() {
	local name=$1
	shift
	check "$name-pin-detached-logged" grep -q "'block.bpf.o' failed to load, and its previously pinned copy was not verified with key [0-9a-f]\{32\} when it was loaded: detaching it" "$LERR"
	check "$name-pin-ids-gone" ids_gone "$@"
	check "$name-pin-stops-enforcing" test "$(blk_rc)" = 0
	stop_loader TERM
}
mkdir -p "$T/d"
OBJ=$T/d/block.bpf.o
PIN=/sys/fs/bpf/tpc-pinsig-$$
trap 'rm -rf "$PIN"; cleanup_all' EXIT

# 1. an unsigned copy pinned by a loader without --require-signature
cp "$T/unsigned.bpf.o" "$OBJ"
if ! start_loader -o none --pin "$PIN" "$OBJ"; then
	fail unsigned-start "$(tail -3 "$LERR")"
	exit 0
fi
ids=$(loaded_ids "$LERR" block.bpf.o)
check unsigned-pinned-kills test "$(blk_rc)" = 137
check unsigned-no-marker test -z "$(ls "$PIN/block_bpf_o" | grep verified_)"
stop_loader KILL
check unsigned-pin-survives-kill9 test "$(blk_rc)" = 137

# 2. a loader with --require-signature: the object is refused, and the
# pinned copy nobody verified is detached
if start_loader -o none --pin "$PIN" --require-signature "$T/k.pub" "$OBJ"; then
	check unsigned-refused grep -q "block.bpf.o' refused: signature required: unsigned" "$LERR"
	expect_detached unverified $ids
else
	fail require-start "$(tail -3 "$LERR")"
fi

# 3. the signed object, verified and pinned with its marker
cp "$T/signed.bpf.o" "$OBJ"
if ! start_loader -o none --pin "$PIN" --require-signature "$T/k.pub" "$OBJ"; then
	fail signed-start "$(tail -3 "$LERR")"
	exit 0
fi
ids=$(loaded_ids "$LERR" block.bpf.o)
check signed-kills test "$(blk_rc)" = 137
check signed-marker test "$(ls "$PIN/block_bpf_o" | grep -c '^verified_[0-9a-f]\{32\}$')" = 1
stop_loader KILL

# 4. the file is tampered with: refused, but the verified pinned copy stays
size=$(stat -c %s "$OBJ")
orig=$(od -An -tu1 -j $((size / 2)) -N1 "$OBJ" | tr -d ' ')
printf "\\$(printf '%03o' $(((orig ^ 1) & 255)))" | dd of="$OBJ" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
if start_loader -o none --pin "$PIN" --require-signature "$T/k.pub" "$OBJ"; then
	check tampered-refused grep -q "block.bpf.o' refused: signature required: bad signature" "$LERR"
	check verified-pin-kept-logged grep -q "'block.bpf.o' failed to load: its previously pinned copy stays attached (verified with this key" "$LERR"
	check verified-pin-still-kills test "$(blk_rc)" = 137
	stop_loader TERM
else
	fail tampered-start "$(tail -3 "$LERR")"
fi

# 5. another key: that marker does not count
if start_loader -o none --pin "$PIN" --require-signature "$T/other.pub" "$OBJ"; then
	check otherkey-refused grep -q "block.bpf.o' refused: signature required: signed by another key" "$LERR"
	expect_detached otherkey $ids
else
	fail otherkey-start "$(tail -3 "$LERR")"
fi
check pin-dir-cleaned test ! -e "$PIN/block_bpf_o"
exit 0
