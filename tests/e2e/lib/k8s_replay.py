#!/usr/bin/env python3
"""A replaying Kubernetes API server for tests/e2e/k8s_identity.sh.

Serves, over HTTPS, what a real kube-apiserver answers a node agent that
lists and watches its node's pods:
  GET /api/v1/pods?fieldSelector=spec.nodeName=NODE&limit=N[&continue=T]
      -> a PodList page (apiVersion v1, kind PodList, metadata.resourceVersion
         and metadata.continue while more remain; items without kind)
  GET /api/v1/pods?fieldSelector=...&watch=1&resourceVersion=RV&allowWatchBookmarks=true
      -> a chunked stream of watch events (one JSON object per line), driven
         by the test through GET /_ctl/STEP (see STEPS below)
Every API request is checked (path, fieldSelector, bearer token read from
--token-file at each request, like a rotated projected token) and recorded
as one JSON line in --log.  A wrong token gets 401 with a Status object.

The pods are fixtures built from --fixture (JSON: node, pods[] with uid,
name, namespace, labels, owner, containers[] {name, id, runtime, image,
image_id, started}).
"""
import argparse
import json
import queue
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"rv": 1000, "pods": {}, "watch_q": queue.Queue(), "lock": threading.Lock(),
         "streams": 0}


def pod_object(p, rv, with_kind):
    """A Pod as the API server renders it (trimmed of fields nobody reads)."""
    owner = p.get("owner")
    md = {
        "name": p["name"],
        "namespace": p["namespace"],
        "uid": p["uid"],
        "resourceVersion": str(rv),
        "creationTimestamp": "2026-11-30T10:00:00Z",
        "labels": p.get("labels", {}),
        "annotations": {"kubernetes.io/config.seen": "2026-11-30T10:00:00.000000000Z"},
    }
    if owner:
        md["generateName"] = owner["name"] + "-"
        md["ownerReferences"] = [{
            "apiVersion": owner.get("apiVersion", "apps/v1"),
            "kind": owner["kind"],
            "name": owner["name"],
            "uid": "8d2f1c3e-0000-4000-8000-00000000000" + str(len(owner["name"]) % 10),
            "controller": True,
            "blockOwnerDeletion": True,
        }]
    spec = {
        "nodeName": STATE["node"],
        "containers": [{"name": c["name"], "image": c["image"]} for c in p["containers"]],
        "restartPolicy": "Always",
        "serviceAccountName": "default",
    }
    if p.get("pending"):  # the kubelet has not reported the container yet
        statuses = [{"name": c["name"], "state": {"waiting": {"reason": "ContainerCreating"}},
                     "lastState": {}, "ready": False, "restartCount": 0, "image": c["image"],
                     "imageID": "", "started": False} for c in p["containers"]]
    else:
        statuses = [{
            "name": c["name"],
            "state": {"running": {"startedAt": c["started"]}},
            "lastState": {},
            "ready": True,
            "restartCount": 0,
            "image": c["image"],
            "imageID": c["image_id"],
            "containerID": c["runtime"] + "://" + c["id"],
            "started": True,
        } for c in p["containers"]]
    obj = {
        "metadata": md,
        "spec": spec,
        "status": {
            "phase": "Pending" if p.get("pending") else "Running",
            "hostIP": "10.0.0.5",
            "podIP": "10.244.1.7",
            "startTime": "2026-11-30T10:00:00Z",
            "qosClass": p.get("qos", "Burstable"),
            "conditions": [{"type": "Ready", "status": "False" if p.get("pending") else "True",
                            "lastTransitionTime": "2026-11-30T10:00:02Z"}],
            "containerStatuses": statuses,
        },
    }
    if with_kind:
        obj = {"kind": "Pod", "apiVersion": "v1", **obj}
    return obj


def status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


def next_rv():
    STATE["rv"] += 1
    return STATE["rv"]


def step(name):
    """Apply a test step to the state; returns the watch lines it produces."""
    with STATE["lock"]:
        kind, _, arg = name.partition(":")
        if kind in ("add", "add-pending"):
            p = dict(STATE["fixture"][arg], pending=kind == "add-pending")
            STATE["pods"][arg] = p
            return [{"type": "ADDED", "object": pod_object(p, next_rv(), True)}]
        if kind == "start":  # the kubelet reports the running container
            p = dict(STATE["pods"][arg], pending=False)
            STATE["pods"][arg] = p
            return [{"type": "MODIFIED", "object": pod_object(p, next_rv(), True)}]
        if kind == "relabel":  # relabel:KEY:LABEL=VALUE
            key, _, lv = arg.partition(":")
            k, _, v = lv.partition("=")
            p = dict(STATE["pods"][key])
            p["labels"] = {**p.get("labels", {}), k: v}
            STATE["pods"][key] = p
            return [{"type": "MODIFIED", "object": pod_object(p, next_rv(), True)}]
        if kind == "delete":
            p = STATE["pods"].pop(arg)
            return [{"type": "DELETED", "object": pod_object(p, next_rv(), True)}]
        if kind == "vanish":  # gone without an event (missed while disconnected)
            STATE["pods"].pop(arg)
            next_rv()
            return []
        if kind == "bookmark":
            return [{"type": "BOOKMARK", "object": {"kind": "Pod", "apiVersion": "v1",
                     "metadata": {"resourceVersion": str(next_rv()), "creationTimestamp": None}}}]
        if kind == "garbage":
            return ["garbage that is not json"]
        if kind == "expire":
            return [{"type": "ERROR", "object": status(410, "Expired",
                                                       "too old resource version: 1000 (%d)"
                                                       % STATE["rv"])}, "END"]
        if kind == "drop":
            return ["DROP"]
        if kind == "end":  # the server's timeoutSeconds ran out
            return ["END"]
    raise ValueError(name)


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

    def record(self, u, q, auth):
        with STATE["lock"]:
            with open(STATE["log"], "a") as f:
                f.write(json.dumps({"path": u.path, "query": q, "auth": auth}) + "\n")

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(u.query, keep_blank_values=True).items()}
        if u.path.startswith("/_ctl/"):
            name = urllib.parse.unquote(u.path[len("/_ctl/"):])
            lines = step(name)
            for ln in lines:
                STATE["watch_q"].put(ln)
            return self.send_json(200, {"ok": name, "rv": STATE["rv"]})
        auth = self.headers.get("Authorization", "")
        self.record(u, q, auth)
        with open(STATE["token_file"]) as f:
            want = "Bearer " + f.read().strip()
        if auth != want:
            return self.send_json(401, status(401, "Unauthorized", "Unauthorized"))
        if u.path != "/api/v1/pods":
            return self.send_json(404, status(404, "NotFound", "the server could not find "
                                                             "the requested resource"))
        if q.get("fieldSelector") != "spec.nodeName=" + STATE["node"]:
            return self.send_json(400, status(400, "BadRequest", "expected the node selector"))
        if q.get("watch") in ("1", "true"):
            return self.watch(q)
        return self.list(q)

    def list(self, q):
        with STATE["lock"]:
            items = [pod_object(p, STATE["rv"], False)
                     for _, p in sorted(STATE["pods"].items())]
            rv = STATE["rv"]
        limit = min(int(q.get("limit", "0") or 0) or 10**9, STATE["page"])
        start = int(q["continue"][1:]) if q.get("continue") else 0
        page = items[start:start + limit]
        md = {"resourceVersion": str(rv)}
        if start + limit < len(items):
            md["continue"] = "c%d" % (start + limit)
        self.send_json(200, {"kind": "PodList", "apiVersion": "v1", "metadata": md,
                             "items": page})

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def watch(self, q):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        with STATE["lock"]:
            STATE["streams"] += 1
        while not STATE["stop"]:
            try:
                ln = STATE["watch_q"].get(timeout=0.2)
            except queue.Empty:
                continue
            if ln == "DROP":  # the connection dies mid-stream
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if ln == "END":  # the server ends the watch
                break
            data = (ln if isinstance(ln, str) else json.dumps(ln)).encode() + b"\n"
            # one event split over two chunks: the client must reassemble
            cut = max(1, len(data) // 3)
            self.chunk(data[:cut])
            self.chunk(data[cut:])
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
        self.close_connection = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--initial", default="", help="comma-separated fixture keys listed at start")
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--page", type=int, default=1, help="items per list page")
    a = ap.parse_args()
    fx = json.load(open(a.fixture))
    STATE.update(node=fx["node"], fixture=fx["pods"], log=a.log, token_file=a.token_file,
                 page=a.page, stop=False)
    for k in filter(None, a.initial.split(",")):
        STATE["pods"][k] = fx["pods"][k]
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    finally:
        STATE["stop"] = True


if __name__ == "__main__":
    sys.exit(main())
