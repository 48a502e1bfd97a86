"""Settings → Studio → Local model: which managed models are on this computer, and their downloads.

QtCore only. Each download is a named task (``studio-download:<id>``) on the app's ``TaskRunner`` whose
blocking part (``model_download.download``) runs on ``Workers.blocking``; progress comes back from that
thread through ``call_soon_threadsafe`` and leaves as ``changed(model_id)``. Cancel sets the download's
``threading.Event`` (the transfer stops within one chunk and keeps what arrived); ``stop()`` does that for
every download synchronously, for ``AppContext.close()`` (the blocking pool is joined right after).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.services.studio import model_download
from modal_app.compute.managed import missing_libraries
from modal_app.contract import MANAGED_MODELS, ManagedModel

if TYPE_CHECKING:
    from app.services.secrets import SecretStore
    from app.services.studio.connection import StudioConnection
    from app.tasks import TaskRunner, Workers

log = logging.getLogger(__name__)

HF_TOKEN_SECRET = "provider:huggingface"  # Settings → API keys → Hugging Face: the token for gated models
TASK_PREFIX = "studio-download:"
SCAN_TASK = "studio-local-models-scan"
RATE_WINDOW = 8.0  # seconds of progress the speed is measured over


@dataclass(frozen=True)
class DownloadView:
    """One managed model as the Local model panel shows it. ``status``: absent, partial, downloading,
    complete or failed; ``speed`` in bytes/s (0 while unknown); ``eta`` in seconds (None while unknown)."""

    model: ManagedModel
    status: str = "absent"
    done: int = 0
    total: int = 0
    speed: float = 0.0
    eta: float | None = None
    message: str = ""

    @property
    def percent(self) -> int:
        total = self.total or self.model.size_bytes
        return min(100, int(self.done * 100 / total)) if total else 0


class RateMeter:
    """Download speed over the last ``window`` seconds of (time, bytes) samples."""

    def __init__(self, window: float = RATE_WINDOW) -> None:
        self.window = window
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, when: float, done: int) -> float:
        """Record a sample; returns bytes/s (0 until two samples are apart in time)."""
        self._samples.append((when, done))
        while len(self._samples) > 2 and when - self._samples[0][0] > self.window:
            self._samples.popleft()
        first_time, first_done = self._samples[0]
        elapsed = when - first_time
        return max(done - first_done, 0) / elapsed if elapsed > 0 else 0.0


def describe_speed(view: DownloadView) -> str:
    """``1.2 GB of 5.2 GB · 43 % · 18.5 MB/s · about 4 min left``."""
    total = view.total or view.model.size_bytes
    parts = [f"{model_download.gb(view.done)} of {model_download.gb(total)}", f"{view.percent} %"]
    if view.speed > 0:
        parts.append(f"{view.speed / 1e6:.1f} MB/s")
    if view.eta is not None:
        minutes = round(view.eta / 60)
        parts.append("less than a minute left" if minutes < 1 else f"about {minutes} min left")
    return " · ".join(parts)


class LocalModels(QObject):
    """The managed models' states and downloads; the view binds to ``changed`` and ``libraries_changed``."""

    changed = Signal(str)  # model id
    libraries_changed = Signal()

    def __init__(
        self,
        folder: Path,
        secrets: SecretStore,
        tasks: TaskRunner,
        workers: Workers,
        connection: StudioConnection | None = None,
        *,
        endpoint: str | None = None,
        disk_usage: model_download.DiskUsage = shutil.disk_usage,
        find_missing: Callable[[], list[str]] = missing_libraries,
    ) -> None:
        super().__init__()
        self.folder = folder  # <Studio data folder>/models
        self._secrets = secrets
        self._tasks = tasks
        self._workers = workers
        self._connection = connection
        self._endpoint = endpoint
        self._disk_usage = disk_usage
        self._find_missing = find_missing
        self._views = {model.id: DownloadView(model) for model in MANAGED_MODELS}
        self._cancels: dict[str, threading.Event] = {}
        self._meters: dict[str, RateMeter] = {}
        self.missing: list[str] | None = None  # the generator's libraries not installed (None: not looked yet)

    @property
    def models(self) -> tuple[ManagedModel, ...]:
        return MANAGED_MODELS

    def view(self, model_id: str) -> DownloadView:
        return self._views[model_id]

    def downloading(self) -> list[DownloadView]:
        return [view for view in self._views.values() if view.status == "downloading"]

    def folder_of(self, model_id: str) -> Path:
        return self.folder / model_id

    # --- what is on disk -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Look (off the UI thread) at which models are complete or partly downloaded, and at the libraries."""
        self._tasks.start(SCAN_TASK, self._scan(), replace=False)

    async def _scan(self) -> None:
        self.missing = await self._workers.blocking(self._find_missing)
        self.libraries_changed.emit()
        for model in MANAGED_MODELS:
            if self._views[model.id].status in ("downloading", "failed"):
                continue
            folder = self.folder_of(model.id)
            complete = await self._workers.blocking(model_download.is_complete, folder)
            done = model.size_bytes if complete else await self._workers.blocking(model_download.bytes_on_disk, folder)
            status = "complete" if complete else ("partial" if done else "absent")
            self._set(model.id, status=status, done=done, total=model.size_bytes, speed=0.0, eta=None)

    # --- downloads -----------------------------------------------------------------------------------
    def start(self, model_id: str) -> None:
        """Download (or resume) ``model_id``; a running download of it is left alone."""
        if self._views[model_id].status == "downloading":
            return
        cancel = threading.Event()
        self._cancels[model_id] = cancel
        self._meters[model_id] = RateMeter()
        self._set(model_id, status="downloading", message="", speed=0.0, eta=None)
        self._tasks.start(TASK_PREFIX + model_id, self._run(self._views[model_id].model, cancel))

    def cancel(self, model_id: str) -> None:
        event = self._cancels.get(model_id)
        if event is not None:
            event.set()

    def stop(self) -> None:
        """Stop every download now (synchronous: the app is closing and joins the worker threads next)."""
        for event in self._cancels.values():
            event.set()

    async def _run(self, model: ManagedModel, cancel: threading.Event) -> None:
        loop = asyncio.get_running_loop()

        def report(done: int, total: int) -> None:  # on the worker thread
            try:
                loop.call_soon_threadsafe(self._progress, model.id, done, total)
            except RuntimeError:  # the loop closed under a download that is stopping
                cancel.set()

        try:
            token = await self._workers.blocking(self._secrets.get, HF_TOKEN_SECRET)
            await self._workers.blocking(
                model_download.download,
                model,
                self.folder_of(model.id),
                cancel=cancel,
                report=report,
                token=token,
                endpoint=self._endpoint,
                disk_usage=self._disk_usage,
            )
        except asyncio.CancelledError:
            cancel.set()  # the task went (the app is closing): the thread stops at its next chunk
            raise
        except model_download.DownloadCancelled:
            done = await self._workers.blocking(model_download.bytes_on_disk, self.folder_of(model.id))
            self._set(model.id, status="partial" if done else "absent", done=done, speed=0.0, eta=None)
            return
        except model_download.DownloadError as error:
            log.info("downloading %s failed: %s", model.id, error)
            self._set(model.id, status="failed", message=str(error), speed=0.0, eta=None)
            return
        view = self._views[model.id]
        self._set(model.id, status="complete", done=view.total or model.size_bytes, message="", speed=0.0, eta=None)
        if self._connection is not None:  # the Studio's model list: the model is ready now
            await self._connection.refresh_models()

    def _progress(self, model_id: str, done: int, total: int) -> None:
        view = self._views[model_id]
        if view.status != "downloading":
            return
        speed = self._meters.setdefault(model_id, RateMeter()).add(time.monotonic(), done)
        eta = (total - done) / speed if speed > 0 else None
        self._set(model_id, done=done, total=total, speed=speed, eta=eta)

    def _set(self, model_id: str, **changes: object) -> None:
        self._views[model_id] = replace(self._views[model_id], **changes)  # type: ignore[arg-type]
        self.changed.emit(model_id)
