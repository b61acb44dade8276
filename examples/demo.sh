#!/bin/bash
# The README's main job: build tpc, compile the seed block-netcat policy,
# load it with tpc-loader, and show `nc` being stopped, with its event.
# Run as root on Debian 12 (after `make deps`).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "demo: run as root (BPF needs it)" >&2; exit 2; }
bash scripts/mounts.sh
make -s
OUT=build/demo
mkdir -p "$OUT"

echo "== 1. the policy (examples/block-netcat.yaml)"
cat examples/block-netcat.yaml
echo
echo "== 2. tpc validate && tpc build"
build/tpc validate examples/block-netcat.yaml && echo "valid"
build/tpc build examples/block-netcat.yaml -o "$OUT/block-netcat.bpf.o"
ls -l "$OUT/block-netcat.bpf.o"
echo
echo "== 3. tpc-loader run (JSON events to $OUT/events.json)"
build/tpc-loader run "$OUT/block-netcat.bpf.o" -o json >"$OUT/events.json" 2>"$OUT/loader.log" &
LPID=$!
trap 'kill -TERM $LPID 2>/dev/null; wait $LPID 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q "ready" "$OUT/loader.log" 2>/dev/null && break; sleep 0.1; done
cat "$OUT/loader.log"
echo
echo "== 4. try to run netcat"
set +e
nc -h >/dev/null 2>&1
echo "nc -h                -> exit $? (137 = killed by SIGKILL before its first instruction)"
/bin/nc.openbsd -h >/dev/null 2>&1
echo "/bin/nc.openbsd -h   -> exit $?"
cat /etc/hostname >/dev/null
echo "cat /etc/hostname    -> exit $? (other binaries run)"
set -e
sleep 0.5
kill -TERM $LPID
wait $LPID 2>/dev/null || true
trap - EXIT
echo
echo "== 5. the enforcement event (process_lsm, Tetragon-shaped JSON)"
grep -m1 '"policy_name":"block-netcat"' "$OUT/events.json" | python3 -m json.tool
