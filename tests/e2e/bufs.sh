#!/bin/bash
# Buffer argument types on this kernel (issue 14, part A), each with the real
# workload and a look-alike that must not match:
#   char_buf + sizeArgIndex - write(2) of known bytes (NUL and high bytes
#       included) is posted as bytes_arg with exactly those bytes; a write
#       longer than the 255-byte copy is posted as truncated_bytes_arg with
#       its orig_size. The policy is a syscall kprobe (Tetragon's write.yaml
#       form): kprobes do not attach here, so the loader runs its
#       sys_enter_write tracepoint variant, which this also checks.
source "$(dirname "$0")/lib.sh"
need_bpf bufs

# policy NAME: writes $E2E_TMP/NAME.yaml from stdin and builds NAME.bpf.o
policy() {
	cat >"$E2E_TMP/$1.yaml"
	"$TPC" build -o "$E2E_TMP/$1.bpf.o" "$E2E_TMP/$1.yaml" 2>"$E2E_TMP/$1.build" ||
		{ fail "bufs/$1-build" "$(cat "$E2E_TMP/$1.build")"; return 1; }
}

# Python prelude of the checks: check() prints PASS/FAIL, buf(arg) decodes
# a bytes_arg / truncated_bytes_arg into (bytes, orig_size or None).
cat >"$E2E_TMP/bufslib.py" <<'PY'
import base64, json, os, sys
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "bufs/" + name)
    if not ok:
        print("  " + why, file=sys.stderr)
def buf(a):
    if "bytes_arg" in a:
        return base64.b64decode(a["bytes_arg"]), None
    t = a.get("truncated_bytes_arg", {})
    return base64.b64decode(t.get("bytes_arg", "")), t.get("orig_size")
def events(path, kind, policy):
    return [e for e in (json.loads(l)[kind] for l in open(path) if kind in l)
            if e.get("policy_name") == policy]
PY

# --- char_buf: write(2) on a file of ours --------------------------------
TAG=tpcbuf$$
if policy charbuf <<EOF; then
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: bufs-charbuf
spec:
  kprobes:
  - call: sys_write
    syscall: true
    args:
    - index: 0
      type: int
    - index: 1
      type: char_buf
      sizeArgIndex: 3
    - index: 2
      type: size_t
    selectors:
    - matchArgs:
      - index: 1
        operator: Prefix
        values: ["$TAG-hit"]
EOF
	start_loader charbuf "$E2E_TMP/charbuf.bpf.o" || fail bufs/charbuf-loader
	python3 - "$E2E_TMP/out" "$TAG" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)
tag = sys.argv[2].encode()
os.write(fd, tag + b"-hit\x00\x01\xff\n")          # exact bytes, NUL included
os.write(fd, tag + b"-miss\x00\x01\xff\n")         # look-alike: other prefix
os.write(fd, (tag + b"-hit").ljust(1000, b"A"))   # 1000 bytes: cut at 255
os.close(fd)
PY
	stop_loader
	python3 - "$E2E_TMP" "$TAG" <<'PY'
import sys; sys.path.insert(0, sys.argv[1]); from bufslib import *
tag = sys.argv[2].encode()
mine = events(sys.argv[1] + "/charbuf.json", "process_kprobe", "bufs-charbuf")
exact = tag + b"-hit\x00\x01\xff\n"
hits = [e for e in mine if buf(e["args"][1]) == (exact, None)]
check("charbuf-exact-bytes", len(hits) == 1, repr(mine))
if hits:
    a = hits[0]["args"]
    check("charbuf-other-args", a[0].get("int_arg", -1) >= 0 and
          a[2] == {"size_arg": str(len(exact))}, repr(a))
check("charbuf-lookalike-not-matched",
      not any(buf(e["args"][1])[0].startswith(tag + b"-miss") for e in mine), repr(mine))
long = [e for e in mine if buf(e["args"][1])[1] is not None]
check("charbuf-truncated", len(long) == 1 and
      buf(long[0]["args"][1]) == ((tag + b"-hit").ljust(255, b"A"), "1000"),
      repr([e["args"] for e in long]))
PY
fi

# --- char_iovec: writev(2) segments gathered in order --------------------
# A syscall kprobe on sys_writev (host: its sys_enter_writev variant); the
# vector count is argument 3 (sizeArgIndex 3). Three segments, the first
# two carrying the tag split in the middle, so only a gather matches.
if policy iovec <<EOF2; then
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: bufs-iovec
spec:
  kprobes:
  - call: sys_writev
    syscall: true
    args:
    - index: 1
      type: char_iovec
      sizeArgIndex: 3
    - index: 2
      type: int
    selectors:
    - matchArgs:
      - index: 1
        operator: Prefix
        values: ["$TAG-vec-hit"]
EOF2
	start_loader iovec "$E2E_TMP/iovec.bpf.o" || fail bufs/iovec-loader
	python3 - "$E2E_TMP/out2" "$TAG" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)
tag = sys.argv[2].encode()
os.writev(fd, [tag + b"-vec", b"-hit", b"\x00tail"])      # gathered: matches
os.writev(fd, [tag + b"-vec", b"-mis", b"s"])              # look-alike
os.writev(fd, [tag + b"-vec-hit"] + [b"0123456789"] * 40)  # 41 segments: cut
os.close(fd)
PY
	stop_loader
	python3 - "$E2E_TMP" "$TAG" <<'PY'
import sys; sys.path.insert(0, sys.argv[1]); from bufslib import *
tag = sys.argv[2].encode()
mine = events(sys.argv[1] + "/iovec.json", "process_kprobe", "bufs-iovec")
whole = tag + b"-vec-hit\x00tail"
check("iovec-gathered", [buf(e["args"][0]) for e in mine if e["args"][1] == {"int_arg": 3}] == [(whole, None)],
      repr(mine))
check("iovec-lookalike-not-matched",
      not any(b"-mis" in buf(e["args"][0])[0] for e in mine), repr(mine))
# 8 segments are copied (TPC_IOV_SEGS): the tag and 7 x 10 bytes; all 41 count
cut = [buf(e["args"][0]) for e in mine if e["args"][1] == {"int_arg": 41}]
check("iovec-truncated", cut == [(tag + b"-vec-hit" + b"0123456789" * 7,
                                  str(len(tag) + 8 + 400))], repr(cut))
PY
fi

# --- const_buf: 'auto' on raw_syscalls/sys_enter's args[6] -----------------
# An array of longs in the record is posted as Tetragon decodes it: one
# size_arg per element. getpriority(2) (140) with known arguments matches;
# setpriority(2) (141) with the same arguments is the look-alike.
if policy constbuf <<EOF2; then
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: bufs-constbuf
spec:
  tracepoints:
  - subsystem: raw_syscalls
    event: sys_enter
    args:
    - index: 4
      type: int64
    - index: 5
    selectors:
    - matchArgs:
      - index: 4
        operator: Equal
        values: ["140"]
EOF2
	start_loader constbuf "$E2E_TMP/constbuf.bpf.o" || fail bufs/constbuf-loader
	python3 - >"$E2E_TMP/constbuf.pid" <<'PY'
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
print(os.getpid())
libc.syscall(140, 2, 0x7357)          # getpriority(PRIO_USER, 0x7357)
libc.syscall(141, 2, 0x7357, 19)      # setpriority: not matched
PY
	stop_loader
	python3 - "$E2E_TMP" "$(cat "$E2E_TMP/constbuf.pid")" <<'PY'
import sys; sys.path.insert(0, sys.argv[1]); from bufslib import *
mine = [e for e in events(sys.argv[1] + "/constbuf.json", "process_tracepoint", "bufs-constbuf")
        if e["process"]["pid"] == int(sys.argv[2])]
check("constbuf-fires", len(mine) == 1, repr(mine))
if mine:
    a = mine[0]["args"]
    check("constbuf-elements", len(a) == 7 and a[0] == {"long_arg": "140"} and
          all(list(x) == ["size_arg"] for x in a[1:]) and
          a[1]["size_arg"] == "2" and a[2]["size_arg"] == str(0x7357), repr(a))
check("constbuf-lookalike-not-matched",
      not any(e["args"][0] == {"long_arg": "141"} for e in mine), repr(mine))
PY
fi

# --- resolve: BTF member paths read with CO-RE on a raw tracepoint --------
# sched_process_exec's task: its parent's comm (char array: a string) and
# tgid (int), its executable through mm.exe_file (a struct file pointer:
# the canonical path) and through an embedded struct (f_path) to the
# dentry's name (char pointer). Parent "tpcrsvpar" matches, "tpcrsvpaX"
# (one byte off) must not.
R=$E2E_TMP/rsv
mkdir -p "$R"
cp /bin/dash "$R/tpcrsvpar" && cp /bin/dash "$R/tpcrsvpaX"
if policy resolve <<EOF2; then
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: bufs-resolve
spec:
  tracepoints:
  - subsystem: sched
    event: sched_process_exec
    raw: true
    args:
    - index: 0
      type: string
      resolve: real_parent.comm
    - index: 0
      type: int
      resolve: real_parent.tgid
    - index: 0
      type: file
      resolve: mm.exe_file
    - index: 0
      type: string
      resolve: mm.exe_file.f_path.dentry.d_name.name
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["tpcrsvpar"]
EOF2
	start_loader resolve "$E2E_TMP/resolve.bpf.o" || fail bufs/resolve-loader
	"$R/tpcrsvpar" -c "/bin/true; echo \$\$ >$R/par.pid"
	"$R/tpcrsvpaX" -c "/bin/true; echo \$\$ >$R/lookalike.pid"
	stop_loader
	python3 - "$E2E_TMP" "$(cat "$R/par.pid")" "$(cat "$R/lookalike.pid")" <<'PY'
import sys; sys.path.insert(0, sys.argv[1]); from bufslib import *
mine = events(sys.argv[1] + "/resolve.json", "process_tracepoint", "bufs-resolve")
par, look = int(sys.argv[2]), int(sys.argv[3])
true = os.path.realpath("/bin/true")
hits = [e for e in mine if e["process"]["binary"] == true and e["args"][1].get("int_arg") == par]
check("resolve-fires", len(hits) == 1, repr(mine))
if hits:
    a = hits[0]["args"]
    check("resolve-char-array", a[0] == {"string_arg": "tpcrsvpar"}, repr(a))
    check("resolve-int", a[1] == {"int_arg": par}, repr(a))
    check("resolve-struct-pointer", a[2].get("file_arg", {}).get("path") == true, repr(a))
    check("resolve-embedded-struct", a[3] == {"string_arg": os.path.basename(true)}, repr(a))
check("resolve-lookalike-not-matched",
      not any(e["args"][1].get("int_arg") == look for e in mine), repr(mine))
PY
fi

# --- resolve through a pointer to a pointer --------------------------------
# fdtable.fd is a struct file ** (the descriptor array): resolve reads the
# array's address, then one read more gives fd 0's struct file, whose
# dentry names the file the exec'd process has as stdin. A stdin named
# tpc-ptrptr-hit matches; tpc-ptrptr-miss (same length) must not.
: >"$R/tpc-ptrptr-hit"
: >"$R/tpc-ptrptr-miss"
if policy ptrptr <<EOF2; then
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: bufs-ptrptr
spec:
  tracepoints:
  - subsystem: sched
    event: sched_process_exec
    raw: true
    args:
    - index: 0
      type: string
      resolve: files.fdt.fd.f_path.dentry.d_name.name
    - index: 0
      type: int
      resolve: tgid
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values: ["tpc-ptrptr-hit"]
EOF2
	start_loader ptrptr "$E2E_TMP/ptrptr.bpf.o" || fail bufs/ptrptr-loader
	/bin/true <"$R/tpc-ptrptr-hit"
	/bin/true <"$R/tpc-ptrptr-miss"
	stop_loader
	python3 - "$E2E_TMP" <<'PY'
import sys; sys.path.insert(0, sys.argv[1]); from bufslib import *
mine = events(sys.argv[1] + "/ptrptr.json", "process_tracepoint", "bufs-ptrptr")
names = [e["args"][0].get("string_arg") for e in mine]
check("resolve-ptrptr-reads-stdin", names.count("tpc-ptrptr-hit") == 1, repr(names))
check("resolve-ptrptr-lookalike-not-matched", "tpc-ptrptr-miss" not in names, repr(names))
check("resolve-ptrptr-tgid", all(e["args"][1].get("int_arg") == e["process"]["pid"]
                                 for e in mine), repr(mine))
PY
fi
