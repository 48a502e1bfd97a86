"""Image compute on Modal: spawn ``ImageGenerator.generate`` of the deployed app, poll by call id.

The only module that talks to the Modal SDK for jobs. The two SDK entry points (``modal.Cls.from_name``
and ``modal.FunctionCall.from_id``) can be handed in, which is how tests put the fake in
``tests/fakes/modal_fake.py`` in their place. The SDK's blocking interface runs in threads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from modal_app.compute.base import (
    ComputeError,
    Done,
    Failed,
    GenerationRequest,
    ImageCompute,
    Pending,
    PollResult,
)

log = logging.getLogger(__name__)

EXPIRED_MESSAGE = "the image result expired on Modal before it was collected"
SDK_THREADS = 16

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

    def _poll(self, call_id: str) -> PollResult:
        call = self._call_from_id(call_id)
        try:
            result = call.get(timeout=0)
        except self._expired_error:
            return Failed(EXPIRED_MESSAGE)
        except TimeoutError:  # builtin: not finished yet
            return Pending()
        except Exception as error:  # the remote function raised
            return Failed(f"image generation failed: {type(error).__name__}: {error}")
        return _done(result)

    def _cancel(self, call_id: str) -> None:
        self._call_from_id(call_id).cancel()

    async def submit(self, request: GenerationRequest) -> str:
        try:
            return await self._in_thread(self._spawn, request.as_dict())
        except Exception as error:
            raise ComputeError(f"could not start the job on Modal: {type(error).__name__}: {error}") from error

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

        return await self._in_thread(start)

    def _cancel_in_thread(self, call_id: str) -> None:
        try:
            self._cancel(call_id)
        except Exception:
            log.warning("cancelling Modal call %s failed", call_id, exc_info=True)

    async def poll(self, call_id: str) -> PollResult:
        return await self._in_thread(self._poll, call_id)

    async def poll_many(self, call_ids: list[str]) -> dict[str, PollResult | BaseException]:
        """Polls in at most SDK_THREADS chunks, each looked at one by one in one SDK thread: a thousand
        calls cost a few thread hops, not a thousand (the loop stays free for requests)."""
        size = max(1, -(-len(call_ids) // SDK_THREADS))
        chunks = [call_ids[start : start + size] for start in range(0, len(call_ids), size)]
        results: dict[str, PollResult | BaseException] = {}
        for part in await asyncio.gather(*(self._in_thread(self._poll_chunk, chunk) for chunk in chunks)):
            results.update(part)
        return results

    def _poll_chunk(self, call_ids: list[str]) -> dict[str, PollResult | BaseException]:
        results: dict[str, PollResult | BaseException] = {}
        for call_id in call_ids:
            try:
                results[call_id] = self._poll(call_id)
            except Exception as error:
                results[call_id] = error
        return results

    async def cancel(self, call_id: str) -> None:
        await self._in_thread(self._cancel, call_id)

    async def close(self) -> None:
        if self._threads is not None:
            threads, self._threads = self._threads, None
            threads.shutdown(wait=False, cancel_futures=True)


def _done(result: Any) -> PollResult:
    if not isinstance(result, dict) or not isinstance(result.get("images"), list):
        return Failed("the image worker returned an unexpected result")
    images = [bytes(image) for image in result["images"]]
    return Done(images=images, metadata=dict(result.get("metadata") or {}))
