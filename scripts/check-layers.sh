#!/bin/bash
# check-layers.sh - the include and call directions compiler/README.md and
# docs/architecture.md promise, checked on the source tree:
#  1. compiler/: a stage includes only headers of its own stage or of the
#     stages before it (base front kernel sema ir emit driver cli);
#  2. compiler/ and loader/: no include cycle passes through files of two
#     different folders (a cycle inside one folder, e.g. a header and its
#     implementation, is one phase and allowed);
#  3. compiler/sema/: calls go one way, policy -> hook -> selector ->
#     expression (sema.c -> sema_scope.c, sema_hooks.c -> sema_selectors.c
#     -> sema_dsl.c), and every file may use the shared helpers
#     (sema_util.c, support.c), which use no other sema file.
# Usage: scripts/check-layers.sh [ROOT]   (default: the repository). Prints
# one "file:line: error: ..." per violation and exits 1 when there is any.
set -u
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
exec python3 - "$ROOT" <<'EOF'
import os, re, sys

root = sys.argv[1]
STAGES = ["base", "front", "kernel", "sema", "ir", "emit", "driver", "cli"]
SEMA_RANK = {"sema.c": 0, "sema_scope.c": 1, "sema_lists.c": 1, "sema_hooks.c": 1, "sema_selectors.c": 2,
             "sema_dsl.c": 3, "sema_util.c": 4, "support.c": 4}
UTIL = 4
errors = []
inc_re = re.compile(r'\s*#\s*include\s+"([^"]+)"')


def sources(top):
    for d, _, files in os.walk(os.path.join(root, top)):
        if os.sep + "bpf" in d[len(root):]:
            continue  # BPF C: its own world (runtime headers)
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.join(d, f)


def rel(p):
    return os.path.relpath(p, root)


def includes(path):
    with open(path, errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            m = inc_re.match(line)
            if m:
                yield n, m.group(1)


# 1. stage order in compiler/
for path in sources("compiler"):
    parts = rel(path).split(os.sep)
    if len(parts) < 3 or parts[1] not in STAGES:
        continue
    mine = STAGES.index(parts[1])
    for n, inc in includes(path):
        head = inc.split("/")[0]
        if "/" in inc and head in STAGES and STAGES.index(head) > mine:
            errors.append(f"{rel(path)}:{n}: error: stage '{parts[1]}' includes '{inc}' of "
                          f"the later stage '{head}' (compiler/README.md: includes point "
                          f"down the pipeline)")


# 2. no include cycle across folders. A node is a file's module: its folder
# and its stem (foo.c and foo.h, or ldr_foo.h, are one module).
def module(top, path):
    d, f = os.path.split(os.path.relpath(path, os.path.join(root, top)))
    stem = re.sub(r"\.[ch]$", "", f)
    return (d, re.sub(r"^ldr_", "", stem))


for top in ("compiler", "loader"):
    files = list(sources(top))
    by_name = {}
    for p in files:
        by_name.setdefault(os.path.relpath(p, os.path.join(root, top)), p)
    graph, where = {}, {}
    for p in files:
        u = module(top, p)
        graph.setdefault(u, set())
        for n, inc in includes(p):
            q = by_name.get(inc) or by_name.get(os.path.join(os.path.dirname(
                os.path.relpath(p, os.path.join(root, top))), inc))
            if not q:
                continue  # a system, generated or other-tree header
            v = module(top, q)
            if v != u:
                graph[u].add(v)
                where.setdefault((u, v), f"{rel(p)}:{n}")

    def path_to(src, dst):
        seen, stack = {src}, [(src, [src])]
        while stack:
            x, pth = stack.pop()
            if x == dst:
                return pth
            for y in sorted(graph.get(x, ())):
                if y not in seen:
                    seen.add(y)
                    stack.append((y, pth + [y]))
        return None

    reported = set()
    for (u, v), loc in sorted(where.items()):
        if u[0] == v[0]:
            continue
        back = path_to(v, u)
        if back:
            cyc = frozenset([u] + back)
            if cyc in reported:
                continue
            reported.add(cyc)
            names = " -> ".join(f"{d}/{s}" if d else s for d, s in [u] + back)
            errors.append(f"{loc}: error: include cycle between folders of {top}/: {names}")

# 3. call direction inside compiler/sema/
sema = os.path.join(root, "compiler", "sema")
defs = {}
text = {}
if os.path.isdir(sema):
    for f in sorted(os.listdir(sema)):
        if f.endswith(".c"):
            with open(os.path.join(sema, f), errors="replace") as fh:
                text[f] = fh.read()
    fn_re = re.compile(r"^(?!static\b)[a-z_][a-z0-9_ \t\*]*?\b([a-z_][a-z0-9_]*)\([^;]*$",
                       re.M)
    for f, t in text.items():
        for m in fn_re.finditer(t):
            defs.setdefault(m.group(1), f)
    for name, f in sorted(defs.items()):
        if f not in SEMA_RANK:
            continue
        for g, t in text.items():
            if g == f or g not in SEMA_RANK:
                continue
            m = re.search(r"\b" + re.escape(name) + r"\s*\(", t)
            if not m:
                continue
            rf, rg = SEMA_RANK[f], SEMA_RANK[g]
            if rg < rf or (rf == UTIL and rg == UTIL):
                continue
            line = t.count("\n", 0, m.start()) + 1
            errors.append(f"compiler/sema/{g}:{line}: error: calls {name}() of {f}, which is "
                          f"not below it (sema calls go policy -> hook -> selector -> "
                          f"expression; shared helpers in sema_util.c)")
    for f in text:
        if f.startswith("sema") and f not in SEMA_RANK:
            errors.append(f"compiler/sema/{f}:1: error: no place in the sema order: add it to "
                          f"scripts/check-layers.sh and compiler/README.md")

for e in errors:
    print(e)
sys.exit(1 if errors else 0)
EOF
