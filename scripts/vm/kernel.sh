#!/bin/bash
# kernel.sh [--btf|--target] NAME - a Debian cloud kernel from the kernel
# cache, fetched and unpacked on first use.
#
#   kernel.sh NAME           print the path of its vmlinuz
#   kernel.sh --btf NAME     print the path of its BTF (vmlinux.btf, cut out
#                            of the vmlinuz by btf.sh on first use)
#   kernel.sh --target NAME  print its cache directory, holding vmlinux.btf
#                            and, recorded once from a boot of the kernel
#                            (formats.sh), tracefs/events/*/*/format: what
#                            `tpc validate --kernel NAME` checks against.
#                            Without qemu the formats are missing (a warning
#                            on stderr) and tpc falls back to BTF records.
#
# NAME is one of:
#   5.10, 6.1, 6.12     the newest linux-image-5.10.0-N-cloud-amd64 (Debian 11,
#                       bullseye), linux-image-6.1.0-N-cloud-amd64 (Debian 12),
#                       linux-image-6.12.N+deb12-cloud-amd64 apt knows about
#   5.10.0-46, 6.1.0-50, 6.12.117   that exact Debian ABI/version
#   linux-image-...     an exact package name
#
# The cache is $TPC_VM_CACHE (default build/vm): packages in debs/ (apt-get
# download; never installed into this machine), unpacked kernels in
# kernels/PKG (dpkg -x, only boot/ kept). Bookworm kernels come from this
# machine's apt sources; bullseye ones through a private apt configuration
# in apt/bullseye/ (its own sources list for bullseye and bullseye-security,
# signed by the installed Debian archive keyring; lists refreshed once a
# day), so the machine's own sources stay untouched. Which package a name
# stands for is remembered for a day (resolved/).
#
# What was fetched stays: when the archive has moved on (a package apt still
# lists cannot be downloaded any more, or there is no network), the newest
# cached package of the series is used, with a warning; TPC_VM_OFFLINE=1
# uses only the cache. Every step writes to a temporary name and renames,
# under a lock on the cache, so an interrupted or failed run leaves nothing
# half-unpacked and concurrent runs do not race. Exit 2 with a one-line
# reason on stderr (naming what was tried) when no kernel can be had.
set -u
MODE=vmlinuz
case ${1:-} in
--btf) MODE=btf; shift ;;
--target) MODE=target; shift ;;
esac
NAME=${1:-}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${TPC_VM_CACHE:-build/vm}

die() {
	echo "kernel.sh: $*" >&2
	exit 2
}

[ -n "$NAME" ] || die "usage: kernel.sh [--btf|--target] 5.10|6.1|6.12|VERSION|PACKAGE"
mkdir -p "$CACHE/debs" "$CACHE/kernels" 2>/dev/null || die "cannot create the kernel cache in $CACHE"
CACHE=$(cd "$CACHE" && pwd)

suite=bookworm # which apt: this machine's (bookworm) or the private bullseye one
case $NAME in
5.10) re='^linux-image-5\.10\.0-[0-9]+-cloud-amd64$' suite=bullseye ;;
6.1) re='^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' ;;
6.12) re='^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64$' ;;
5.10.0-[0-9]*) re="^linux-image-${NAME//./\\.}-cloud-amd64\$" suite=bullseye ;;
6.1.0-[0-9]*) re="^linux-image-${NAME//./\\.}-cloud-amd64\$" ;;
6.12.[0-9]*) re="^linux-image-${NAME//./\\.}\\+deb12-cloud-amd64\$" ;;
linux-image-5.10.*) re="^${NAME//./\\.}\$" suite=bullseye ;;
linux-image-*) re="^${NAME//./\\.}\$" ;;
*) die "unknown kernel '$NAME' (want 5.10, 6.1, 6.12, a Debian version such as 6.1.0-50, or a linux-image-... package name)" ;;
esac
case $NAME in linux-image-*) re=${re//+/\\+} ;; esac
case $NAME in
*[!A-Za-z0-9.+~_-]*) die "unknown kernel '$NAME' (not a package name)" ;;
esac

# One writer at a time per cache: engineers and CI jobs share it.
exec 9>"$CACHE/.kernel.lock" || die "cannot lock $CACHE/.kernel.lock"
flock 9
# temporary names left by a run that was killed (we hold the lock: no run
# is using them)
rm -rf "$CACHE"/debs/.dl.* "$CACHE"/kernels/.unpack.* "$CACHE"/kernels/*/.btf.* \
	"$CACHE"/kernels/*/.formats.* 2>/dev/null

# --- apt: this machine's lists, or the private bullseye configuration ------
APTOPT=()
private_apt() {
	local d=$CACHE/apt/$suite
	local keyring=/usr/share/keyrings/debian-archive-keyring.gpg

	mkdir -p "$d/lists/partial" "$d/archives/partial" "$d/parts" || return 1
	[ -e "$d/status" ] || : >"$d/status"
	cat >"$d/sources.list" <<EOF
deb [signed-by=$keyring] http://deb.debian.org/debian $suite main
deb [signed-by=$keyring] http://deb.debian.org/debian-security $suite-security main
EOF
	APTOPT=(-o "Dir::Etc::sourcelist=$d/sources.list" -o "Dir::Etc::sourceparts=$d/parts"
		-o "Dir::Etc::preferences=$d/preferences" -o "Dir::Etc::preferencesparts=$d/parts"
		-o "Dir::State=$d" -o "Dir::State::lists=$d/lists" -o "Dir::State::status=$d/status"
		-o "Dir::Cache=$d" -o "Dir::Cache::archives=$d/archives"
		-o APT::Architecture=amd64 -o Acquire::Languages=none -o APT::Sandbox::User=root)
	# refresh the lists at most once a day; keep the old ones if that fails
	if [ -z "$(find "$d/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null)" ]; then
		apt-get "${APTOPT[@]}" -qq update >"$d/update.log" 2>&1 ||
			echo "kernel.sh: warning: apt-get update for $suite failed: $(grep -m1 -E '^(E|W):' "$d/update.log")" >&2
	fi
}

# Newest matching package apt knows about: the ABI number in the name grows
# with each upload, so version order of the names is upload order.
pick_apt() {
	apt-cache "${APTOPT[@]}" search --names-only "${re%\$}" 2>/dev/null | awk '{print $1}' |
		grep -E "$re" | sort -V | tail -1
}

# Newest matching package already downloaded.
pick_cache() {
	local f best= bv= v p
	for f in "$CACHE"/debs/*.deb; do
		[ -e "$f" ] || continue
		p=${f##*/}
		p=${p%%_*}
		echo "$p" | grep -qE "$re" || continue
		v=$(dpkg-deb -f "$f" Version 2>/dev/null) || continue
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$bv"; then
			best=$p bv=$v
		fi
	done
	echo "$best"
}

cached_deb() { ls "$CACHE"/debs/"$1"_*.deb 2>/dev/null | head -1; }

pkg=
tried="the cache $CACHE/debs"
# apt takes most of a second to answer, and `tpc validate --kernel` asks for
# every kernel on every run: its answer for NAME is remembered for a day
memo=$CACHE/resolved/$suite-$NAME
mkdir -p "$CACHE/resolved"
if [ "${TPC_VM_OFFLINE:-}" != 1 ] && [ -n "$(find "$memo" -mmin -1440 2>/dev/null)" ]; then
	pkg=$(cat "$memo")
elif [ "${TPC_VM_OFFLINE:-}" != 1 ]; then
	if [ $suite = bookworm ]; then
		tried="apt-cache search (this machine's sources) and $tried"
		pkg=$(pick_apt)
		# a fresh machine may have no package lists yet
		if [ -z "$pkg" ] && [ -z "$(pick_cache)" ] && [ "$(id -u)" = 0 ]; then
			apt-get update -qq >/dev/null 2>&1
			pkg=$(pick_apt)
		fi
	else
		tried="apt-cache search ($suite, $CACHE/apt/$suite) and $tried"
		private_apt && pkg=$(pick_apt)
	fi
fi
[ -n "$pkg" ] && [ "${TPC_VM_OFFLINE:-}" != 1 ] && echo "$pkg" >"$memo.tmp" && mv "$memo.tmp" "$memo"
deb=
if [ -n "$pkg" ]; then
	deb=$(cached_deb "$pkg")
	if [ -z "$deb" ]; then
		t=$(mktemp -d "$CACHE/debs/.dl.XXXXXX") || die "cannot write to $CACHE/debs"
		if (cd "$t" && apt-get "${APTOPT[@]}" download -q "$pkg" >"$t/.log" 2>&1) &&
			f=$(ls "$t"/"$pkg"_*.deb 2>/dev/null | head -1) && [ -n "$f" ] &&
			dpkg-deb --info "$f" >/dev/null 2>&1; then
			mv "$f" "$CACHE/debs/" && deb=$(cached_deb "$pkg")
		else
			echo "kernel.sh: warning: apt-get download $pkg failed: $(grep -m1 -E '^(E|W):' "$t/.log" || tail -1 "$t/.log"); trying the cache" >&2
			tried="apt-get download $pkg and $tried"
		fi
		rm -rf "$t"
	fi
fi
if [ -z "$deb" ]; then
	p=$(pick_cache)
	[ -n "$p" ] || die "no package matches '$NAME' (tried $tried; network? TPC_VM_CACHE?)"
	[ -n "$pkg" ] && echo "kernel.sh: warning: using the cached $p instead of $pkg" >&2
	pkg=$p
	deb=$(cached_deb "$pkg")
fi

# --- unpack ------------------------------------------------------------------
dir=$CACHE/kernels/$pkg
if [ ! -e "$dir/.done" ]; then
	rm -rf "$dir"
	t=$(mktemp -d "$CACHE/kernels/.unpack.XXXXXX") || die "cannot write to $CACHE/kernels"
	if ! dpkg -x "$deb" "$t" 2>"$t.err"; then
		rm -rf "$t"
		die "dpkg -x $deb failed: $(tail -1 "$t.err"; rm -f "$t.err")"
	fi
	rm -f "$t.err"
	# keep only what booting needs
	rm -rf "$t/lib" "$t/usr"
	ls "$t"/boot/vmlinuz-* >/dev/null 2>&1 || { rm -rf "$t"; die "no boot/vmlinuz-* in $deb"; }
	touch "$t/.done"
	mv "$t" "$dir" || { rm -rf "$t"; die "cannot rename the unpacked kernel to $dir"; }
fi
vmlinuz=$(ls "$dir"/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$vmlinuz" ] || die "no vmlinuz in $dir"
if [ $MODE = vmlinuz ]; then
	echo "$vmlinuz"
	exit 0
fi

# --- BTF and tracepoint formats ------------------------------------------------
if [ ! -s "$dir/vmlinux.btf" ]; then
	bash "$HERE/btf.sh" "$vmlinuz" "$dir/vmlinux.btf" || exit 2
fi
if [ $MODE = btf ]; then
	echo "$dir/vmlinux.btf"
	exit 0
fi
if [ ! -d "$dir/tracefs/events" ]; then
	# booting takes a few seconds under TCG; not holding the lock meanwhile
	# would let two runs boot the same kernel, which is only wasted time
	bash "$HERE/formats.sh" "$vmlinuz" "$dir/tracefs" >&2 ||
		echo "kernel.sh: warning: no tracepoint formats recorded for $pkg; tracepoints are checked against BTF only" >&2
fi
echo "$dir"
