#!/usr/bin/env python3
"""Seeded random TracingPolicies and cases for differential testing.

usage: gen.py SEED OUTDIR [--cases N]

Writes OUTDIR/policies.yaml (one to four policies, several of them on the
same hook so they are fused into one program) and OUTDIR/cases.yaml (N
random events for those hooks, built from the policies' own literals,
near misses of them and unrelated values). The same SEED always gives the
same files. `tpc test --kernel --differential` then requires the compiled
object to decide every case as the reference evaluator does
(tests/difftest/run.sh, docs/security.md "Differential testing").

What is generated: every selector kind tpc compiles on these hooks
(matchArgs with integer, string, path and socket-address operators,
matchBinaries and matchParentBinaries with every operator, matchPIDs with
isNamespacePID and followForks, matchNamespaces, matchCapabilities with
isNamespaceCapability, matchCapabilityChanges, the DSL with && || ! over
process fields, arguments and socket fields), set sizes from 1 to 12 (so
both inline compares and maps), several selectors per hook, actions
(Post, NoPost, Sigkill, Signal, Override on LSM hooks, rateLimit),
policy-mode monitor and podSelector workload scopes.
"""
import json
import os
import random
import sys

# Hooks: (kind, name, args as (index, type, label, argkind)), argkind one of
# int, str, path, sa.
HOOKS = [
    ("tp", "syscalls/sys_enter_openat",
     [(5, "int", "dfd", "int"), (6, "string", "path", "str"), (7, "int", "flags", "int")]),
    ("tp", "syscalls/sys_enter_kill", [(5, "int", "pid", "int"), (6, "int", "sig", "int")]),
    ("tp", "syscalls/sys_enter_setuid", [(5, "uint32", "uid", "int")]),
    ("tp", "sched/sched_process_exec", []),
    ("lsm", "socket_connect", [(1, "sockaddr", "addr", "sa")]),
    ("lsm", "file_open", [(0, "file", "file", "path")]),
    ("kprobe", "sys_setuid", [(0, "int", "uid", "int")]),
]

PATHS = ["/etc/shadow", "/etc/passwd", "/etc/ssh/sshd_config", "/tmp/x", "/tmp/evil.sh",
         "/usr/bin/nc", "/usr/bin/cat", "/home/dev/.ssh/id_rsa", "/root/.bash_history",
         "/var/log/syslog", "/proc/self/mem", "/dev/shm/a", "/usr/lib/x86_64-linux-gnu/libc.so.6"]
BINS = ["/usr/bin/cat", "/usr/bin/nc", "/usr/bin/bash", "/bin/sh", "/usr/sbin/sshd", "/tmp/evil",
        "/usr/bin/python3", "/usr/local/bin/app", "/usr/bin/curl", "/opt/x/bin/tool"]
CAPS = ["CAP_SYS_ADMIN", "CAP_NET_RAW", "CAP_NET_ADMIN", "CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE",
        "CAP_SETUID", "CAP_CHOWN", "CAP_KILL", "CAP_BPF", "CAP_SYS_MODULE"]
NSKINDS = [("Pid", "pid"), ("Net", "net"), ("Mnt", "mnt"), ("User", "user"), ("Uts", "uts")]
CIDRS4 = ["10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12", "127.0.0.1/32", "169.254.169.254/32",
          "0.0.0.0/0", "100.64.0.0/10", "8.8.8.8/32", "1.2.3.0/24"]
CIDRS6 = ["::1/128", "fd00::/8", "2001:db8::/32", "fe80::/10", "::ffff:10.0.0.0/104", "::/0"]
ADDRS = ["10.1.2.3", "192.168.1.1", "172.20.0.5", "127.0.0.1", "169.254.169.254", "8.8.8.8",
         "1.2.3.4", "93.184.216.34", "::1", "fd00::5", "2001:db8::1", "fe80::1",
         "::ffff:10.0.0.1", "::ffff:8.8.8.8", "2606:4700::1111"]
PORTS = [22, 53, 80, 443, 1023, 1024, 8080, 65535, 0]
INTS = [0, 1, 2, 9, 15, 64, 0x40, 0x200, 0x241, 1000, 65534, -1, -100, 4242, 2 ** 31 - 1]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.declared = {}  # hook name -> labels some policy declares
        self.lits = {"int": set(), "str": set(), "path": set(), "bin": set(), "pid": set(),
                     "ns": set(), "port": set(), "addr": set(), "uid": set(), "label": set()}

    def pick(self, xs, k=None):
        if k is None:
            return self.r.choice(xs)
        return self.r.sample(xs, min(k, len(xs)))

    def nvals(self):
        # crosses IR_INLINE_MAX (8): inline compares and maps
        return self.r.choice([1, 1, 2, 3, 5, 8, 9, 12])

    # -- values ------------------------------------------------------------
    def long_str(self):
        # lengths up to the 254 bytes a policy literal may have: the word
        # compares' tails and the copies' masks at their limits
        n = self.pick([31, 32, 33, 63, 64, 65, 127, 128, 200, 247, 253, 254])
        seg = self.pick(["/a", "/bc", "/defgh", "/x1234567"])
        return (seg * (n // len(seg) + 1))[:n]

    def str_val(self, kind):
        base = self.pick(PATHS) if kind == "path" else self.pick(PATHS + ["x", "ab", ""])
        if self.r.random() < 0.08:
            return self.long_str()
        roll = self.r.random()
        if roll < 0.3:
            return base
        if roll < 0.5:
            return base[: self.r.randint(1, max(1, len(base)))] or "/"
        if roll < 0.7:
            return base.rsplit("/", 1)[-1] or base
        return "/" + "".join(self.pick("abcxyz/._") for _ in range(self.r.randint(1, 12)))

    def int_vals(self, n, unsigned=False):
        vals = set()
        while len(vals) < n:
            v = self.pick(INTS) if self.r.random() < 0.6 else self.r.randint(-5, 5000)
            if not (unsigned and v < 0):
                vals.add(v)
        return sorted(vals)

    # -- selector parts --------------------------------------------------------
    def match_arg(self, a):
        index, atype, label, kind = a
        uns = atype.startswith("uint")
        if kind == "int":
            op = self.pick(["Equal", "NotEqual", "GT", "LT", "Mask", "InRange", "NotInRange"])
            if op in ("GT", "LT"):
                vals = [str(self.int_vals(1, uns)[0])]
            elif op in ("InRange", "NotInRange"):
                vals = []
                for _ in range(self.r.randint(1, 3)):
                    lo = self.r.randint(0 if uns else -10, 3000)
                    vals.append("%d:%d" % (lo, lo + self.r.randint(0, 500)))
            elif op == "Mask":
                vals = [hex(self.pick([1, 2, 0x40, 0x200, 0x241, 0x10, 0x800]))]
            else:
                vals = [str(v) for v in self.int_vals(self.nvals(), uns)]
            for v in vals:
                for part in v.split(":"):
                    try:
                        self.lits["int"].add(int(part, 0))
                    except ValueError:
                        pass
            return {"index": index, "operator": op, "values": vals}
        if kind in ("str", "path"):
            op = self.pick(["Equal", "NotEqual", "Prefix", "NotPrefix", "Postfix", "NotPostfix"])
            vals = sorted({self.str_val(kind) for _ in range(self.nvals())} - {""}) or ["/etc/"]
            self.lits[kind].update(vals)
            return {"index": index, "operator": op, "values": vals}
        # sockaddr
        op = self.pick(["DAddr", "NotDAddr", "DPort", "NotDPort", "DPortPriv", "NotDPortPriv",
                        "Family"])
        if op in ("DAddr", "NotDAddr"):
            vals = self.pick(CIDRS4 + CIDRS6, self.r.randint(1, 10))
            self.lits["addr"].update(v.split("/")[0] for v in vals)
        elif op in ("DPort", "NotDPort"):
            vals = [str(p) for p in self.pick(PORTS, self.r.randint(1, 4))]
            if self.r.random() < 0.3:
                vals.append("1000:2000")
            self.lits["port"].update(int(v.split(":")[0]) for v in vals)
        elif op == "Family":
            vals = self.pick(["AF_INET", "AF_INET6", "AF_UNIX"], self.r.randint(1, 2))
        else:
            vals = []
        out = {"index": index, "operator": op}
        if vals:
            out["values"] = vals
        return out

    def binaries(self):
        op = self.pick(["In", "NotIn", "Prefix", "NotPrefix", "Postfix", "NotPostfix"])
        if op in ("In", "NotIn"):
            vals = self.pick(BINS, self.nvals())
        elif op in ("Prefix", "NotPrefix"):
            vals = self.pick(["/usr/", "/tmp/", "/usr/bin/", "/bin/", "/opt/", "/usr/local/"],
                             self.r.randint(1, 3))
        else:
            vals = self.pick(["/nc", "sh", "/cat", "python3", "/evil", "tool"], self.r.randint(1, 3))
        self.lits["bin"].update(vals)
        return [{"operator": op, "values": sorted(vals)}]

    def pids(self):
        vals = sorted({self.pick([1, 1000, 4242, 77, 31337]) for _ in range(self.r.randint(1, 4))})
        self.lits["pid"].update(vals)
        m = {"operator": self.pick(["In", "NotIn"]), "values": [str(v) for v in vals]}
        if self.r.random() < 0.3:
            m["isNamespacePID"] = True
        if self.r.random() < 0.3 and m["operator"] == "In":
            m["followForks"] = True
        return [m]

    def namespaces(self):
        kind = self.pick(NSKINDS)[0]
        vals = []
        if self.r.random() < 0.6:
            vals.append("host_ns")
        for _ in range(self.r.randint(0 if vals else 1, 2)):
            v = self.pick([4026531836, 4026532500, 4026532999, 4026533001])
            vals.append(str(v))
            self.lits["ns"].add(v)
        return [{"namespace": kind, "operator": self.pick(["In", "NotIn"]), "values": vals}]

    def caps(self):
        m = {"type": self.pick(["Effective", "Permitted", "Inheritable"]),
             "operator": self.pick(["In", "NotIn"]),
             "values": self.pick(CAPS, self.r.randint(1, 4))}
        if self.r.random() < 0.25:
            m["isNamespaceCapability"] = True
        return [m]

    # -- the DSL -----------------------------------------------------------------
    def dsl_cond(self, args):
        choices = ["uid", "euid", "pid", "comm", "binary", "parent", "caps", "ns"]
        choices += ["arg"] * (3 if args else 0)
        c = self.pick(choices)
        if c in ("uid", "euid"):
            v = self.pick([0, 1000, 33, 65534])
            self.lits["uid"].add(v)
            op = self.pick(["==", "!=", "<", ">=", "in"])
            if op == "in":
                vs = sorted({self.pick([0, 1000, 33, 65534, 5]) for _ in range(self.r.randint(1, 9))})
                self.lits["uid"].update(vs)
                return "%s in [%s]" % (c, ", ".join(map(str, vs)))
            return "%s %s %d" % (c, op, v)
        if c == "pid":
            v = self.pick([1, 1000, 4242])
            self.lits["pid"].add(v)
            return "pid %s %d" % (self.pick(["==", "!=", ">", "<="]), v)
        if c == "comm":
            v = self.pick(["cat", "nc", "bash", "sh", "python3", "evil"])
            return 'comm %s "%s"' % (self.pick(["==", "!=", "startswith", "endswith"]), v)
        if c in ("binary", "parent"):
            f = "binary" if c == "binary" else "parent.binary"
            op = self.pick(["==", "startswith", "endswith", "in", "not in"])
            if op in ("in", "not in"):
                vs = self.pick(BINS, self.r.randint(1, 10))
                self.lits["bin"].update(vs)
                return '%s %s [%s]' % (f, op, ", ".join('"%s"' % v for v in vs))
            v = self.pick(BINS + ["/usr/", "/tmp/", "sh", "/nc"])
            self.lits["bin"].add(v)
            return '%s %s "%s"' % (f, op, v)
        if c == "caps":
            return "caps.%s contains %s" % (self.pick(["effective", "permitted"]), self.pick(CAPS))
        if c == "ns":
            v = self.pick([4026531836, 4026532500])
            self.lits["ns"].add(v)
            return "ns.%s %s %d" % (self.pick(["pid", "net", "mnt"]), self.pick(["==", "!="]), v)
        index, atype, label, kind = self.pick(args)
        uns = atype.startswith("uint")
        if kind == "int":
            op = self.pick(["==", "!=", "<", ">", "&", "in"])
            if op == "in":
                vs = self.int_vals(self.nvals(), uns)
                self.lits["int"].update(vs)
                return "args.%s in [%s]" % (label, ", ".join(map(str, vs)))
            v = self.pick([0x40, 0x200, 9, 15, 0, 1000]) if op == "&" else self.int_vals(1, uns)[0]
            self.lits["int"].add(v)
            return "args.%s %s %d" % (label, op, v)
        if kind in ("str", "path"):
            op = self.pick(["==", "!=", "startswith", "endswith", "in"])
            if op == "in":
                vs = sorted({self.str_val(kind) for _ in range(self.nvals())})
                self.lits[kind].update(vs)
                return "args.%s in [%s]" % (label, ", ".join(json.dumps(v) for v in vs))
            v = self.str_val(kind)
            self.lits[kind].add(v)
            return "args.%s %s %s" % (label, op, json.dumps(v))
        sub = self.pick(["daddr", "dport", "family"])
        if sub == "daddr":
            vs = self.pick(CIDRS4 + CIDRS6, self.r.randint(1, 4))
            self.lits["addr"].update(v.split("/")[0] for v in vs)
            return "args.%s.daddr %sin [%s]" % (label, self.pick(["", "not "]), ", ".join(vs))
        if sub == "dport":
            vs = self.pick(PORTS, self.r.randint(1, 4))
            self.lits["port"].update(vs)
            return "args.%s.dport in [%s]" % (label, ", ".join(map(str, vs)))
        return "args.%s.family == %s" % (label, self.pick(["AF_INET", "AF_INET6"]))

    def dsl(self, args, depth=0):
        roll = self.r.random()
        if depth >= 2 or roll < 0.4:
            return self.dsl_cond(args)
        if roll < 0.55:
            return "!(%s)" % self.dsl(args, depth + 1)
        op = " && " if roll < 0.8 else " || "
        return "(%s)" % op.join(self.dsl(args, depth + 1) for _ in range(self.r.randint(2, 3)))

    # -- policies -----------------------------------------------------------
    def selector(self, hook):
        kind, _name, args = hook
        sel = {}
        parts = ["args"] * (2 if args else 0) + ["bin", "pbin", "pids", "ns", "caps", "dsl", "dsl"]
        if self.r.random() < 0.08:
            parts.append("capchg")
        for part in self.pick(parts, self.r.randint(1, 3)):
            if part == "args":
                sel.setdefault("matchArgs", []).append(self.match_arg(self.pick(args)))
            elif part == "bin":
                sel["matchBinaries"] = self.binaries()
            elif part == "pbin":
                sel["matchParentBinaries"] = self.binaries()
            elif part == "pids":
                sel["matchPIDs"] = self.pids()
            elif part == "ns":
                sel["matchNamespaces"] = self.namespaces()
            elif part == "caps":
                sel["matchCapabilities"] = self.caps()
            elif part == "capchg":
                m = self.caps()[0]
                m.pop("isNamespaceCapability", None)
                sel["matchCapabilityChanges"] = [m]
            else:
                sel["match"] = self.dsl(args)
        roll = self.r.random()
        acts = None
        if roll < 0.15:
            acts = [{"action": "NoPost"}]
        elif roll < 0.3:
            acts = [{"action": "Sigkill"}]
        elif roll < 0.4:
            acts = [{"action": "Signal", "argSig": self.pick([10, 12, 15])}]
        elif roll < 0.55 and kind == "lsm":
            acts = [{"action": "Override", "argError": -1}]
        elif roll < 0.6:
            acts = [{"action": "Post", "rateLimit": "1m"}]
        if acts:
            sel["matchActions"] = acts
        return sel

    def policy(self, i, hooks):
        spec = {}
        for hook in hooks:
            kind, name, args = hook
            # each policy declares its own subset of the arguments, in order
            decl = [a for a in args if self.r.random() < 0.8] or list(args[:1])
            entry = {}
            if kind == "tp":
                sub, ev = name.split("/")
                entry = {"subsystem": sub, "event": ev}
            elif kind == "lsm":
                entry = {"hook": name}
            else:
                entry = {"call": name, "syscall": True}
            if decl:
                entry["args"] = [{"index": a[0], "type": a[1], "label": a[2]} for a in decl]
            h = (kind, name, decl)
            self.declared.setdefault(name, set()).update(a[2] for a in decl)
            if self.r.random() < 0.9:
                entry["selectors"] = [self.selector(h) for _ in range(self.r.randint(1, 4))]
            key = {"tp": "tracepoints", "lsm": "lsmhooks", "kprobe": "kprobes"}[kind]
            spec.setdefault(key, []).append(entry)
        if self.r.random() < 0.15:
            spec["podSelector"] = {"matchLabels": {"app": self.pick(["shop", "db"])}}
            self.lits["label"].add("shop")
        pol = {"apiVersion": "cilium.io/v1alpha1", "kind": "TracingPolicy",
               "metadata": {"name": "rand-%d" % i}, "spec": spec}
        if self.r.random() < 0.1:
            spec["options"] = [{"name": "policy-mode", "value": "monitor"}]
        return pol

    # -- cases ------------------------------------------------------------------
    def near(self, xs, fallback):
        xs = sorted(xs, key=str)
        if xs and self.r.random() < 0.7:
            return self.pick(xs)
        return fallback()

    def case_int(self):
        if self.lits["int"] and self.r.random() < 0.7:
            v = self.pick(sorted(self.lits["int"]))
            return v + self.pick([0, 0, 0, 1, -1])
        return self.pick(INTS)

    def case_str(self, kind):
        v = self.near(self.lits[kind], lambda: self.str_val(kind))
        roll = self.r.random()
        if roll < 0.15:
            v = v + self.pick(["x", "/", ".bak"])
        elif roll < 0.3 and len(v) > 1:
            v = v[:-1]
        elif roll < 0.4:
            v = "/a" + v
        if kind == "path" and not v.startswith("/"):
            v = "/" + v
        return v[:255]

    def case_sa(self):
        a = self.near(self.lits["addr"], lambda: self.pick(ADDRS))
        if self.r.random() < 0.3:
            a = self.pick(ADDRS)
        p = self.near(self.lits["port"], lambda: self.pick(PORTS))
        if self.r.random() < 0.1:
            return {"family": "AF_UNIX"}
        return ("[%s]:%d" % (a, p)) if ":" in a else ("%s:%d" % (a, p))

    def process(self):
        binp = lambda: self.near(self.lits["bin"], lambda: self.pick(BINS))
        b = binp()
        if not b.startswith("/"):
            b = self.pick(["/usr/bin/", "/tmp/"]) + b.lstrip("/")
        pb = binp()
        if not pb.startswith("/"):
            pb = "/usr/bin/" + pb.lstrip("/")
        pid = self.near(self.lits["pid"], lambda: self.r.randint(2, 50000))
        uid = self.near(self.lits["uid"], lambda: self.pick([0, 1000, 33]))
        euid = self.pick([uid, 0, 1000])
        p = {"binary": b, "parent_binary": pb, "pid": pid, "uid": uid, "euid": euid,
             "gid": self.pick([0, 1000]), "egid": self.pick([0, 1000])}
        if self.r.random() < 0.3:
            p["nspid"] = self.pick([1, 7, pid])
        if self.r.random() < 0.3:
            p["ancestors"] = sorted({self.near(self.lits["pid"], lambda: 1) for _ in range(2)})
        caps = {k: self.pick(CAPS, self.r.randint(0, 3)) for k in ("effective", "permitted",
                                                                  "inheritable")}
        p["caps"] = caps
        if self.r.random() < 0.3:
            p["caps_at_exec"] = {k: self.pick(CAPS, self.r.randint(0, 3))
                                 for k in ("effective", "permitted", "inheritable")}
        ns = {}
        for _kind, key in NSKINDS:
            if self.r.random() < 0.3:
                ns[key] = self.near(self.lits["ns"], lambda: 4026532777)
        if ns:
            p["namespaces"] = ns
        if self.r.random() < 0.3:
            p["pod"] = {"namespace": self.pick(["web", "default"]),
                        "labels": {"app": self.pick(["shop", "db", "x"])},
                        "container": self.pick(["app", "side"])}
        if self.r.random() < 0.3:
            p["comm"] = self.pick(["cat", "nc", "bash", "sh", "python3", "evil", "ca"])
        return p

    def case(self, i, hook):
        kind, name, args = hook
        c = {"name": "c%d" % i, "hook": name, "process": self.process()}
        vals = {}
        for _index, _type, label, akind in args:
            if label not in self.declared.get(name, ()):
                continue
            if akind == "int":
                vals[label] = self.case_int()
            elif akind in ("str", "path"):
                vals[label] = self.case_str(akind)
            else:
                vals[label] = self.case_sa()
        if vals:
            c["args"] = vals
        return c


def main():
    seed = int(sys.argv[1])
    out = sys.argv[2]
    ncases = 60
    if "--cases" in sys.argv:
        ncases = int(sys.argv[sys.argv.index("--cases") + 1])
    g = Gen(seed)
    nhooks = g.r.randint(1, 3)
    hooks = g.pick(HOOKS, nhooks)
    pols = []
    for i in range(g.r.randint(1, 4)):
        # every policy hooks at least one of the bundle's hooks; most hook
        # the first, so those fuse into one program
        mine = [hooks[0]] + [h for h in hooks[1:] if g.r.random() < 0.5]
        pols.append(g.policy(i, mine))
    hooked = [h for h in hooks if h[1] in g.declared]
    cases = [g.case(i, g.pick(hooked)) for i in range(ncases)]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "policies.yaml"), "w") as f:
        f.write("# generated by tests/difftest/gen.py %d\n" % seed)
        f.write("\n---\n".join(json.dumps(p, indent=1) for p in pols))
        f.write("\n")
    with open(os.path.join(out, "cases.yaml"), "w") as f:
        f.write("# generated by tests/difftest/gen.py %d\n" % seed)
        json.dump({"cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
