#!/bin/bash
# matchBinaries in inode identity mode (spec.options tpc-match-binaries:
# inode) against path mode, on this host's filesystem: a hardlink of a
# blocked binary is stopped in inode mode and runs in path mode; a copy and
# other binaries run in both; a binary replaced at the listed path is
# stopped again after the loader's 1 s rescan, and its old inode, now at
# another path, runs; a listed path that does not exist at load is picked
# up once it appears.
source "$(dirname "$0")/lib.sh"
need_bpf binaries_inode

D=$E2E_TMP/x
mkdir -p "$D"
cp /usr/bin/true "$D/blocked"
ln "$D/blocked" "$D/hardlink"
cp /usr/bin/true "$D/copy"
for m in path inode; do
	cat >"$E2E_TMP/$m.yaml" <<EOP
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: hardlink-$m
spec:
  options:
  - name: tpc-match-binaries
    value: $m
  selectors:
    matchBinary: ["$D/blocked", "$D/later"]
  action: Block
EOP
	"$TPC" build "$E2E_TMP/$m.yaml" -o "$E2E_TMP/$m.bpf.o" || { fail "binaries_inode/build-$m"; exit 0; }
done
# killed: 137 (SIGKILL from sched_process_exec on this host; with BPF LSM
# the exec itself fails, 126)
stopped() { local s; s=$(status_of "$@"); [ "$s" = 137 ] || [ "$s" = 126 ]; }
runs() { [ "$(status_of "$@")" = 0 ]; }

start_loader path "$E2E_TMP/path.bpf.o" || { fail binaries_inode/loader-path; exit 0; }
stopped "$D/blocked" && pass binaries_inode/path-blocked || fail binaries_inode/path-blocked
runs "$D/hardlink" && pass binaries_inode/path-hardlink-runs || fail binaries_inode/path-hardlink-runs
stop_loader

start_loader inode "$E2E_TMP/inode.bpf.o" || { fail binaries_inode/loader-inode; exit 0; }
grep -q "'$D/later'.*matches nothing until it exists" "$E2E_TMP/inode.log" &&
	pass binaries_inode/missing-warned || fail binaries_inode/missing-warned "$(cat "$E2E_TMP/inode.log")"
stopped "$D/blocked" && pass binaries_inode/blocked || fail binaries_inode/blocked
stopped "$D/hardlink" && pass binaries_inode/hardlink-stopped || fail binaries_inode/hardlink-stopped
runs "$D/copy" && pass binaries_inode/copy-runs || fail binaries_inode/copy-runs
runs /usr/bin/true && runs /usr/bin/id && pass binaries_inode/benign-runs ||
	fail binaries_inode/benign-runs
# replace: the old inode moves away (still linked as hardlink), a new file
# takes the path; after the rescan the new one is stopped, the old one runs
mv "$D/blocked" "$D/old"
cp /usr/bin/true "$D/blocked"
cp /usr/bin/true "$D/later"
sleep 2.5
stopped "$D/blocked" && pass binaries_inode/replaced-picked-up ||
	fail binaries_inode/replaced-picked-up
runs "$D/hardlink" && runs "$D/old" && pass binaries_inode/old-inode-released ||
	fail binaries_inode/old-inode-released
stopped "$D/later" && pass binaries_inode/appeared-picked-up || fail binaries_inode/appeared-picked-up
stop_loader || fail binaries_inode/loader-exit
