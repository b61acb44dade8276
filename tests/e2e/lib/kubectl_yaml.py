#!/usr/bin/env python3
"""Render an API object (JSON on stdin) the way `kubectl get -o yaml` shows
it, written here independently of tpc-controller's C renderer (PyYAML, not
libyaml's emitter driven by C) so the test can check the controller's
output against it:
  kubectl_yaml.py view    the object as kubectl shows it (no managedFields)
  kubectl_yaml.py source  what the controller compiles: without status, the
                          metadata keys that change without the policy
                          changing as empty lines
go-yaml v2 rules followed: keys sorted, sequences not indented under their
key, a string that would read as another type double-quoted, a string with
a newline as a literal block, no line wrapping.
"""
import json
import sys

import yaml

VOLATILE = ("creationTimestamp", "deletionGracePeriodSeconds", "deletionTimestamp",
            "generation", "resourceVersion", "uid")
MARK = "volatile-line-marker-for-the-test"


class Dumper(yaml.SafeDumper):
    pass


def represent_str(dumper, s):
    if "\n" in s:
        return dumper.represent_scalar("tag:yaml.org,2002:str", s, style="|")
    tag = dumper.resolve(yaml.ScalarNode, s, (True, False))
    if tag != "tag:yaml.org,2002:str":
        return dumper.represent_scalar("tag:yaml.org,2002:str", s, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", s)


Dumper.add_representer(str, represent_str)


def main():
    mode = sys.argv[1]
    o = json.load(sys.stdin)
    o.get("metadata", {}).pop("managedFields", None)
    if mode == "source":
        o.pop("status", None)
        for k in VOLATILE:
            if k in o.get("metadata", {}):
                o["metadata"][k] = MARK
    text = yaml.dump(o, Dumper=Dumper, default_flow_style=False, sort_keys=True,
                     allow_unicode=True, width=float("inf"), indent=2)
    if mode == "source":
        text = "".join("\n" if ln.endswith(": " + MARK + "\n") else ln
                       for ln in text.splitlines(True))
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
