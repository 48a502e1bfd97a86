"""A fake of the Modal SDK surface ModalImageCompute uses, with the behaviour Modal documents.

``FakeModalCloud`` plays the deployed app: ``cloud.cls_from_name`` stands in for ``modal.Cls.from_name``
and ``cloud.call_from_id`` for ``modal.FunctionCall.from_id``. It outlives server instances, so tests can
stop a server with calls in flight and start another one. Thread-safe (the SDK is called from threads).

- ``FunctionCall.get(timeout=…)`` and ``await FunctionCall.get.aio(timeout=…)`` wait up to ``timeout``
  seconds (None: for ever) and raise the builtin ``TimeoutError`` while the call runs,
  ``modal.exception.OutputExpiredError`` once its output expired, re-raise the remote exception of a failed
  call, and return the function's value when done (modal 1.6.4 ``_Invocation.poll_function``).
- ``FunctionCall.cancel()`` stops a running call; ``get`` then raises ``modal.exception.RemoteError``.
- ``cloud.interrupt(call_id, *errors)``: the next gets of that call raise these errors (transport trouble
  such as ``ServiceError`` or ``ConnectionError``) while the call itself goes on.
- ``remote_failure(...)`` builds the ``ExecutionError`` modal raises when it cannot unpickle a remote
  exception (a torch one in the API image): its text carries the remote traceback.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from modal.exception import ExecutionError, NotFoundError, OutputExpiredError, RemoteError
from PIL import Image


def remote_failure(
    error_line: str = "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 GiB",
) -> ExecutionError:
    """The ExecutionError modal 1.6.4's ``_process_result`` raises for a remote exception it cannot unpickle."""
    return ExecutionError(
        "Could not deserialize remote exception due to local error:\n"
        "Deserialization failed because the 'torch' module is not available in the local environment.\n"
        "This can happen if your local environment does not have the remote exception definitions.\n"
        "Here is the remote traceback:\n"
        "Traceback (most recent call last):\n"
        '  File "/root/modal_app/generator.py", line 300, in generate\n'
        "    output = pipeline(generator=generators, **call.kwargs)\n"
        f"{error_line}\n"
    )


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
    interruptions: list[BaseException] = field(default_factory=list)
    waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = field(default_factory=list)


@dataclass
class FakeModalCloud:
    deployed_apps: set[str] = field(default_factory=lambda: {"amethyst-studio"})
    auto_complete: bool = False  # finish every call as soon as it is spawned
    _calls: dict[str, _CallState] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self._changed = threading.Condition(self._lock)

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
            self._wake(call)

    def fail(self, call_id: str, error: BaseException) -> None:
        with self._lock:
            call = self._calls[call_id]
            call.state, call.error = "failed", error
            self._wake(call)

    def expire(self, call_id: str) -> None:
        with self._lock:
            self._calls[call_id].state = "expired"
            self._wake(self._calls[call_id])

    def interrupt(self, call_id: str, *errors: BaseException) -> None:
        """The next ``len(errors)`` gets of the call raise these (in order); the call itself goes on."""
        with self._lock:
            call = self._calls[call_id]
            call.interruptions.extend(errors)
            self._wake(call)

    def _wake(self, call: _CallState) -> None:
        """Wake every get waiting on ``call`` (lock held)."""
        self._changed.notify_all()
        waiters, call.waiters = call.waiters, []
        for loop, future in waiters:
            loop.call_soon_threadsafe(_resolve, future)

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

    def waiting_on(self, call_id: str) -> int:
        """How many ``get.aio`` calls wait on the call right now."""
        with self._lock:
            return len(self._calls[call_id].waiters)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


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
        self.get = _Get(self)

    def _look(self, register: asyncio.AbstractEventLoop | None = None) -> tuple[bool, Any, asyncio.Future[None] | None]:
        """(ended, value or exception to raise, future to await when still running). Lock held by caller."""
        call = self._cloud._calls.get(self.object_id)
        if call is None:
            return True, NotFoundError(f"no function call {self.object_id}"), None
        call.gets += 1
        if call.interruptions:
            return True, call.interruptions.pop(0), None
        if call.state == "running":
            future = None
            if register is not None:
                future = register.create_future()
                call.waiters.append((register, future))
            return False, None, future
        if call.state == "expired":
            return True, OutputExpiredError(), None
        if call.state == "cancelled":
            return True, RemoteError("Function call was cancelled"), None
        if call.state == "failed":
            assert call.error is not None
            return True, call.error, None
        return True, call.result, None

    def cancel(self, terminate_containers: bool = False) -> None:
        with self._cloud._lock:
            call = self._cloud._calls[self.object_id]
            call.cancels += 1
            if call.state == "running":
                call.state = "cancelled"
                self._cloud._wake(call)


def _outcome(value: Any) -> Any:
    if isinstance(value, BaseException):
        raise value
    return value


class _Get:
    """``FunctionCall.get`` with its ``.aio`` form, as synchronicity exposes both in the real SDK."""

    def __init__(self, call: FakeFunctionCall) -> None:
        self._call = call

    def __call__(self, timeout: float | None = None, *, index: int = 0) -> Any:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._call._cloud._changed:
            while True:
                ended, value, _ = self._call._look()
                if ended:
                    return _outcome(value)
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError()
                self._call._cloud._changed.wait(remaining)

    async def aio(self, timeout: float | None = None, *, index: int = 0) -> Any:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            with self._call._cloud._lock:
                ended, value, future = self._call._look(register=loop if timeout != 0 else None)
            if ended:
                return _outcome(value)
            remaining = None if deadline is None else deadline - loop.time()
            if future is None or (remaining is not None and remaining <= 0):
                raise TimeoutError()
            try:
                await asyncio.wait_for(future, remaining)
            except TimeoutError:
                raise TimeoutError() from None
            finally:
                with self._call._cloud._lock:
                    call = self._call._cloud._calls.get(self._call.object_id)
                    if call is not None:
                        call.waiters = [(lp, fut) for lp, fut in call.waiters if fut is not future]
