#!/usr/bin/env python3
"""Check objects against a CRD's openAPIV3Schema the way the API server
would see them, and check that the schema itself is structural.

  schema_walk.py structural CRD.jsonl
  schema_walk.py validate CRD.jsonl OBJECTS.jsonl...

Input files are JSON lines (tests/tools/yaml2json output). `validate`
picks the CRD whose kind matches each object (apiVersion cilium.io/...)
and reports every key path that the schema does not have (the API server
would prune it silently, so the cluster object would differ from what
`tpc build` compiled), every value of the wrong type, and every missing
required key. Exit status 1 when anything was reported.
"""
import json
import sys

errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def type_ok(schema, v):
    if v is None:
        return bool(schema.get("nullable"))
    if schema.get("x-kubernetes-int-or-string"):
        return isinstance(v, (str, int)) and not isinstance(v, bool)
    t = schema.get("type")
    if t is None:
        return bool(schema.get("x-kubernetes-preserve-unknown-fields"))
    return {
        "object": lambda: isinstance(v, dict),
        "array": lambda: isinstance(v, list),
        "string": lambda: isinstance(v, str),
        "boolean": lambda: isinstance(v, bool),
        "integer": lambda: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda: isinstance(v, (int, float)) and not isinstance(v, bool),
    }[t]()


def kind_of(v):
    if v is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string",
            list: "array", dict: "object"}[type(v)]


def validate(schema, v, where):
    if not type_ok(schema, v):
        want = schema.get("type") or ("int-or-string" if schema.get("x-kubernetes-int-or-string") else "?")
        err(where, f"{kind_of(v)} where the schema has {want}")
        return
    if v is None or schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(v, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for k, sub in v.items():
            if props is not None and k in props:
                validate(props[k], sub, f"{where}.{k}")
            elif isinstance(extra, dict):
                validate(extra, sub, f"{where}.{k}")
            elif props is not None or extra is False:
                err(where, f"key '{k}' is not in the schema (the API server would drop it)")
        for k in schema.get("required", []):
            if k not in v or v[k] is None:
                err(where, f"required key '{k}' missing")
    elif isinstance(v, list):
        if "maxItems" in schema and len(v) > schema["maxItems"]:
            err(where, f"{len(v)} items, at most {schema['maxItems']}")
        for i, item in enumerate(v):
            validate(schema.get("items", {}), item, f"{where}[{i}]")
    if "enum" in schema and v not in schema["enum"]:
        err(where, f"{v!r} not one of {schema['enum']}")


def structural(schema, where):
    """The rules of a structural schema that a hand-written one can break."""
    if not isinstance(schema, dict):
        err(where, "schema node is not an object")
        return
    t = schema.get("type")
    special = schema.get("x-kubernetes-int-or-string") or schema.get("x-kubernetes-preserve-unknown-fields")
    if t is None and not special:
        err(where, "no type (structural schemas need one)")
    if t not in (None, "object", "array", "string", "integer", "number", "boolean"):
        err(where, f"unknown type {t!r}")
    if "description" in schema and not isinstance(schema["description"], str):
        err(where, "description is not a string")
    props = schema.get("properties")
    if props is not None and "additionalProperties" in schema:
        err(where, "properties and additionalProperties together")
    if (props is not None or "additionalProperties" in schema) and t != "object":
        err(where, "properties on a non-object")
    for k in schema.get("required", []):
        if props is None or k not in props:
            err(where, f"required '{k}' is not a property")
    for k, sub in (props or {}).items():
        structural(sub, f"{where}.{k}")
    if isinstance(schema.get("additionalProperties"), dict):
        structural(schema["additionalProperties"], f"{where}.*")
    if t == "array":
        if "items" not in schema:
            err(where, "array without items")
        else:
            structural(schema["items"], f"{where}[]")
    if "default" in schema and not type_ok(schema, schema["default"]):
        err(where, "default does not fit the type")


def crd_schemas(crds):
    out = {}
    for c in crds:
        for ver in c["spec"]["versions"]:
            out[(f"{c['spec']['group']}/{ver['name']}", c["spec"]["names"]["kind"])] = \
                ver["schema"]["openAPIV3Schema"]
    return out


def main(argv):
    if len(argv) < 3 or argv[1] not in ("structural", "validate"):
        print(__doc__, file=sys.stderr)
        return 2
    crds = load(argv[2])
    schemas = crd_schemas(crds)
    if argv[1] == "structural":
        for (gv, kind), s in schemas.items():
            structural(s, f"{kind} {gv}")
    else:
        for path in argv[3:]:
            for n, obj in enumerate(load(path)):
                key = (obj.get("apiVersion"), obj.get("kind"))
                if key not in schemas:
                    err(f"{path}: document {n + 1}", f"no CRD for {key[0]} {key[1]}")
                    continue
                validate(schemas[key], obj, f"{path}: document {n + 1}: ")
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
