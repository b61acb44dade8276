#!/bin/bash
# Policy strings full of C syntax (quotes, backslashes, newline, "*/",
# "#include", NUL) compile into a program that still means exactly the
# policy: opening each named file is reported with its exact name, near
# misses are not. The generated C itself is checked by the golden tier.
source "$(dirname "$0")/lib.sh"
need_bpf injection
"$TPC" build "$E2E_ROOT/tests/golden/injection.yaml" -o "$E2E_TMP/inj.bpf.o" 2>/dev/null ||
	{ fail injection/build; exit 0; }
pass injection/build
rm -rf /tmp/tpc-inj
mkdir -p '/tmp/tpc-inj/*'
start_loader inj "$E2E_TMP/inj.bpf.o" || { fail injection/loader-start; exit 0; }
python3 - <<'PY'
import os
names = ['q"uote', 'back\\slash', 'new\nline', '#include <stdio.h>',
         'q"uotE', 'back\\slasH', 'new\nlinE', '#include <stdio.h> ']
for n in names:
    p = "/tmp/tpc-inj/" + n
    open(p, "w").close()
try:
    os.open("/tmp/tpc-inj/*/", os.O_RDONLY)
except OSError:
    pass
for n in ["nul"]:  # the kernel never sees past a NUL: "nul\0byte" cannot match "nul"
    try: open("/tmp/tpc-inj/" + n, "w").close()
    except OSError: pass
PY
stop_loader
python3 - "$E2E_TMP/inj.json" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
got = set()
for e in evs:
    t = e.get("process_tracepoint")
    if not t or t.get("policy_name") != "inject-*/-test":
        continue
    a = t["args"][0]
    got.add(next(iter(a.values())))
want = {"/tmp/tpc-inj/" + n for n in ['q"uote', 'back\\slash', 'new\nline', '*/', '#include <stdio.h>']}
for w in sorted(want):
    print(("PASS " if w in got else "FAIL ") + "injection/match " + json.dumps(w))
extra = got - want
print(("PASS " if not extra else "FAIL ") + "injection/no-near-misses")
if extra: print("  unexpected: %r" % extra, file=sys.stderr)
PY
rm -rf /tmp/tpc-inj
