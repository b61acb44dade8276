#!/bin/bash
# boot.sh VMLINUZ PAYLOAD_DIR [TIMEOUT_S] - boot a kernel under qemu (TCG,
# never KVM: a KVM guest hangs at boot on these machines) with a busybox
# initramfs plus PAYLOAD_DIR copied to /tpc, whose run.sh prints "TPCVM ..."
# lines on the serial console. The console goes to stdout; the exit status
# is 0 when the guest printed "TPCVM DONE", 124 on timeout, 1 otherwise.
#
# BPF LSM: a kernel built with CONFIG_BPF_LSM=y runs BPF LSM programs only
# when "bpf" is in its active LSM list. Debian 12's kernels have it in
# CONFIG_LSM; Debian 11's 5.10 does not, so when the config beside VMLINUZ
# (boot/config-VERSION from the package) says BPF LSM is built but not in
# the default list, the kernel is booted with lsm=<CONFIG_LSM>,bpf. An
# lsm= in $TPC_VM_APPEND wins.
#
# The base archive (busybox, /init) is cached in $TPC_VM_CACHE (build/vm);
# the payload is a second cpio archive appended to it (the kernel unpacks
# concatenated archives in order).
set -u
VMLINUZ=${1:?usage: boot.sh VMLINUZ PAYLOAD_DIR [TIMEOUT_S]}
PAYLOAD=${2:?usage: boot.sh VMLINUZ PAYLOAD_DIR [TIMEOUT_S]}
TMO=${3:-300}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${TPC_VM_CACHE:-build/vm}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
BUSYBOX=${TPC_VM_BUSYBOX:-/bin/busybox}
QEMU=${TPC_VM_QEMU:-qemu-system-x86_64}

command -v "$QEMU" >/dev/null || { echo "boot.sh: $QEMU not found (apt-get install qemu-system-x86)" >&2; exit 3; }
command -v cpio >/dev/null || { echo "boot.sh: cpio not found" >&2; exit 3; }
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' ||
	{ echo "boot.sh: $BUSYBOX is not a static busybox (apt-get install busybox-static)" >&2; exit 3; }

base=$CACHE/base.cpio.gz
if [ ! -s "$base" ] || [ "$base" -ot "$HERE/init" ] || [ "$base" -ot "$BUSYBOX" ]; then
	t=$(mktemp -d)
	mkdir -p "$t"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,run,root,tpc}
	cp "$BUSYBOX" "$t/bin/busybox"
	cp "$HERE/init" "$t/init"
	chmod 755 "$t/init"
	echo "root:x:0:0:root:/root:/bin/sh" >"$t/etc/passwd"
	echo "root:x:0:" >"$t/etc/group"
	# a temporary of its own: the matrix boots its kernels in parallel,
	# and each may rebuild the base (a fresh checkout's init is newer)
	(cd "$t" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$base.tmp.$$" &&
		mv "$base.tmp.$$" "$base"
	rm -rf "$t"
fi
initrd=$(mktemp "$CACHE/initrd.XXXXXX")
trap 'rm -f "$initrd"' EXIT
{
	cat "$base"
	# payload files land under /tpc, plus anything under PAYLOAD/rootfs at /
	t=$(mktemp -d)
	mkdir -p "$t/tpc"
	cp -a "$PAYLOAD"/. "$t/tpc/"
	if [ -d "$t/tpc/rootfs" ]; then
		cp -a "$t/tpc/rootfs"/. "$t/"
		rm -rf "$t/tpc/rootfs"
	fi
	(cd "$t" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1)
	rm -rf "$t"
} >"$initrd"

append="console=ttyS0 quiet panic=-1 ${TPC_VM_APPEND:-}"
config=$(dirname "$VMLINUZ")/config-$(basename "$VMLINUZ" | sed 's/^vmlinuz-//')
if [[ $append != *lsm=* ]] && [ -r "$config" ] && grep -q '^CONFIG_BPF_LSM=y' "$config"; then
	lsms=$(sed -n 's/^CONFIG_LSM="\(.*\)"$/\1/p' "$config")
	case ,$lsms, in
	*,bpf,*) ;;
	*) append="$append lsm=${lsms:+$lsms,}bpf" ;;
	esac
fi
out=$(mktemp "$CACHE/console.XXXXXX")
trap 'rm -f "$initrd" "$out"' EXIT
timeout --foreground -k 5 "$TMO" "$QEMU" -accel tcg -cpu max -m "${TPC_VM_MEM:-1G}" -smp 1 \
	-kernel "$VMLINUZ" -initrd "$initrd" \
	-append "$append" \
	-nographic -no-reboot -monitor none -serial stdio </dev/null | tr -d '\r' | tee "$out"
rc=${PIPESTATUS[0]}
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "TPCVM TIMEOUT after ${TMO}s"
	exit 124
fi
grep -q '^TPCVM DONE' "$out" && exit 0
exit 1
