#!/bin/bash
# btf.sh VMLINUZ OUT.btf - write the raw BTF of an x86 bzImage to OUT.btf.
#
# A Debian vmlinuz is a bzImage: a real-mode setup part followed by the
# compressed kernel (vmlinux stripped of symbols, still an ELF file with its
# .BTF section). The boot protocol (2.08+) records where that payload is:
# setup_sects at 0x1f1 (0 means 4), "HdrS" at 0x202, the protocol version
# at 0x206, payload_offset and payload_length at 0x248/0x24c, the offset
# counted from the start of the protected-mode part at (setup_sects+1)*512.
# So no scanning for compression magics is needed: the payload is cut out
# exactly, its first bytes say which decompressor it needs, and the
# decompressed ELF's .BTF section is copied out with objcopy.
#
# The result is written to a temporary file next to OUT and renamed, so OUT
# is either complete or absent. Exit 0 on success; 2 with a one-line reason
# on stderr (not a bzImage, no decompressor, no .BTF section).
set -u
IMG=${1:?usage: btf.sh VMLINUZ OUT.btf}
OUT=${2:?usage: btf.sh VMLINUZ OUT.btf}

die() {
	echo "btf.sh: $IMG: $*" >&2
	exit 2
}

# u8/u16/u32 little-endian at a byte offset
rd() { od -A n -t "u$2" -j "$1" -N "$2" "$IMG" 2>/dev/null | tr -d ' '; }

[ -r "$IMG" ] || die "cannot read it"
[ "$(od -A n -c -j $((0x202)) -N 4 "$IMG" | tr -d ' ')" = HdrS ] || die "not a bzImage (no HdrS header)"
ver=$(rd $((0x206)) 2)
((ver >= 0x208)) || die "boot protocol $(printf '%#x' "$ver") is older than 2.08 (no payload fields)"
sects=$(rd $((0x1f1)) 1)
((sects)) || sects=4
poff=$(rd $((0x248)) 4)
plen=$(rd $((0x24c)) 4)
start=$(((sects + 1) * 512 + poff))

magic=$(od -A n -t x1 -j "$start" -N 6 "$IMG" | tr -d ' \n')
case $magic in
1f8b*) dec=(gzip -dc) name=gzip ;;
fd377a585a00) dec=(xz -dc) name=xz ;;
28b52ffd*) dec=(zstd -dcq) name=zstd ;;
02214c18*) dec=(lz4 -dc) name=lz4 ;;
425a68*) dec=(bzip2 -dc) name=bzip2 ;;
5d0000*) dec=(xz -dc --format=lzma) name=lzma ;;
894c5a4f*) dec=(lzop -dc) name=lzo ;;
*) die "unknown compression of the kernel payload (first bytes $magic)" ;;
esac
command -v "${dec[0]}" >/dev/null || die "the payload is $name-compressed and ${dec[0]} is not installed"
OBJCOPY=$(command -v objcopy || command -v llvm-objcopy) || die "neither objcopy nor llvm-objcopy is installed"

dir=$(dirname "$OUT")
mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.btf.XXXXXX") || die "cannot create a temporary directory in $dir"
trap 'rm -rf "$tmp"' EXIT
# The decompressors report trailing data (the kernel appends the
# uncompressed size) as an error, so their exit status says nothing; the
# ELF and BTF checks below do.
tail -c +$((start + 1)) "$IMG" | head -c "$plen" | "${dec[@]}" >"$tmp/vmlinux" 2>/dev/null
[ "$(od -A n -t x1 -N 4 "$tmp/vmlinux" | tr -d ' ')" = 7f454c46 ] ||
	die "the decompressed $name payload is not an ELF file"
"$OBJCOPY" -O binary --only-section=.BTF "$tmp/vmlinux" "$tmp/btf" 2>/dev/null ||
	die "$OBJCOPY could not copy the .BTF section"
[ "$(od -A n -t x1 -N 2 "$tmp/btf" 2>/dev/null | tr -d ' ')" = 9feb ] ||
	die "the kernel has no .BTF section (built without CONFIG_DEBUG_INFO_BTF?)"
chmod 644 "$tmp/btf"
mv "$tmp/btf" "$OUT" || die "cannot write $OUT"
