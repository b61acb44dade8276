#!/bin/bash
# vm-insns.sh - verified instruction counts in the qemu kernels, without the
# rest of the VM tier: the objects of tests/vm/run.sh's verifier tier
# (examples/, tests/corpus/, stdlib-policies/) are built with each given tpc
# and loaded with objload in one boot per kernel, so two builds are compared
# on the same guest.
#   usage: scripts/vm-insns.sh OUTDIR LABEL=TPC [LABEL=TPC...]
#   e.g.:  scripts/vm-insns.sh /tmp/vi main=../main/build/tpc new=build/tpc
# Writes OUTDIR/LABEL-KERNEL.txt ("NAME PROG SEC verified_insns=N xlated=N",
# as build/vm/verified-insns-KERNEL.txt) and OUTDIR/LABEL-KERNEL.failed (the
# objects the kernel refused). Kernels: $TPC_VM_KERNELS (default 6.1 6.12);
# a kernel without bpf_loop (5.10) gets objects built with --kernel K, as
# tests/vm/run.sh does. Needs build/tests/objload-static and the kernel cache
# (build/vm, TPC_VM_OFFLINE=1 as for the VM tier).
set -u
cd "$(dirname "$0")/.."
OUT=${1:?usage: vm-insns.sh OUTDIR LABEL=TPC...}
shift
[ $# -gt 0 ] || { echo "usage: vm-insns.sh OUTDIR LABEL=TPC..." >&2; exit 2; }
B=${OUTPUT:-build}
VMDIR=$B/vm
KERNELS=${TPC_VM_KERNELS:-6.1 6.12}
TMO=${TPC_VM_TIMEOUT:-1200}
mkdir -p "$OUT" "$VMDIR"
make -s "$B/tests/objload-static" || exit 1

# payload K: the objects for kernel K (host build unless K lacks bpf_loop)
payload() {
	local k=$1 d=$VMDIR/insns-$1 kopt=() f n spec label tpc
	btf=$(bash scripts/vm/kernel.sh --btf "$k" 2>/dev/null) || return 1
	bpftool btf dump file "$btf" 2>/dev/null | grep -q "'BPF_FUNC_loop'" || kopt=(--kernel "$k")
	rm -rf "$d"
	mkdir -p "$d/bin"
	cp "$B/tests/objload-static" "$d/bin/objload"
	# the objects of one kind of build (host or --kernel K) are built once
	local objs=$VMDIR/insns-objs${kopt[1]:+-${kopt[1]}}
	if [ ! -d "$objs" ]; then
		for spec in "$@"; do
			label=${spec%%=*}
			tpc=${spec#*=}
			mkdir -p "$objs/$label"
			for f in examples/*.yaml tests/corpus/*.yaml stdlib-policies/*/*.yaml; do
				[ -e "$f" ] || continue
				n=${f//\//_}
				n=${n%.yaml}
				"$tpc" build "${kopt[@]}" "$f" -o "$objs/$label/$n.bpf.o" >/dev/null 2>&1 ||
					rm -f "$objs/$label/$n.bpf.o"
			done
		done
	fi
	cp -a "$objs" "$d/verify"
	cat >"$d/run.sh" <<'EOF'
#!/bin/sh
cd /tpc
for o in verify/*/*.bpf.o; do
	[ -e "$o" ] || continue
	l=${o#verify/}
	l=${l%%/*}
	n=${o##*/}
	n=${n%.bpf.o}
	if /tpc/bin/objload "$o" --skip-none >/tmp/v.out 2>&1; then
		grep '^ok ' /tmp/v.out | sed "s|^ok |TPCVM INSNS $l $n |"
	else
		echo "TPCVM FAILED $l $n $(grep -v '^;' /tmp/v.out | grep -v '^$' | tail -1 | cut -c1-200)"
	fi
done
EOF
	chmod 755 "$d/run.sh"
}

rm -rf "$VMDIR"/insns-objs*
pids=()
for k in $KERNELS; do
	vmlinuz=$(bash scripts/vm/kernel.sh "$k") || { echo "vm-insns: no kernel $k" >&2; continue; }
	payload "$k" "$@" || { echo "vm-insns: no BTF for $k" >&2; continue; }
	bash scripts/vm/boot.sh "$vmlinuz" "$VMDIR/insns-$k" "$TMO" >"$OUT/console-$k.log" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for k in $KERNELS; do
	for spec in "$@"; do
		label=${spec%%=*}
		sed -n "s/^TPCVM INSNS $label //p" "$OUT/console-$k.log" >"$OUT/$label-$k.txt"
		sed -n "s/^TPCVM FAILED $label //p" "$OUT/console-$k.log" >"$OUT/$label-$k.failed"
		awk -v f="$label-$k" '{ sub("verified_insns=", "", $4); s += $4 } END { printf "%s: %d programs, %d verified instructions\n", f, NR, s }' "$OUT/$label-$k.txt"
		[ -s "$OUT/$label-$k.failed" ] && echo "  $(wc -l <"$OUT/$label-$k.failed") objects refused: see $OUT/$label-$k.failed"
	done
done
