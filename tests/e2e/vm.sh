#!/bin/bash
# e2e-timeout: 1800
# The kernel matrix (tests/vm/run.sh: Debian 5.10, 6.1 and 6.12 under qemu) as an
# e2e tier, plus `tpc verify` on a VM kernel and the host. SKIP with a reason
# when qemu, busybox-static or the kernel packages are not available, or when
# TPC_SKIP_VM=1.
set -u
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
if [ "${TPC_SKIP_VM:-}" = 1 ]; then
	echo "SKIP vm: TPC_SKIP_VM=1"
	exit 0
fi
for t in qemu-system-x86_64 cpio; do
	command -v $t >/dev/null || { echo "SKIP vm: $t not installed (make deps)"; exit 0; }
done
file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' ||
	{ echo "SKIP vm: no static /bin/busybox (busybox-static)"; exit 0; }

# the matrix; its summary table goes to stderr, reasons of failures too
while IFS= read -r l; do
	case $l in
	"PASS "*) echo "$l" ;;
	"SKIP "*) echo "$l" ;;
	"FAIL "*) r=${l#FAIL }; echo "FAIL ${r%%: *}"; echo "$l" >&2 ;;
	*) echo "$l" >&2 ;;
	esac
done < <(bash tests/vm/run.sh 2>&1)

# tpc verify: a deliberate verifier rejection is reported with the verifier's
# message and exit 1; the seed's LSM program is accepted on 6.1 and, on the
# host (no BPF LSM), unsupported but covered by its tp_btf alternative.
k=${TPC_VM_VERIFY_KERNEL:-6.1}
if ! bash scripts/vm/kernel.sh "$k" >/dev/null 2>"$B/vm/verify-kernel.err"; then
	echo "SKIP verify/$k: $(cat "$B/vm/verify-kernel.err")"
	exit 0
fi
clang -O2 -g -target bpf -I/usr/include/$(gcc -dumpmachine) -c tests/vm/bad.bpf.c \
	-o "$B/vm/bad.bpf.o" || { echo "FAIL verify/build-bad-object"; exit 0; }
"$B/tpc" build examples/block-netcat.yaml -o "$B/vm/seed.bpf.o" 2>/dev/null ||
	{ echo "FAIL verify/build-seed"; exit 0; }
"$B/tpc" verify --kernel "$k" --kernel host --format json "$B/vm/seed.bpf.o" "$B/vm/bad.bpf.o" \
	>"$B/vm/verify.json" 2>"$B/vm/verify.err"
rc=$?
[ $rc = 1 ] && echo "PASS verify/exit-1-on-rejection" ||
	{ echo "FAIL verify/exit-1-on-rejection"; echo "tpc verify exit $rc" >&2; cat "$B/vm/verify.err" >&2; }
python3 - "$B/vm/verify.json" "$k" <<'PY'
import json, sys
recs = json.load(open(sys.argv[1]))
k = sys.argv[2]
def rec(kernel, prog):
    for r in recs:
        if r.get("kernel") == kernel and r.get("program") == prog:
            return r
    return {}
def check(name, ok, why):
    print(("PASS %s" % name) if ok else ("FAIL %s" % name))
    if not ok:
        print("%s: %s" % (name, why), file=sys.stderr)
r = rec(k, "bad")
check("verify/rejected-with-message", r.get("verdict") == "rejected" and not r.get("ok")
      and "invalid mem access" in r.get("message", ""), r)
r = rec(k, "good")
check("verify/other-program-accepted", r.get("verdict") == "accepted"
      and r.get("verified_insns", 0) > 0, r)
r = rec(k, "tpc_p0_lsm")
check("verify/lsm-accepted-in-vm", r.get("verdict") == "accepted" and r.get("ok")
      and r.get("verified_insns", 0) > 0, r)
r = rec("host", "tpc_p0_lsm")
check("verify/lsm-unsupported-on-host-covered", r.get("verdict") == "unsupported"
      and r.get("ok") and r.get("used_variant") == "tpc_p0_tp_btf", r)
check("verify/uname", rec(k, "bad").get("uname", "").startswith(k + "."), rec(k, "bad"))
PY
