"""``BuildsClient``: the builds routes of the Studio API, on the Studio connection's client.

It rides on ``StudioClient``'s request plumbing (retries for idempotent calls, typed errors, strict
validation against ``modal_app.contract``). Submits are not retried (a repeat would start a second build).
``events`` reads the Server-Sent Events stream (parsed off the event loop by ``SseParser``) and resumes with
``Last-Event-ID`` when it drops.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import logging
from collections.abc import AsyncGenerator
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import httpx

from app.services.clients.studio import StudioClient
from app.services.clients.studio_types import ServerError, StudioError, StudioUnreachable
from modal_app.contract import Build, BuildCode, BuildPage, BuildRequest, BuildTask, ModelInfo

log = logging.getLogger(__name__)

STREAM_TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=10.0, pool=5.0)  # the server sends keep-alives
PREDICT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
RECONNECT_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)


class PlanLimit(StudioError):
    """403: the plan's limit of live models is reached; the message names the plan and the limit."""


@dataclass(frozen=True)
class BuildEvent:
    id: int | None
    kind: str  # "log", "step", "state" or "end"
    data: dict[str, Any]


EventBatch = list[BuildEvent]  # the events of one network read (a name: ``BuildsClient.list`` shadows ``list``)


class BuildsClient:
    def __init__(self, studio: StudioClient) -> None:
        self.studio = studio

    @property
    def base_url(self) -> str:
        return self.studio.base_url

    async def _answer(self, shape: Any, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return await self.studio._answer(shape, method, path, **kwargs)
        except ServerError as error:
            if error.status == 403:
                raise PlanLimit(str(error).split(": ", 1)[-1]) from error
            raise

    async def list(self) -> BuildPage:
        return await self._answer(BuildPage, "GET", "/v1/builds")

    async def template(self, task: BuildTask) -> BuildCode:
        return await self._answer(BuildCode, "POST", "/v1/builds/template", json={"task": BuildTask(task).value})

    async def submit(self, request: BuildRequest) -> Build:
        body = request.model_dump(mode="json", exclude_none=True)
        return await self._answer(Build, "POST", "/v1/builds", json=body, retry=False)

    async def get(self, build_id: str) -> Build:
        return await self._answer(Build, "GET", f"/v1/builds/{build_id}")

    async def code(self, build_id: str) -> BuildCode:
        return await self._answer(BuildCode, "GET", f"/v1/builds/{build_id}/code")

    async def cancel(self, build_id: str) -> Build:
        return await self._answer(Build, "POST", f"/v1/builds/{build_id}/cancel")

    async def delete(self, build_id: str) -> None:
        await self.studio._send("DELETE", f"/v1/builds/{build_id}", retry=True)

    async def info(self, build_id: str) -> ModelInfo:
        return await self._answer(ModelInfo, "GET", f"/v1/builds/{build_id}/info")

    async def predict(self, build_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        """The model's answer (status, JSON); a 4xx from the model itself is returned, not raised."""
        path = f"/v1/builds/{build_id}/predict"
        try:
            response = await self.studio._http.post(
                path, json=body, headers=self.studio._headers(), timeout=PREDICT_TIMEOUT
            )
        except httpx.TransportError as error:
            raise StudioUnreachable(f"Cannot reach the Studio API at {self.base_url}.") from error
        try:
            answer = response.json()
        except ValueError:
            answer = {"error": response.text[:500]}
        if response.status_code >= 500:
            detail = answer.get("detail") if isinstance(answer, dict) else None
            raise StudioError(str(detail or f"The model answered {response.status_code}."))
        return response.status_code, answer

    async def events(
        self, build_id: str, after: int = 0, parse_in: Executor | None = None
    ) -> AsyncGenerator[EventBatch, None]:
        """Every event after id ``after``, in the batches the server wrote them, resuming with ``Last-Event-ID``
        when the stream drops; ends with the server's ``end`` (the build is no longer in progress). The bytes
        are parsed on ``parse_in`` (a thread; the loop's default executor when None), so a burst of thousands
        of lines costs the event loop one hop per network read, not Python work per line. Raises
        ``StudioError`` after retries."""
        loop = asyncio.get_running_loop()
        last = after
        failures = 0
        while True:
            headers = self.studio._headers({"Accept": "text/event-stream", "Last-Event-ID": str(last)})
            parser = SseParser()
            try:
                async with self.studio._http.stream(
                    "GET", f"/v1/builds/{build_id}/events", headers=headers, timeout=STREAM_TIMEOUT
                ) as response:
                    if response.status_code >= 400:
                        await response.aread()
                        from app.services.clients.studio import _raise_for_status

                        _raise_for_status(response)
                    ended = False
                    # Read to the server's close after ``end`` (no early return): leaving httpx's nested
                    # byte iterators suspended would have them finalized later, outside this task.
                    async for chunk in response.aiter_bytes():
                        batch = await loop.run_in_executor(parse_in, parser.feed, chunk)
                        if not batch:
                            continue
                        failures = 0
                        for event in batch:
                            if event.id is not None:
                                last = event.id
                            ended = ended or event.kind == "end"
                        yield batch
                    if ended:
                        return
            except (httpx.TransportError, httpx.StreamError) as error:
                if failures >= len(RECONNECT_DELAYS):
                    raise StudioUnreachable(
                        f"The build's log stream keeps dropping ({type(error).__name__})."
                    ) from error
                await asyncio.sleep(RECONNECT_DELAYS[failures])
                failures += 1


class SseParser:
    """Incremental Server-Sent Events parser: bytes in, whole events out (``id``, ``event``, ``data`` fields;
    comments and ``retry`` ignored; an event's ``data`` is JSON, anything else becomes ``{}``).

    Not thread-safe; feed it from one thread at a time. The data of a whole chunk is decoded with one
    ``json.loads`` of a JSON array (the per-event fallback only when that fails), which is what makes a
    chunk of 500 log lines cheap.
    """

    def __init__(self) -> None:
        self._buffer = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._id: int | None = None
        self._kind = "message"
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[BuildEvent]:
        """The events completed by this chunk (possibly none)."""
        text = self._buffer + self._decoder.decode(chunk)
        held = ""
        if text.endswith("\r"):  # perhaps the first half of a CRLF split between two reads
            text, held = text[:-1], "\r"
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self._buffer = lines.pop() + held  # an unfinished line waits for the next chunk
        found: list[tuple[int | None, str, str]] = []
        for line in lines:
            if not line:
                if self._data:
                    found.append((self._id, self._kind, "\n".join(self._data)))
                self._id, self._kind, self._data = None, "message", []
            elif line[0] != ":":
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "data":
                    self._data.append(value)
                elif name == "event":
                    self._kind = value
                elif name == "id" and value.isdigit():
                    self._id = int(value)
        if not found:
            return []
        try:
            payloads = json.loads("[" + ",".join(data for _i, _k, data in found) + "]")
            if len(payloads) != len(found):
                raise ValueError("a data field held more than one value")
        except ValueError:
            payloads = [_loads(data) for _i, _k, data in found]
        return [
            BuildEvent(event_id, kind, payload if isinstance(payload, dict) else {})
            for (event_id, kind, _d), payload in zip(found, payloads, strict=True)
        ]


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
