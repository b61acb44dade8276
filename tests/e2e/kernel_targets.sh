#!/bin/bash
# `tpc validate/build --kernel K`: checks against a named kernel's BTF and
# tracepoint formats, several kernels at once with tagged diagnostics.
#  - fake kernels (BTF of a clang -target bpf object, a tracefs-like tree of
#    recorded formats beside it): a function one lacks is one located error
#    tagged with that kernel; a tracepoint field at different offsets makes
#    one object for both impossible (build refuses, names the offsets), while
#    each alone builds; usage errors exit 2.
#  - Debian 5.10, 6.1 and 6.12 from the kernel cache (scripts/vm/kernel.sh
#    --target: fetched, BTF cut out, formats recorded from one boot; SKIP
#    with the reason when that cannot be done): tests/e2e/kernel/reach.yaml
#    names hooks only some of them have, and each error names exactly the
#    kernels that lack the construct; the seed builds for all three into the
#    same object as without --kernel.
set -u
cd "$(dirname "$0")/../.."
D=tests/e2e/kernel
. tests/e2e/lib.sh
T=$E2E_TMP
ok() { pass kernel_targets/$1; }
bad() { fail kernel_targets/$1 "$(shift; printf '%s\n' "$@")"; }
# has NAME OUT LINE...: every LINE is a line of OUT
has() {
	local name=$1 out=$2 l
	shift 2
	for l in "$@"; do
		grep -qxF -- "$l" <<<"$out" || { bad "$name" "missing: $l" "got:" "$out"; return; }
	done
	ok "$name"
}

# --- fake kernels ---------------------------------------------------------------
fmt() { # fmt OFFSET: a tracepoint format with one int field at OFFSET
	printf 'name: ev\nID: 999\nformat:\n'
	printf '\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n'
	printf '\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n'
	printf '\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n'
	printf '\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n'
	printf '\tfield:int value;\toffset:%d;\tsize:4;\tsigned:1;\n\n' "$1"
	printf 'print fmt: "value=%%d", REC->value\n'
}
for k in kA kB; do
	mkdir -p "$T/$k/tracefs/events/tpc/ev"
	def=
	[ $k = kA ] && def=-DKA
	clang -target bpf -g -O2 $def -c $D/fake-kernel.c -o "$T/$k/vmlinux.btf" ||
		{ bad fake-kernels "clang -target bpf failed"; exit 0; }
done
fmt 8 >"$T/kA/tracefs/events/tpc/ev/format"
fmt 12 >"$T/kB/tracefs/events/tpc/ev/format"
cp $D/fake-funcs.yaml $D/fake-tracepoint.yaml "$T/"

out=$(cd "$T" && "$TPC" validate --kernel kA --kernel kB fake-funcs.yaml 2>&1)
rc=$?
[ $rc = 1 ] && has fake/missing-function-tagged "$out" \
	"fake-funcs.yaml:8:11: error: [kB] kernel function 'only_in_a' does not exist in kernel BTF" \
	"    8 |   - call: only_in_a" || { [ $rc = 1 ] || bad fake/missing-function-tagged "exit $rc: $out"; }
[ "$(grep -c error: <<<"$out")" = 1 ] && ok fake/one-error || bad fake/one-error "$out"
out=$(cd "$T" && "$TPC" validate --kernel kA fake-funcs.yaml 2>&1)
rc=$?
[ $rc = 0 ] && [ -z "$out" ] && ok fake/other-kernel-clean || bad fake/other-kernel-clean "exit $rc: $out"
# a BTF file (here an ELF object with .BTF) as the target
out=$("$TPC" validate --kernel "$T/kB/vmlinux.btf" "$T/fake-funcs.yaml" 2>&1)
rc=$?
[ $rc = 1 ] && grep -q "error: \[vmlinux.btf\] kernel function 'only_in_a'" <<<"$out" &&
	ok fake/btf-file-target || bad fake/btf-file-target "exit $rc: $out"
out=$("$TPC" validate --format json --kernel "$T/kA" --kernel "$T/kB" "$T/fake-funcs.yaml" 2>/dev/null)
python3 - "$out" <<'PY' && ok fake/json-kernels || bad fake/json-kernels "$out"
import json, sys
d = json.loads(sys.argv[1])["diagnostics"]
assert len(d) == 1 and d[0]["kernels"] == ["kB"] and d[0]["line"] == 8, d
PY

# tracepoint record layouts: each kernel alone builds, both together cannot
out=$(cd "$T" && "$TPC" validate --kernel kA --kernel kB fake-tracepoint.yaml 2>&1)
[ $? = 0 ] && ok fake/tracepoint-validates || bad fake/tracepoint-validates "$out"
out=$(cd "$T" && "$TPC" build --kernel kA --kernel kB fake-tracepoint.yaml -o both.bpf.o 2>&1)
rc=$?
[ $rc = 1 ] && [ ! -e "$T/both.bpf.o" ] && has fake/layout-mismatch-refused "$out" \
	"fake-tracepoint.yaml:8:5: error: one object cannot serve kernels kA and kB: field 4 of 'tp:tpc/ev' is at offset 8 (4 bytes, signed) on kA, 12 (4 bytes, signed) on kB; build one object per kernel" ||
	{ [ $rc = 1 ] || bad fake/layout-mismatch-refused "exit $rc: $out"; }
for k in kA kB; do
	if (cd "$T" && "$TPC" build --kernel $k fake-tracepoint.yaml -o $k.bpf.o --emit-c $k.c 2>"$k.err"); then
		ok fake/builds-for-$k
	else
		bad fake/builds-for-$k "$(cat "$T/$k.err")"
	fi
done
# the offset each kernel's format gives is the one its program reads
if grep -q 'tpc_ctx__load(32, ctx, 8)' "$T/kA.c" && grep -q 'tpc_ctx__load(32, ctx, 12)' "$T/kB.c"; then
	ok fake/per-kernel-offsets
else
	bad fake/per-kernel-offsets "$(grep -h 'tpc_ctx__load' "$T/kA.c" "$T/kB.c")"
fi

# usage errors: exit 2, nothing written
out=$("$TPC" validate --kernel 5.99 "$T/fake-funcs.yaml" 2>&1)
rc=$?
[ $rc = 2 ] && grep -q "unknown kernel '5.99'" <<<"$out" && ok unknown-kernel-exit-2 ||
	bad unknown-kernel-exit-2 "exit $rc: $out"
out=$("$TPC" build --kernel "$T/nowhere" "$T/fake-funcs.yaml" -o "$T/x.bpf.o" 2>&1)
rc=$?
[ $rc = 2 ] && [ ! -e "$T/x.bpf.o" ] && grep -q "nowhere: No such file" <<<"$out" &&
	ok missing-btf-exit-2 || bad missing-btf-exit-2 "exit $rc: $out"
"$TPC" validate --kernel "$T/kA" --btf "$T/kA/vmlinux.btf" "$T/fake-funcs.yaml" 2>/dev/null
[ $? = 2 ] && ok kernel-with-btf-exit-2 || bad kernel-with-btf-exit-2
"$TPC" validate --kernel "$T/kA" --kernel "$T/kA" "$T/fake-funcs.yaml" 2>/dev/null
[ $? = 2 ] && ok kernel-twice-exit-2 || bad kernel-twice-exit-2

# --- Debian kernels ----------------------------------------------------------------
for k in 5.10 6.1 6.12; do
	if ! bash scripts/vm/kernel.sh --target $k >"$T/dir-$k" 2>"$T/err-$k"; then
		echo "SKIP kernel_targets/debian: kernel $k: $(tail -1 "$T/err-$k")"
		exit 0
	fi
	[ -d "$(cat "$T/dir-$k")/tracefs/events" ] ||
		echo "SKIP kernel_targets/debian-$k-formats: $(grep warning "$T/err-$k" | tail -1)"
done
out=$("$TPC" validate --kernel 5.10 --kernel 6.1 --kernel 6.12 $D/reach.yaml 2>&1)
rc=$?
[ $rc = 1 ] && has debian/tagged-per-kernel "$out" \
	"$D/reach.yaml:10:11: error: [5.10] kernel function 'kfree_skb_reason' does not exist in kernel BTF; did you mean 'kfree_skb_list'?" \
	"$D/reach.yaml:10:11: error: [6.12] kernel function 'kfree_skb_reason' does not exist in kernel BTF; did you mean 'kfree_skb_list_reason'?" \
	"$D/reach.yaml:15:11: error: [5.10] LSM hook 'task_fix_setgroups' does not exist in kernel BTF (no bpf_lsm_task_fix_setgroups); did you mean 'task_fix_setgid'?" \
	"$D/reach.yaml:18:12: error: [5.10] tracepoint 'icmp/icmp_send' does not exist on this kernel" ||
	{ [ $rc = 1 ] || bad debian/tagged-per-kernel "exit $rc: $out"; }
[ "$(grep -c ' error: ' <<<"$out")" = 4 ] && ! grep -q do_init_module <<<"$out" &&
	ok debian/do_init_module-everywhere || bad debian/do_init_module-everywhere "$out"
out=$("$TPC" validate --kernel 6.1 $D/reach.yaml 2>&1)
rc=$?
[ $rc = 0 ] && ok debian/6.1-has-all || bad debian/6.1-has-all "exit $rc: $out"
# one object for 6.1 and 6.12: the same bytes as a build without --kernel
if "$TPC" build examples/block-netcat.yaml -o "$T/seed.bpf.o" 2>"$T/e1" &&
	"$TPC" build --kernel 6.1 --kernel 6.12 examples/block-netcat.yaml \
		-o "$T/seed2.bpf.o" 2>"$T/e2"; then
	cmp -s "$T/seed.bpf.o" "$T/seed2.bpf.o" && ok debian/seed-one-object || bad debian/seed-one-object "objects differ"
else
	bad debian/seed-one-object "$(cat "$T/e1" "$T/e2")"
fi
# 5.10 lacks bpf_loop() and bpf_get_current_task_btf() (its BTF's enum
# bpf_func_id says so): an object for it and the others walks with bounded
# loops, and its metadata no longer claims bpf_loop
c=$("$TPC" build --kernel 5.10 --kernel 6.12 --emit-c - examples/block-netcat.yaml 2>&1)
grep -q '^#define TPC_NO_BPF_LOOP 1' <<<"$c" && grep -q '^#define TPC_NO_TASK_BTF 1' <<<"$c" &&
	! "$TPC" build --kernel 6.1 --emit-c - examples/block-netcat.yaml | grep -q TPC_NO_ &&
	ok debian/5.10-no-bpf-loop || bad debian/5.10-no-bpf-loop "$(head -20 <<<"$c")"
if "$TPC" build --kernel 5.10 --kernel 6.1 --kernel 6.12 examples/block-netcat.yaml \
	-o "$T/seed3.bpf.o" 2>"$T/e3"; then
	# llvm-objcopy writes a section through a temporary file it renames
	# onto the destination: with /dev/stdout it replaced the /dev/stdout
	# symlink itself (as root), which broke every later test writing there
	llvm-objcopy --dump-section .tpc.meta="$T/meta3" "$T/seed3.bpf.o" &&
		llvm-objcopy --dump-section .tpc.meta="$T/meta" "$T/seed.bpf.o"
	feats=$(jq -c .features "$T/meta3")
	host=$(jq -c .features "$T/meta")
	! grep -q bpf_loop <<<"$feats" && grep -q bpf_loop <<<"$host" &&
		ok debian/5.10-features || bad debian/5.10-features "5.10: $feats host: $host"
else
	bad debian/5.10-features "$(cat "$T/e3")"
fi
# dns/http parsing needs bpf_loop: refused for 5.10 at the protocol, tagged
out=$("$TPC" validate --kernel 5.10 --kernel 6.1 examples/dns-http-observe.yaml 2>&1)
rc=$?
[ $rc = 1 ] && grep -q "error: \[5.10\] tpcNetwork 'dns' needs the bpf_loop helper (Linux 5.17)" <<<"$out" &&
	! grep -q '\[6.1\]' <<<"$out" && ok debian/5.10-dns-refused || bad debian/5.10-dns-refused "exit $rc: $out"
# SubString's nested walks need bpf_loop too (5.10: "too complex" as a
# bounded loop): refused at the value, for 5.10 only
out=$("$TPC" validate --kernel 5.10 --kernel 6.1 tests/corpus/kprobe-substring.yaml 2>&1)
rc=$?
[ $rc = 1 ] && grep -q "kprobe-substring.yaml:20:18: error: \[5.10\] SubString needs the bpf_loop helper" <<<"$out" &&
	! grep -q '\[6.1\]' <<<"$out" && ok debian/5.10-substring-refused || bad debian/5.10-substring-refused "exit $rc: $out"
# A function with a struct argument by value (kuid_t): 5.10's trampolines
# refuse it, so the programs without a kprobe fallback are refused for 5.10
# at their hook, from its BTF (btf_func_model has no arg_flags there); the
# entry kprobe on one (fentry, else kprobe) is not
out=$("$TPC" validate --kernel 5.10 --kernel 6.1 $D/struct-args.yaml 2>&1)
rc=$?
refused=$(grep -c "error: \[5.10\] .* by value, a struct: BPF trampolines of this kernel refuse struct arguments" <<<"$out")
[ $rc = 1 ] && [ "$refused" = 3 ] &&
	grep -q "struct-args.yaml:12:11: error: \[5.10\] LSM hook 'path_chown' takes argument 1 ('kuid_t uid') by value" <<<"$out" &&
	grep -q "struct-args.yaml:17:11: error: \[5.10\] LSM hook 'path_chown' takes" <<<"$out" &&
	grep -q "struct-args.yaml:30:11: error: \[5.10\] kernel function 'from_kuid' takes argument 1 ('kuid_t kuid')" <<<"$out" &&
	! grep -q "from_kgid" <<<"$out" && ! grep -q 'error: \[6.1' <<<"$out" &&
	ok debian/5.10-struct-args-refused || bad debian/5.10-struct-args-refused "exit $rc: $out"
# the enforcer of chown denies at path_chown: refused for 5.10, no object
rm -f "$T/enf.bpf.o"
out=$("$TPC" build --kernel 5.10 tests/corpus/enforcer-notify-deny.yaml -o "$T/enf.bpf.o" 2>&1)
rc=$?
[ $rc = 1 ] && [ ! -e "$T/enf.bpf.o" ] &&
	grep -q "enforcer-notify-deny.yaml:12:28: error: \[5.10\] LSM hook 'path_chown' takes argument 1" <<<"$out" &&
	grep -q "note: the enforcer denies 'sys_fchownat' at the LSM hook 'path_chown'" <<<"$out" &&
	"$TPC" build --kernel 6.1 tests/corpus/enforcer-notify-deny.yaml -o "$T/enf.bpf.o" 2>/dev/null &&
	ok debian/5.10-enforcer-struct-arg-refused || bad debian/5.10-enforcer-struct-arg-refused "exit $rc: $out"
