#!/usr/bin/env python3
"""Shrink a failing differential-test input (tests/difftest/run.sh).

usage: minimise.py TPC DIR OUTDIR KIND

DIR holds policies.yaml (JSON documents separated by '---') and cases.yaml
as tests/difftest/gen.py writes them. KIND is what the failure is:
  disagree   tpc test --kernel --differential exits 1 (the object decided
             otherwise than the evaluator on some case)
  verifier   the kernel refused an object: the test object (exit 2,
             "refused the test object") or the production object
             (tpc build + tests objload)
Greedily drops cases, policies, hook entries, selectors, selector fields
and list values while the failure stays, and writes the smallest input to
OUTDIR (a regression case for tests/difftest/regress/).
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

TPC, SRC, OUT, KIND = sys.argv[1:5]
OBJLOAD = os.path.join(os.path.dirname(TPC), "tests", "objload")


def load(d):
    with open(os.path.join(d, "policies.yaml")) as f:
        text = "".join(l for l in f if not l.startswith("#"))
    pols = [json.loads(p) for p in text.split("\n---\n") if p.strip()]
    with open(os.path.join(d, "cases.yaml")) as f:
        cases = json.loads("".join(l for l in f if not l.startswith("#")))["cases"]
    return pols, cases


def write(d, pols, cases):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "policies.yaml"), "w") as f:
        f.write("\n---\n".join(json.dumps(p, indent=1) for p in pols) + "\n")
    with open(os.path.join(d, "cases.yaml"), "w") as f:
        json.dump({"cases": cases}, f, indent=1)
        f.write("\n")


def fails(pols, cases):
    if not pols or (KIND == "disagree" and not cases):
        return False
    with tempfile.TemporaryDirectory() as d:
        write(d, pols, cases)
        p = os.path.join(d, "policies.yaml")
        if KIND == "verifier":
            r = subprocess.run([TPC, "build", p, "-o", os.path.join(d, "o.bpf.o")],
                               capture_output=True)
            if r.returncode == 0:
                r2 = subprocess.run([OBJLOAD, os.path.join(d, "o.bpf.o")], capture_output=True)
                if r2.returncode != 0:
                    return True
            if not cases:
                return False
        r = subprocess.run([TPC, "test", p, "--cases", os.path.join(d, "cases.yaml"), "--kernel",
                            "--differential"], capture_output=True, text=True)
        if KIND == "disagree":
            return r.returncode == 1
        return r.returncode == 2 and "refused the test object" in r.stderr


def shrink_list(xs, test):
    """Drop items of xs (in place) while test() holds."""
    i = 0
    while i < len(xs):
        saved = xs.pop(i)
        if not test():
            xs.insert(i, saved)
            i += 1


def main():
    pols, cases = load(SRC)
    if not fails(pols, cases):
        print("minimise: the input does not fail as %s" % KIND, file=sys.stderr)
        sys.exit(2)
    t = lambda: fails(pols, cases)
    shrink_list(cases, t)
    shrink_list(pols, t)
    for p in pols:
        for key in ("tracepoints", "lsmhooks", "kprobes"):
            hooks = p["spec"].get(key, [])
            shrink_list(hooks, t)
            for h in hooks:
                sels = h.get("selectors", [])
                shrink_list(sels, t)
                for sel in sels:
                    for field in list(sel.keys()):
                        saved = sel.pop(field)
                        if t():
                            continue
                        sel[field] = saved
                        if isinstance(saved, list):
                            shrink_list(saved, t)
                            for m in saved:
                                if isinstance(m, dict) and isinstance(m.get("values"), list):
                                    shrink_list(m["values"], t)
    for c in cases:
        for field in ("process",):
            for k in list(c.get(field, {}).keys()):
                saved = c[field].pop(k)
                if not t():
                    c[field][k] = saved
    write(OUT, pols, cases)
    print("minimise: %d policies, %d cases in %s" % (len(pols), len(cases), OUT))


main()
