#!/bin/bash
# Signed objects end to end: tpc keygen, build --sign, verify-signature exit
# codes, and tpc-loader --require-signature loading the signed block-netcat
# object (nc killed) while refusing a tampered, an unsigned and a
# wrong-key object by name and reason - and still enforcing afterwards,
# also when a tampered object arrives later through --policy-dir.
# Prints PASS/FAIL/SKIP lines (tests/run.sh tier e2e).
set -u
. "$(dirname "$0")/lib.sh"
K=$E2E_TMP/ci.key
SEED=$E2E_ROOT/examples/block-netcat.yaml

# --- keygen: files, modes, no silent overwrite
check keygen "$TPC" keygen -o "$K"
check keygen-secret-0600 test "$(stat -c %a "$K")" = 600
check keygen-public-format grep -qE '^tpc-ed25519-public-v1 [A-Za-z0-9+/=]{44}$' "$K.pub"
before=$(cat "$K")
check keygen-refuses-overwrite test "$(status_of "$TPC" keygen -o "$K")" = 2
check keygen-kept-old-key test "$(cat "$K")" = "$before"
"$TPC" keygen -o "$E2E_TMP/other.key" >/dev/null

# --- build --sign and verify-signature
mkdir -p "$E2E_TMP/objs"
O=$E2E_TMP/objs
if ! "$TPC" build --no-btf --sign "$K" "$SEED" -o "$O/signed.bpf.o" 2>"$E2E_TMP/build.log"; then
	fail build-sign "$(cat "$E2E_TMP/build.log")"
	exit 0
fi
pass build-sign
"$TPC" build --no-btf "$SEED" -o "$O/unsigned.bpf.o" 2>>"$E2E_TMP/build.log"
"$TPC" build --no-btf --sign "$E2E_TMP/other.key" "$SEED" -o "$O/otherkey.bpf.o" 2>>"$E2E_TMP/build.log"
check build-sign-bad-key test "$(status_of "$TPC" build --no-btf --sign "$K.pub" "$SEED" -o "$O/x.bpf.o")" = 2
check build-sign-bad-key-no-output test ! -e "$O/x.bpf.o"
# tamper with one byte in the middle of the file
cp "$O/signed.bpf.o" "$O/tampered.bpf.o"
size=$(stat -c %s "$O/tampered.bpf.o")
off=$((size / 2))
orig=$(od -An -tu1 -j "$off" -N1 "$O/tampered.bpf.o" | tr -d ' ')
printf "\\$(printf '%03o' $(((orig ^ 1) & 255)))" |
	dd of="$O/tampered.bpf.o" bs=1 seek="$off" conv=notrunc 2>/dev/null
check tamper-changed-file bash -c "! cmp -s '$O/signed.bpf.o' '$O/tampered.bpf.o'"

vs() { "$TPC" verify-signature --key "$K.pub" "$@"; }
check verify-valid-exit0 test "$(status_of vs "$O/signed.bpf.o")" = 0
check verify-tampered-exit1 test "$(status_of vs "$O/tampered.bpf.o")" = 1
check verify-unsigned-exit1 test "$(status_of vs "$O/unsigned.bpf.o")" = 1
check verify-otherkey-exit1 test "$(status_of vs "$O/otherkey.bpf.o")" = 1
check verify-mixed-exit1 test "$(status_of vs "$O/signed.bpf.o" "$O/tampered.bpf.o")" = 1
check verify-usage-exit2 test "$(status_of "$TPC" verify-signature "$O/signed.bpf.o")" = 2
check verify-tampered-reason bash -c "'$TPC' verify-signature --key '$K.pub' '$O/tampered.bpf.o' | grep -q 'tampered.bpf.o: INVALID: bad signature'"
check verify-unsigned-reason bash -c "'$TPC' verify-signature --key '$K.pub' '$O/unsigned.bpf.o' | grep -q 'unsigned: no .tpc.sig section'"

# --- the loader
need_bpf loader-require-signature
PD=$E2E_TMP/pd
mkdir -p "$PD"
cp "$O/signed.bpf.o" "$PD/"
if ! start_loader sig --require-signature "$K.pub" --policy-dir "$PD" \
	"$O/tampered.bpf.o" "$O/unsigned.bpf.o" "$O/otherkey.bpf.o"; then
	fail loader-start "$(tail -5 "$E2E_TMP/sig.log")"
	exit 0
fi
pass loader-start
L=$E2E_TMP/sig.log
J=$E2E_TMP/sig.json
# kills by this loader's object (other loaders on a shared host may also
# block nc: exit 137 alone does not prove that ours enforced)
kills() { grep -c '"policy_name":"block-netcat"' "$J" 2>/dev/null; }
# enforced NAME : nc is killed and our loader reports the kill
enforced() {
	local before after rc
	before=$(kills)
	rc=$(status_of nc -h 2>/dev/null)
	for _ in $(seq 30); do
		after=$(kills)
		[ "$after" -gt "$before" ] && break
		sleep 0.1
	done
	if [ "$rc" = 137 ] && [ "$after" -gt "$before" ]; then pass "$1"; else fail "$1" "rc=$rc events $before -> $after"; fi
}
refused() { grep -q "object '[^']*$1' refused: signature required: $2" "$L"; }
check loader-refuses-tampered refused tampered.bpf.o "bad signature"
check loader-refuses-unsigned refused unsigned.bpf.o "unsigned: no .tpc.sig section"
check loader-refuses-otherkey refused otherkey.bpf.o "signed by another key"
check loader-loads-signed grep -q "loaded 'signed.bpf.o'" "$L"
enforced loader-signed-enforces
# a tampered object arriving later is refused; the signed one keeps enforcing
cp "$O/tampered.bpf.o" "$PD/late.bpf.o"
for _ in $(seq 50); do grep -q "late.bpf.o' refused" "$L" && break; sleep 0.1; done
check loader-refuses-late-tampered refused late.bpf.o "bad signature"
enforced loader-still-enforces
# replacing the signed object by a tampered copy of itself is refused and
# the running signed programs stay attached
cp "$O/tampered.bpf.o" "$PD/signed.bpf.o.new" && mv "$PD/signed.bpf.o.new" "$PD/signed.bpf.o"
for _ in $(seq 50); do grep -q "signed.bpf.o' refused" "$L" && break; sleep 0.1; done
check loader-refuses-tampered-replacement refused signed.bpf.o "bad signature"
enforced loader-keeps-old-on-bad-replacement
stop_loader
check loader-clean-exit test $? = 0
