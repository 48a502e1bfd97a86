"""A fake of the Modal SDK surface ModalImageCompute uses, with the behaviour Modal documents.

``FakeModalCloud`` plays the deployed app: ``cloud.cls_from_name`` stands in for ``modal.Cls.from_name``
and ``cloud.call_from_id`` for ``modal.FunctionCall.from_id``. It outlives server instances, so tests can
stop a server with calls in flight and start another one. Thread-safe (the SDK is called from threads).

- ``FunctionCall.get(timeout=0)`` raises the builtin ``TimeoutError`` while the call runs,
  ``modal.exception.OutputExpiredError`` once its output expired, re-raises the remote exception of a failed
  call, and returns the function's value when done.
- ``FunctionCall.cancel()`` stops a running call; ``get`` then raises ``modal.exception.RemoteError``.
"""

from __future__ import annotations

import io
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from modal.exception import NotFoundError, OutputExpiredError, RemoteError
from PIL import Image


def tiny_png(color: tuple[int, int, int] = (147, 51, 234), size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class _CallState:
    call_id: str
    payload: dict[str, Any]
    state: str = "running"  # running | done | failed | expired | cancelled
    result: Any = None
    error: BaseException | None = None
    gets: int = 0
    cancels: int = 0


@dataclass
class FakeModalCloud:
    deployed_apps: set[str] = field(default_factory=lambda: {"amethyst-studio"})
    auto_complete: bool = False  # finish every call as soon as it is spawned
    _calls: dict[str, _CallState] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- the SDK entry points --------------------------------------------------------------------------

    def cls_from_name(self, app_name: str, name: str) -> FakeCls:
        return FakeCls(self, app_name, name)

    def call_from_id(self, call_id: str) -> FakeFunctionCall:
        return FakeFunctionCall(self, call_id)

    # -- what the test does to the "cloud" -------------------------------------------------------------

    def _spawn(self, payload: dict[str, Any]) -> str:
        with self._lock:
            call_id = f"fc-{next(self._ids):08d}"
            self._calls[call_id] = _CallState(call_id=call_id, payload=payload)
        if self.auto_complete:
            self.complete(call_id)
        return call_id

    def complete(self, call_id: str, images: list[bytes] | None = None) -> None:
        with self._lock:
            call = self._calls[call_id]
            count = int(call.payload.get("count", 1))
            pngs = images if images is not None else [tiny_png() for _ in range(count)]
            call.state, call.result = "done", {"images": pngs, "metadata": {"seed": call.payload.get("seed")}}

    def fail(self, call_id: str, error: BaseException) -> None:
        with self._lock:
            call = self._calls[call_id]
            call.state, call.error = "failed", error

    def expire(self, call_id: str) -> None:
        with self._lock:
            self._calls[call_id].state = "expired"

    @property
    def call_ids(self) -> list[str]:
        with self._lock:
            return list(self._calls)

    def state_of(self, call_id: str) -> str:
        with self._lock:
            return self._calls[call_id].state

    def payload_of(self, call_id: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._calls[call_id].payload)

    def gets_of(self, call_id: str) -> int:
        with self._lock:
            return self._calls[call_id].gets


class FakeCls:
    def __init__(self, cloud: FakeModalCloud, app_name: str, name: str) -> None:
        self._cloud, self._app_name, self._name = cloud, app_name, name

    def __call__(self, *, model_id: str = "qwen-image-lightning") -> FakeInstance:
        if self._app_name not in self._cloud.deployed_apps or self._name != "ImageGenerator":
            raise NotFoundError(f"Lookup failed for Cls '{self._name}' from the '{self._app_name}' app")
        return FakeInstance(self._cloud, model_id)


class FakeInstance:
    def __init__(self, cloud: FakeModalCloud, model_id: str) -> None:
        self.model_id = model_id
        self.generate = FakeMethod(cloud, model_id)


class FakeMethod:
    def __init__(self, cloud: FakeModalCloud, model_id: str) -> None:
        self._cloud = cloud
        self._model_id = model_id

    def spawn(self, request: dict[str, Any]) -> FakeFunctionCall:
        # The deployed class generates with its own model_id, whatever the request says.
        payload = {**request, "instance_model_id": self._model_id}
        return FakeFunctionCall(self._cloud, self._cloud._spawn(payload))


class FakeFunctionCall:
    def __init__(self, cloud: FakeModalCloud, call_id: str) -> None:
        self._cloud = cloud
        self.object_id = call_id

    def get(self, timeout: float | None = None, *, index: int = 0) -> Any:
        if timeout != 0:
            raise NotImplementedError("the fake only polls (timeout=0), as the server does")
        with self._cloud._lock:
            call = self._cloud._calls.get(self.object_id)
            if call is None:
                raise NotFoundError(f"no function call {self.object_id}")
            call.gets += 1
            state, result, error = call.state, call.result, call.error
        if state == "running":
            raise TimeoutError()
        if state == "expired":
            raise OutputExpiredError()
        if state == "cancelled":
            raise RemoteError("Function call was cancelled")
        if state == "failed":
            assert error is not None
            raise error
        return result

    def cancel(self, terminate_containers: bool = False) -> None:
        with self._cloud._lock:
            call = self._cloud._calls[self.object_id]
            call.cancels += 1
            if call.state == "running":
                call.state = "cancelled"
