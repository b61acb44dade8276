#!/usr/bin/env python3
"""Validate JSON lines against a JSON Schema subset (no pip on the nodes).

Supported keywords: type, properties, required, additionalProperties
(bool or schema), items, enum, pattern, minLength, minimum, maximum,
minProperties, maxProperties, oneOf, $ref ("#/definitions/NAME").
usage: check.py SCHEMA FILE...   -> prints "ok N" or the first errors; exit 1 on error
"""
import json
import re
import sys

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def check(schema, v, root, path, errs):
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        return check(root["definitions"][name], v, root, path, errs)
    t = schema.get("type")
    if t:
        if t == "integer":
            ok = isinstance(v, int) and not isinstance(v, bool)
        elif t == "number":
            ok = isinstance(v, (int, float)) and not isinstance(v, bool)
        else:
            ok = isinstance(v, TYPES[t]) and not (t != "boolean" and isinstance(v, bool))
        if not ok:
            errs.append(f"{path}: expected {t}, got {type(v).__name__}")
            return
    if "enum" in schema and v not in schema["enum"]:
        errs.append(f"{path}: {v!r} not in {schema['enum']}")
    if isinstance(v, str):
        if "pattern" in schema and not re.search(schema["pattern"], v):
            errs.append(f"{path}: {v!r} does not match /{schema['pattern']}/")
        if len(v) < schema.get("minLength", 0):
            errs.append(f"{path}: shorter than {schema['minLength']}")
    if isinstance(v, int) and not isinstance(v, bool):
        if "minimum" in schema and v < schema["minimum"]:
            errs.append(f"{path}: {v} < {schema['minimum']}")
        if "maximum" in schema and v > schema["maximum"]:
            errs.append(f"{path}: {v} > {schema['maximum']}")
    if isinstance(v, dict):
        props = schema.get("properties", {})
        for k in schema.get("required", []):
            if k not in v:
                errs.append(f"{path}: missing {k!r}")
        if not schema.get("minProperties", 0) <= len(v) <= schema.get("maxProperties", 1 << 30):
            errs.append(f"{path}: {len(v)} properties out of range")
        for k, sub in v.items():
            if k in props:
                check(props[k], sub, root, f"{path}.{k}", errs)
            else:
                ap = schema.get("additionalProperties", True)
                if ap is False:
                    errs.append(f"{path}: unexpected property {k!r}")
                elif isinstance(ap, dict):
                    check(ap, sub, root, f"{path}.{k}", errs)
    if isinstance(v, list) and "items" in schema:
        for i, item in enumerate(v):
            check(schema["items"], item, root, f"{path}[{i}]", errs)
    if "oneOf" in schema:
        n = 0
        for alt in schema["oneOf"]:
            e = []
            check(alt, v, root, path, e)
            n += not e
        if n != 1:
            errs.append(f"{path}: matches {n} of oneOf alternatives, need exactly 1")


def main():
    schema = json.load(open(sys.argv[1]))
    count, bad = 0, 0
    for fn in sys.argv[2:]:
        for ln, line in enumerate(open(fn, encoding="utf-8"), 1):
            line = line.strip()
            if not line:
                continue
            count += 1
            try:
                v = json.loads(line)
            except ValueError as e:
                print(f"{fn}:{ln}: not JSON: {e}")
                bad += 1
                continue
            errs = []
            check(schema, v, schema, "$", errs)
            if errs:
                bad += 1
                if bad <= 5:
                    print(f"{fn}:{ln}: " + "; ".join(errs[:5]))
    print(f"ok {count - bad} bad {bad}")
    sys.exit(1 if bad or not count else 0)


main()
