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
for src in tests/e2e/objs/*.bpf.c; do
	name=$(basename "$src" .bpf.c)
	"$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_$ARCH -Ibuild -Iruntime/include -Iloader/bpf \
		-Wall -Wno-unused-function -c "$src" -o "$OUT/$name.tmp.o"
	llvm-objcopy --add-section .tpc.meta="tests/e2e/objs/$name.json" \
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
