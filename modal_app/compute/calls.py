"""Engines whose work is an awaitable in this process (a provider API call, a local server's request).

``submit`` starts the engine's ``generate`` as an asyncio task and returns its call id; ``poll`` looks at the
task; ``cancel`` cancels it and lets the engine stop the remote side (``interrupt``). Like the local worker,
calls live in this process only: after a restart polling an unknown id fails the job (credits released).
The person's key travels inside the request's ``JobInputs`` into the task and nowhere else.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import uuid

from modal_app.compute.base import Done, Failed, GenerationRequest, ImageCompute, Pending, PollResult

log = logging.getLogger(__name__)

CALL_GONE = "this job's engine call was lost (the Studio API restarted); please submit it again"


class EngineFailure(Exception):
    """A generation failed for a reason the person can act on; the message is shown as the job's error."""


class TaskCompute(ImageCompute):
    """Base of in-process engines: subclasses implement ``generate`` (and may ``interrupt``)."""

    shared_calls = False
    #: A short engine name, used in call ids and messages.
    engine = "engine"

    def __init__(self) -> None:
        self._calls: dict[str, asyncio.Task[Done]] = {}

    @abc.abstractmethod
    async def generate(self, request: GenerationRequest) -> Done:
        """Make the images; raise EngineFailure with a message for the person."""

    async def interrupt(self, call_id: str) -> None:
        """Ask the remote side to stop work for this call (a cancelled task stops the local side)."""

    async def submit(self, request: GenerationRequest) -> str:
        call_id = f"{self.engine}-{uuid.uuid4().hex}"
        self._calls[call_id] = asyncio.get_running_loop().create_task(self._run(request), name=f"engine-{call_id}")
        return call_id

    async def _run(self, request: GenerationRequest) -> Done:
        return await self.generate(request)

    async def poll(self, call_id: str) -> PollResult:
        task = self._calls.get(call_id)
        if task is None:
            return Failed(CALL_GONE)
        if not task.done():
            return Pending()
        self._calls.pop(call_id, None)
        if task.cancelled():
            return Failed("cancelled")
        error = task.exception()
        if error is None:
            return task.result()
        if isinstance(error, EngineFailure):
            return Failed(str(error))
        log.warning("%s generation failed: %s", self.engine, type(error).__name__)
        return Failed(f"{self.engine} image generation failed: {type(error).__name__}")

    async def poll_many(self, call_ids: list[str]) -> dict[str, PollResult | BaseException]:
        return {call_id: await self.poll(call_id) for call_id in call_ids}

    async def cancel(self, call_id: str) -> None:
        task = self._calls.pop(call_id, None)
        if task is not None and not task.done():
            task.cancel()
            try:
                await self.interrupt(call_id)
            except Exception:
                log.warning("%s: interrupting %s failed", self.engine, call_id, exc_info=True)

    async def close(self) -> None:
        calls, self._calls = self._calls, {}
        for task in calls.values():
            task.cancel()
