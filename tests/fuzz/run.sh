#!/bin/bash
# Build every tests/fuzz/fuzz_<name>.c as a libFuzzer binary under ASan+UBSan
# and run each for SECONDS (default 10) on tests/fuzz/corpus_<name>/.
# Exits non-zero if any target fails to build, crashes, leaks or times out.
# Usage: tests/fuzz/run.sh [SECONDS]     (run `make` first: needs build/grammar)
set -u
cd "$(dirname "$0")/../.."
SECS=${1:-10}
BUILD=${OUTPUT:-build}
OUT=$BUILD/fuzz
CLANG=${CLANG:-clang}
mkdir -p "$OUT"

if [ ! -f "$BUILD/grammar/selector.tab.c" ] || [ ! -f "$BUILD/grammar/selector.lex.c" ]; then
	echo "fuzz: $BUILD/grammar is missing; run make first" >&2
	exit 2
fi
[ -f "$BUILD/gen/syscall_table.h" ] || { echo "fuzz: $BUILD/gen/syscall_table.h is missing; run make first" >&2; exit 2; }

FLAGS=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -std=gnu11 -D_GNU_SOURCE -DTPC_VERSION='"fuzz"'
       -I"$BUILD/grammar" -I"$BUILD/gen" -Icompiler -Igrammar -Iruntime/include -Icommon -Ik8sapi)
SRCS=()
for f in compiler/*/*.c; do
	[ "$f" = compiler/cli/main.c ] && continue
	SRCS+=("$f")
done
SRCS+=("$BUILD/grammar/selector.tab.c" "$BUILD/grammar/selector.lex.c")
# common/ minus its HTTP part (libmicrohttpd), which tpc does not link either
for f in common/*.c; do
	[ "$f" = common/metrics.c ] || SRCS+=("$f")
done
LIBS=(-lyaml -lbpf -lelf -lz -ljansson -lsodium)

rc=0
for t in tests/fuzz/fuzz_*.c; do
	[ -e "$t" ] || continue
	name=${t##*/fuzz_}
	name=${name%.c}
	bin=$OUT/fuzz_$name
	echo "fuzz: building $bin"
	srcs=("${SRCS[@]}")
	# loader targets: the loader's decoding sources instead of the compiler
	case $name in
	sig*) srcs=(common/sig.c) ;;
	loader*) srcs=(loader/core/meta.c loader/core/syms.c common/jbuf.c loader/export/events.c loader/export/kobj.c loader/core/proc.c loader/core/buildid.c
		       loader/export/metrics.c common/metrics.c loader/net/netl7.c loader/k8s/pods.c loader/k8s/cgroup.c
		       loader/k8s/k8s.c loader/export/log.c k8sapi/kapi.c
		       -Iloader -lmicrohttpd -lcurl) ;;
	esac
	if ! "$CLANG" "${FLAGS[@]}" -o "$bin" "$t" "${srcs[@]}" "${LIBS[@]}" \
		-Wno-unused-command-line-argument 2>"$OUT/build_$name.log"; then
		echo "fuzz: FAIL build of $name (see $OUT/build_$name.log)"
		tail -20 "$OUT/build_$name.log"
		rc=1
		continue
	fi
	corpus=tests/fuzz/corpus_$name
	work=$OUT/work_$name
	mkdir -p "$corpus" "$work"
	echo "fuzz: running $name for ${SECS}s"
	# new inputs go to a scratch dir so the checked-in seeds stay small;
	# crash/leak/timeout files land in $OUT
	dict=(); [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	if ! "$bin" "${dict[@]}" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
		-print_final_stats=1 -artifact_prefix="$OUT/${name}-" \
		"$work" "$corpus" >"$OUT/run_$name.log" 2>&1; then
		echo "fuzz: FAIL $name (see $OUT/run_$name.log)"
		grep -E 'ERROR|SUMMARY|artifact' "$OUT/run_$name.log" | head -10
		rc=1
		continue
	fi
	grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec' \
		"$OUT/run_$name.log" | sed "s/^/fuzz: $name /"
done
exit $rc
