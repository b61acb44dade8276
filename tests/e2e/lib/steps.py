#!/usr/bin/env python3
"""steps.py EVENTS PIDS MAGIC PREFIX POLICY=WANT... - the check of the
"signal 0 to MAGIC+step" e2e scripts (cap_changes.sh, ns_changes.sh).
Their workloads import start() from here (PYTHONPATH=tests/e2e/lib), so
both sides of the protocol stay in one place.

EVENTS is the loader's JSON output, PIDS lines of "pid name" the workloads
wrote. Each process_tracepoint event of a known pid counts as "name@step",
step = its first argument - MAGIC. For each POLICY, the sorted list of
what it reported must be WANT (comma-separated "name@step", empty: none):
prints "PASS PREFIX/POLICY" or "FAIL PREFIX/POLICY" with the difference.
"""
import json
import os
import sys


def start(name, magic, out):
    """The workload side: append "pid name" to OUT, signal step 0, and
    return sig(step), which sends signal 0 to MAGIC+step (no such process
    is expected: the hook sees the kill(2) call either way)."""
    def sig(step):
        try:
            os.kill(magic + step, 0)
        except OSError:
            pass
    with open(out, "a") as f:
        f.write("%d %s\n" % (os.getpid(), name))
    sig(0)
    return sig


def main(argv):
    events, pids, magic, prefix = argv[1], argv[2], int(argv[3]), argv[4]
    who = {}
    for line in open(pids):
        pid, name = line.split()
        who[int(pid)] = name
    seen = {}
    for line in open(events):
        if not line.strip():
            continue
        tp = json.loads(line).get("process_tracepoint")
        if not tp:
            continue
        name = who.get(tp["process"]["pid"])
        if name is None:
            continue
        step = int(tp["args"][0]["int_arg"]) - magic
        seen.setdefault(tp["policy_name"], []).append("%s@%d" % (name, step))
    for spec in argv[5:]:
        pol, _, want = spec.partition("=")
        want = sorted(w for w in want.split(",") if w)
        got = sorted(seen.get(pol, []))
        print(("PASS " if got == want else "FAIL ") + prefix + "/" + pol)
        if got != want:
            print("  %s: want %s, got %s" % (pol, want, got), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
