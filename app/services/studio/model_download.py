"""Download a managed local model from the Hugging Face Hub into ``<Studio data folder>/models/<id>/``.

Blocking code for a worker thread (``Workers.blocking``); no Qt. The hub's own API comes from
``huggingface_hub`` (2.x; checked against the installed ``hf_api.py`` and ``file_download.py``):

- ``HfApi(endpoint=…).model_info(repo)`` (``GET /api/models/{repo}``) gives the commit (``.sha``);
  ``HfApi.list_repo_tree(repo, recursive=True, revision=commit)`` (``GET /api/models/{repo}/tree/{commit}``)
  every file's size, git blob id and, for LFS files, sha256; ``utils.filter_repo_objects`` applies the
  model's ``allow_patterns`` as ``snapshot_download`` does; ``hf_hub_url`` and ``utils.build_hf_headers``
  give each file's ``…/resolve/{commit}/{path}`` address and the hub's headers (token, user agent).
- The bytes are fetched here, not with ``hf_hub_download``: in this version its
  ``_download_to_tmp_and_move`` writes to a process-unique ``….<uuid>.incomplete`` file and deletes it on any
  failure ("do not keep a partial file around"), so a cancelled or interrupted multi-GB file would start
  over. Here each file goes to ``.partial/<path>.part`` and a later download (after Cancel or an app restart)
  continues it with ``Range: bytes=N-``; a ``.part`` of another blob is dropped.
- Cancel is seen at the next chunk, and also while a read waits on a stalled hub: a watcher thread shuts the
  connection's socket down, so the blocked read ends at once instead of at the read timeout (two minutes).
- Each file is checked (size, and sha256 for LFS files) before it moves into place, and
  ``COMPLETE_MARKER`` is written only when every file is there; a damaged file is removed and named.

``HF_ENDPOINT`` (read per download) points at another hub, as the tests do with a loopback fake.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import httpx

from modal_app.contract import COMPLETE_MARKER, ManagedModel

PARTIAL = ".partial"  # parts of files in flight, inside the model's folder
CHUNK = 1024 * 1024  # bytes per read (a stalled read is cut by ``_aborted_on``)
TIMEOUT = httpx.Timeout(30.0, read=120.0)
DISK_RESERVE = 256 * 1024 * 1024  # left free after the download: the system needs room too
REPORT_EVERY = 0.1  # seconds between progress reports from the worker thread
DEFAULT_HUB = "https://huggingface.co"

DiskUsage = Callable[[str], Any]  # shutil.disk_usage's shape: an object with .free (bytes)
Report = Callable[[int, int], None]  # (bytes on disk, bytes in all) from the worker thread


class DownloadError(Exception):
    """A download that stopped; ``str(error)`` is fit to show to the person."""


class DownloadCancelled(DownloadError):
    pass


class GatedModel(DownloadError):
    """401/403 from the hub: the model's terms must be accepted (and a token given) first."""


class NotEnoughDisk(DownloadError):
    pass


class DiskFull(DownloadError):
    pass


class CorruptFile(DownloadError):
    pass


class RemoteFile(NamedTuple):
    path: str
    size: int
    blob: str  # the git blob id: a ``.part`` of another blob is not resumed
    sha256: str | None  # LFS files only; small git files are checked by size


@dataclass(frozen=True)
class Snapshot:
    commit: str
    files: tuple[RemoteFile, ...]

    @property
    def total(self) -> int:
        return sum(file.size for file in self.files)


def gb(size: int) -> str:
    """``5.2 GB`` / ``310 MB`` (decimal units, as the disk and the hub show them)."""
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{max(size, 0) / 1e6:.0f} MB"


def hub_endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_HUB).rstrip("/")


def is_complete(folder: Path) -> bool:
    return (folder / COMPLETE_MARKER).is_file()


def bytes_on_disk(folder: Path) -> int:
    """What a download into ``folder`` has already written: finished files plus ``.part`` files (no network;
    for the "paused at 43 %" display after a restart)."""
    if not folder.is_dir():
        return 0
    return sum(
        path.stat().st_size
        for path in folder.rglob("*")
        if path.is_file() and path.name != COMPLETE_MARKER and not path.name.endswith(".blob")
    )


def list_files(model: ManagedModel, endpoint: str, token: str | None) -> Snapshot:
    """The commit and the files of ``model`` its ``allow_patterns`` select. Raises ``DownloadError``."""
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile
    from huggingface_hub.utils import filter_repo_objects

    api = HfApi(endpoint=endpoint, token=token or False)
    try:
        commit = api.model_info(model.repo).sha
        if not commit:
            raise DownloadError(f"{endpoint} did not say which version of {model.repo} to download.")
        entries = [
            item
            for item in api.list_repo_tree(model.repo, recursive=True, revision=commit)
            if isinstance(item, RepoFile)
        ]
    except Exception as error:
        raise describe(error, model, endpoint) from error
    chosen = filter_repo_objects(entries, allow_patterns=list(model.allow_patterns), key=lambda item: item.path)
    files = tuple(
        RemoteFile(item.path, int(item.size), item.blob_id, item.lfs.sha256 if item.lfs is not None else None)
        for item in chosen
    )
    if not files:
        raise DownloadError(f"{model.repo} has none of the files a diffusers pipeline needs.")
    return Snapshot(commit, files)


CANCELLED = "Download cancelled — what arrived is kept; Download resumes it."


class _Counter:
    """Bytes of the whole download, fed by the hub's progress calls from the worker thread."""

    def __init__(self, done: int, total: int, report: Report, cancel: threading.Event) -> None:
        self.finished = done  # bytes of files already finished (and of partial files when resuming)
        self.current = 0  # bytes of the file in flight
        self.total = total
        self.report = report
        self.cancel = cancel
        self._last = 0.0

    def done(self) -> int:
        return self.finished + self.current

    def add(self, n: int) -> None:
        if self.cancel.is_set():
            raise DownloadCancelled(CANCELLED)
        self.current += n
        self.tick()

    def tick(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= REPORT_EVERY:
            self._last = now
            self.report(min(self.done(), self.total), self.total)


def check_disk(folder: Path, needed: int, disk_usage: DiskUsage = shutil.disk_usage) -> None:
    """Raise ``NotEnoughDisk`` when the disk that holds ``folder`` has less than ``needed`` bytes (plus a
    reserve) free."""
    where = folder
    while not where.exists() and where != where.parent:
        where = where.parent
    free = int(disk_usage(str(where)).free)
    if free < needed + DISK_RESERVE:
        raise NotEnoughDisk(
            f"Not enough free disk space: this needs {gb(needed + DISK_RESERVE)} free on the disk of {where}, "
            f"and {gb(free)} is free. Free some space (or move the data folder in Settings → General), then "
            "press Download again."
        )


def verify(path: Path, file: RemoteFile) -> None:
    """Raise ``CorruptFile`` (after removing ``path``) when its size or sha256 is not the hub's."""
    size = path.stat().st_size if path.is_file() else -1
    problem = ""
    if size != file.size:
        problem = f"it has {size} bytes instead of {file.size}"
    elif file.sha256:
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            for block in iter(partial(stream.read, 4 * 1024 * 1024), b""):
                digest.update(block)
        if digest.hexdigest() != file.sha256:
            problem = "its checksum does not match the hub's"
    if problem:
        path.unlink(missing_ok=True)
        raise CorruptFile(f"{file.path} arrived damaged ({problem}); it was removed. Press Download to fetch it again.")


def fetch(
    file: RemoteFile, url: str, folder: Path, headers: dict[str, str], counter: _Counter, client: httpx.Client
) -> None:
    """One file into ``folder``: continue its ``.part`` with a Range request, check it, move it in place."""
    target = folder / file.path
    part = folder / PARTIAL / f"{file.path}.part"
    blob = folder / PARTIAL / f"{file.path}.blob"
    part.parent.mkdir(parents=True, exist_ok=True)
    if part.exists() and (not blob.is_file() or blob.read_text(encoding="utf-8") != file.blob):
        part.unlink()  # a part of an older version of the file
    blob.write_text(file.blob, encoding="utf-8")
    offset = part.stat().st_size if part.exists() else 0
    if offset > file.size:
        part.unlink()
        offset = 0
    if offset < file.size:
        wanted = dict(headers, Range=f"bytes={offset}-") if offset else headers
        # httpx drops Authorization when the hub redirects to its CDN (another origin).
        with client.stream("GET", url, headers=wanted) as response, _aborted_on(counter.cancel, response):
            if response.status_code >= 400:
                response.read()
                raise HubAnswer(response)
            if offset and response.status_code != 206:
                offset = 0  # the server ignored Range: start the file over
                counter.finished -= part.stat().st_size if part.exists() else 0
            with part.open("ab" if offset else "wb") as stream:
                try:
                    for chunk in response.iter_bytes(CHUNK):
                        stream.write(chunk)
                        counter.add(len(chunk))
                except httpx.TransportError:
                    if counter.cancel.is_set():  # the read was cut by Cancel, not by the network
                        raise DownloadCancelled(CANCELLED) from None
                    raise
    verify(part, file)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, target)
    blob.unlink(missing_ok=True)


@contextmanager
def _aborted_on(cancel: threading.Event, response: httpx.Response) -> Iterator[None]:
    """While the body is read, a watcher shuts the connection's socket down as soon as ``cancel`` is set: a
    read blocked on a stalled hub (up to ``TIMEOUT.read``) ends at once instead of at the next chunk."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is None:  # not a socket (a mocked transport): Cancel is seen at the next chunk
        yield
        return
    finished = threading.Event()

    def watch() -> None:
        while not finished.is_set():
            if cancel.wait(0.05):
                with suppress(OSError):  # already closed by the server or by the end of the body
                    sock.shutdown(socket.SHUT_RDWR)
                return

    watcher = threading.Thread(target=watch, name="download-cancel-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        finished.set()
        watcher.join()


class HubAnswer(Exception):
    """An error status from the hub while fetching a file (``response`` is the httpx response)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.status_code} {response.reason_phrase}")
        self.response = response


def download(
    model: ManagedModel,
    folder: Path,
    *,
    cancel: threading.Event,
    report: Report,
    token: str | None = None,
    endpoint: str | None = None,
    disk_usage: DiskUsage = shutil.disk_usage,
) -> Path:
    """Download ``model`` into ``folder`` (resuming what is there), check every file, write the completion
    marker; returns ``folder``. ``report(done, total)`` is called from this thread (at most every
    ``REPORT_EVERY`` s); setting ``cancel`` stops it with ``DownloadCancelled``. Raises ``DownloadError``."""
    from huggingface_hub import hf_hub_url
    from huggingface_hub.utils import build_hf_headers

    endpoint = (endpoint or hub_endpoint()).rstrip("/")
    if is_complete(folder):
        return folder
    snapshot = list_files(model, endpoint, token)
    folder.mkdir(parents=True, exist_ok=True)
    present = min(bytes_on_disk(folder), snapshot.total)
    check_disk(folder, snapshot.total - present, disk_usage)
    counter = _Counter(present, snapshot.total, report, cancel)
    counter.tick(force=True)
    headers = build_hf_headers(token=token or False, library_name="amethyst")
    with httpx.Client(timeout=TIMEOUT, follow_redirects=True) as client:
        for file in snapshot.files:
            if cancel.is_set():
                raise DownloadCancelled(CANCELLED)
            target = folder / file.path
            if target.is_file() and target.stat().st_size == file.size:
                continue  # finished in an earlier run (checked then)
            url = hf_hub_url(model.repo, file.path, revision=snapshot.commit, endpoint=endpoint)
            try:
                fetch(file, url, folder, headers, counter, client)
            except DownloadError:
                raise
            except Exception as error:
                raise describe(error, model, endpoint) from error
            counter.finished, counter.current = min(bytes_on_disk(folder), snapshot.total), 0
            counter.tick(force=True)
    shutil.rmtree(folder / PARTIAL, ignore_errors=True)
    (folder / COMPLETE_MARKER).write_text(f"{model.repo}@{snapshot.commit}\n", encoding="utf-8")
    report(snapshot.total, snapshot.total)
    return folder


def describe(error: BaseException, model: ManagedModel, endpoint: str) -> DownloadError:
    """The hub's and the disk's failures as one clear ``DownloadError``."""
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, LocalEntryNotFoundError, RepositoryNotFoundError

    page = f"{endpoint}/{model.repo}"
    status = getattr(getattr(error, "response", None), "status_code", None)
    code = str(getattr(getattr(error, "response", None), "headers", {}).get("X-Error-Code", ""))
    if isinstance(error, GatedRepoError) or status in (401, 403):
        return GatedModel(
            f"{model.name} is gated: sign in at {page}, accept the terms there, and add your Hugging Face token "
            "in Settings → API keys; then press Download again."
        )
    if isinstance(error, RepositoryNotFoundError) or status == 404 or code == "RepoNotFound":
        return DownloadError(f"{model.repo} was not found at {endpoint}.")
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(
            "The disk is full: the download stopped. What arrived is kept — free some space and press Download "
            "to resume."
        )
    if isinstance(error, HfHubHTTPError | HubAnswer):
        return DownloadError(f"The hub answered {status or 'an error'} for {model.repo}: {error}".split("\n")[0])
    if isinstance(error, LocalEntryNotFoundError | httpx.TransportError) or type(error).__module__.startswith("httpx"):
        return DownloadError(f"Could not reach {endpoint} — check the internet connection, then press Download.")
    if isinstance(error, OSError):
        return DownloadError(f"Could not write the model to disk: {error.strerror or error}")
    return DownloadError(f"The download failed: {error}")
