"""A minimal local server speaking the Hugging Face Hub's HTTP API, for tests that publish through huggingface_hub.

WHAT
    `LocalHub(root)` serves, on 127.0.0.1, the endpoints `HfApi` and `hf_hub_download` / `snapshot_download` /
    `from_pretrained` call: create a repo, list refs, create a branch, preupload + commit (regular uploads, base64 in
    NDJSON), repo info with siblings, the file tree, and HEAD/GET `resolve/<revision>/<file>` with the commit and
    ETag headers. Repositories live in memory as commits (files → bytes) and branches (name → commit id); every
    request's Authorization header is recorded, so a test can check which token was sent and that it never leaked.
    `python tests/local_hub.py --port 8765` runs one in the foreground for a manual demo.

WHY
    Tests never reach the real Hub (HF_HUB_OFFLINE in tests/conftest.py), but the publishing code must be exercised
    through the real client library, wire format included. No maintained local Hub server package on PyPI works with
    HfApi's commit API (hf-local-hub 3.0.0 ships only a client; its server is a separate binary), so this one is
    written for the tests: only what the client calls, in the Hub's own shapes.

HOW
    `http.server.ThreadingHTTPServer` with one handler; routes are regular expressions over the path. Commit ids are
    SHA-1 of the parent id plus the file contents; an ETag is the SHA-1 of a file's bytes. LFS/Xet uploads are never
    offered (preupload answers "regular" for every file), which the client supports for files of any size.

DATA FLOW
    open_r1.train.hub (HfApi: create_repo, create_branch, upload_folder, list_repo_refs) and transformers
    (`from_pretrained(repo, revision=...)`) → HTTP → here; tests read `LocalHub.repos` and `LocalHub.authorizations`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlparse

# A repository id: `name` or `namespace/name`.
REPO = r"([^/]+(?:/[^/]+)?)"


@dataclass
class Repo:
    """One repository: commits (id → {path: bytes}, message) and branches (name → commit id)."""

    repo_id: str
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)

    def resolve(self, revision: str) -> str | None:
        if revision in self.branches:
            return self.branches[revision]
        return revision if revision in self.commits else None


class LocalHub:
    """The server: `start()` binds a free port (or `port`), `url` is the HF_ENDPOINT to use, `stop()` shuts down."""

    def __init__(self, port: int = 0) -> None:
        self.repos: dict[str, Repo] = {}
        self.authorizations: list[str] = []
        self.requests: list[str] = []
        self.lock = threading.Lock()
        hub = self

        class Handler(_Handler):
            server_hub = hub

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> LocalHub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def files(self, repo_id: str, revision: str) -> dict[str, bytes]:
        """The files of `repo_id` at `revision` (a branch or commit id)."""
        repo = self.repos[repo_id]
        return dict(repo.commits[repo.resolve(revision)])

    def commit(self, repo: Repo, parent: str | None, files: dict[str, bytes], message: str) -> str:
        digest = hashlib.sha1((parent or "").encode())
        for path in sorted(files):
            digest.update(path.encode() + b"\0" + files[path])
        oid = digest.hexdigest()
        repo.commits[oid] = files
        repo.messages[oid] = message
        return oid


class _Handler(BaseHTTPRequestHandler):
    server_hub: LocalHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read LocalHub.requests instead
        return

    # -- plumbing ------------------------------------------------------------------------------------------------
    def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None, head: bool = False) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body if body is not None else {}).encode()
        self.send_response(status)
        content_type = "application/octet-stream" if isinstance(body, bytes) else "application/json"
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        code = {404: "RepoNotFound" if "Repository" in message else "EntryNotFound"}.get(status, "Error")
        # A HEAD answer carries headers only (a body would be read as the next response's status line).
        head = self.command == "HEAD"
        self._send(status, {"error": message}, {"X-Error-Code": code, "X-Error-Message": message}, head=head)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _record(self) -> None:
        with self.server_hub.lock:
            self.server_hub.requests.append(f"{self.command} {self.path}")
            auth = self.headers.get("Authorization")
            if auth:
                self.server_hub.authorizations.append(auth)

    def _repo(self, repo_id: str) -> Repo | None:
        return self.server_hub.repos.get(repo_id)

    # -- routes --------------------------------------------------------------------------------------------------
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self._record()
        path = unquote(urlparse(self.path).path)
        body = self._body()
        hub = self.server_hub
        if path == "/api/repos/create":
            data = json.loads(body or b"{}")
            repo_id = f"{data['organization']}/{data['name']}" if data.get("organization") else data["name"]
            with hub.lock:
                if repo_id in hub.repos:
                    return self._send(
                        409, {"error": "You already created this model repo", "url": f"{hub.url}/{repo_id}"}
                    )
                repo = hub.repos[repo_id] = Repo(repo_id)
                repo.branches["main"] = hub.commit(repo, None, {}, "initial commit")
            return self._send(200, {"url": f"{hub.url}/{repo_id}", "name": repo_id})
        if path == "/api/validate-yaml":  # model card metadata check before a README.md upload
            return self._send(200, {"errors": [], "warnings": []})
        if m := re.fullmatch(r"/api/models/" + REPO + r"/branch/([^/]+)", path):
            repo = self._repo(m.group(1))
            if repo is None:
                return self._error(404, "Repository not found")
            data = json.loads(body or b"{}")
            with hub.lock:
                if m.group(2) in repo.branches:
                    return self._send(409, {"error": "Reference already exists"})
                start = repo.resolve(data.get("startingPoint") or "main")
                repo.branches[m.group(2)] = start
            return self._send(200, {})
        if m := re.fullmatch(r"/api/models/" + REPO + r"/preupload/(.+)", path):
            files = json.loads(body or b"{}").get("files", [])
            return self._send(
                200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]}
            )
        if m := re.fullmatch(r"/api/models/" + REPO + r"/commit/(.+)", path):
            repo = self._repo(m.group(1))
            if repo is None:
                return self._error(404, "Repository not found")
            revision = m.group(2)
            with hub.lock:
                parent = repo.resolve(revision)
                if parent is None:
                    return self._error(404, f"Revision not found: {revision}")
                files = dict(repo.commits[parent])
                message = ""
                for line in body.splitlines():
                    item = json.loads(line)
                    value = item["value"]
                    if item["key"] == "header":
                        message = value.get("summary", "")
                    elif item["key"] == "file":
                        files[value["path"]] = base64.b64decode(value["content"])
                    elif item["key"] in ("deletedFile", "deletedFolder"):
                        files = {p: b for p, b in files.items() if not p.startswith(value["path"])}
                oid = hub.commit(repo, parent, files, message)
                repo.branches[revision] = oid
            return self._send(200, {"commitUrl": f"{hub.url}/{repo.repo_id}/commit/{oid}", "commitOid": oid})
        return self._error(404, f"no route for POST {path}")

    def do_HEAD(self) -> None:  # noqa: N802
        self._get(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._get(head=False)

    def _get(self, head: bool) -> None:
        self._record()
        path = unquote(urlparse(self.path).path)
        if m := re.fullmatch(r"/api/models/" + REPO + r"/refs", path):
            repo = self._repo(m.group(1))
            if repo is None:
                return self._error(404, "Repository not found")
            branches = [
                {"name": n, "ref": f"refs/heads/{n}", "targetCommit": c} for n, c in sorted(repo.branches.items())
            ]
            return self._send(200, {"branches": branches, "tags": [], "converts": []}, head=head)
        if m := re.fullmatch(r"/api/models/" + REPO + r"(?:/revision/(.+))?", path):
            repo = self._repo(m.group(1))
            if repo is None:
                return self._error(404, "Repository not found")
            oid = repo.resolve(m.group(2) or "main")
            if oid is None:
                return self._error(404, "Revision not found")
            siblings = [{"rfilename": p} for p in sorted(repo.commits[oid])]
            info = {
                "id": repo.repo_id,
                "modelId": repo.repo_id,
                "sha": oid,
                "siblings": siblings,
                "private": False,
                "lastModified": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            }
            return self._send(200, info, head=head)
        if m := re.fullmatch(r"/api/models/" + REPO + r"/tree/([^/]+)(?:/(.*))?", path):
            repo = self._repo(m.group(1))
            oid = repo.resolve(m.group(2)) if repo else None
            if oid is None:
                return self._error(404, "Repository not found")
            prefix = (m.group(3) or "").strip("/")
            entries = [
                {"type": "file", "path": p, "size": len(b), "oid": hashlib.sha1(b).hexdigest()}
                for p, b in sorted(repo.commits[oid].items())
                if not prefix or p.startswith(prefix + "/")
            ]
            return self._send(200, entries, head=head)
        if m := re.fullmatch(r"/" + REPO + r"/resolve/([^/]+)/(.+)", path):
            repo = self._repo(m.group(1))
            if repo is None:
                return self._error(404, "Repository not found")
            oid = repo.resolve(m.group(2))
            if oid is None:
                return self._error(404, "Revision not found")
            data = repo.commits[oid].get(m.group(3))
            if data is None:
                return self._error(404, "Entry not found")
            etag = f'"{hashlib.sha1(data).hexdigest()}"'
            return self._send(200, data, {"X-Repo-Commit": oid, "ETag": etag}, head=head)
        return self._error(404, f"no route for GET {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the local Hub test server in the foreground.")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (the URL is printed)")
    args = parser.parse_args()
    hub = LocalHub(args.port).start()
    print(f"local hub at {hub.url} (set HF_ENDPOINT to it); Ctrl-C stops", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        hub.stop()


if __name__ == "__main__":
    main()
