#!/bin/bash
# run.sh [KERNEL...] - the kernel matrix (`make test-vm`): build the static
# loader, objload, the test helper and the test objects, boot each Debian
# kernel under qemu (scripts/vm/), and collect the guest's "TPCVM" lines.
# Prints "PASS|FAIL|SKIP KERNEL/test[: reason]" lines, a per-kernel summary
# table, and "N passed, N failed, N skipped". Kernels default to
# $TPC_VM_KERNELS or "6.1 6.12". Verified instruction counts go to
# build/vm/verified-insns-KERNEL.txt. Exit 0 when nothing failed.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=${OUTPUT:-build}
VMDIR=$B/vm
KERNELS=${*:-${TPC_VM_KERNELS:-5.10 6.1 6.12}}
TMO=${TPC_VM_TIMEOUT:-1200} # per guest; TCG on a loaded 2-core machine
PASS=0 FAIL=0 SKIP=0
declare -A KP KF KS KT
mkdir -p "$VMDIR"

# Known defects (tests/vm/known-failures: "KERNEL TEST reason" lines):
# such a FAIL is counted as a SKIP that prints the defect and the guest's
# words, so the tier stays a gate for everything else; one that passes says
# so, to be struck from the list.
declare -A KNOWN
while read -r kk kt kr; do
	case $kk in '' | '#'*) continue ;; esac
	KNOWN[$kk/$kt]=$kr
done <tests/vm/known-failures

res() { # res PASS|FAIL|SKIP KERNEL NAME [REASON]
	local k=$2
	if [ "$1" = FAIL ] && [ -n "${KNOWN[$2/$3]:-}" ]; then
		set -- SKIP "$2" "$3" "known failure (tests/vm/known-failures): ${KNOWN[$2/$3]}; guest: ${4:-}"
	elif [ "$1" = PASS ] && [ -n "${KNOWN[$2/$3]:-}" ]; then
		echo "NOTE $2/$3 passes now: strike it from tests/vm/known-failures"
	fi
	case $1 in
	PASS) PASS=$((PASS + 1)); KP[$k]=$((${KP[$k]:-0} + 1)) ;;
	FAIL) FAIL=$((FAIL + 1)); KF[$k]=$((${KF[$k]:-0} + 1)) ;;
	SKIP) SKIP=$((SKIP + 1)); KS[$k]=$((${KS[$k]:-0} + 1)) ;;
	esac
	if [ -n "${4:-}" ]; then echo "$1 $2/$3: $4"; else echo "$1 $2/$3"; fi
}

# --- payload (same for every kernel) -----------------------------------------
P=$VMDIR/payload
rm -rf "$P"
mkdir -p "$P/bin" "$P/obj" "$P/verify" "$P/rootfs/usr/bin" "$P/rootfs/usr/local/bin" \
	"$P/rootfs/etc/tpcvm"
if ! make -s "$B/tpc" "$B/tpc-loader-static" "$B/tests/objload-static" >"$VMDIR/make.log" 2>&1; then
	echo "FAIL all/build: make failed, see $VMDIR/make.log"
	tail -5 "$VMDIR/make.log"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -static -o "$P/bin/act" tests/vm/act.c || exit 1
# the kernel-object workloads: the matched binary and its look-alike copy
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -static -o "$P/rootfs/usr/bin/tpcvm-kobj" \
	tests/vm/kobj.c || exit 1
cp "$P/rootfs/usr/bin/tpcvm-kobj" "$P/rootfs/usr/bin/tpcvm-kobj-other"
# the Set workload (a USDT probe with memory arguments) and its look-alike
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -static -o "$P/rootfs/usr/bin/tpcvm-usdt" \
	tests/vm/usdtset.c || exit 1
cp "$P/rootfs/usr/bin/tpcvm-usdt" "$P/rootfs/usr/bin/tpcvm-usdt-other"
cp "$B/tpc-loader-static" "$P/bin/tpc-loader"
cp "$B/tests/objload-static" "$P/bin/objload"
strip "$P/bin/"* 2>/dev/null
cp tests/vm/guest.sh "$P/run.sh"
# /usr/bin/nc and two "readers": real files (copies of act), not links to a
# shared binary, so a path policy names exactly one of them
for n in nc tpcvm-reader tpcvm-other; do cp "$P/bin/act" "$P/rootfs/usr/bin/$n"; done
# an allow-listed helper of stdlib-policies/file/shadow-block.yaml
mkdir -p "$P/rootfs/usr/sbin"
cp "$P/bin/act" "$P/rootfs/usr/sbin/unix_chkpwd"
ln -s /usr/bin/nc "$P/rootfs/usr/local/bin/ncl"
echo "root:*:19000:0:99999:7:::" >"$P/rootfs/etc/shadow"
echo "secret" >"$P/rootfs/etc/tpcvm/secret"
echo "secret2" >"$P/rootfs/etc/tpcvm/secret2"

# Functional test objects; a policy tpc refuses is a SKIP with tpc's reason.
# build_objs DIR [--kernel K]: the objects of one payload, built for the
# host (the default build) or for kernel K.
build_objs() {
	local d=$1 f n e=$VMDIR/err-${1##*/}
	shift
	rm -rf "$d/obj" "$d/verify" "$e"
	mkdir -p "$d/obj" "$d/verify" "$e"
	: >"$e/skips"
	for f in examples/block-netcat.yaml tests/e2e/policies/block-port.yaml tests/vm/policies/*.yaml \
		stdlib-policies/privileges/kernel-module-block.yaml stdlib-policies/file/shadow-block.yaml; do
		n=$(basename "$f" .yaml)
		if ! "$B/tpc" build "$@" "$f" -o "$d/obj/$n.bpf.o" 2>"$e/$n.err"; then
			echo "$n|tpc build: $(grep -m1 'error:' "$e/$n.err" | sed 's/.*error: //')" >>"$e/skips"
		fi
	done
	# Verifier tier: every example/corpus/stdlib policy tpc builds.
	for f in examples/*.yaml tests/corpus/*.yaml stdlib-policies/*/*.yaml; do
		[ -e "$f" ] || continue
		n=${f//\//_}
		n=${n%.yaml}
		"$B/tpc" build "$@" "$f" -o "$d/verify/$n.bpf.o" 2>"$e/verify-$n.err" ||
			rm -f "$d/verify/$n.bpf.o"
	done
}
build_objs "$P"
# Objects built for the host, kept where a payload built for another kernel
# (5.10) still finds them: its loader must refuse them by feature name.
mkdir -p "$P/rootfs/usr/share/tpcvm"
cp "$P/obj/lsm-ima-hash.bpf.o" "$P/rootfs/usr/share/tpcvm/" 2>/dev/null
# Per-kernel objects and modules (tests/vm/policies-per-kernel): policies on
# functions the build host's kernel lacks (module loading) are built with
# --kernel K into obj/KVER/, next to a real module of that kernel (dummy.ko
# from its package in the kernel cache); the guest uses those of `uname -r`.
for k in $KERNELS; do
	vmlinuz=$(bash scripts/vm/kernel.sh "$k" 2>/dev/null) || continue
	kver=${vmlinuz##*/vmlinuz-}
	mkdir -p "$P/obj/$kver" "$P/mod/$kver"
	for f in tests/vm/policies-per-kernel/*.yaml; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .yaml)
		"$B/tpc" build --kernel "$k" "$f" -o "$P/obj/$kver/$n.bpf.o" 2>"$VMDIR/$n-$kver.err" ||
			echo "run.sh: tpc build --kernel $k $f failed, see $VMDIR/$n-$kver.err" >&2
	done
	deb=$(ls "${TPC_VM_CACHE:-$B/vm}"/debs/linux-image-"$kver"_*.deb 2>/dev/null | head -1)
	if [ -n "$deb" ]; then
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO --wildcards "./lib/modules/$kver/kernel/drivers/net/dummy.ko*" \
				>"$P/mod/$kver/dummy.ko.raw" 2>/dev/null
		if xz -t "$P/mod/$kver/dummy.ko.raw" 2>/dev/null; then
			xz -dc "$P/mod/$kver/dummy.ko.raw" >"$P/mod/$kver/dummy.ko"
		elif [ -s "$P/mod/$kver/dummy.ko.raw" ]; then
			mv "$P/mod/$kver/dummy.ko.raw" "$P/mod/$kver/dummy.ko"
		fi
		rm -f "$P/mod/$kver/dummy.ko.raw"
	fi
done

# A kernel without bpf_loop() (5.10) runs objects built for it (`tpc build
# --kernel K`: bounded-loop walks, no bpf_get_current_task_btf), as a
# cluster of such nodes would: a payload of its own, same tests.
declare -A PAYLOAD
for k in $KERNELS; do
	PAYLOAD[$k]=$P
	btf=$(bash scripts/vm/kernel.sh --btf "$k" 2>/dev/null) || continue
	bpftool btf dump file "$btf" 2>/dev/null | grep -q "'BPF_FUNC_loop'" && continue
	PAYLOAD[$k]=$VMDIR/payload-$k
	rm -rf "${PAYLOAD[$k]}"
	mkdir -p "${PAYLOAD[$k]}"
	cp -a "$P/bin" "$P/rootfs" "$P/run.sh" "$P/mod" "${PAYLOAD[$k]}/"
	build_objs "${PAYLOAD[$k]}" --kernel "$k"
	for d in "$P"/obj/*/; do cp -a "$d" "${PAYLOAD[$k]}/obj/"; done
done

# --- boot each kernel ---------------------------------------------------------
# TCG runs a guest on one host thread: boot up to $TPC_VM_JOBS (default: the
# number of CPUs) kernels at once, then read their consoles in order.
JOBS=${TPC_VM_JOBS:-$(nproc)}
declare -A VMLINUZ T0
running=0
for k in $KERNELS; do
	KT[$k]="-"
	if ! VMLINUZ[$k]=$(bash scripts/vm/kernel.sh "$k" 2>"$VMDIR/kernel-$k.err"); then
		VMLINUZ[$k]=
		continue
	fi
	if ((running >= JOBS)); then
		wait -n
		running=$((running - 1))
	fi
	(
		t0=$(date +%s.%N)
		bash scripts/vm/boot.sh "${VMLINUZ[$k]}" "${PAYLOAD[$k]}" "$TMO" >"$VMDIR/console-$k.log" 2>&1
		echo "$? $t0 $(date +%s.%N)" >"$VMDIR/rc-$k"
	) &
	running=$((running + 1))
done
wait
for k in $KERNELS; do
	if [ -z "${VMLINUZ[$k]}" ]; then
		res SKIP "$k" all "$(cat "$VMDIR/kernel-$k.err")"
		continue
	fi
	while IFS= read -r s; do
		res SKIP "$k" "${s%%|*}" "${s#*|}"
	done <"$VMDIR/err-${PAYLOAD[$k]##*/}/skips"
	# expected refusals (tests/vm/refused): tpc refuses the policy for this
	# kernel with that message, so its object never reaches the verifier
	while read -r rk rp rmsg; do
		case $rk in '' | '#'*) continue ;; esac
		[ "$rk" = "$k" ] || continue
		n=${rp//\//_}
		n=${n%.yaml}
		if [ "${PAYLOAD[$k]}" = "$P" ]; then
			res FAIL "$k" "refused/$n" "tests/vm/refused: $k runs the host build, not one for $k"
		elif [ -e "${PAYLOAD[$k]}/verify/$n.bpf.o" ]; then
			res FAIL "$k" "refused/$n" "tpc built it for $k; expected: $rmsg"
		elif grep -qF -- "$rmsg" "$VMDIR/err-${PAYLOAD[$k]##*/}/verify-$n.err"; then
			res PASS "$k" "refused/$n"
		else
			res FAIL "$k" "refused/$n" "want '$rmsg', got: $(grep -m1 'error:' "$VMDIR/err-${PAYLOAD[$k]##*/}/verify-$n.err")"
		fi
	done <tests/vm/refused
	log=$VMDIR/console-$k.log
	read -r rc t0 t1 <"$VMDIR/rc-$k"
	if [ "$rc" = 3 ]; then
		res SKIP "$k" all "$(tail -1 "$log")"
		continue
	fi
	lines=$(grep -o 'TPCVM .*' "$log")
	boot=$(echo "$lines" | sed -n 's/^TPCVM KERNEL .*uptime=//p')
	done_t=$(echo "$lines" | sed -n 's/^TPCVM DONE uptime=//p')
	KT[$k]=$(awk -v a="$t0" -v b="$t1" -v bt="${boot:-0}" -v dt="${done_t:-0}" \
		'BEGIN { printf "%.1fs (boot %.1fs, tests %.1fs)", b - a, bt, dt - bt }')
	echo "$lines" | sed -n 's/^TPCVM KERNEL /     kernel /p'
	echo "$lines" | grep '^TPCVM INSNS ' | sed 's/^TPCVM INSNS //' >"$VMDIR/verified-insns-$k.txt"
	while IFS= read -r l; do
		case $l in
		"TPCVM PASS "*) res PASS "$k" "${l#TPCVM PASS }" ;;
		"TPCVM FAIL "*) r=${l#TPCVM FAIL }; res FAIL "$k" "${r%% *}" "${r#* }" ;;
		"TPCVM SKIP "*) r=${l#TPCVM SKIP }; res SKIP "$k" "${r%% *}" "${r#* }" ;;
		"TPCVM LOG "*) [ -n "${TPC_VM_VERBOSE:-}" ] && echo "     ${l#TPCVM LOG }" ;;
		esac
	done <<<"$lines"
	if [ "$rc" = 0 ] && ! grep -q '^TPCVM END' <<<"$lines"; then
		res FAIL "$k" guest-end "tests/vm/guest.sh stopped before its last line (syntax error?), console in $log"
		grep -m3 -i 'syntax error\|unexpected' "$log"
	fi
	if [ "$rc" != 0 ]; then
		res FAIL "$k" boot "no TPCVM DONE (exit $rc), console in $log"
		tail -20 "$log"
	fi
done

echo
printf '%-8s %7s %7s %7s  %s\n' kernel passed failed skipped time
for k in $KERNELS; do
	printf '%-8s %7d %7d %7d  %s\n' "$k" "${KP[$k]:-0}" "${KF[$k]:-0}" "${KS[$k]:-0}" "${KT[$k]}"
done
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" = 0 ]
