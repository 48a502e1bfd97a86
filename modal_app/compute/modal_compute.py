"""Image compute on Modal: spawn ``ImageGenerator.generate`` of the deployed app, wait for it by call id.

The only module that talks to the Modal SDK for jobs. The two SDK entry points (``modal.Cls.from_name``
and ``modal.FunctionCall.from_id``) can be handed in, which is how tests put the fake in
``tests/fakes/modal_fake.py`` in their place. Spawns and cancels use the blocking interface in threads.

Waiting: each call has one task that awaits ``FunctionCall.get.aio(timeout=WAIT_SECONDS)`` — in modal
1.6.4 one ``FunctionGetOutputs`` long poll that the server answers as soon as the output exists (it
refreshes every 55 s, ``OUTPUTS_TIMEOUT``). When it ends, the outcome is kept and the job monitor is told
(``set_listener``), so latency is the call's own and the monitor's batched ``poll_many`` reads memory.

Errors (modal 1.6.4 ``_process_result`` and ``_grpc_client``): not ready is the builtin ``TimeoutError``;
``OutputExpiredError`` is final; transport trouble — ``ServiceError`` (UNAVAILABLE, DEADLINE_EXCEEDED,
CANCELLED, UNKNOWN), ``InternalError``, ``ResourceExhaustedError``, modal's ``ConnectionError``, OS-level
connection errors — is retried with backoff, and so is ``InternalFailure`` (Modal's "retriable internal
error") a few times; the remote function's own failure fails the job once with a clean message: our
``GenerationFailed``, ``FunctionTimeoutError``, ``RemoteError``, or ``ExecutionError`` (an exception the
API image cannot unpickle, whose text is the remote traceback: never shown).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from modal_app.compute.base import (
    ComputeError,
    Done,
    Failed,
    GenerationFailed,
    GenerationRequest,
    ImageCompute,
    Pending,
    PollResult,
)

log = logging.getLogger(__name__)

EXPIRED_MESSAGE = "the image result expired on Modal before it was collected"
INTERNAL_MESSAGE = "Modal had an internal failure running this job; please submit it again"
TIMEOUT_MESSAGE = "the image worker ran past its time limit on the GPU"
OOM_MESSAGE = "the GPU ran out of memory making these images; try fewer images or a smaller size"
UNKNOWN_CALL_MESSAGE = "Modal no longer knows this image job"
SDK_THREADS = 16
#: Seconds one long poll waits; under modal's 55 s refresh, so each wait is one RPC.
WAIT_SECONDS = 50.0
#: Backoff after a transport error: doubles from the first to the last value, with jitter.
RETRY_DELAYS = (0.5, 30.0)
#: Looks at a call whose output says InternalFailure before the job fails.
INTERNAL_FAILURE_TRIES = 3
#: Outcomes nobody collected (the watch moved to another process) are dropped after this many seconds.
OUTCOME_TTL = 600.0
#: Seconds a collected outcome stays for other pollers of the same call.
COLLECTED_GRACE = 30.0

T = TypeVar("T")


class ModalImageCompute(ImageCompute):
    shared_calls = True

    def __init__(
        self,
        app_name: str,
        class_name: str = "ImageGenerator",
        *,
        cls_from_name: Callable[[str, str], Any] | None = None,
        call_from_id: Callable[[str], Any] | None = None,
    ) -> None:
        import modal
        from modal.exception import OutputExpiredError

        self._app_name = app_name
        self._class_name = class_name
        self._cls_from_name = cls_from_name or modal.Cls.from_name
        self._call_from_id = call_from_id or modal.FunctionCall.from_id
        self._expired_error = OutputExpiredError
        self._generators: dict[str, Any] = {}
        self._threads: ThreadPoolExecutor | None = None
        self._waiters: dict[str, asyncio.Task[None]] = {}
        self._outcomes: dict[str, tuple[float, PollResult]] = {}
        self._listener: Callable[[str], None] | None = None
        self.wait_seconds = WAIT_SECONDS
        self.retry_delays = RETRY_DELAYS

    async def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        # Own threads, so slow SDK round trips never hold up the database work on the default pool.
        if self._threads is None:
            self._threads = ThreadPoolExecutor(max_workers=SDK_THREADS, thread_name_prefix="modal-sdk")
        return await asyncio.get_running_loop().run_in_executor(self._threads, fn, *args)

    def _spawn(self, payload: dict[str, Any]) -> str:
        model_id = str(payload["model"])
        generator = self._generators.get(model_id)
        if generator is None:
            # One container pool per model: the class is parameterized by model_id.
            generator = self._cls_from_name(self._app_name, self._class_name)(model_id=model_id)
            self._generators[model_id] = generator
        call = generator.generate.spawn(payload)
        return str(call.object_id)

    def _cancel(self, call_id: str) -> None:
        self._call_from_id(call_id).cancel()

    async def submit(self, request: GenerationRequest) -> str:
        try:
            call_id = await self._in_thread(self._spawn, request.as_dict())
        except Exception as error:
            raise ComputeError(f"could not start the job on Modal: {type(error).__name__}: {error}") from error
        self._start_waiting(call_id)
        return call_id

    async def submit_recorded(self, request: GenerationRequest, record: Callable[[str], bool]) -> tuple[str, bool]:
        """Spawn and record the call id in the same SDK thread, right after Modal answered.

        Modal assigns the id only when the spawn RPC returns, so the id cannot be written before the call
        exists; this leaves no hop (thread switch, event-loop turn) between the two. If the write fails or
        the job was cancelled meanwhile, the call is cancelled before this returns.
        """
        payload = request.as_dict()

        def start() -> tuple[str, bool]:
            try:
                call_id = self._spawn(payload)
            except Exception as error:
                raise ComputeError(f"could not start the job on Modal: {type(error).__name__}: {error}") from error
            try:
                kept = record(call_id)
            except BaseException:
                self._cancel_in_thread(call_id)
                raise
            if not kept:
                self._cancel_in_thread(call_id)
            return call_id, kept

        call_id, kept = await self._in_thread(start)
        if kept:
            self._start_waiting(call_id)
        return call_id, kept

    def _cancel_in_thread(self, call_id: str) -> None:
        try:
            self._cancel(call_id)
        except Exception:
            log.warning("cancelling Modal call %s failed", call_id, exc_info=True)

    # -- waiting ------------------------------------------------------------------------------------------

    def set_listener(self, listener: Callable[[str], None] | None) -> None:
        self._listener = listener

    def _start_waiting(self, call_id: str) -> None:
        if call_id not in self._waiters and call_id not in self._outcomes:
            task = asyncio.get_running_loop().create_task(self._wait(call_id), name=f"modal-wait-{call_id}")
            self._waiters[call_id] = task

    async def _wait(self, call_id: str) -> None:
        try:
            await self._wait_for_end(call_id)
        except Exception:  # a bug here must not strand the job: the next poll looks again and re-waits
            log.exception("waiting for Modal call %s stopped", call_id)
            self._waiters.pop(call_id, None)

    async def _wait_for_end(self, call_id: str) -> None:
        """Long-poll the call until it ends; keep the outcome and tell the listener."""
        call = self._call_from_id(call_id)
        failures = internal = 0
        while True:
            try:
                result = await call.get.aio(timeout=self.wait_seconds)
            except TimeoutError:  # builtin: still running after the long poll
                failures = 0
                continue
            except Exception as error:
                outcome = self._classify(call_id, error)
                if isinstance(outcome, Pending):  # a transport error: the call itself goes on
                    failures += 1
                    if failures == 1:
                        log.warning("waiting for Modal call %s failed (%r); retrying", call_id, error)
                    await asyncio.sleep(self._backoff(failures))
                    continue
                if (
                    isinstance(outcome, Failed)
                    and outcome.message == INTERNAL_MESSAGE
                    and internal + 1 < INTERNAL_FAILURE_TRIES
                ):
                    internal += 1
                    await asyncio.sleep(self._backoff(internal))
                    continue
                self._ended(call_id, outcome)
                return
            self._ended(call_id, _done(result))
            return

    def _backoff(self, failures: int) -> float:
        first, last = self.retry_delays
        return min(last, first * 2 ** (failures - 1)) * random.uniform(0.8, 1.2)

    def _ended(self, call_id: str, outcome: PollResult) -> None:
        self._waiters.pop(call_id, None)
        self._outcomes[call_id] = (time.monotonic(), outcome)
        if self._listener is not None:
            try:
                self._listener(call_id)
            except Exception:
                log.exception("the call-ended listener failed for %s", call_id)

    def _classify(self, call_id: str, error: BaseException) -> PollResult:
        """Pending for a transport error (retry), else the Failed the job ends with."""
        from modal.exception import (
            ExecutionError,
            FunctionTimeoutError,
            InternalFailure,
            NotFoundError,
            RemoteError,
        )

        if isinstance(error, self._expired_error):
            return Failed(EXPIRED_MESSAGE)
        if _transient(error):
            return Pending()
        if isinstance(error, GenerationFailed):
            return Failed(error.message)
        if isinstance(error, InternalFailure):
            return Failed(INTERNAL_MESSAGE)
        if isinstance(error, FunctionTimeoutError):
            return Failed(TIMEOUT_MESSAGE)
        if isinstance(error, NotFoundError):
            return Failed(UNKNOWN_CALL_MESSAGE)
        if isinstance(error, ExecutionError):
            # The text is "Could not deserialize remote exception … Here is the remote traceback: …".
            log.warning("Modal call %s failed remotely:\n%s", call_id, error)
            return Failed(_from_traceback(str(error)))
        if isinstance(error, RemoteError):
            return Failed(f"image generation failed on Modal: {_first_line(str(error))}")
        log.warning("Modal call %s raised %r", call_id, error)
        return Failed(OOM_MESSAGE if type(error).__name__ == "OutOfMemoryError" else _plain(error))

    def _collect(self, call_id: str) -> PollResult | None:
        """The kept outcome; it stays for COLLECTED_GRACE seconds so concurrent pollers all see it."""
        kept = self._outcomes.get(call_id)
        if kept is None:
            return None
        ended_at, outcome = kept
        if ended_at > 0:  # first collection: start the grace period
            self._outcomes[call_id] = (-time.monotonic(), outcome)
        return outcome

    async def poll(self, call_id: str) -> PollResult:
        """The call's outcome if its waiter saw it end, else one look without waiting (``get(timeout=0)``);
        a call still running gets a waiter. A transport error reads as Pending (the call goes on)."""
        kept = self._collect(call_id)
        if kept is not None:
            return kept
        call = self._call_from_id(call_id)
        try:
            outcome = _done(await call.get.aio(timeout=0))
        except TimeoutError:
            outcome = Pending()
        except Exception as error:
            outcome = self._classify(call_id, error)
            if isinstance(outcome, Failed) and outcome.message == INTERNAL_MESSAGE:
                outcome = Pending()  # the waiter looks again before giving up
        if isinstance(outcome, Pending):
            self._start_waiting(call_id)
            return outcome
        waiter = self._waiters.pop(call_id, None)
        if waiter is not None:
            waiter.cancel()
        self._outcomes[call_id] = (-time.monotonic(), outcome)
        return outcome

    async def poll_many(self, call_ids: list[str]) -> dict[str, PollResult | BaseException]:
        """From memory for calls with a waiter (the waiters do the looking); one look each for the rest
        (calls of another server process, or after a restart), which then get a waiter."""
        now = time.monotonic()
        for call_id, (at, _) in list(self._outcomes.items()):
            if (at < 0 and now + at > COLLECTED_GRACE) or (at > 0 and now - at > OUTCOME_TTL):
                del self._outcomes[call_id]
        results: dict[str, PollResult | BaseException] = {}
        unknown = []
        for call_id in call_ids:
            kept = self._collect(call_id)
            if kept is not None:
                results[call_id] = kept
            elif call_id in self._waiters:
                results[call_id] = Pending()
            else:
                unknown.append(call_id)
        if unknown:
            results.update(await super().poll_many(unknown))
        return results

    async def cancel(self, call_id: str) -> None:
        task = self._waiters.pop(call_id, None)
        if task is not None:
            task.cancel()
        self._outcomes.pop(call_id, None)
        await self._in_thread(self._cancel, call_id)

    async def close(self) -> None:
        waiters, self._waiters = list(self._waiters.values()), {}
        for task in waiters:
            task.cancel()
        if waiters:
            await asyncio.gather(*waiters, return_exceptions=True)
        self._outcomes.clear()
        if self._threads is not None:
            threads, self._threads = self._threads, None
            threads.shutdown(wait=False, cancel_futures=True)


def _transient(error: BaseException) -> bool:
    """Whether ``error`` is trouble reaching Modal (the call goes on) rather than the call's own end."""
    import modal.exception as modal_errors
    from grpclib.exceptions import StreamTerminatedError

    transient = (
        modal_errors.ServiceError,
        modal_errors.InternalError,
        modal_errors.ResourceExhaustedError,
        modal_errors.ConnectionError,
        ConnectionError,  # builtin: reset, refused, aborted
        StreamTerminatedError,
    )
    return isinstance(error, transient) and not isinstance(error, GenerationFailed)


def _first_line(text: str, limit: int = 200) -> str:
    return (text.strip().splitlines() or [""])[0][:limit]


def _plain(error: BaseException) -> str:
    line = _first_line(str(error))
    return f"image generation failed: {type(error).__name__}" + (f": {line}" if line else "")


def _from_traceback(text: str) -> str:
    """A clean message from an ExecutionError's remote traceback text: its last exception line names it."""
    tail = text.split("Here is the remote traceback:", 1)[-1]
    name = ""
    for line in reversed(tail.splitlines()):
        match = _EXCEPTION_LINE.match(line)
        if match:
            name = match.group(1).rsplit(".", 1)[-1]
            break
    if name == "OutOfMemoryError" or "out of memory" in tail.lower():
        return OOM_MESSAGE
    return f"image generation failed on the GPU ({name})" if name else "image generation failed on the GPU"


_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Failure|Interrupt))(?::|$)")


def _done(result: Any) -> PollResult:
    if not isinstance(result, dict) or not isinstance(result.get("images"), list):
        return Failed("the image worker returned an unexpected result")
    images = [bytes(image) for image in result["images"]]
    return Done(images=images, metadata=dict(result.get("metadata") or {}))
