#!/bin/bash
# The Debian kernel cache (scripts/vm/kernel.sh, btf.sh): bad names, a cache
# that must keep working offline, a download that fails, BTF cut out of a
# bzImage. Works on a private copy of the cache in a temporary directory (the
# packages are hard-linked from $TPC_VM_CACHE, default build/vm, when it has
# them), so the shared cache is never modified. Cases that need a cached
# package or the network are a SKIP with the reason when those are missing.
set -u
cd "$(dirname "$0")/../.."
SRC=${TPC_VM_CACHE:-build/vm}
. tests/e2e/lib.sh
T=$E2E_TMP
ok() { pass kernel_cache/$1; }
bad() { fail kernel_cache/$1 "$(shift; printf '%s\n' "$@")"; }
ks() { TPC_VM_CACHE=$T/cache bash scripts/vm/kernel.sh "$@"; }

# an unknown name: exit 2, the name and what is accepted
err=$(ks 5.99 2>&1 >/dev/null)
rc=$?
[ $rc = 2 ] && [[ $err == *"unknown kernel '5.99'"*"5.10, 6.1, 6.12"* ]] && ok unknown-name ||
	bad unknown-name "exit $rc: $err"
err=$(ks 'linux-image-x;rm' 2>&1 >/dev/null)
rc=$?
[ $rc = 2 ] && ok bad-package-name || bad bad-package-name "exit $rc: $err"

# offline with an empty cache: exit 2 naming the cache, nothing created
err=$(TPC_VM_OFFLINE=1 ks 5.10 2>&1 >/dev/null)
rc=$?
if [ $rc = 2 ] && [[ $err == *"no package matches '5.10'"*"$T/cache/debs"* ]] &&
	[ -z "$(ls -A "$T/cache/kernels")" ]; then
	ok offline-empty-cache
else
	bad offline-empty-cache "exit $rc: $err" "$(ls -A "$T/cache/kernels")"
fi

# offline with a cached package: unpacked, vmlinuz and BTF found
deb=$(ls "$SRC"/debs/linux-image-5.10.0-*-cloud-amd64_*.deb "$SRC"/debs/linux-image-6.1.0-*-cloud-amd64_*.deb 2>/dev/null | head -1)
if [ -z "$deb" ]; then
	echo "SKIP kernel_cache/offline-cached: no 5.10 or 6.1 package in $SRC/debs (make test-vm fetches them)"
else
	series=5.10
	[[ ${deb##*/} == linux-image-6.1.* ]] && series=6.1
	ln "$deb" "$T/cache/debs/" 2>/dev/null || cp "$deb" "$T/cache/debs/"
	v=$(TPC_VM_OFFLINE=1 ks $series 2>"$T/err")
	rc=$?
	if [ $rc = 0 ] && [ -s "$v" ] && [[ $v == "$T"/cache/kernels/linux-image-*/boot/vmlinuz-* ]]; then
		ok offline-cached
	else
		bad offline-cached "exit $rc: $v $(cat "$T/err")"
	fi
	b=$(TPC_VM_OFFLINE=1 ks --btf $series 2>"$T/err")
	rc=$?
	if [ $rc = 0 ] && [ "$(od -A n -t x1 -N 2 "$b" | tr -d ' ')" = 9feb ] &&
		bpftool btf dump file "$b" 2>/dev/null | grep -q "FUNC 'security_file_open'"; then
		ok btf-extracted
	else
		bad btf-extracted "exit $rc: $b $(cat "$T/err")"
	fi
	# a kernel dir without its completion marker is a half-unpacked one
	d=$(dirname "$(dirname "$v")")
	rm -f "$d/.done"
	echo junk >"$d/boot/leftover"
	v2=$(TPC_VM_OFFLINE=1 ks $series 2>/dev/null)
	[ "$v2" = "$v" ] && [ ! -e "$d/boot/leftover" ] && [ -e "$d/.done" ] && ok half-unpacked-redone ||
		bad half-unpacked-redone "$v2"
	# temporary names of a killed run are swept
	mkdir -p "$T/cache/kernels/.unpack.dead" "$T/cache/debs/.dl.dead"
	TPC_VM_OFFLINE=1 ks $series >/dev/null 2>&1
	[ ! -e "$T/cache/kernels/.unpack.dead" ] && [ ! -e "$T/cache/debs/.dl.dead" ] && ok stale-temps-swept ||
		bad stale-temps-swept "$(ls -A "$T/cache/kernels" "$T/cache/debs")"
fi

# btf.sh on something that is not a bzImage
err=$(bash scripts/vm/btf.sh /etc/passwd "$T/x.btf" 2>&1)
rc=$?
[ $rc = 2 ] && [[ $err == *"not a bzImage"* ]] && [ ! -e "$T/x.btf" ] && ok btf-not-bzimage ||
	bad btf-not-bzimage "exit $rc: $err"

# a download that fails (no proxy listens on port 9): exit 2 naming the
# package and apt's error, no package and no kernel left behind. Needs the
# bullseye lists, i.e. the network once.
cp -a "$SRC/apt" "$T/cache/" 2>/dev/null
lists=$(ls "$T"/cache/apt/bullseye/lists/*debian_dists_bullseye_main*_Packages* 2>/dev/null | head -1)
if [ -z "$lists" ]; then
	echo "SKIP kernel_cache/download-fails: no bullseye package lists in $SRC/apt (make test-vm fetches them)"
else
	touch "$T"/cache/apt/bullseye/lists/*_Packages* # fresh: no update attempt
	# a 5.10 kernel the lists name (apt-helper reads apt's compressed lists)
	pkg=$(/usr/lib/apt/apt-helper cat-file "$lists" |
		grep -m1 -oE '^Package: linux-image-5\.10\.0-[0-9]+-cloud-amd64$' | cut -d' ' -f2)
	printf 'Acquire::http::Proxy "http://127.0.0.1:9";\nAcquire::Retries "0";\n' >"$T/apt.conf"
	err=$(APT_CONFIG=$T/apt.conf ks "$pkg" 2>&1 >/dev/null)
	rc=$?
	left=$(find "$T/cache/debs" "$T/cache/kernels" -mindepth 1 -name "*${pkg#linux-image-}*" 2>/dev/null)
	if [ $rc = 2 ] && [[ $err == *"apt-get download $pkg failed"* ]] && [[ $err == *"no package matches"* ]] &&
		[ -z "$left" ] && [ -z "$(ls -A "$T/cache/debs" | grep '^\.dl')" ]; then
		ok download-fails
	else
		bad download-fails "exit $rc: $err" "left: $left"
	fi
fi
