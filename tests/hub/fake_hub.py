#!/usr/bin/env python3
"""A tiny stand-in for huggingface.co used by test_hub (stdlib only).

Serves model folders at the hub URL paths:
  GET  /api/models/<org>/<name>/revision/<rev>     -> {"sha", "siblings": [{"rfilename"}]}
  HEAD/GET /<org>/<name>/resolve/<rev>/<file>     -> small files: 200 + ETag (git blob sha1)
                                                     LFS (*.safetensors, *.bin): 302 to the CDN port
                                                     with X-Linked-Etag (sha256) / X-Linked-Size
  HEAD/GET /cdn/<sha256>                           -> file bytes, on a second port (another origin)
Every request is appended to --log as a JSON line, so tests can see Range and Authorization headers.
Fault injection: --drop-after N, --ignore-range, --slow-headers S, --slow-body S, --token T, --corrupt.
Prints "<hub_port> <cdn_port>" on stdout once both listen on 127.0.0.1.

  python3 fake_hub.py --repo org/name=DIR@COMMIT [--repo ...] --log requests.jsonl
  python3 fake_hub.py --manifest DIR      # expected blob names, for the tests' cache-layout checks
"""
import argparse
import hashlib
import json
import os
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LFS_SUFFIXES = (".safetensors", ".bin")


class Repo:
    def __init__(self, repo_id, folder, commit):
        self.repo_id, self.folder, self.commit = repo_id, folder, commit
        self.files = {}  # rfilename -> bytes
        for root, _, names in os.walk(folder):
            for n in names:
                path = os.path.join(root, n)
                rel = os.path.relpath(path, folder).replace(os.sep, "/")
                with open(path, "rb") as f:
                    self.files[rel] = f.read()
                if rel.endswith(LFS_SUFFIXES):
                    State.blobs[hashlib.sha256(self.files[rel]).hexdigest()] = self.files[rel]


class State:
    repos = {}
    blobs = {}  # sha256 -> bytes (the CDN)
    args = None
    cdn_port = 0
    lock = threading.Lock()
    drops_left = 0


def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def etag_of(name, data):
    """The blob name huggingface_hub uses: sha256 for LFS files, the git blob sha1 otherwise."""
    return hashlib.sha256(data).hexdigest() if name.endswith(LFS_SUFFIXES) else git_blob_sha1(data)


class Handler(BaseHTTPRequestHandler):
    server_name_tag = "hub"

    def log_message(self, *a):  # keep the test output quiet
        pass

    def record(self):
        entry = {
            "server": self.server_name_tag,
            "method": self.command,
            "path": self.path,
            "range": self.headers.get("Range"),
            "auth": self.headers.get("Authorization"),
        }
        with State.lock:
            with open(State.args.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def send(self, code, headers=None, body=b""):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def error(self, code, error_code=None, message=""):
        h = {"Content-Type": "application/json"}
        if error_code:
            h["X-Error-Code"] = error_code
        if message:
            h["X-Error-Message"] = message
        self.send(code, h, json.dumps({"error": message}).encode())

    def authorized(self):
        tok = State.args.token
        return not tok or self.headers.get("Authorization") == "Bearer " + tok

    def do_HEAD(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def handle_any(self):
        self.record()
        if State.args.slow_headers:
            time.sleep(State.args.slow_headers)
        path = urllib.parse.urlsplit(self.path).path
        if self.server_name_tag == "cdn":
            return self.serve_cdn(path)
        m = re.fullmatch(r"/api/models/([^/]+/[^/]+)/revision/(.+)", path)
        if m:
            return self.serve_info(m.group(1), urllib.parse.unquote(m.group(2)))
        m = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
        if m:
            return self.serve_resolve(m.group(1), urllib.parse.unquote(m.group(2)), urllib.parse.unquote(m.group(3)))
        self.error(404, None, "no route")

    def find_repo(self, repo_id, rev):
        if not self.authorized():
            self.error(401, None, "Invalid credentials in Authorization header")
            return None
        repo = State.repos.get(repo_id)
        if repo is None:
            self.error(404, "RepoNotFound", "Repository not found")
            return None
        if rev not in ("main", repo.commit):
            self.error(404, "RevisionNotFound", "Invalid rev id: " + rev)
            return None
        return repo

    def serve_info(self, repo_id, rev):
        repo = self.find_repo(repo_id, rev)
        if repo:
            body = {"id": repo_id, "sha": repo.commit,
                    "siblings": [{"rfilename": n} for n in sorted(repo.files)] + [{"rfilename": ".gitattributes"}]}
            self.send(200, {"Content-Type": "application/json"}, json.dumps(body).encode())

    def serve_resolve(self, repo_id, rev, name):
        repo = self.find_repo(repo_id, rev)
        if not repo:
            return
        data = repo.files.get(name)
        if data is None:
            return self.error(404, "EntryNotFound", name + " does not exist")
        h = {"X-Repo-Commit": repo.commit}
        if name.endswith(LFS_SUFFIXES):
            sha = hashlib.sha256(data).hexdigest()
            pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n" % (sha.encode(), len(data))
            h.update({"X-Linked-Etag": '"%s"' % sha, "X-Linked-Size": str(len(data)),
                      "ETag": '"%s"' % git_blob_sha1(pointer),
                      "Location": "http://127.0.0.1:%d/cdn/%s?X-Amz-Signature=fake" % (State.cdn_port, sha)})
            return self.send(302, h)
        h["ETag"] = '"%s"' % git_blob_sha1(data)
        self.send_file(data, h)

    def serve_cdn(self, path):
        m = re.fullmatch(r"/cdn/([0-9a-f]{64})", path)
        data = State.blobs.get(m.group(1)) if m else None
        if data is None:
            return self.error(404, None, "no such blob")
        if State.args.corrupt:  # same length, one byte off: only a hash check notices
            data = bytes([data[0] ^ 1]) + data[1:]
        self.send_file(data, {"ETag": '"%s"' % m.group(1)})

    def send_file(self, data, h):
        start = 0
        rng = self.headers.get("Range")
        if rng and not State.args.ignore_range:
            m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng)
            if not m or int(m.group(1)) >= len(data):
                return self.send(416, {"Content-Range": "bytes */%d" % len(data)})
            start = int(m.group(1))
            h = dict(h, **{"Content-Range": "bytes %d-%d/%d" % (start, len(data) - 1, len(data))})
        code = 206 if start else 200
        body = data[start:]
        with State.lock:
            drop = self.command == "GET" and State.drops_left > 0 and start == 0 and len(body) > State.args.drop_after
            if drop:
                State.drops_left -= 1
        if drop or State.args.slow_body:
            self.send_response(code)
            for k, v in h.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            cut = State.args.drop_after if drop else min(len(body), 100)
            self.wfile.write(body[:cut])
            self.wfile.flush()
            if not drop:
                time.sleep(State.args.slow_body)
                self.wfile.write(body[cut:])
            self.close_connection = True
            return
        self.send(code, h, body)


class CdnHandler(Handler):
    server_name_tag = "cdn"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", action="append", default=[], help="org/name=DIR@COMMIT")
    ap.add_argument("--manifest", help="print {file: etag} for DIR as JSON and exit")
    ap.add_argument("--log")
    ap.add_argument("--token")
    ap.add_argument("--drop-after", type=int, default=0, help="cut the first full GET of a file after N bytes")
    ap.add_argument("--ignore-range", action="store_true")
    ap.add_argument("--slow-headers", type=float, default=0)
    ap.add_argument("--slow-body", type=float, default=0)
    ap.add_argument("--corrupt", action="store_true", help="CDN flips a bit in the first byte")
    State.args = ap.parse_args()
    if State.args.manifest:
        repo = Repo("manifest", State.args.manifest, "")
        print(json.dumps({n: etag_of(n, d) for n, d in repo.files.items()}))
        return
    State.drops_left = 1 if State.args.drop_after else 0
    for spec in State.args.repo:
        repo_id, rest = spec.split("=", 1)
        folder, commit = rest.rsplit("@", 1)
        State.repos[repo_id] = Repo(repo_id, folder, commit)
    ThreadingHTTPServer.daemon_threads = True
    hub = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    cdn = ThreadingHTTPServer(("127.0.0.1", 0), CdnHandler)
    State.cdn_port = cdn.server_address[1]
    threading.Thread(target=cdn.serve_forever, daemon=True).start()
    print("%d %d" % (hub.server_address[1], State.cdn_port), flush=True)
    hub.serve_forever()


if __name__ == "__main__":
    main()
