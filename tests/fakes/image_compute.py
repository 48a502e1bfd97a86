"""A fake of the Studio API's ``ImageCompute``: no GPU, real small PNGs, controllable timing.

Jobs finish on their own after ``delay`` seconds, or wait for ``finish(call_id)`` / ``fail(call_id)``
when ``hold`` is set. ``finished_at`` records the moment each job finished (``time.perf_counter``), for
the job-latency benchmark. Thread-safe: the server polls from its own thread.
"""

from __future__ import annotations

import io
import itertools
import threading
import time
from dataclasses import dataclass

from PIL import Image, ImageOps, PngImagePlugin

from modal_app.compute.base import Done, Failed, GenerationRequest, ImageCompute, Pending, PollResult
from modal_app.image_models import image_seed


@dataclass
class _Call:
    request: GenerationRequest
    ready_at: float | None  # perf_counter time when it counts as done; None = held
    failure: str | None = None
    cancelled: bool = False


def fake_png(request: GenerationRequest, index: int) -> bytes:
    """A small real PNG whose colour depends on the image's own seed (like the generator: batch seed +
    index), with the usual text chunks."""
    seed = image_seed(request.seed, index)
    width, height = max(8, request.width // 16), max(8, request.height // 16)
    value = (seed * 2654435761) & 0xFFFFFF
    colour = ((value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF)
    dark = tuple(channel // 4 for channel in colour)
    image = ImageOps.colorize(Image.linear_gradient("L").resize((width, height)), black=dark, white=colour)
    info = PngImagePlugin.PngInfo()
    info.add_itxt("prompt", request.prompt)
    info.add_itxt("model", request.model)
    info.add_itxt("seed", str(seed))
    if request.negative_prompt:
        info.add_itxt("negative_prompt", request.negative_prompt)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


class FakeImageCompute(ImageCompute):
    shared_calls = True  # like Modal: calls outlive a server restart

    def __init__(self, delay: float = 0.05, hold: bool = False, fail_with: str | None = None) -> None:
        self.delay = delay
        self.hold = hold
        self.fail_with = fail_with
        self.calls: dict[str, _Call] = {}
        self.finished_at: dict[str, float] = {}
        self.cancelled: list[str] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    async def submit(self, request: GenerationRequest) -> str:
        with self._lock:
            call_id = f"fc-fake-{next(self._ids)}"
            ready_at = None if self.hold else time.perf_counter() + self.delay
            self.calls[call_id] = _Call(request, ready_at, failure=self.fail_with)
        return call_id

    async def poll(self, call_id: str) -> PollResult:
        with self._lock:
            call = self.calls.get(call_id)
            if call is None:
                return Failed("unknown call")
            if call.cancelled:
                return Failed("cancelled")
            if call.ready_at is None or time.perf_counter() < call.ready_at:
                return Pending()
            self.finished_at.setdefault(call_id, call.ready_at)
            if call.failure:
                return Failed(call.failure)
            request = call.request
        images = [fake_png(request, index) for index in range(request.count)]
        seeds = [image_seed(request.seed, index) for index in range(request.count)]
        return Done(images, {"model": request.model, "seed": request.seed, "seeds": seeds})

    async def cancel(self, call_id: str) -> None:
        with self._lock:
            self.cancelled.append(call_id)
            if call_id in self.calls:
                self.calls[call_id].cancelled = True

    # --- test controls -----------------------------------------------------------------------------
    def finish(self, call_id: str | None = None, failure: str | None = None) -> str:
        """Let a held call (the oldest unfinished one by default) finish now, or fail with ``failure``."""
        with self._lock:
            if call_id is None:
                call_id = next(key for key, call in self.calls.items() if call.ready_at is None)
            call = self.calls[call_id]
            call.failure = failure
            call.ready_at = time.perf_counter()
        return call_id

    def fail(self, call_id: str | None = None, message: str = "the GPU ran out of memory") -> str:
        return self.finish(call_id, failure=message)

    def held(self) -> list[str]:
        with self._lock:
            return [key for key, call in self.calls.items() if call.ready_at is None and not call.cancelled]
