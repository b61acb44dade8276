#!/bin/bash
# Same input, byte-identical C and object, whatever the directory a build
# runs from or the temporary directory clang used.
source "$(dirname "$0")/lib.sh"
for p in examples/block-netcat.yaml tests/golden/dsl-or.yaml tests/golden/kprobe-syscall.yaml; do
	n=${p##*/}
	mkdir -p "$E2E_TMP/a" "$E2E_TMP/b/c"
	cp "$E2E_ROOT/$p" "$E2E_TMP/a/$n"
	cp "$E2E_ROOT/$p" "$E2E_TMP/b/c/$n"
	(cd "$E2E_TMP/a" && "$TPC" build "$n" -o one.o 2>/dev/null)
	(cd "$E2E_TMP/b" && "$TPC" build "c/$n" -o two.o 2>/dev/null)
	if [ -s "$E2E_TMP/a/one.o" ] && cmp -s "$E2E_TMP/a/one.o" "$E2E_TMP/b/two.o"; then
		pass "reproducible/object/$n"
	else
		fail "reproducible/object/$n"
	fi
	rm -rf "$E2E_TMP/a" "$E2E_TMP/b"
done
