#!/usr/bin/env python3
"""A recorded Kubernetes API for tests/e2e/controller.sh (the sibling of
k8s_replay.py, which serves the loader's pod watch).

Serves over HTTPS, with the semantics tpc-controller relies on:
  cilium.io/v1alpha1 tracingpolicies (cluster) and tracingpoliciesnamespaced
      LIST (items without kind, metadata.resourceVersion, labelSelector),
      WATCH from a resourceVersion (history replayed, then live events;
      labelSelector as the API server applies it: an object that stops
      matching is DELETED for that watch), PATCH .../status
      (application/merge-patch+json; the status subresource: generation and
      spec untouched, resourceVersion bumped, a MODIFIED event)
  v1 configmaps in a namespace: GET, POST (409 AlreadyExists), PUT with
      metadata.resourceVersion (409 Conflict on a stale one, 404 when
      missing), DELETE; the 1 MiB size limit and key syntax enforced (422)
  coordination.k8s.io/v1 leases: GET, POST, PUT with the same conflict rule
  events.k8s.io/v1 events: POST, validated as the API server does (422):
      name, eventTime (MicroTime), reportingController (a qualified
      name), reportingInstance, action, reason (each at most 128),
      type Normal or Warning, note at most 1 KiB, and regarding's
      namespace: the event's for a namespaced object, "default" (or none)
      for a cluster-scoped one
Every API request needs the bearer token in --token-file (401 otherwise)
and is recorded as one JSON line in --log: time, method, path, query,
body (parsed), the status answered.

The test drives it through /_ctl/ (not recorded):
  POST /_ctl/apply        body: a policy as YAML; create, or update (the
                          generation grows when the spec changes)
  POST /_ctl/delete       body: {"kind", "name", "namespace"}
  GET  /_ctl/drop?res=R   the watches of R die mid-stream
  GET  /_ctl/expire?res=R the watches of R get ERROR 410, and a watch from an
                          older resourceVersion is refused with 410 too
  POST /_ctl/fault        body: {"method", "path" (a prefix), "code", "count"}:
                          the next COUNT matching requests get CODE
  GET  /_ctl/clear        no more injected faults
  POST /_ctl/lease        body: {"namespace", "name", "holder", "duration"}:
                          another replica takes or renews the lease
  GET  /_ctl/get?res=R&ns=NS&name=N   the stored object (404: none)
"""
import argparse
import base64
import copy
import json
import os
import re
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

GROUP = "/apis/cilium.io/v1alpha1"
KINDS = {"tracingpolicies": ("TracingPolicy", False),
         "tracingpoliciesnamespaced": ("TracingPolicyNamespaced", True)}
LOCK = threading.Condition()
S = {"rv": 100, "objs": {}, "hist": {}, "min_rv": {}, "faults": [], "gen": {},
     "drop": {}, "stop": False}


def status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


def next_rv():
    S["rv"] += 1
    return str(S["rv"])


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def selector_match(sel, labels):
    for term in filter(None, (sel or "").split(",")):
        term = term.strip()
        if term.startswith("!"):
            if term[1:] in labels:
                return False
        elif "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k) == v:
                return False
        elif "=" in term:
            k, v = term.split("=", 1)
            k = k.rstrip("=")
            if labels.get(k) != v:
                return False
        elif term not in labels:
            return False
    return True


def labels_of(o):
    return (o or {}).get("metadata", {}).get("labels", {}) or {}


def put_event(res, typ, old, new):
    S["hist"].setdefault(res, []).append((int(new["metadata"]["resourceVersion"]), typ,
                                          copy.deepcopy(old), copy.deepcopy(new)))
    LOCK.notify_all()


def store(res, ns, name, obj, typ):
    key = (res, ns or "", name)
    old = S["objs"].get(key)
    obj["metadata"]["resourceVersion"] = next_rv()
    if typ == "DELETED":
        S["objs"].pop(key, None)
    else:
        S["objs"][key] = obj
    if res in KINDS:
        put_event(res, typ, old, obj)
    return obj


def apply_policy(text):
    o = yaml.safe_load(text)
    res = "tracingpoliciesnamespaced" if o["kind"] == "TracingPolicyNamespaced" else "tracingpolicies"
    md = o.setdefault("metadata", {})
    ns = md.get("namespace", "") if KINDS[res][1] else ""
    key = (res, ns, md["name"])
    old = S["objs"].get(key)
    if old:
        new = copy.deepcopy(old)
        new["metadata"]["labels"] = md.get("labels", {})
        if not new["metadata"]["labels"]:
            new["metadata"].pop("labels")
        if new.get("spec") != o.get("spec"):
            new["spec"] = o.get("spec")
            new["metadata"]["generation"] += 1
        return store(res, ns, md["name"], new, "MODIFIED")
    new = {"apiVersion": "cilium.io/v1alpha1", "kind": o["kind"],
           "metadata": dict(md, uid=str(uuid.uuid4()), generation=1, creationTimestamp=now()),
           "spec": o.get("spec")}
    if not md.get("labels"):
        new["metadata"].pop("labels", None)
    return store(res, ns, md["name"], new, "ADDED")


def merge_patch(dst, patch):
    for k, v in patch.items():
        if v is None:
            dst.pop(k, None)
        elif isinstance(v, dict) and isinstance(dst.get(k), dict):
            merge_patch(dst[k], v)
        else:
            dst[k] = copy.deepcopy(v)


KEY_RE = re.compile(r"^[-._a-zA-Z0-9]+$")


def check_configmap(o):
    total = 0
    for k, v in (o.get("binaryData") or {}).items():
        if not KEY_RE.match(k) or len(k) > 253:
            return "binaryData[%s]: a valid config key must consist of alphanumeric characters, '-', '_' or '.'" % k
        total += len(base64.b64decode(v))
    for k, v in (o.get("data") or {}).items():
        total += len(v)
    if total > 1048576:
        return "[]: Too long: must have at most 1048576 bytes"
    return None


QUALIFIED_RE = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                          r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
MICRO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def check_event(ns, e):
    """events.k8s.io/v1 validation (the parts a writer can get wrong)."""
    if not isinstance(e, dict):
        return "no object"
    md = e.get("metadata") or {}
    if not md.get("name"):
        return "metadata.name: Required value"
    if md.get("namespace", ns) != ns:
        return "metadata.namespace: does not match the request"
    if not MICRO_RE.match(e.get("eventTime") or ""):
        return "eventTime: Required value (a MicroTime)"
    rc = e.get("reportingController") or ""
    if not QUALIFIED_RE.match(rc) or len(rc.split("/")[-1]) > 63:
        return "reportingController: Invalid value: %r" % rc
    for k in ("reportingInstance", "action", "reason"):
        if not e.get(k) or len(e[k]) > 128:
            return "%s: Required value, at most 128 characters" % k
    if e.get("type") not in ("Normal", "Warning"):
        return "type: Unsupported value: %r" % e.get("type")
    if len((e.get("note") or "").encode()) > 1024:
        return "note: Too long: must have at most 1024 bytes"
    reg = e.get("regarding") or {}
    if not reg.get("kind") or not reg.get("name"):
        return "regarding: Required value"
    if reg.get("namespace"):
        if reg["namespace"] != ns:
            return "regarding.namespace: does not match event.namespace"
    elif ns not in ("", "default"):
        return "namespace: Invalid value: %r: an event of a cluster-scoped object is in default" % ns
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.answered = code

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def handle_any(self, method):
        u = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(u.query, keep_blank_values=True).items()}
        raw = self.read_body()
        if u.path.startswith("/_ctl/"):
            with LOCK:
                return self.control(u.path[len("/_ctl/"):], q, raw)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        self.answered = 0
        t = time.time()
        try:
            self.api(method, u.path, q, body)
        finally:
            with LOCK:
                with open(S["log"], "a") as f:
                    f.write(json.dumps({"t": t, "method": method, "path": u.path, "query": q,
                                        "body": body, "status": self.answered,
                                        "content_type": self.headers.get("Content-Type")}) + "\n")

    # --- test control -------------------------------------------------------
    def control(self, what, q, raw):
        if what == "apply":
            o = apply_policy(raw.decode())
            return self.send_json(200, o)
        if what == "delete":
            d = json.loads(raw)
            res = "tracingpoliciesnamespaced" if d["kind"] == "TracingPolicyNamespaced" else "tracingpolicies"
            key = (res, d.get("namespace", ""), d["name"])
            if key not in S["objs"]:
                return self.send_json(404, status(404, "NotFound", "no such policy"))
            o = copy.deepcopy(S["objs"][key])
            store(res, key[1], key[2], o, "DELETED")
            return self.send_json(200, o)
        if what in ("drop", "expire"):
            res = q["res"]
            S["drop"][res] = S["drop"].get(res, 0) + 1
            if what == "expire":
                S["min_rv"][res] = S["rv"] + 1
                S.setdefault("expire_gen", {})[res] = S["drop"][res]
            LOCK.notify_all()
            return self.send_json(200, {"ok": what})
        if what == "fault":
            S["faults"].append(json.loads(raw))
            return self.send_json(200, {"ok": what})
        if what == "clear":
            S["faults"] = []
            return self.send_json(200, {"ok": what})
        if what == "lease":
            d = json.loads(raw)
            key = ("leases", d["namespace"], d["name"])
            o = S["objs"].get(key) or {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                        "metadata": {"name": d["name"], "namespace": d["namespace"],
                                                     "uid": str(uuid.uuid4()), "creationTimestamp": now()},
                                        "spec": {}}
            o = copy.deepcopy(o)
            o["spec"].update(holderIdentity=d["holder"], leaseDurationSeconds=d["duration"],
                             renewTime=time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()))
            store("leases", d["namespace"], d["name"], o, "MODIFIED")
            return self.send_json(200, o)
        if what == "get":
            o = S["objs"].get((q["res"], q.get("ns", ""), q["name"]))
            return self.send_json(200 if o else 404, o or status(404, "NotFound", "none"))
        return self.send_json(404, status(404, "NotFound", "no such control"))

    # --- the API --------------------------------------------------------------
    def api(self, method, path, q, body):
        with open(S["token_file"]) as f:
            want = "Bearer " + f.read().strip()
        if self.headers.get("Authorization", "") != want:
            return self.send_json(401, status(401, "Unauthorized", "Unauthorized"))
        with LOCK:
            for fl in S["faults"]:
                if fl["count"] > 0 and fl["method"] == method and path.startswith(fl["path"]):
                    fl["count"] -= 1
                    reason = {401: "Unauthorized", 403: "Forbidden", 409: "Conflict",
                              500: "InternalError"}.get(fl["code"], "Error")
                    return self.send_json(fl["code"], status(
                        fl["code"], reason, fl.get("message", "injected %s" % reason)))
        parts = path.strip("/").split("/")
        # /apis/cilium.io/v1alpha1/{tracingpolicies|tracingpoliciesnamespaced}
        if path in (GROUP + "/tracingpolicies", GROUP + "/tracingpoliciesnamespaced") and method == "GET":
            res = parts[-1]
            if q.get("watch") in ("1", "true"):
                return self.watch(res, q)
            return self.list(res, q)
        m = re.match(r"^%s/(?:namespaces/([^/]+)/)?(tracingpolicies|tracingpoliciesnamespaced)/([^/]+)/status$"
                     % re.escape(GROUP), path)
        if m and method == "PATCH":
            ns, res, name = m.group(1) or "", m.group(2), m.group(3)
            if KINDS[res][1] != bool(ns):
                return self.send_json(404, status(404, "NotFound", "wrong scope"))
            if self.headers.get("Content-Type") != "application/merge-patch+json":
                return self.send_json(415, status(415, "UnsupportedMediaType", "want merge-patch"))
            with LOCK:
                o = S["objs"].get((res, ns, name))
                if not o:
                    return self.send_json(404, status(404, "NotFound", "%s \"%s\" not found" % (res, name)))
                o = copy.deepcopy(o)
                st = o.get("status", {})
                merge_patch(st, body.get("status", {}))
                o["status"] = st
                o = store(res, ns, name, o, "MODIFIED")
                return self.send_json(200, o)
        m = re.match(r"^/api/v1/namespaces/([^/]+)/configmaps(?:/([^/]+))?$", path)
        if m:
            return self.crud("configmaps", m.group(1), m.group(2), method, body, "v1", "ConfigMap")
        m = re.match(r"^/apis/events.k8s.io/v1/namespaces/([^/]+)/events$", path)
        if m and method == "POST":
            bad = check_event(m.group(1), body)
            if bad:
                return self.send_json(422, status(422, "Invalid", "Event is invalid: " + bad))
            return self.crud("events", m.group(1), None, method, body, "events.k8s.io/v1", "Event")
        m = re.match(r"^/apis/coordination.k8s.io/v1/namespaces/([^/]+)/leases(?:/([^/]+))?$", path)
        if m:
            return self.crud("leases", m.group(1), m.group(2), method, body,
                             "coordination.k8s.io/v1", "Lease")
        return self.send_json(404, status(404, "NotFound", "the server could not find the requested resource"))

    def crud(self, res, ns, name, method, body, api_version, kind):
        with LOCK:
            key = (res, ns, name)
            cur = S["objs"].get(key) if name else None
            if method == "GET" and name:
                if not cur:
                    return self.send_json(404, status(404, "NotFound", "%s \"%s\" not found" % (res, name)))
                return self.send_json(200, cur)
            if method == "DELETE" and name:
                if not cur:
                    return self.send_json(404, status(404, "NotFound", "not found"))
                store(res, ns, name, copy.deepcopy(cur), "DELETED")
                return self.send_json(200, status(200, "", ""))
            if method in ("POST", "PUT"):
                if not isinstance(body, dict):
                    return self.send_json(400, status(400, "BadRequest", "no object"))
                md = body.get("metadata", {})
                if method == "PUT" and md.get("name") != name:
                    return self.send_json(400, status(400, "BadRequest", "name mismatch"))
                bad = check_configmap(body) if res == "configmaps" else None
                if bad:
                    return self.send_json(422, status(422, "Invalid", "ConfigMap \"%s\" is invalid: %s" % (md.get("name"), bad)))
                if method == "POST":
                    key = (res, ns, md.get("name"))
                    if key in S["objs"]:
                        return self.send_json(409, status(409, "AlreadyExists", "%s \"%s\" already exists" % (res, md.get("name"))))
                    o = copy.deepcopy(body)
                    o["metadata"].update(uid=str(uuid.uuid4()), creationTimestamp=now(), namespace=ns)
                    o.update(apiVersion=api_version, kind=kind)
                    o = store(res, ns, md["name"], o, "ADDED")
                    return self.send_json(201, o)
                if not cur:
                    return self.send_json(404, status(404, "NotFound", "%s \"%s\" not found" % (res, name)))
                if md.get("resourceVersion") != cur["metadata"]["resourceVersion"]:
                    return self.send_json(409, status(409, "Conflict", "Operation cannot be fulfilled on %s \"%s\": the object has been modified; please apply your changes to the latest version and try again" % (res, name)))
                o = copy.deepcopy(body)
                o["metadata"].update(uid=cur["metadata"].get("uid"), namespace=ns,
                                     creationTimestamp=cur["metadata"].get("creationTimestamp"))
                o.update(apiVersion=api_version, kind=kind)
                o = store(res, ns, name, o, "MODIFIED")
                return self.send_json(200, o)
        return self.send_json(405, status(405, "MethodNotAllowed", method))

    def visible(self, res, q):
        kind, namespaced = KINDS[res]
        out = []
        for (r, ns, name), o in sorted(S["objs"].items()):
            if r == res and selector_match(q.get("labelSelector"), labels_of(o)):
                out.append(o)
        return out

    def list(self, res, q):
        with LOCK:
            items = []
            for o in self.visible(res, q):
                o = copy.deepcopy(o)
                o.pop("kind", None)
                o.pop("apiVersion", None)
                items.append(o)
            rv = str(S["rv"])
        self.send_json(200, {"kind": KINDS[res][0] + "List", "apiVersion": "cilium.io/v1alpha1",
                             "metadata": {"resourceVersion": rv}, "items": items})

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def watch(self, res, q):
        sel = q.get("labelSelector")
        start = int(q.get("resourceVersion") or 0)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.answered = 200
        with LOCK:
            if start < S["min_rv"].get(res, 0):
                self.chunk(json.dumps({"type": "ERROR", "object": status(
                    410, "Expired", "too old resource version: %d (%d)" % (start, S["rv"]))}).encode() + b"\n")
                self.wfile.write(b"0\r\n\r\n")
                self.close_connection = True
                return
            drops = S["drop"].get(res, 0)
        pos = start
        while not S["stop"]:
            with LOCK:
                if S["drop"].get(res, 0) != drops:
                    expired = S.get("expire_gen", {}).get(res) == S["drop"][res]
                    break
                evs = [e for e in S["hist"].get(res, []) if e[0] > pos]
                if not evs:
                    LOCK.wait(0.2)
                    continue
            for rv, typ, old, new in evs:
                pos = rv
                was, isin = old is not None and selector_match(sel, labels_of(old)), \
                    selector_match(sel, labels_of(new))
                if typ == "DELETED":
                    typ = "DELETED" if was else None
                elif typ == "MODIFIED":
                    typ = "MODIFIED" if was and isin else "ADDED" if isin else "DELETED" if was else None
                elif not isin:
                    typ = None
                if not typ:
                    continue
                data = json.dumps({"type": typ, "object": new}).encode() + b"\n"
                cut = max(1, len(data) // 2)
                self.chunk(data[:cut])
                self.chunk(data[cut:])
        else:
            return
        if expired:
            self.chunk(json.dumps({"type": "ERROR", "object": status(
                410, "Expired", "too old resource version")}).encode() + b"\n")
            self.wfile.write(b"0\r\n\r\n")
        else:  # dropped: the connection dies without the last chunk
            self.connection.shutdown(2)
        self.close_connection = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    S.update(log=a.log, token_file=a.token_file)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    finally:
        S["stop"] = True


if __name__ == "__main__":
    sys.exit(main())
