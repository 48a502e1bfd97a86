"""Image compute on this machine: the generator runs in a worker process (spawned, one at a time).

Call ids live in this process only: after a restart the worker and its calls are gone, and polling an
unknown id fails the job (its reservation is released).
"""

from __future__ import annotations

import multiprocessing
import uuid
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from modal_app.compute.base import Done, Failed, GenerationRequest, ImageCompute, Pending, PollResult

NO_LOCAL_MODEL = (
    "no local image model configured — set AMETHYST_LOCAL_IMAGE_MODEL to a diffusers folder, or use the cloud"
)
WORKER_GONE = "the local image worker stopped before this job finished; please submit it again"

# One generator per worker process, so the pipeline is loaded once and reused by later jobs.
_worker_generators: dict[str, Any] = {}


def run_generation(model_folder: str, request: dict[str, Any]) -> dict[str, Any]:
    """Runs inside the worker process."""
    from modal_app.generator import ImageGenerator

    generator = _worker_generators.get(model_folder)
    if generator is None:
        generator = _worker_generators[model_folder] = ImageGenerator(local_folder=model_folder)
    return generator.generate(request)


class LocalImageCompute(ImageCompute):
    shared_calls = False

    def __init__(self, model_folder: str | None) -> None:
        self.model_folder = model_folder
        self._executor: ProcessPoolExecutor | None = None
        self._calls: dict[str, Future[dict[str, Any]] | Failed] = {}

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return self._executor

    def folder_for(self, model_id: str) -> str | None:
        """The diffusers folder that serves ``model_id`` (one folder for every model here)."""
        return self.model_folder

    def missing_message(self, model_id: str) -> str:
        """Why ``model_id`` has no folder, and what to do."""
        return NO_LOCAL_MODEL

    async def submit(self, request: GenerationRequest) -> str:
        call_id = f"local-{uuid.uuid4().hex}"
        folder = self.folder_for(request.model)
        if not folder:
            self._calls[call_id] = Failed(self.missing_message(request.model))
        else:
            try:
                future = self._pool().submit(run_generation, folder, request.as_dict())
            except BrokenProcessPool:
                # The worker died (out of memory, killed): start a fresh one for this and later jobs.
                self._executor = None
                future = self._pool().submit(run_generation, folder, request.as_dict())
            self._calls[call_id] = future
        return call_id

    async def poll(self, call_id: str) -> PollResult:
        call = self._calls.get(call_id)
        if call is None:
            return Failed(WORKER_GONE)
        if isinstance(call, Failed):
            self._calls.pop(call_id, None)
            return call
        if not call.done():
            return Pending()
        self._calls.pop(call_id, None)
        try:
            result = call.result()
        except CancelledError:
            return Failed("cancelled")
        except Exception as error:
            return Failed(f"local image generation failed: {type(error).__name__}: {error}")
        return Done(images=list(result["images"]), metadata=dict(result.get("metadata") or {}))

    async def poll_many(self, call_ids: list[str]) -> dict[str, PollResult | BaseException]:
        # Each poll is a dictionary lookup: no need to spread them over tasks.
        return {call_id: await self.poll(call_id) for call_id in call_ids}

    async def cancel(self, call_id: str) -> None:
        call = self._calls.pop(call_id, None)
        if isinstance(call, Future):
            call.cancel()  # a generation already running finishes in the worker and is dropped

    def readiness(self) -> tuple[bool, str]:
        if not self.model_folder:
            return False, NO_LOCAL_MODEL
        return True, ""

    async def close(self) -> None:
        if self._executor is not None:
            executor, self._executor = self._executor, None
            executor.shutdown(wait=False, cancel_futures=True)
