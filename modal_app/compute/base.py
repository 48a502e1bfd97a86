"""The image compute interface: submit a generation, poll it by call id, cancel it."""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

#: Polls one ``poll_many`` runs at once by default.
POLL_CONCURRENCY = 32


@dataclass(frozen=True)
class JobInputs:
    """What one job hands its engine beyond the stored request, kept in memory for that call only: the
    person's own provider key (Local connection) and reference images (raw bytes). Never stored, never
    pickled into ``as_dict``, never shown by ``repr``."""

    api_key: str | None = field(default=None, repr=False)
    reference_images: tuple[bytes, ...] = field(default=(), repr=False)
    # The checkpoint a local server (ComfyUI, AUTOMATIC1111) should use; "" = its first / current one.
    checkpoint: str = ""

    def __repr__(self) -> str:
        key = "set" if self.api_key else "none"
        return (
            f"JobInputs(api_key={key}, reference_images={len(self.reference_images)}, checkpoint={self.checkpoint!r})"
        )


NO_INPUTS = JobInputs()


@dataclass(frozen=True)
class GenerationRequest:
    """What the generator needs; plain data so it pickles to a worker process or a Modal container."""

    model: str
    prompt: str
    width: int
    height: int
    count: int
    seed: int
    steps: int
    negative_prompt: str = ""
    inputs: JobInputs = field(default=NO_INPUTS, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "width": self.width,
            "height": self.height,
            "count": self.count,
            "seed": self.seed,
            "steps": self.steps,
        }


@dataclass(frozen=True)
class Pending:
    pass


@dataclass(frozen=True)
class Done:
    images: list[bytes]
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Failed:
    message: str


PollResult = Pending | Done | Failed


class ComputeError(Exception):
    """Submitting failed; the message is safe to show to the person."""


class GenerationFailed(Exception):
    """The generator's own failure, raised on the GPU side with a message safe to show to the person.

    Defined here (a module with no heavy imports, present in both the GPU and the API images) so that Modal
    can unpickle it in the API container: a torch exception cannot be, and would arrive as an
    ``ExecutionError`` carrying the remote traceback as text.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[type[GenerationFailed], tuple[str]]:
        return (type(self), (self.message,))


class ImageCompute(abc.ABC):
    #: Whether call ids can be polled from any server process (a cloud), or only the one that submitted.
    shared_calls: bool = False

    @abc.abstractmethod
    async def submit(self, request: GenerationRequest) -> str:
        """Start the generation and return its call id (raises ComputeError)."""

    @abc.abstractmethod
    async def poll(self, call_id: str) -> PollResult:
        """Look once, without waiting, at the call's state."""

    @abc.abstractmethod
    async def cancel(self, call_id: str) -> None:
        """Ask the compute to stop the call; a finished or unknown call is ignored."""

    async def submit_recorded(self, request: GenerationRequest, record: Callable[[str], bool]) -> tuple[str, bool]:
        """Start the generation and hand its call id to ``record`` (a blocking database write) at once.

        Returns (call id, what ``record`` returned). When ``record`` returns False (the job was cancelled
        meanwhile) or raises, the call is cancelled, so no call runs that no job knows of; an exception
        from ``record`` is re-raised. Raises ComputeError when the start itself fails. Back-ends that can,
        run ``record`` in the thread that started the call, right after the compute answered.
        """
        call_id = await self.submit(request)
        try:
            kept = await asyncio.to_thread(record, call_id)
        except BaseException:
            await self._cancel_quietly(call_id)
            raise
        if not kept:
            await self._cancel_quietly(call_id)
        return call_id, kept

    async def _cancel_quietly(self, call_id: str) -> None:
        try:
            await self.cancel(call_id)
        except Exception:
            log.warning("cancelling call %s failed", call_id, exc_info=True)

    async def poll_many(self, call_ids: list[str]) -> dict[str, PollResult | BaseException]:
        """Look once at each call; a call whose poll raised maps to the exception. Back-ends with a batch
        interface override this; the default runs up to POLL_CONCURRENCY polls at once."""
        limit = asyncio.Semaphore(POLL_CONCURRENCY)

        async def one(call_id: str) -> PollResult | BaseException:
            async with limit:
                try:
                    return await self.poll(call_id)
                except Exception as error:
                    return error

        results = await asyncio.gather(*(one(call_id) for call_id in call_ids))
        return dict(zip(call_ids, results, strict=True))

    def set_listener(self, listener: Callable[[str], None] | None) -> None:
        """Register ``listener(call_id)``, called on the event loop as soon as the back-end learns a call
        ended, so the job monitor looks at it at once instead of at its next poll. Back-ends that only learn
        it by polling never call it."""
        self._listener = listener

    def _notify_ended(self, call_id: str) -> None:
        listener = getattr(self, "_listener", None)
        if listener is not None:
            try:
                listener(call_id)
            except Exception:
                log.exception("the call-ended listener failed for %s", call_id)

    def readiness(self) -> tuple[bool, str]:
        """Whether submitted jobs can succeed at all, and if not a message saying why and what to do."""
        return True, ""

    async def close(self) -> None:  # noqa: B027 (optional hook, nothing to do by default)
        """Release workers or connections."""
