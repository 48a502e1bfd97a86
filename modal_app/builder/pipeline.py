"""One build's steps: write files → install → train → serve → health → ready (or failed / cancelled).

Each step's start and end is stored with the build (its ``steps`` list and ``step``) and as a ``step`` event;
every output line of the sandbox becomes a ``log`` event; the end is a ``state`` event with the whole build.
A step that fails leaves ``step`` at it and ``error`` saying what happened; the output (a traceback of
train.py, pip's complaint) is in the log. Cancelling (the task is cancelled) stops the sandbox's processes.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from modal_app.builder.events import EventLog
from modal_app.builder.models import BuildRow
from modal_app.builder.sandbox import CommandFailed, Sandbox, SandboxError
from modal_app.builder.store import iso
from modal_app.contract import BUILD_STEPS, BuildState, BuildStep, StepState
from modal_app.store.models import utcnow

log = logging.getLogger(__name__)

HEALTH_POLL = 0.2


class StepFailed(Exception):
    """A step could not finish; the message is the build's ``error``."""


def initial_steps() -> str:
    return json.dumps(
        [{"step": s.value, "state": "pending", "started_at": None, "finished_at": None} for s in BUILD_STEPS]
    )


class BuildRun:
    """Runs the steps of one build in its sandbox; ``state_event`` turns a row into the ``state`` event data."""

    def __init__(
        self,
        row: BuildRow,
        events: EventLog,
        http: httpx.AsyncClient,
        state_event: Callable[[BuildRow], dict[str, Any]],
        *,
        health_timeout: float,
    ) -> None:
        self.row = row
        self.events = events
        self.http = http
        self.state_event = state_event
        self.health_timeout = health_timeout
        self.steps: list[dict[str, Any]] = json.loads(row.steps)
        self.sandbox: Sandbox | None = None
        # Set when the server shuts down: the build is left as it is for the next start to settle.
        self.server_stopping = False

    # --- bookkeeping -------------------------------------------------------------------------------
    async def _save(self, events: list[tuple[str, dict[str, Any]]], **fields: Any) -> None:
        row = await self.events.update(events, steps=json.dumps(self.steps), **fields)
        if row is not None:
            self.row = row

    async def _mark(self, step: BuildStep, state: StepState, **fields: Any) -> None:
        now = utcnow()
        for entry in self.steps:
            if entry["step"] == step.value:
                entry["state"] = state.value
                if state == StepState.RUNNING:
                    entry["started_at"] = iso(now)
                else:
                    entry["finished_at"] = iso(now)
        self.events.step = step.value
        await self._save(
            [("step", {"step": step.value, "state": state.value, "at": iso(now)})], step=step.value, **fields
        )

    async def _finish(self, state: BuildState, error: str | None = None, **fields: Any) -> None:
        row = await self.events.update(
            [], state=state.value, error=error, finished_at=utcnow(), steps=json.dumps(self.steps), **fields
        )
        if row is not None:
            self.row = row
            await self.events.update([("state", self.state_event(row))])

    def _line(self, text: str) -> None:
        self.events.add("system", text)

    # --- the steps ---------------------------------------------------------------------------------
    async def _step(self, step: BuildStep, work: Callable[[], Awaitable[None]]) -> None:
        await self._mark(step, StepState.RUNNING)
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except CommandFailed as error:
            raise StepFailed(f"{step.label} failed: {error} (the log shows its output)") from error
        except SandboxError as error:
            raise StepFailed(f"{step.label} failed: {error}") from error
        await self._mark(step, StepState.DONE)

    async def build(
        self, make_sandbox: Callable[[], Awaitable[Sandbox]], files: Mapping[str, str], env: Mapping[str, str]
    ) -> None:
        """Run every step; ends in ready, failed or (when cancelled) cancelled, and re-raises a cancel."""
        await self._save([], state=BuildState.BUILDING.value)
        try:

            async def write() -> None:
                self.sandbox = await make_sandbox()
                await self._save([], sandbox_id=self.sandbox.id)
                self._line(f"writing {', '.join(files)}")
                await self.sandbox.write_files(files)

            await self._step(BuildStep.WRITE_FILES, write)
            await self._step(BuildStep.INSTALL, lambda: self._sandbox().install(self.events.add))
            await self._step(BuildStep.TRAIN, lambda: self._sandbox().run_python("train.py", self.events.add, env))
            await self.serve_and_check()
        except StepFailed as error:
            await self.fail(str(error))
        except asyncio.CancelledError:
            if not self.server_stopping:
                await asyncio.shield(self._cancelled())
            raise
        except Exception as error:
            log.exception("build %s failed", self.row.id)
            await self.fail(f"the server failed while building: {error}")

    async def serve_and_check(self) -> None:
        """The serve and health steps, then ready (also how a restarted server brings a model back)."""
        await self._step(BuildStep.SERVE, self._serve)
        await self._step(BuildStep.HEALTH, self._health)
        await self._finish(BuildState.READY)

    def _sandbox(self) -> Sandbox:
        assert self.sandbox is not None
        return self.sandbox

    async def _serve(self) -> None:
        url, port = await self._sandbox().serve("app.py", self.events.add, {})
        wanted = getattr(getattr(self.sandbox, "compute", None), "port", port)
        if port != wanted:
            self._line(f"port {wanted} is taken; serving on port {port} instead")
        self._line(f"serving at {url}")
        await self._save([], url=url, port=port)

    async def _health(self) -> None:
        url = f"{self.row.url}/health"
        deadline = asyncio.get_running_loop().time() + self.health_timeout
        last = "no answer yet"
        while asyncio.get_running_loop().time() < deadline:
            if self._sandbox().serving() is False:
                raise SandboxError("app.py stopped before it answered /health (the log shows why)")
            try:
                response = await self.http.get(url, timeout=5.0)
                if response.status_code == 200:
                    self._line(f"GET /health → 200 {response.text[:200]}")
                    return
                last = f"status {response.status_code}"
            except httpx.HTTPError as error:
                last = type(error).__name__
            await asyncio.sleep(HEALTH_POLL)
        raise SandboxError(f"app.py did not answer /health within {self.health_timeout:.0f} s ({last})")

    async def fail(self, message: str) -> None:
        """End the build as failed at its current step with ``message`` (its processes stopped)."""
        step = self.row.step
        for entry in self.steps:
            if entry["step"] == step and entry["state"] == "running":
                entry["state"] = StepState.FAILED.value
                entry["finished_at"] = iso(utcnow())
        if step:
            await self.events.update([("step", {"step": step, "state": "failed", "at": iso(utcnow())})])
        self._line(f"build failed: {message}")
        if self.sandbox is not None:
            await self.sandbox.kill()
        await self._finish(BuildState.FAILED, message)

    async def _cancelled(self) -> None:
        if self.sandbox is not None:
            await self.sandbox.kill()
        for entry in self.steps:
            if entry["state"] == "running":
                entry["state"] = StepState.CANCELLED.value
                entry["finished_at"] = iso(utcnow())
                await self.events.update([("step", {"step": entry["step"], "state": "cancelled", "at": iso(utcnow())})])
        self._line("build cancelled")
        await self._finish(BuildState.CANCELLED, "cancelled")
