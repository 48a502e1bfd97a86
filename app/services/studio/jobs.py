"""The image job queue: submit, watch by long-polling, cancel, resume after a restart, collect results.

Each unfinished job has one watcher, the task ``studio-job-<id>`` on the app's ``TaskRunner``, that loops on
``GET /v1/images/{id}?wait=25``: the server answers the moment the state changes, so a finished job shows
up at once, with no polling timer. Jobs are kept in the cache DB (``studio_jobs``, written on the
``Workers.db`` thread) so the next start resumes watching them. Whether a finished job deserves a
notification is the Studio controller's call (``images_ready``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Signal
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models.gallery import StudioJob
from app.services.clients.studio_types import (
    AuthNeeded,
    ImageRequest,
    Job,
    JobState,
    MalformedAnswer,
    NotFound,
    StudioError,
)
from app.services.gallery.metadata import ImageMetadata
from app.services.gallery.service import GalleryService
from app.services.gallery.store import GalleryRecord
from app.services.studio.connection import StudioConnection
from app.tasks import TaskRunner, Workers

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 25.0
RECENT_JOBS = 20
WATCHER_PREFIX = "studio-job-"


@dataclass
class QueuedJob:
    server_id: str
    request: ImageRequest
    state: JobState = JobState.QUEUED
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished: datetime | None = None
    cost: int = 0
    error: str = ""
    saved: int = 0
    seed: int | None = None
    records: list[GalleryRecord] = field(default_factory=list)

    def elapsed(self, now: datetime | None = None) -> float:
        end = self.finished or now or datetime.now(UTC)
        return max(0.0, (end - self.created).total_seconds())

    @property
    def collected(self) -> bool:
        return self.state != JobState.COMPLETED or self.saved >= self.request.count


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class JobQueue(QObject):
    job_added = Signal(object)  # QueuedJob
    job_changed = Signal(object)  # QueuedJob
    images_ready = Signal(object)  # QueuedJob, with .records filled

    def __init__(
        self,
        connection: StudioConnection,
        gallery: GalleryService,
        sessions: sessionmaker[Session],
        tasks: TaskRunner,
        workers: Workers,
    ) -> None:
        super().__init__()
        self.connection = connection
        self.gallery = gallery
        self._sessions = sessions
        self._tasks = tasks
        self._workers = workers
        self.jobs: list[QueuedJob] = []  # newest first
        self._resumed_for = ""

    # --- database (small writes, on the database thread) -------------------------------------------
    def _insert(self, job: QueuedJob) -> None:
        body = job.request.model_dump(mode="json")
        with self._sessions.begin() as session:
            session.add(
                StudioJob(
                    server_id=job.server_id,
                    connection=self.connection.connection_id,
                    state=job.state.value,
                    request_json=json.dumps(body),
                    cost=job.cost,
                    created=job.created,
                )
            )

    def _update(self, job: QueuedJob) -> None:
        with self._sessions.begin() as session:
            row = session.scalar(select(StudioJob).where(StudioJob.server_id == job.server_id))
            if row is None:
                return
            row.state, row.error, row.cost = job.state.value, job.error, job.cost
            row.finished, row.images_saved = job.finished, job.saved

    def _load_recent(self, connection_id: str) -> list[QueuedJob]:
        with self._sessions() as session:
            rows = session.scalars(
                select(StudioJob)
                .where(StudioJob.connection == connection_id)
                .order_by(StudioJob.created.desc(), StudioJob.id.desc())
                .limit(RECENT_JOBS)
            ).all()
        jobs = []
        for row in rows:
            try:
                request = ImageRequest.model_validate_json(row.request_json)
            except ValueError:  # pydantic's ValidationError: a row an older version wrote differently
                continue
            jobs.append(
                QueuedJob(
                    server_id=row.server_id,
                    request=request,
                    state=JobState(row.state),
                    created=_utc(row.created) or datetime.now(UTC),
                    finished=_utc(row.finished),
                    cost=int(row.cost),
                    error=row.error,
                    saved=row.images_saved,
                )
            )
        return jobs

    # --- actions -----------------------------------------------------------------------------------
    async def submit(self, request: ImageRequest, provider_key: str | None = None) -> QueuedJob:
        """Send a job (retry-safe with an idempotency key) and start watching it; ``provider_key`` is the
        person's own key for the model's engine (Local connection), sent with this request only. Raises
        ``StudioError``."""
        client = self.connection.client
        if client is None:
            raise StudioError("Not connected to the Studio API.")
        try:
            remote = await client.submit(request, idempotency_key=uuid.uuid4().hex, provider_key=provider_key)
        except AuthNeeded as error:
            self.connection.report_failure(error)
            raise
        job = QueuedJob(server_id=remote.id, request=request)
        self._apply(job, remote)
        await self._workers.db(self._insert, job)
        self.jobs.insert(0, job)
        self.job_added.emit(job)
        self._watch(job)
        await self.connection.refresh_credits()
        return job

    async def cancel(self, server_id: str) -> None:
        job = self.find(server_id)
        client = self.connection.client
        if job is None or client is None or job.state.terminal:
            return
        remote = await client.cancel(server_id)
        if self._apply(job, remote):
            self.job_changed.emit(job)
            await self._workers.db(self._update, job)

    def find(self, server_id: str) -> QueuedJob | None:
        return next((job for job in self.jobs if job.server_id == server_id), None)

    async def resume(self) -> None:
        """Show recent jobs of this connection and watch every unfinished one (call once connected)."""
        connection_id = self.connection.connection_id
        if self._resumed_for != connection_id:
            self._resumed_for = connection_id
            known = {job.server_id for job in self.jobs}
            for job in reversed(await self._workers.db(self._load_recent, connection_id)):
                if job.server_id in known:
                    continue
                self.jobs.insert(0, job)
                self.job_added.emit(job)
        for job in self.jobs:
            if not job.state.terminal or not job.collected:
                self._watch(job)

    def unfinished(self) -> list[QueuedJob]:
        return [job for job in self.jobs if not job.state.terminal]

    # --- watching ----------------------------------------------------------------------------------
    def _watch(self, job: QueuedJob) -> None:
        """One watcher per job: a job already watched keeps its watcher (``replace=False``)."""
        self._tasks.start(f"{WATCHER_PREFIX}{job.server_id}", self._follow(job), replace=False)

    def watching(self) -> list[str]:
        """Server ids of the jobs being watched now."""
        return [name.removeprefix(WATCHER_PREFIX) for name in self._tasks.names(WATCHER_PREFIX)]

    def _apply(self, job: QueuedJob, remote: Job) -> bool:
        """Copy the server's view onto the local job; True when something the person sees changed."""
        before = (job.state, job.error, job.cost)
        job.state, job.cost, job.error = remote.state, remote.cost, remote.error or ""
        job.seed = remote.seed if remote.seed is not None else job.seed
        if remote.state.terminal and job.finished is None:
            job.finished = datetime.now(UTC)
        return before != (job.state, job.error, job.cost)

    async def _follow(self, job: QueuedJob) -> None:
        delay = 0.5
        remote: Job | None = None
        while not job.state.terminal or remote is None:
            client = self.connection.client
            if client is None:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            try:
                remote = await client.job(job.server_id, wait=0 if job.state.terminal else LONG_POLL_SECONDS)
            except NotFound:
                remote = None
                job.state, job.error, job.finished = (
                    JobState.FAILED,
                    "The server no longer has this job.",
                    None,
                )
                job.finished = datetime.now(UTC)
                await self._workers.db(self._update, job)
                self.job_changed.emit(job)
                return
            except AuthNeeded as error:
                self.connection.report_failure(error)
                return
            except MalformedAnswer as error:  # a broken server: say so on the job instead of polling forever
                job.state, job.error, job.finished = JobState.FAILED, str(error), datetime.now(UTC)
                await self._workers.db(self._update, job)
                self.job_changed.emit(job)
                return
            except StudioError as error:
                log.info("job %s: %s; retrying in %.1fs", job.server_id, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            delay = 0.5
            if self._apply(job, remote):
                self.job_changed.emit(job)
                await self._workers.db(self._update, job)
        if job.state == JobState.COMPLETED and not job.collected:
            await self._collect(job, remote)
        await self.connection.refresh_credits()

    async def _collect(self, job: QueuedJob, remote: Job) -> None:
        client = self.connection.client
        if client is None:
            return
        for index, url in enumerate(remote.image_urls):
            if index < job.saved:
                continue
            png = await client.result(url)
            metadata = ImageMetadata(
                prompt=job.request.prompt,
                negative_prompt=job.request.negative_prompt,
                model=job.request.model,
                size=job.request.size,
                aspect=job.request.aspect_ratio,
                seed=remote.image_seed(index),
                cost=round(remote.cost / max(1, len(remote.image_urls)), 2),
                job_id=job.server_id,
            )
            job.records.append(await self.gallery.save_generated(png, metadata, index))
            job.saved = index + 1
            await self._workers.db(self._update, job)
        self.job_changed.emit(job)
        self.images_ready.emit(job)

    def stop(self) -> None:
        """Stop watching (the app quits); jobs keep running on the server and resume at the next start."""
        self._tasks.cancel_prefix(WATCHER_PREFIX)

    async def close(self) -> None:
        """``stop``, and wait until every watcher has ended."""
        watchers = [task for name in self._tasks.names(WATCHER_PREFIX) if (task := self._tasks.get(name))]
        self.stop()
        await asyncio.gather(*watchers, return_exceptions=True)
