#!/bin/bash
# The edges of Prefix and Equal on a user string argument (issue 16: any
# cheaper way of reading the string, such as reading only the bytes a
# Prefix needs first, must give these answers too). Real openat(2) calls
# from one helper process whose filename bytes are laid out by hand
# (ctypes, an mmap'd page followed by a PROT_NONE page), on
# sys_enter_openat; "head" below is the first word-rounded bytes the prefix
# covers:
#   prefix-hit        the prefix and more                     -> event
#   prefix-long       the prefix and 300 more bytes (the head
#                     is cut, the full read is too: 255 bytes) -> event
#   prefix-short      one byte less than the prefix            -> none
#   prefix-nul        a NUL inside the prefix's last word      -> none
#   fault-in-head     the prefix, then an unreadable page      -> none
#   fault-after-head  the prefix and the rest of its last word and
#                     more, then an unreadable page (the string
#                     cannot be read whole: no match)          -> none
#   equal-hit         exactly the Equal literal                -> event
#   equal-longer      the literal and one more byte            -> none
#   equal-shorter     the literal without its last byte        -> none
#   fault-after-64    more than tpc's 64-byte stack head, then an
#                     unreadable page (the head is cut and matches,
#                     the whole read faults)                   -> none
#   head-whole        62 bytes (whole in the head: the event's
#                     string comes from it)                    -> event
#   head-cut          63 bytes (the head is full: read again)  -> event
# The helper's events are counted by its pid: an event too many (a fault
# case matched) or too few fails.
source "$(dirname "$0")/lib.sh"
need_bpf str_edges
command -v python3 >/dev/null || { skip str_edges "python3 missing"; exit 0; }

D=$E2E_TMP/sh
mkdir -p "$D"
PFX="$D/pfx-abcdefgh"
EQ="$D/eq-exact-name"
cat >"$E2E_TMP/strhead.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: strhead
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_openat
    args:
    - index: 6
      type: string
    selectors:
    - matchArgs:
      - index: 6
        operator: Prefix
        values: ["$PFX"]
    - matchArgs:
      - index: 6
        operator: Equal
        values: ["$EQ"]
EOF
"$TPC" build -o "$E2E_TMP/strhead.bpf.o" "$E2E_TMP/strhead.yaml" 2>"$E2E_TMP/strhead.build" ||
	{ fail str_edges/build "$(cat "$E2E_TMP/strhead.build")"; exit 0; }

start_loader strhead "$E2E_TMP/strhead.bpf.o" || { fail str_edges/loader; exit 0; }
python3 - "$PFX" "$EQ" >"$E2E_TMP/strhead.pid" <<'PY'
import ctypes, mmap, os, sys
pfx, eq = sys.argv[1].encode(), sys.argv[2].encode()
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
PAGE = mmap.PAGESIZE
# two pages, the second unreadable
libc.mmap.restype = ctypes.c_void_p
base = libc.mmap(None, 2 * PAGE, 3, 0x22, -1, 0)  # RW, PRIVATE|ANON
libc.mprotect(ctypes.c_void_p(base + PAGE), PAGE, 0)
def at_page_end(b):
    """b at the very end of the readable page: the next byte faults"""
    a = base + PAGE - len(b)
    ctypes.memmove(a, b, len(b))
    return a
def buf(b):
    s = ctypes.create_string_buffer(b)
    keep.append(s)
    return ctypes.addressof(s)
keep = []
def openat(addr):
    libc.syscall(257, -100, ctypes.c_void_p(addr), 0, 0)  # SYS_openat, AT_FDCWD
head = ((len(pfx) + 1 + 7) & ~7) - 1  # the prefix rounded up to a word, without NUL
print(os.getpid(), flush=True)
openat(buf(pfx + b"-hit"))
openat(buf(pfx + b"L" * 300))
openat(buf(pfx[:-1]))
openat(buf(pfx[:-2] + b"\0" + pfx[-1:] + b"-nul"))
openat(at_page_end(pfx))
openat(at_page_end(pfx + b"F" * (head - len(pfx) + 3)))
# runtime TPC_STR_HEAD: the stack head tpc tests Prefix/Equal on (63 bytes)
HB = 64
openat(at_page_end(pfx + b"G" * (HB - len(pfx) + 5)))  # the head is cut, the rest faults
openat(buf(pfx + b"M" * (HB - 2 - len(pfx))))  # 62 bytes: whole in the head
openat(buf(pfx + b"N" * (HB - 1 - len(pfx))))  # 63 bytes: the head cannot tell
openat(buf(eq))
openat(buf(eq + b"x"))
openat(buf(eq[:-1]))
PY
stop_loader
python3 - "$E2E_TMP/strhead.json" "$(cat "$E2E_TMP/strhead.pid")" "$PFX" "$EQ" <<'PY'
import json, sys
path, pid, pfx, eq = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
evs = []
for l in open(path):
    if '"process_tracepoint"' not in l:
        continue
    e = json.loads(l)["process_tracepoint"]
    if e.get("policy_name") == "strhead" and e["process"]["pid"] == pid:
        evs.append(e["args"][0].get("string_arg", ""))
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "str_edges/" + name)
    if not ok:
        print("  " + why, file=sys.stderr)
check("prefix-hit", evs.count(pfx + "-hit") == 1, repr(evs))
longs = [s for s in evs if s.startswith(pfx + "LLL")]
check("prefix-long", len(longs) == 1 and len(longs[0]) == 255, repr([len(s) for s in longs]))
check("equal-hit", evs.count(eq) == 1, repr(evs))
check("head-whole (62 bytes)", evs.count(pfx + "M" * (62 - len(pfx))) == 1, repr(evs))
check("head-cut (63 bytes)", evs.count(pfx + "N" * (63 - len(pfx))) == 1, repr(evs))
check("no-other-event (short, NUL, faults, equal longer/shorter)", len(evs) == 5, repr(evs))
PY
