#!/bin/bash
# Install the extra Debian 12 packages `make bench` needs (not needed by the
# build or `make test`): bpftrace as the peer baseline, gnuplot for plots,
# jq for the driver, time(1) for peak RSS of `tpc build`.
set -euo pipefail
PKGS=(bpftrace gnuplot-nox jq time bpftool)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "bench-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
