#!/bin/bash
# Two policies on one hook: fused into one program in one object, and as
# two separate objects; both ways each policy reports exactly its events.
source "$(dirname "$0")/lib.sh"
need_bpf fusion
P=$E2E_ROOT/tests/e2e/policies
"$TPC" build "$P/fuse-etc.yaml" "$P/fuse-key.yaml" -o "$E2E_TMP/bundle.bpf.o" 2>/dev/null ||
	{ fail fusion/build-bundle; exit 0; }
"$TPC" build "$P/fuse-etc.yaml" -o "$E2E_TMP/etc.bpf.o" 2>/dev/null &&
	"$TPC" build "$P/fuse-key.yaml" -o "$E2E_TMP/key.bpf.o" 2>/dev/null ||
	{ fail fusion/build-separate; exit 0; }
n=$("$TPC" explain "$E2E_TMP/bundle.bpf.o" | python3 -c 'import json,sys; m=json.load(sys.stdin); print(sum(1 for p in m["programs"] if p["target"]=="syscalls/sys_exit_openat"))')
[ "$n" = 1 ] && pass fusion/one-program-per-hook || fail fusion/one-program-per-hook "programs on the hook: $n"
chmod 755 "$E2E_TMP"
echo k >"$E2E_TMP/x.key" && chmod 644 "$E2E_TMP/x.key"
workload() {
	setpriv --reuid 4244 --regid 4244 --clear-groups cat /etc/hostname "$E2E_TMP/x.key" >/dev/null
	cat /etc/hostname >/dev/null # uid 0: not reported
}
verify() { # verify LOGNAME
	python3 - "$E2E_TMP/$1.json" "$1" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
tp = [e["process_tracepoint"] for e in evs if "process_tracepoint" in e]
def path(e): 
    v = next(iter(e["args"][0].values()))
    return v.get("path") if isinstance(v, dict) else v
got = sorted((e["policy_name"], path(e), e["process"]["uid"]) for e in tp)
ok = (len(got) == 2 and got[0][0] == "fuse-etc" and got[0][1] == "/etc/hostname"
      and got[1][0] == "fuse-key" and got[1][1].endswith("/x.key")
      and all(u == 4244 for _, _, u in got))
print(("PASS " if ok else "FAIL ") + "fusion/events-" + sys.argv[2])
if not ok: print("  got %r" % got, file=sys.stderr)
PY
}
start_loader fused "$E2E_TMP/bundle.bpf.o" || { fail fusion/loader-fused; exit 0; }
workload
stop_loader
verify fused
start_loader separate "$E2E_TMP/etc.bpf.o" "$E2E_TMP/key.bpf.o" || { fail fusion/loader-separate; exit 0; }
workload
stop_loader
verify separate

# 50 policies fused on sys_enter_openat (the run guard in front of their
# rules, docs/performance.md): every policy has its own Prefix under one
# directory, most name one binary (matchBinaries In), policy 45 names it
# with NotIn and policy 46 another binary, policy 47 tests Equal. The
# directories are grouped (group-aa for most, group-bb for rule 37,
# group-cc for 45-47: each name one aligned word), so the guard tests
# that word, one with few values. Only the
# policy whose rule the event satisfies reports it; misses of every rule
# (the guard's early return) stay misses. First through the compiled
# object (tpc test --kernel: BPF_PROG_TEST_RUN), then with the loader and
# real openat calls, whose filenames come from user memory.
F=$E2E_TMP/f50
# the group names start at a word (8 bytes) of the path
while (((${#F} + 1) % 8)); do F+=x; done
mkdir -p "$F"
CAT=$(realpath /usr/bin/cat)
fuse_policy() { # N BINOP BIN STROP VALUE
	cat <<P
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: fuse50-$1
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_openat
    args:
    - index: 6
      type: string
      label: filename
    selectors:
    - matchBinaries:
      - operator: $2
        values: ["$3"]
      matchArgs:
      - index: 6
        operator: $4
        values: ["$5"]
P
}
pols=()
for ((i = 0; i < 50; i++)); do
	n=$(printf %02d $i) op=In bin=$CAT sop=Prefix g=group-aa
	[ $i = 37 ] && g=group-bb
	[ $i -ge 45 ] && [ $i -le 47 ] && g=group-cc
	val=$F/$g/d$n/
	[ $i = 45 ] && op=NotIn bin=/usr/bin/true
	[ $i = 46 ] && bin=/usr/bin/true
	[ $i = 47 ] && sop=Equal val=$F/group-cc/d47/exact
	fuse_policy $n $op "$bin" $sop "$val" >"$F/p$n.yaml"
	pols+=("$F/p$n.yaml")
done
cat >"$F/cases.yaml" <<C
cases:
- name: only rule 37 matches
  hook: syscalls/sys_enter_openat
  process: {binary: $CAT}
  args: {filename: "$F/group-bb/d37/x"}
  expect: {policy: fuse50-37, action: Post}
- name: the first rule
  hook: syscalls/sys_enter_openat
  process: {binary: $CAT}
  args: {filename: "$F/group-aa/d00/x"}
  expect: {policy: fuse50-00, action: Post}
- name: the last rule
  hook: syscalls/sys_enter_openat
  process: {binary: $CAT}
  args: {filename: "$F/group-aa/d49/y"}
  expect: {policy: fuse50-49, action: Post}
- name: NotIn rule, another binary
  hook: syscalls/sys_enter_openat
  process: {binary: /usr/bin/head}
  args: {filename: "$F/group-cc/d45/z"}
  expect: {policy: fuse50-45, action: Post}
- name: look-alike, NotIn rule, its own binary
  hook: syscalls/sys_enter_openat
  process: {binary: /usr/bin/true}
  args: {filename: "$F/group-cc/d45/z"}
  expect: none
- name: rule 46 with its binary
  hook: syscalls/sys_enter_openat
  process: {binary: /usr/bin/true}
  args: {filename: "$F/group-cc/d46/w"}
  expect: {policy: fuse50-46, action: Post}
- name: Equal rule
  hook: syscalls/sys_enter_openat
  process: {binary: $CAT}
  args: {filename: "$F/group-cc/d47/exact"}
  expect: {policy: fuse50-47, action: Post}
- name: look-alike, Equal rule one byte longer
  hook: syscalls/sys_enter_openat
  process: {binary: $CAT}
  args: {filename: "$F/group-cc/d47/exactx"}
  expect: none
- name: look-alike, a directory no rule names
  hook: syscalls/sys_enter_openat
  process: {binary: $CAT}
  args: {filename: "$F/group-aa/d50/x"}
  expect: none
- name: look-alike, rule 37's prefix cut by one byte
  hook: syscalls/sys_enter_openat
  process: {binary: $CAT}
  args: {filename: "$F/group-bb/d37"}
  expect: none
- name: look-alike, rule 37's path, binary in no set
  hook: syscalls/sys_enter_openat
  process: {binary: /usr/bin/true}
  args: {filename: "$F/group-bb/d37/x"}
  expect: none
C
if out=$("$TPC" test --kernel "${pols[@]}" --cases "$F/cases.yaml" 2>&1) &&
	grep -q '^11 passed, 0 failed' <<<"$out" && ! grep -q 'SKIP' <<<"$out"; then
	pass fusion/fused50-kernel-cases
else
	fail fusion/fused50-kernel-cases "$(grep -v 'bypassable\|match the resolved\|^ ' <<<"$out" | tail -15)"
fi
"$TPC" build "${pols[@]}" -o "$E2E_TMP/f50.bpf.o" 2>/dev/null || { fail fusion/fused50-build; exit 0; }
if "$TPC" build "${pols[@]}" --emit-c - 2>/dev/null | grep -q 'run guard'; then
	pass fusion/fused50-guarded
else
	fail fusion/fused50-guarded "no run guard in the generated C"
fi
mkdir -p "$F/group-aa/d00" "$F/group-bb/d37" "$F/group-cc/d47" "$F/group-aa/d50"
echo x >"$F/group-bb/d37/x" && echo x >"$F/group-aa/d00/x" && echo x >"$F/group-aa/d50/x" && echo x >"$F/group-cc/d47/exact"
start_loader f50 "$E2E_TMP/f50.bpf.o" || { fail fusion/fused50-loader; exit 0; }
cat "$F/group-aa/d50/x" "$F/group-bb/d37/x" >/dev/null   # rule 37 only (d50: no rule)
cat "$F/group-cc/d47/exact" >/dev/null          # rule 47
head -c1 "$F/group-bb/d37/x" >/dev/null         # another binary: no rule
stop_loader
python3 - "$E2E_TMP/f50.json" "$F" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
f = sys.argv[2]
got = sorted((t["policy_name"], next(iter(t["args"][0].values())))
             for t in (e["process_tracepoint"] for e in evs if "process_tracepoint" in e))
got = [g for g in got if str(g[1]).startswith(f + "/")]
want = [("fuse50-37", f + "/group-bb/d37/x"), ("fuse50-47", f + "/group-cc/d47/exact")]
ok = got == want
print(("PASS " if ok else "FAIL ") + "fusion/fused50-events")
if not ok: print("  got %r, want %r" % (got, want), file=sys.stderr)
PY
