#!/bin/bash
# Events parse with Tetragon's protobuf schema (issue 14): a real loader run
# produces a sample of every event kind tpc exports on this kernel, and each
# JSON line is parsed strictly (no unknown field, every value of its proto
# type) with python3-protobuf's json_format.Parse into Tetragon's
# GetEventsResponse, compiled by protoc from Tetragon's .proto files.
#
# The schema is not part of this repository: TETRAGON_PROTO_DIR names the
# folder holding tetragon/*.proto (Tetragon's api/v1, or api/v1/tetragon
# itself). Without it, or without protoc / python3-protobuf, the test SKIPs
# and says why (docs/testing.md, "Tetragon's protobuf schema").
#
# Kinds: process_exec, process_exit, process_kprobe (int, size, bytes,
# truncated bytes, kernel and user stack traces), process_tracepoint (string, int, file, path, cred,
# user namespace: resolve on a raw tracepoint), process_uprobe,
# process_usdt (python3.11's audit probe), process_lsm (the exec
# shorthand's SIGKILL variant on this kernel). tpcNetwork events (network_tcp/dns/http) are a tpc
# extension with no Tetragon message: SKIP with that reason.
source "$(dirname "$0")/lib.sh"
need_bpf schema_proto

D=${TETRAGON_PROTO_DIR:-}
if [ -z "$D" ]; then
	skip schema_proto "TETRAGON_PROTO_DIR is not set (e.g. TETRAGON_PROTO_DIR=/tmp/tg/api/v1/tetragon)"
	exit 0
fi
[ -d "$D/tetragon" ] || D=$(dirname "$D")
if [ ! -f "$D/tetragon/events.proto" ]; then
	skip schema_proto "no tetragon/events.proto under $TETRAGON_PROTO_DIR"
	exit 0
fi
if ! command -v protoc >/dev/null; then
	skip schema_proto "protoc is missing (apt-get install protobuf-compiler libprotobuf-dev)"
	exit 0
fi
# python3-protobuf is Debian's: the system python, whatever python3 is first
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import google.protobuf.json_format' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
	skip schema_proto "no python3 with google.protobuf (apt-get install python3-protobuf)"
	exit 0
fi
PB=$E2E_TMP/pb
mkdir -p "$PB"
if ! protoc -I "$D" -I /usr/include --python_out="$PB" "$D"/tetragon/*.proto 2>"$E2E_TMP/protoc.err"; then
	fail schema_proto/protoc "$(head -3 "$E2E_TMP/protoc.err")"
	exit 0
fi

TAG=tpcs$$ # short: a comm holds 15 bytes
W=$E2E_TMP/w
mkdir -p "$W"
cp /bin/dash "$W/$TAG-kill"
cp /bin/dash "$W/$TAG-uprobe"
LIBC=$(ldd /bin/dash | sed -n 's/.*libc\.so\.6 => \([^ ]*\).*/\1/p')
cat >"$E2E_TMP/schema.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: schema-kprobe
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
        values: ["$TAG"]
      matchActions:
      - action: Post
        kernelStackTrace: true
        userStackTrace: true
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: schema-tracepoint
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_openat
    args:
    - index: 5
      type: int
    - index: 6
      type: string
    selectors:
    - matchArgs:
      - index: 6
        operator: Prefix
        values: ["$W/"]
  - subsystem: sched
    event: sched_process_exec
    raw: true
    args:
    - index: 0
      type: string
      resolve: comm
    - index: 0
      type: file
      resolve: mm.exe_file
    - index: 0
      type: path
      resolve: mm.exe_file.f_path
    - index: 0
      type: cred
      resolve: real_cred
    - index: 0
      type: user_namespace
      resolve: real_cred.user_ns
    selectors:
    - matchArgs:
      - index: 0
        operator: Prefix
        values: ["$TAG"]
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: schema-uprobe
spec:
  uprobes:
  - path: $LIBC
    symbols:
    - getppid
    selectors:
    - matchBinaries:
      - operator: In
        values: ["$W/$TAG-uprobe"]
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: schema-lsm
spec:
  selectors:
    matchBinary: ["$W/$TAG-kill"]
  action: Block
EOF
# USDT: Debian's python3.11 has a python:audit probe (sys.audit)
USDT_PY=/usr/bin/python3.11
if [ -x $USDT_PY ] && readelf -n $USDT_PY 2>/dev/null | grep -q "Name: audit"; then
	cat >>"$E2E_TMP/schema.yaml" <<EOF
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: schema-usdt
spec:
  usdts:
  - path: $USDT_PY
    provider: python
    name: audit
    args:
    - index: 0
      type: string
    selectors:
    - matchArgs:
      - index: 0
        operator: Prefix
        values: ["$TAG"]
EOF
else
	USDT_PY=
fi
if ! "$TPC" build -o "$E2E_TMP/schema.bpf.o" "$E2E_TMP/schema.yaml" 2>"$E2E_TMP/schema.build"; then
	fail schema_proto/build "$(cat "$E2E_TMP/schema.build")"
	exit 0
fi
start_loader schema "$E2E_TMP/schema.bpf.o" || { fail schema_proto/loader; exit 0; }
"$PY" - "$TAG" "$W" <<'PY'
import os, sys
tag, w = sys.argv[1].encode(), sys.argv[2]
fd = os.open(w + "/out", os.O_WRONLY | os.O_CREAT, 0o600)  # openat: process_tracepoint
os.write(fd, tag + b"\x00\xff")                            # process_kprobe, bytes_arg
os.write(fd, tag.ljust(600, b"z"))                         # truncated_bytes_arg
os.close(fd)
PY
# exec'd as $TAG-kill: raw tp (comm), then the exec shorthand kills it
# (process_lsm) before it runs; the uprobe fires in a dash that runs
# (dash asks getppid() for $PPID)
("$W/$TAG-kill" -c 'exit 0') 2>/dev/null
"$W/$TAG-uprobe" -c 'exit 0'

[ -n "$USDT_PY" ] && $USDT_PY -c "import sys; sys.audit('$TAG-audit')"
stop_loader

"$PY" - "$PB" "$E2E_TMP/schema.json" "$TAG" "$USDT_PY" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from google.protobuf import json_format
from tetragon import events_pb2

tag = sys.argv[3]
kinds = {}
bad = []
for n, line in enumerate(open(sys.argv[2]), 1):
    d = json.loads(line)
    (kind, body), = [(k, v) for k, v in d.items() if k not in ("node_name", "time")]
    if kind.startswith("network_"):
        continue
    if kind != "process_exec" and kind != "process_exit" and \
       not body.get("policy_name", "").startswith("schema-"):
        continue
    try:
        m = json_format.Parse(line, events_pb2.GetEventsResponse())
    except json_format.ParseError as e:
        bad.append("%s (line %d): %s" % (kind, n, e))
        continue
    assert m.WhichOneof("event") == kind, (kind, m.WhichOneof("event"))
    # what the line said about its arguments survives the round trip
    if "args" in body:
        back = json_format.MessageToDict(m, preserving_proto_field_name=True)[kind]
        if len(back.get("args", [])) != len(body["args"]):
            bad.append("%s (line %d): args lost in the round trip" % (kind, n))
    kinds.setdefault(kind, set()).update(
        k for a in body.get("args", []) for k in a if k != "label")
    # stack traces: every entry's fields survive (StackTraceEntry)
    for st in ("kernel_stack_trace", "user_stack_trace"):
        if st in body:
            back = json_format.MessageToDict(m, preserving_proto_field_name=True)[kind]
            if back.get(st) != body[st]:
                bad.append("%s (line %d): %s changed in the round trip" % (kind, n, st))
            kinds[kind].add(st)
def check(name, ok, why=""):
    print(("PASS " if ok else "FAIL ") + "schema_proto/" + name)
    if not ok:
        print("  " + why, file=sys.stderr)
check("parse-strict", not bad, "; ".join(bad[:5]))
want = {
    "process_exec": set(),
    "process_exit": set(),
    "process_kprobe": {"int_arg", "bytes_arg", "truncated_bytes_arg", "size_arg",
                       "kernel_stack_trace", "user_stack_trace"},
    "process_tracepoint": {"int_arg", "string_arg", "file_arg", "path_arg",
                           "process_credentials_arg", "user_ns_arg"},
    "process_uprobe": set(),
    "process_lsm": set(),
}
if sys.argv[4]:
    want["process_usdt"] = {"string_arg"}
else:
    print("SKIP schema_proto/process_usdt: no python:audit USDT probe in /usr/bin/python3.11")
for k, args in want.items():
    got = kinds.get(k)
    check(k, got is not None and args <= got,
          "seen: %r" % ({x: sorted(v) for x, v in kinds.items()},))
print("SKIP schema_proto/network_tcp-dns-http: tpcNetwork events are a tpc extension, "
      "Tetragon's schema has no message for them")
PY
