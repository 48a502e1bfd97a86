"""Image compute on Modal: spawn ``ImageGenerator.generate`` of the deployed app, poll by call id.

The only module that talks to the Modal SDK for jobs. The two SDK entry points (``modal.Cls.from_name``
and ``modal.FunctionCall.from_id``) can be handed in, which is how tests put the fake in
``tests/fakes/modal_fake.py`` in their place. The SDK's blocking interface runs in threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from modal_app.compute.base import (
    ComputeError,
    Done,
    Failed,
    GenerationRequest,
    ImageCompute,
    Pending,
    PollResult,
)

EXPIRED_MESSAGE = "the image result expired on Modal before it was collected"


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
        self._generator: Any = None

    def _spawn(self, payload: dict[str, Any]) -> str:
        if self._generator is None:
            self._generator = self._cls_from_name(self._app_name, self._class_name)()
        call = self._generator.generate.spawn(payload)
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
            return await asyncio.to_thread(self._spawn, request.as_dict())
        except Exception as error:
            raise ComputeError(
                f"could not start the job on Modal: {type(error).__name__}: {error}"
            ) from error

    async def poll(self, call_id: str) -> PollResult:
        return await asyncio.to_thread(self._poll, call_id)

    async def cancel(self, call_id: str) -> None:
        await asyncio.to_thread(self._cancel, call_id)


def _done(result: Any) -> PollResult:
    if not isinstance(result, dict) or not isinstance(result.get("images"), list):
        return Failed("the image worker returned an unexpected result")
    images = [bytes(image) for image in result["images"]]
    return Done(images=images, metadata=dict(result.get("metadata") or {}))
