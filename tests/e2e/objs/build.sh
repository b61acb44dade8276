#!/bin/bash
# Build the hand-written test objects into $1 (default build/e2e-loader):
# clang -target bpf, then the metadata JSON added as the .tpc.meta section.
# Also derives the broken objects the refusal tests need.
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT=${1:-build/e2e-loader}
CLANG=${CLANG:-clang}
mkdir -p "$OUT"
[ -f build/vmlinux.h ] || bpftool btf dump file /sys/kernel/btf/vmlinux format c >build/vmlinux.h
ARCH=$(uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
# the uprobe object names this machine's libc
LIBC=$(readlink -f "$(ldconfig -p | awk '/libc.so.6 .*x86-64|libc.so.6 .*AArch64/ {print $NF; exit}')")
for src in tests/e2e/objs/*.bpf.c; do
	name=$(basename "$src" .bpf.c)
	sed "s|@LIBC@|$LIBC|g" "tests/e2e/objs/$name.json" >"$OUT/$name.meta"
	"$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_$ARCH -Ibuild -Iruntime/include -Iloader/bpf \
		-Wall -Wno-unused-function -c "$src" -o "$OUT/$name.tmp.o"
	llvm-objcopy --add-section .tpc.meta="$OUT/$name.meta" \
		--set-section-flags .tpc.meta=readonly "$OUT/$name.tmp.o" "$OUT/$name.bpf.o"
	rm -f "$OUT/$name.tmp.o"
done
# broken variants of the openat object
head -c 2000 "$OUT/openat.bpf.o" >"$OUT/truncated.bpf.o"
printf 'not an elf at all\n' >"$OUT/junk.bpf.o"
printf '{"tpc_meta_version": 1, "abi_version": 1, "policies": [' >"$OUT/badjson.meta"
sed 's/"abi_version": 1/"abi_version": 99/' tests/e2e/objs/openat.json >"$OUT/badabi.meta"
sed 's/"tpc_meta_version": 1/"tpc_meta_version": 7/' tests/e2e/objs/openat.json >"$OUT/badver.meta"
for b in badjson badabi badver; do
	llvm-objcopy --remove-section .tpc.meta "$OUT/openat.bpf.o" "$OUT/$b.tmp.o"
	llvm-objcopy --add-section .tpc.meta="$OUT/$b.meta" --set-section-flags .tpc.meta=readonly \
		"$OUT/$b.tmp.o" "$OUT/$b.bpf.o"
	rm -f "$OUT/$b.tmp.o"
done
llvm-objcopy --remove-section .tpc.meta "$OUT/openat.bpf.o" "$OUT/nometa.bpf.o"
# the exec object with only its LSM variant: no variant loads on a kernel
# without BPF LSM
python3 - "$OUT/lsmonly.meta" <<'PY'
import json, sys
m = json.load(open("tests/e2e/objs/exec_kill.json"))
m["programs"] = [p for p in m["programs"] if p["attach"] == "lsm"]
json.dump(m, open(sys.argv[1], "w"))
PY
llvm-objcopy --remove-section .tpc.meta "$OUT/exec_kill.bpf.o" "$OUT/lsmonly.tmp.o"
llvm-objcopy --add-section .tpc.meta="$OUT/lsmonly.meta" --set-section-flags .tpc.meta=readonly \
	"$OUT/lsmonly.tmp.o" "$OUT/lsmonly.bpf.o"
rm -f "$OUT/lsmonly.tmp.o"
