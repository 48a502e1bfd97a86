"""Jobs in motion: submits to the compute, watches every unfinished call, wakes long-polls on changes.

One loop per server process polls every watched call in batches (``ImageCompute.poll_many``). A young job
is looked at every ``poll_interval`` seconds; an older one less often (about a tenth of its age, at most
``max_poll_interval``), so a thousand long jobs cost little. When a call ends the job is finished in the
database (exactly once, see JobStore.finish) and its asyncio event is set, so a waiting
``GET /v1/images/{id}?wait=…`` answers at once. On Postgres every job change is also announced to the
other server processes (modal_app.store.notify), whose listener calls ``changed`` too, so a long-poll in one
worker wakes when another worker finishes the job; without a listener (SQLite) a waiting long-poll looks at
the database every ``poll_interval``.

A finishing write that fails (read-only file, full disk) is kept with its outcome and retried; nothing is
lost and no task dies. ``sweep`` (every ``sweep_interval``, and at start-up) settles what no loop owns:
jobs whose submit never reached the compute, calls of other server processes, watches of jobs another
process finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from modal_app.compute.base import NO_INPUTS, ComputeError, Failed, ImageCompute, JobInputs, Pending, PollResult
from modal_app.jobs import ImageRequest, JobRow, JobStore
from modal_app.store.faults import storage_fault
from modal_app.store.models import utcnow

log = logging.getLogger(__name__)

T = TypeVar("T")

RESTART_MESSAGE = "the server stopped before the job reached the image worker; please submit it again"
TIMEOUT_MESSAGE = "the image worker took too long; the job was stopped and its credits released"
POLL_ERROR_BACKOFF = 2.0


@dataclass
class _Watch:
    job_id: str
    call_id: str
    created_at: datetime
    due: float  # loop time of the next look
    since: float  # loop time the watch began (a sweep only drops watches older than its read)
    outcome: PollResult | None = None  # the call ended; the finishing write is still to succeed
    failures: int = 0  # finishing writes that failed in a row
    cancel_sent: bool = False


class JobMonitor:
    def __init__(
        self,
        jobs: JobStore,
        compute: ImageCompute,
        poll_interval: float = 0.2,
        inline_reads: bool = True,
        read_threads: int = 5,
        job_timeout: float = 3600.0,
        submit_grace: float = 60.0,
        max_poll_interval: float = 5.0,
    ) -> None:
        self.jobs = jobs
        self.compute = compute
        self.poll_interval = poll_interval
        self.max_poll_interval = max(max_poll_interval, poll_interval)
        # A call still running after this many seconds is cancelled, so credits are never held forever.
        self.job_timeout = job_timeout
        # A queued job younger than this may still be on its way to the compute in another server process.
        self.submit_grace = submit_grace
        # SQLite reads take microseconds and never wait on writers (WAL): run them on the loop. Other
        # reads run on threads of their own, no more than the connection pool keeps open (``read_threads``):
        # more (asyncio's default pool has up to 32) would each open and close an overflow connection,
        # or wait for one, on every read.
        self._inline_reads = inline_reads
        self._readers = None if inline_reads else ThreadPoolExecutor(max(1, read_threads), "db-read")
        # Weak values: an event lives only while some long-poll holds it, so nothing piles up.
        self._events: weakref.WeakValueDictionary[str, asyncio.Event] = weakref.WeakValueDictionary()
        self._watches: dict[str, _Watch] = {}
        self._waiters: dict[str, int] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._closed = False
        # Whether changes made by other processes are announced to ``changed`` (a connected listener).
        self.announced: Callable[[], bool] = lambda: False
        compute.set_listener(self.call_ended)  # back-ends that wait for calls say when one ends

    async def _write(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)``, a blocking store read: inline on SQLite, else on one of the read threads."""
        if self._readers is None:
            return fn(*args)
        if self._closed:  # the read threads are gone; a request still being answered uses asyncio's
            return await asyncio.to_thread(fn, *args)
        return await asyncio.get_running_loop().run_in_executor(self._readers, partial(fn, *args))

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

    def wake_all(self) -> None:
        """Every waiting long-poll re-reads its job (announcements may have been missed, e.g. while the
        listener was reconnecting)."""
        for job_id in list(self._events):
            self.changed(job_id)

    # -- life cycle ------------------------------------------------------------------------------------

    async def reconcile(self) -> int:
        """At start-up: watch every unfinished job with a call, fail stale ones without; returns how many
        unfinished jobs were found."""
        return await self.sweep(startup=True)

    async def sweep(self, startup: bool = False) -> int:
        """Settle what no watch owns; returns how many unfinished jobs the database holds.

        Jobs with a call are watched (at start-up always; later only when any process can poll the call).
        Queued jobs without a call older than ``submit_grace`` are failed and released. Watches of jobs
        that are no longer unfinished (finished by another process) are dropped.
        """
        started = asyncio.get_running_loop().time()
        active = await self._write(self.jobs.active_calls)
        active_ids = {call.job_id for call in active}
        for call in active:
            if call.call_id is not None:
                if startup or self.compute.shared_calls:
                    self.watch(call.job_id, call.call_id, call.created_at)
            elif self._age(call.created_at) > self.submit_grace:
                await self._settle_now(call.job_id, Failed(RESTART_MESSAGE))
        for job_id, watch in list(self._watches.items()):
            if job_id not in active_ids and watch.since < started:
                self._watches.pop(job_id, None)
                self.changed(job_id)
        return len(active)

    async def _settle_now(self, job_id: str, outcome: Failed) -> None:
        try:
            await self._finish(job_id, outcome)
        except Exception as error:
            if storage_fault(error) is None:
                raise
            self.jobs.faults.report(storage_fault(error) or "", error)  # the next sweep tries again

    @staticmethod
    def _age(created_at: datetime) -> float:
        return (utcnow() - created_at).total_seconds()

    async def close(self) -> None:
        self._closed = True
        task, self._loop_task = self._loop_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._watches.clear()
        if self._readers is not None:
            self._readers.shutdown(wait=False)

    # -- submit / cancel -------------------------------------------------------------------------------

    async def submit(
        self,
        account_id: str,
        request: ImageRequest,
        idempotency_key: str | None = None,
        inputs: JobInputs = NO_INPUTS,
    ) -> tuple[JobRow, bool]:
        """Store the job (reserving its cost) and start its call; the call id is recorded by the thread
        that started it, right after the compute answered (see ImageCompute.submit_recorded). ``inputs``
        (a per-job key, reference images) go to the compute only, never to the database."""
        job, created = await self._write(self.jobs.create, account_id, request, idempotency_key)
        if not created:
            return job, False
        try:
            call_id, kept = await self.compute.submit_recorded(
                replace(job.generation_request(), inputs=inputs), partial(self.jobs.mark_running, job.id)
            )
        except ComputeError as error:
            await self._finish(job.id, Failed(str(error)))
        except Exception as error:
            if storage_fault(error) is not None:
                raise  # the call was cancelled; the sweep fails the job once the database takes writes
            log.exception("submitting job %s failed", job.id)
            await self._finish(job.id, Failed(f"the image worker refused the job: {error}"))
        else:
            if kept:  # else cancelled while submitting (and the call was cancelled too)
                self.changed(job.id)
                self.watch(job.id, call_id, job.created_at)
        latest = await self.read(self.jobs.get, job.id)
        return (latest or job), True

    async def cancel(self, account_id: str, job_id: str) -> JobRow | None:
        job = await self.read(self.jobs.get, job_id, account_id)
        if job is None or job.terminal:
            return job
        if await self._finish(job_id, None):
            self._watches.pop(job_id, None)
            if job.call_id:
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

    def watch(self, job_id: str, call_id: str, created_at: datetime | None = None) -> None:
        """Poll ``call_id`` until it ends and then finish the job (no-op if already watched or closed)."""
        if self._closed or job_id in self._watches:
            return
        now = asyncio.get_running_loop().time()
        self._watches[job_id] = _Watch(job_id, call_id, created_at or utcnow(), due=now, since=now)
        if self._loop_task is None or self._loop_task.done():
            self._wake = asyncio.Event()
            self._loop_task = asyncio.get_running_loop().create_task(self._poll_loop(), name="job-monitor")
        elif self._wake is not None:
            self._wake.set()

    def call_ended(self, call_id: str) -> None:
        """The compute learnt that ``call_id`` ended: look at its watch now, not at its next due time."""
        for watch in self._watches.values():
            if watch.call_id == call_id and watch.outcome is None:
                watch.due = 0.0
                if self._wake is not None:
                    self._wake.set()

    def watching(self, job_id: str) -> bool:
        return job_id in self._watches

    @property
    def watched(self) -> int:
        """How many calls this process polls now."""
        return len(self._watches)

    def waiting(self, job_id: str) -> int:
        """How many long-polls are parked on the job right now."""
        return self._waiters.get(job_id, 0)

    def _interval(self, created_at: datetime) -> float:
        return min(self.max_poll_interval, max(self.poll_interval, self._age(created_at) / 10))

    def _next_look(self, created_at: datetime) -> float:
        # A tenth of jitter: jobs submitted in one burst drift apart instead of being polled in one lump.
        return self._interval(created_at) * random.uniform(0.9, 1.1)

    async def _poll_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._closed:
            now = loop.time()
            due = [watch for watch in self._watches.values() if watch.due <= now]
            if due:
                try:
                    await self._look(due)
                except Exception:  # never let the one loop die; the watches stay and are tried again
                    log.exception("the job monitor's poll failed; trying again")
                    for watch in due:
                        watch.due = loop.time() + POLL_ERROR_BACKOFF
            assert self._wake is not None
            self._wake.clear()
            next_due = min((watch.due for watch in self._watches.values()), default=None)
            # Look at most every poll_interval: due times between two looks share one batch.
            delay = None if next_due is None else max(self.poll_interval, next_due - loop.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _look(self, due: list[_Watch]) -> None:
        loop = asyncio.get_running_loop()
        to_poll = [watch for watch in due if watch.outcome is None]
        results = await self.compute.poll_many([watch.call_id for watch in to_poll]) if to_poll else {}
        errors = 0
        for watch in to_poll:
            result = results.get(watch.call_id)
            if isinstance(result, BaseException) or result is None:
                errors += 1
                watch.due = loop.time() + POLL_ERROR_BACKOFF
            elif isinstance(result, Pending):
                if self._age(watch.created_at) > self.job_timeout:
                    watch.outcome = Failed(TIMEOUT_MESSAGE)
                    if not watch.cancel_sent:
                        watch.cancel_sent = True
                        with contextlib.suppress(Exception):
                            await self.compute.cancel(watch.call_id)
                else:
                    watch.due = loop.time() + self._next_look(watch.created_at)
            else:
                watch.outcome = result
        if errors:
            log.warning("polling %d of %d image calls failed; trying them again", errors, len(to_poll))
        ended = [watch for watch in due if watch.outcome is not None]
        if ended:
            await asyncio.gather(*(self._settle(watch) for watch in ended))

    async def _settle(self, watch: _Watch) -> None:
        """Finish the job with the call's outcome; on a failed write keep the outcome and try later."""
        try:
            await self._finish(watch.job_id, watch.outcome)
        except Exception as error:
            watch.failures += 1
            kind = storage_fault(error)
            if kind is not None:
                self.jobs.faults.report(kind, error)
            else:
                log.warning("finishing job %s failed; trying again", watch.job_id, exc_info=True)
            backoff = self.poll_interval * 2 ** min(watch.failures, 10)
            watch.due = asyncio.get_running_loop().time() + min(self.max_poll_interval, backoff)
            return
        if self._watches.get(watch.job_id) is watch:
            del self._watches[watch.job_id]

    # -- long-poll ----------------------------------------------------------------------------------------

    async def wait(self, account_id: str, job_id: str, wait: float) -> JobRow | None:
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
            self.watch(job_id, job.call_id, job.created_at)  # submitted by another server process
        self._waiters[job_id] = self._waiters.get(job_id, 0) + 1
        try:
            return await self._wait_for_change(job, event, deadline, account_id)
        finally:
            self._waiters[job_id] -= 1
            if not self._waiters[job_id]:
                del self._waiters[job_id]

    async def _wait_for_change(
        self, job: JobRow, event: asyncio.Event, deadline: float, account_id: str
    ) -> JobRow | None:
        loop = asyncio.get_running_loop()
        job_id, first_state = job.id, job.state
        current: JobRow | None = job
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return current
            # Jobs watched by another process change without our event unless changes are announced;
            # look at the database meanwhile (rarely when announced: only a safety net).
            if self.watching(job_id):
                step = remaining
            elif self.announced():
                step = min(remaining, self.max_poll_interval)
            else:
                step = min(remaining, self.poll_interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=step)
            event = self._event(job_id)
            current = await self.read(self.jobs.get, job_id, account_id)
            if current is None or current.state != first_state:
                return current
