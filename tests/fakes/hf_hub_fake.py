"""A loopback fake of the Hugging Face Hub: the few endpoints a model download uses, for ``HF_ENDPOINT``.

Shapes follow what the installed ``huggingface_hub`` reads (``hf_api.py`` ``ModelInfo``/``RepoFile``;
``file_download.py`` ``get_hf_file_metadata``) and huggingface.co answers:

- ``GET /api/models/{repo}`` and ``/api/models/{repo}/revision/{rev}``: ``{"id", "modelId", "sha", "private",
  "gated", "siblings": [{"rfilename"}]}``.
- ``GET /api/models/{repo}/tree/{rev}?recursive=true``: ``[{"type": "file", "oid", "size", "path", "lfs":
  {"oid", "size", "pointerSize"}}, {"type": "directory", "oid", "path"}]`` (``lfs`` for ``*.safetensors``).
- ``HEAD``/``GET /{repo}/resolve/{rev}/{path}``: the bytes, ``ETag`` (git blob id, or the sha256 for LFS
  files, which also get ``X-Linked-Etag``/``X-Linked-Size``), ``X-Repo-Commit``, ``Accept-Ranges: bytes``;
  ``Range: bytes=N-`` answers 206 with ``Content-Range``.
- A gated repo answers its files with 403 and ``X-Error-Code: GatedRepo`` (huggingface_hub's
  ``hf_raise_for_status`` maps that to ``GatedRepoError``) unless the request brings ``ACCEPTED_TOKEN``.

``HubRepo.corrupt`` names files served with flipped bytes (same length), ``pace`` slows every chunk down.
``HubLog.hold_after`` holds every file body once that many bytes went out, until ``HubLog.release`` is set:
a test sees a download part-way (to show its progress, to cancel it) however slow the machine is.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

COMMIT = "feedfacecafebeef0123456789abcdef01234567"
ACCEPTED_TOKEN = "hf_test_accepted_terms_0123456789"
SEND_CHUNK = 64 * 1024


@dataclass
class HubRepo:
    """One repository: its files (path → bytes) at ``COMMIT``."""

    files: dict[str, bytes]
    gated: bool = False
    corrupt: set[str] = field(default_factory=set)

    @classmethod
    def from_folder(cls, folder: Path, **options: object) -> HubRepo:
        files = {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}
        return cls(files, **options)  # type: ignore[arg-type]


@dataclass
class HubLog:
    """What the fake saw: (method, path, Range header) per file request, and the bytes it sent; and the gate a
    test may close part-way (``hold_after`` bytes sent, until ``release`` is set)."""

    requests: list[tuple[str, str, str]] = field(default_factory=list)
    sent: int = 0
    tokens: list[str] = field(default_factory=list)
    hold_after: int | None = None
    release: threading.Event = field(default_factory=threading.Event)


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def is_lfs(path: str) -> bool:
    return path.endswith(".safetensors")


def hub_app(repos: dict[str, HubRepo], log: HubLog, pace: float = 0.0) -> FastAPI:
    app = FastAPI()

    def find(owner: str, name: str) -> HubRepo | None:
        return repos.get(f"{owner}/{name}")

    def missing() -> JSONResponse:
        return JSONResponse(
            {"error": "Repository not found"}, status_code=404, headers={"X-Error-Code": "RepoNotFound"}
        )

    @app.get("/api/models/{owner}/{name}")
    @app.get("/api/models/{owner}/{name}/revision/{revision}")
    async def model_info(owner: str, name: str, revision: str = "main") -> Response:
        repo = find(owner, name)
        if repo is None:
            return missing()
        return JSONResponse(
            {
                "_id": "0" * 24,
                "id": f"{owner}/{name}",
                "modelId": f"{owner}/{name}",
                "sha": COMMIT,
                "private": False,
                "gated": "manual" if repo.gated else False,
                "disabled": False,
                "tags": ["diffusers"],
                "siblings": [{"rfilename": path} for path in sorted(repo.files)],
            }
        )

    @app.get("/api/models/{owner}/{name}/tree/{revision}")
    async def tree(owner: str, name: str, revision: str, recursive: bool = False) -> Response:
        repo = find(owner, name)
        if repo is None:
            return missing()
        entries: list[dict[str, object]] = []
        folders = sorted(
            {"/".join(path.split("/")[:depth]) for path in repo.files for depth in range(1, path.count("/") + 1)}
        )
        for folder in folders:
            entries.append({"type": "directory", "oid": git_blob_id(folder.encode()), "path": folder})
        for path, data in sorted(repo.files.items()):
            entry: dict[str, object] = {"type": "file", "oid": git_blob_id(data), "size": len(data), "path": path}
            if is_lfs(path):
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
            entries.append(entry)
        if not recursive:
            entries = [entry for entry in entries if "/" not in str(entry["path"])]
        return JSONResponse(entries)

    @app.api_route("/{owner}/{name}/resolve/{revision}/{path:path}", methods=["GET", "HEAD"])
    async def resolve(owner: str, name: str, revision: str, path: str, request: Request) -> Response:
        repo = find(owner, name)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        log.tokens.append(token)
        log.requests.append((request.method, path, request.headers.get("range", "")))
        if repo is None:
            return missing()
        if repo.gated and token != ACCEPTED_TOKEN:
            return JSONResponse(
                {"error": f"Access to model {owner}/{name} is restricted. You must have access to it."},
                status_code=403,
                headers={"X-Error-Code": "GatedRepo", "X-Error-Message": "Access to this model is restricted."},
            )
        data = repo.files.get(path)
        if data is None:
            return JSONResponse(
                {"error": "Entry not found"}, status_code=404, headers={"X-Error-Code": "EntryNotFound"}
            )
        etag = hashlib.sha256(data).hexdigest() if is_lfs(path) else git_blob_id(data)
        headers = {"ETag": f'"{etag}"', "X-Repo-Commit": COMMIT, "Accept-Ranges": "bytes"}
        if is_lfs(path):
            headers |= {"X-Linked-Etag": f'"{etag}"', "X-Linked-Size": str(len(data))}
        if path in repo.corrupt:
            data = bytes(byte ^ 0xFF for byte in data)
        start = 0
        wanted = request.headers.get("range", "")
        if wanted.startswith("bytes=") and wanted.endswith("-"):
            start = int(wanted[len("bytes=") : -1])
            if start >= len(data):
                return Response(status_code=416, headers={"Content-Range": f"bytes */{len(data)}"})
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        headers["Content-Length"] = str(len(data) - start)
        status = 206 if start else 200
        if request.method == "HEAD":
            return Response(status_code=status, headers=headers)

        async def body() -> AsyncIterator[bytes]:
            for offset in range(start, len(data), SEND_CHUNK):
                if pace:
                    await asyncio.sleep(pace)
                while log.hold_after is not None and log.sent >= log.hold_after and not log.release.is_set():
                    await asyncio.sleep(0.01)  # polled: the test releases it from another thread
                chunk = data[offset : offset + SEND_CHUNK]
                log.sent += len(chunk)
                yield chunk

        return StreamingResponse(body(), status_code=status, headers=headers)

    return app
