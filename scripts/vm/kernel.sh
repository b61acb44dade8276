#!/bin/bash
# kernel.sh NAME - print the path of a Debian cloud kernel's vmlinuz, fetching
# and unpacking its package on first use. The package is downloaded with
# `apt-get download` into $TPC_VM_CACHE/debs (default build/vm) and unpacked
# with `dpkg -x` into $TPC_VM_CACHE/kernels/PKG: it is never installed into
# this machine.
#
# NAME is one of:
#   6.1, 6.12           the newest linux-image-6.1.0-N-cloud-amd64 /
#                       linux-image-6.12.N+deb12-cloud-amd64 apt knows about
#   6.1.0-50, 6.12.117  that exact Debian ABI/version
#   linux-image-...     an exact package name
# With no network, a package already in the cache is used. Exit 1 with a
# one-line reason on stderr when no kernel can be had.
set -u
NAME=${1:?usage: kernel.sh 6.1|6.12|VERSION|PACKAGE}
CACHE=${TPC_VM_CACHE:-build/vm}
mkdir -p "$CACHE/debs" "$CACHE/kernels"
CACHE=$(cd "$CACHE" && pwd)

case $NAME in
6.1) re='^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' ;;
6.12) re='^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64$' ;;
6.1.0-*) re="^linux-image-${NAME//./\\.}-cloud-amd64\$" ;;
6.12.*) re="^linux-image-${NAME//./\\.}\\+deb12-cloud-amd64\$" ;;
linux-image-*) re="^${NAME//./\\.}\$"; re=${re//+/\\+} ;;
*) echo "kernel.sh: unknown kernel '$NAME' (want 6.1, 6.12, a version or a package)" >&2; exit 1 ;;
esac

# Newest matching package apt knows about: the ABI number in the name grows
# with each upload, so version order of the names is upload order.
pick_apt() {
	apt-cache search --names-only "${re%\$}" 2>/dev/null | awk '{print $1}' | grep -E "$re" |
		sort -V | tail -1
}

# Newest matching package already downloaded.
pick_cache() {
	local f best= bv= v
	for f in "$CACHE"/debs/*.deb; do
		[ -e "$f" ] || continue
		local p=${f##*/}
		p=${p%%_*}
		echo "$p" | grep -qE "$re" || continue
		v=$(dpkg-deb -f "$f" Version)
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$bv"; then
			best=$p bv=$v
		fi
	done
	echo "$best"
}

pkg=
if [ "${TPC_VM_OFFLINE:-}" != 1 ]; then
	pkg=$(pick_apt)
	# a fresh machine may have no package lists yet
	if [ -z "$pkg" ] && [ -z "$(pick_cache)" ] && [ "$(id -u)" = 0 ]; then
		apt-get update -qq >/dev/null 2>&1
		pkg=$(pick_apt)
	fi
fi
[ -n "$pkg" ] || pkg=$(pick_cache)
if [ -z "$pkg" ]; then
	echo "kernel.sh: no package matches '$NAME' (apt-get update? network?)" >&2
	exit 1
fi
deb=$(ls "$CACHE"/debs/"${pkg}"_*.deb 2>/dev/null | head -1)
if [ -z "$deb" ]; then
	# apt's sandbox user cannot write here; downloading as root is fine
	(cd "$CACHE/debs" && apt-get download -q "$pkg" >/dev/null 2>"$CACHE/debs/.apt.err") || {
		echo "kernel.sh: apt-get download $pkg failed: $(tail -1 "$CACHE/debs/.apt.err")" >&2
		exit 1
	}
	deb=$(ls "$CACHE"/debs/"${pkg}"_*.deb 2>/dev/null | head -1)
fi
dir=$CACHE/kernels/$pkg
if [ ! -e "$dir/.done" ]; then
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg -x "$deb" "$dir" || { echo "kernel.sh: dpkg -x $deb failed" >&2; exit 1; }
	# keep only what booting needs
	rm -rf "$dir/lib" "$dir/usr"
	touch "$dir/.done"
fi
vmlinuz=$(ls "$dir"/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$vmlinuz" ] || { echo "kernel.sh: no vmlinuz in $deb" >&2; exit 1; }
echo "$vmlinuz"
