"""The Studio place's state and flows, without widgets: the Studio views bind to it and only show what it says.

- ``start()`` is the one place the Studio connection is started. The app calls it once at start-up, so the
  header shows the balance and unfinished jobs are watched again even when the Studio is never opened;
  ``retry()`` is the banner's Retry, and opening the Studio retries a failed connection (``view_opened``).
  Each connect resumes the job queue.
- Jobs: ``generate`` and ``cancel``. When a job's images are ready and nobody is looking at the Studio (the
  view tells through ``attach_view``), a notification goes out and the job stays ``unseen`` until the
  Studio is shown again.
- The prompt enhancer: what ``enhancer_source`` answers (a fixed one in tests, else the chat model chosen in
  Settings → Studio), asked again when that setting changes.
- The gallery's edits: favourite, delete with undo, save as.

Every piece of background work is a named task on the app's ``TaskRunner`` (``studio-…``); the services it
drives (connection, job queue, gallery) belong to ``AppContext``, which stops them when the app closes.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.config import Settings
from app.services.clients.studio_types import (
    AuthNeeded,
    ImageRequest,
    InvalidRequest,
    NotEnoughCredits,
    StudioError,
)
from app.services.gallery import GalleryRecord, GalleryService
from app.services.notifications import Notifier
from app.services.studio.connection import ConnectionState, StudioConnection
from app.services.studio.enhance import PromptEnhancer
from app.services.studio.jobs import JobQueue, QueuedJob
from app.tasks import TaskRunner

log = logging.getLogger(__name__)

# () -> (the enhancer, or None and the reason shown on the disabled Enhance button)
EnhancerSource = Callable[[], tuple[PromptEnhancer | None, str]]
ENHANCE_SETTING = "studio.enhance_model"


class StudioController(QObject):
    """Connection start, job flows, notifications, the prompt enhancer and gallery edits for the Studio.

    Signals carry what the view shows; none of them carries a widget.
    """

    enhancer_changed = Signal(bool, str)  # available, and why not when it is not
    submitting = Signal(bool)  # True while a Generate request is on its way
    problem = Signal(str, bool)  # a message for the prompt form, and whether to offer buying credits
    enhancing = Signal(bool)
    enhanced = Signal(str)  # the rewritten prompt
    message = Signal(str, str)  # a passing note for a toast: title, body

    def __init__(
        self,
        connection: StudioConnection,
        jobs: JobQueue,
        gallery: GalleryService,
        notifier: Notifier,
        tasks: TaskRunner,
        settings: Settings,
        enhancer_source: EnhancerSource,
    ) -> None:
        super().__init__()
        self.connection = connection
        self.jobs = jobs
        self.gallery = gallery
        self._notifier = notifier
        self._tasks = tasks
        self._enhancer_source = enhancer_source
        self.enhancer: PromptEnhancer | None = None
        self.enhancer_reason = ""
        self.unseen: QueuedJob | None = None  # finished while nobody was looking
        self._is_watched: Callable[[], bool] | None = None
        self._started = False
        self._saves = itertools.count(1)
        jobs.images_ready.connect(self._images_ready)
        settings.on_change(self._setting_changed)
        self.refresh_enhancer()

    # --- connection --------------------------------------------------------------------------------
    def start(self) -> None:
        """Connect to the Studio API and finish deletions a previous run left pending. Later calls do nothing."""
        if self._started:
            return
        self._started = True
        self.connection.on_connected.append(self._connected)
        self._tasks.start("studio-gallery-purge", self.gallery.finish_delete())
        if self.connection.state == ConnectionState.DISCONNECTED:
            self.connection.start_reconnect()

    @property
    def started(self) -> bool:
        return self._started

    def retry(self) -> None:
        """Connect again with the current settings (after an error)."""
        self.connection.start_reconnect()

    def view_opened(self) -> None:
        """The Studio was opened: a connection that failed or was refused is tried again (the server may be
        up, or the token set, by now). Before ``start`` this does nothing: opening the place starts nothing."""
        if self._started and self.connection.state in {ConnectionState.ERROR, ConnectionState.AUTH_NEEDED}:
            self.retry()

    def _connected(self) -> None:
        self._tasks.start("studio-resume", self.jobs.resume())

    # --- who is looking ----------------------------------------------------------------------------
    def attach_view(self, is_watched: Callable[[], bool]) -> None:
        """The Studio view says how to tell whether the person sees it now (no notification then)."""
        self._is_watched = is_watched

    def detach_view(self) -> None:
        self._is_watched = None

    @property
    def watched(self) -> bool:
        return self._is_watched is not None and self._is_watched()

    def _images_ready(self, job: QueuedJob) -> None:
        if self.watched:
            return
        self.unseen = job  # the notification leads to the Studio; showing it opens this result
        count = len(job.records)
        title = f"{count} image{'s' if count != 1 else ''} ready"
        self._notifier.notify(title, _short(job.request.prompt), place="studio", payload={"job": job.server_id})

    def take_unseen(self) -> QueuedJob | None:
        """The job that finished unseen (once), or None."""
        job, self.unseen = self.unseen, None
        return job

    def first_result(self, server_id: str) -> GalleryRecord | None:
        """The first image a job made, or None when the job is unknown or made none yet."""
        job = self.jobs.find(server_id)
        return job.records[0] if job is not None and job.records else None

    # --- jobs --------------------------------------------------------------------------------------
    def generate(self, request: ImageRequest) -> None:
        """Submit a job; refusals come back as ``problem``."""
        self._tasks.start("studio-submit", self._submit(request))

    async def _submit(self, request: ImageRequest) -> None:
        self.submitting.emit(True)
        try:
            await self.jobs.submit(request, provider_key=await self.connection.job_key(request.model))
        except NotEnoughCredits as error:
            self.problem.emit(f"Not enough credits: this needs {error.needed}, you have {error.available}.", True)
            await self.connection.refresh_credits()
        except InvalidRequest as error:
            self.problem.emit(f"The Studio API refused the request — {error}", False)
        except AuthNeeded:
            self.problem.emit("Your Studio session ended. Sign in again in Settings.", False)
        except StudioError as error:
            self.problem.emit(str(error), False)
        finally:
            self.submitting.emit(False)

    def refresh_models(self) -> None:
        """Ask the Studio API again which models are ready (the model list's Refresh)."""
        self._tasks.start("studio-models-refresh", self.connection.refresh_models())

    def cancel(self, server_id: str) -> None:
        self._tasks.start(f"studio-cancel-{server_id}", self._cancel(server_id))

    async def _cancel(self, server_id: str) -> None:
        try:
            await self.jobs.cancel(server_id)
        except StudioError as error:
            self.message.emit("The job could not be cancelled", str(error))

    # --- prompt enhancement ------------------------------------------------------------------------
    def refresh_enhancer(self) -> None:
        """Ask again which enhancer to use (a key or the model may have changed in Settings)."""
        self.enhancer, self.enhancer_reason = self._enhancer_source()
        self.enhancer_changed.emit(self.enhancer is not None, self.enhancer_reason)

    def _setting_changed(self, key: str, _value: object) -> None:
        if key == ENHANCE_SETTING:
            self.refresh_enhancer()

    def enhance(self, prompt: str) -> None:
        """Rewrite ``prompt`` (``enhanced``), or say why not (``problem``); the prompt is never lost."""
        if self.enhancer is None or not prompt.strip():
            return
        self._tasks.start("studio-enhance", self._enhance(self.enhancer, prompt))

    async def _enhance(self, enhancer: PromptEnhancer, prompt: str) -> None:
        self.enhancing.emit(True)
        try:
            enhanced = await enhancer.enhance(prompt)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # any provider failure: show it, keep the prompt as it was
            log.info("prompt enhancement failed: %s", error)
            self.problem.emit(f"Enhance failed: {error}", False)
        else:
            self.enhanced.emit(enhanced)
        finally:
            self.enhancing.emit(False)

    # --- gallery edits -----------------------------------------------------------------------------
    def set_favourite(self, record: GalleryRecord, favourite: bool) -> None:
        self._tasks.start("studio-favourite", self.gallery.set_favourite(record.id, favourite))

    def delete(self, record: GalleryRecord) -> None:
        """Hide the image now; ``undo_delete`` brings it back, ``finish_delete`` removes the file for good."""
        self._tasks.start(f"studio-delete-{record.id}", self.gallery.delete([record.id]))

    def undo_delete(self, record: GalleryRecord) -> None:
        self._tasks.start(f"studio-undo-{record.id}", self.gallery.undo_delete([record.id]))

    def finish_delete(self, record: GalleryRecord) -> None:
        self._tasks.start(f"studio-purge-{record.id}", self.gallery.finish_delete([record.id]))

    def save(self, record: GalleryRecord, target: Path) -> None:
        """Export the image to ``target`` (its format from the suffix); the outcome comes as ``message``."""
        self._tasks.start(f"studio-save-{next(self._saves)}", self._save(record, target))

    async def _save(self, record: GalleryRecord, target: Path) -> None:
        try:
            saved = await self.gallery.export(record, target)
        except OSError as error:
            self.message.emit("The image could not be saved", str(error))
            return
        self.message.emit("Image saved", str(saved))


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
