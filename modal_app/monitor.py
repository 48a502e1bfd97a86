"""Jobs in motion: submits to the compute, watches every unfinished call, wakes long-polls on changes.

One watch task per unfinished job polls the compute every ``poll_interval`` seconds; when the call ends it
finishes the job in the database (exactly once, see JobStore.finish) and sets the job's asyncio event, so a
waiting ``GET /v1/images/{id}?wait=…`` answers right away instead of on a timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from modal_app.compute.base import ComputeError, Failed, ImageCompute, Pending
from modal_app.jobs import ImageRequest, JobStore, JobView
from modal_app.store.models import utcnow

log = logging.getLogger(__name__)

T = TypeVar("T")

RESTART_MESSAGE = "the server stopped before the job reached the image worker; please submit it again"
TIMEOUT_MESSAGE = "the image worker took too long; the job was stopped and its credits released"
POLL_ERROR_BACKOFF = 2.0


class JobMonitor:
    def __init__(
        self,
        jobs: JobStore,
        compute: ImageCompute,
        poll_interval: float = 0.2,
        inline_reads: bool = True,
        job_timeout: float = 3600.0,
        submit_grace: float = 60.0,
    ) -> None:
        self.jobs = jobs
        self.compute = compute
        self.poll_interval = poll_interval
        # A call still running after this many seconds is cancelled, so credits are never held forever.
        self.job_timeout = job_timeout
        # A queued job younger than this may still be on its way to the compute in another server process.
        self.submit_grace = submit_grace
        # SQLite reads take microseconds and never wait on writers (WAL): run them on the loop.
        self._inline_reads = inline_reads
        # Weak values: an event lives only while some long-poll holds it, so nothing piles up.
        self._events: weakref.WeakValueDictionary[str, asyncio.Event] = weakref.WeakValueDictionary()
        self._watches: dict[str, asyncio.Task[None]] = {}
        self._adoptions: set[asyncio.Task[None]] = set()
        self._waiters: dict[str, int] = {}
        self._closed = False

    async def _write(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        if self._inline_reads:
            return fn(*args)
        return await asyncio.to_thread(fn, *args)

    # -- change notification -------------------------------------------------------------------------

    def _event(self, job_id: str) -> asyncio.Event:
        event = self._events.get(job_id)
        if event is None:
            event = self._events[job_id] = asyncio.Event()
        return event

    def changed(self, job_id: str) -> None:
        event = self._events.pop(job_id, None)
        if event is not None:
            event.set()

    # -- life cycle ------------------------------------------------------------------------------------

    async def reconcile(self) -> int:
        """Resume watching every unfinished job (after a restart); returns how many were resumed."""
        resumed = 0
        for job in await self._write(self.jobs.unfinished):
            if job.call_id is not None:
                self.watch(job.id, job.call_id)
            elif self._age(job) > self.submit_grace:
                await self._finish(job.id, Failed(RESTART_MESSAGE))
                continue
            else:
                task = asyncio.get_running_loop().create_task(self._adopt(job.id), name=f"adopt-{job.id}")
                self._adoptions.add(task)
                task.add_done_callback(self._adoptions.discard)
            resumed += 1
        return resumed

    @staticmethod
    def _age(job: JobView) -> float:
        return (utcnow() - job.created_at).total_seconds()

    async def _adopt(self, job_id: str) -> None:
        """Wait for a young queued job to get its call id (from the process submitting it), or fail it."""
        while True:
            await asyncio.sleep(self.poll_interval)
            job = await self.read(self.jobs.get, job_id)
            if job is None or job.terminal:
                return
            if job.call_id is not None:
                if self.compute.shared_calls:
                    self.watch(job_id, job.call_id)
                return
            if self._age(job) > self.submit_grace:
                await self._finish(job_id, Failed(RESTART_MESSAGE))
                return

    async def close(self) -> None:
        self._closed = True
        tasks = [*self._watches.values(), *self._adoptions]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._watches.clear()

    # -- submit / cancel -------------------------------------------------------------------------------

    async def submit(
        self, account_id: str, request: ImageRequest, idempotency_key: str | None = None
    ) -> tuple[JobView, bool]:
        job, created = await self._write(self.jobs.create, account_id, request, idempotency_key)
        if not created:
            return job, False
        try:
            call_id = await self.compute.submit(job.generation_request())
        except ComputeError as error:
            await self._finish(job.id, Failed(str(error)))
        except Exception as error:
            log.exception("submitting job %s failed", job.id)
            await self._finish(job.id, Failed(f"the image worker refused the job: {error}"))
        else:
            if await self._write(self.jobs.mark_running, job.id, call_id):
                self.changed(job.id)
                self.watch(job.id, call_id)
            else:  # cancelled while submitting
                with contextlib.suppress(Exception):
                    await self.compute.cancel(call_id)
        latest = await self.read(self.jobs.get, job.id)
        return (latest or job), True

    async def cancel(self, account_id: str, job_id: str) -> JobView | None:
        job = await self.read(self.jobs.get, job_id, account_id)
        if job is None or job.terminal:
            return job
        if await self._finish(job_id, None) and job.call_id:
            try:
                await self.compute.cancel(job.call_id)
            except Exception:
                log.warning("cancelling call %s failed", job.call_id, exc_info=True)
        return await self.read(self.jobs.get, job_id, account_id)

    async def _finish(self, job_id: str, outcome: Any) -> bool:
        try:
            return await self._write(self.jobs.finish, job_id, outcome)
        finally:
            self.changed(job_id)

    # -- watching ---------------------------------------------------------------------------------------

    def watch(self, job_id: str, call_id: str) -> None:
        if self._closed or job_id in self._watches:
            return
        task = asyncio.get_running_loop().create_task(self._watch(job_id, call_id), name=f"watch-{job_id}")
        self._watches[job_id] = task
        task.add_done_callback(lambda _task: self._watches.pop(job_id, None))

    def watching(self, job_id: str) -> bool:
        return job_id in self._watches

    def waiting(self, job_id: str) -> int:
        """How many long-polls are parked on the job right now."""
        return self._waiters.get(job_id, 0)

    async def _watch(self, job_id: str, call_id: str) -> None:
        while True:
            try:
                result = await self.compute.poll(call_id)
            except Exception:
                log.warning("polling call %s failed; retrying", call_id, exc_info=True)
                await asyncio.sleep(POLL_ERROR_BACKOFF)
                continue
            if not isinstance(result, Pending):
                await self._finish(job_id, result)
                return
            job = await self.read(self.jobs.get, job_id)
            if job is None or job.terminal:  # cancelled here or finished by another server process
                self.changed(job_id)
                return
            if self._age(job) > self.job_timeout:
                with contextlib.suppress(Exception):
                    await self.compute.cancel(call_id)
                await self._finish(job_id, Failed(TIMEOUT_MESSAGE))
                return
            await asyncio.sleep(self.poll_interval)

    # -- long-poll ----------------------------------------------------------------------------------------

    async def wait(self, account_id: str, job_id: str, wait: float) -> JobView | None:
        """The job as soon as its state differs from now, or after ``wait`` seconds."""
        if wait <= 0:
            return await self.read(self.jobs.get, job_id, account_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        event = self._event(job_id)  # taken before reading, so a change in between is not missed
        job = await self.read(self.jobs.get, job_id, account_id)
        if job is None or job.terminal:
            return job
        if not self.watching(job_id) and self.compute.shared_calls and job.call_id:
            self.watch(job_id, job.call_id)  # submitted by another server process
        self._waiters[job_id] = self._waiters.get(job_id, 0) + 1
        try:
            return await self._wait_for_change(job, event, deadline, account_id)
        finally:
            self._waiters[job_id] -= 1
            if not self._waiters[job_id]:
                del self._waiters[job_id]

    async def _wait_for_change(
        self, job: JobView, event: asyncio.Event, deadline: float, account_id: str
    ) -> JobView | None:
        loop = asyncio.get_running_loop()
        job_id, first_state = job.id, job.state
        current: JobView | None = job
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return current
            # Jobs watched by another process change without our event; look at the database meanwhile.
            step = remaining if self.watching(job_id) else min(remaining, self.poll_interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=step)
            event = self._event(job_id)
            current = await self.read(self.jobs.get, job_id, account_id)
            if current is None or current.state != first_state:
                return current
