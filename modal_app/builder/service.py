"""``BuildService``: what the builds routes call. Submits start a pipeline task; the events are stored.

One task per running build, in this server process. ``stop`` (server shutdown) leaves builds as they are
and stops their processes; ``start`` settles what the last process left: a build that was in progress is
failed with the step it was at (processes a crash left running are ended first, and the build's log
says so), a ready one is found again by its sandbox id and
checked on ``/health`` (served again if it does not answer, failed clearly if the sandbox is gone).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from modal_app.builder.code import as_files, template_files, validate_files
from modal_app.builder.events import EventLog, Notifier
from modal_app.builder.models import BuildRow
from modal_app.builder.pipeline import BuildRun, StepFailed, initial_steps
from modal_app.builder.sandbox import SandboxCompute, SandboxError
from modal_app.builder.store import BuildStore, StoredEvent
from modal_app.contract import (
    Build,
    BuildCode,
    BuildFiles,
    BuildRequest,
    BuildState,
    BuildStep,
    BuildUsage,
    StepStatus,
)
from modal_app.plans import find_plan
from modal_app.store.db import Store
from modal_app.store.models import Account, utcnow
from modal_app.tls import shared_tls_context

log = logging.getLogger(__name__)

StoredBatch = list[StoredEvent]  # a name: ``BuildService.list`` shadows ``list`` in the class
KEEPALIVE_S = 15.0
CROSS_PROCESS_POLL_S = 1.0  # a stream also re-reads this often (a build run by another server process)


class NeedsConfirmation(Exception):
    """LLM-written code for a sandbox on the person's own machine, not confirmed."""


class NotFound(Exception):
    pass


class ModelUnreachable(Exception):
    """The served model did not answer; ``timeout`` tells a timeout from a refused or broken connection."""

    def __init__(self, message: str, timeout: bool = False) -> None:
        super().__init__(message)
        self.timeout = timeout


def build_out(row: BuildRow) -> Build:
    """The wire form of a stored build."""
    steps = tuple(StepStatus.model_validate(entry, strict=False) for entry in json.loads(row.steps))
    return Build.model_validate(
        {
            "id": row.id,
            "description": row.description,
            "task": row.task,
            "target": row.target,
            "source": row.source,
            "code_model": row.code_model,
            "state": row.state,
            "step": row.step,
            "error": row.error,
            "steps": steps,
            "sandbox": row.sandbox_kind,
            "url": row.url,
            "port": row.port,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "finished_at": row.finished_at,
        },
        strict=False,
    )


def state_event(row: BuildRow) -> dict[str, Any]:
    return build_out(row).model_dump(mode="json")


@dataclass
class _Running:
    task: asyncio.Task[None]
    run: BuildRun
    events: EventLog


class BuildService:
    def __init__(
        self,
        store: Store,
        compute: SandboxCompute,
        *,
        billing_enabled: bool,
        health_timeout: float = 60.0,
        predict_timeout: float = 30.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.db = store
        self.store = BuildStore(store)
        self.compute = compute
        self.billing_enabled = billing_enabled
        self.health_timeout = health_timeout
        self.predict_timeout = predict_timeout
        self._http = http
        self.notifier = Notifier()
        self._running: dict[str, _Running] = {}

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=httpx.Timeout(self.predict_timeout, connect=5.0), verify=shared_tls_context()
            )
        return self._http

    # --- plan --------------------------------------------------------------------------------------
    def _plan(self, account_id: str) -> tuple[str, str, int | None]:
        with self.db.reads() as session:
            plan_id = session.get(Account, account_id).plan  # type: ignore[union-attr]
        plan = find_plan(plan_id)
        return plan.id, plan.name, plan.max_models if self.billing_enabled else None

    async def usage(self, account_id: str) -> BuildUsage:
        plan_id, plan_name, limit = await asyncio.to_thread(self._plan, account_id)
        live = await asyncio.to_thread(self.store.live_count, account_id)
        return BuildUsage(plan=plan_id, plan_name=plan_name, live=live, limit=limit)

    # --- submit ------------------------------------------------------------------------------------
    def code_for(self, request: BuildRequest) -> tuple[BuildFiles, str]:
        """The build's files and their source; raises ``CodeRejected`` or ``NeedsConfirmation``."""
        if request.files is None:
            return template_files(request.task), "template"
        validate_files(request.files)
        if self.compute.needs_confirmation and not request.confirmed:
            raise NeedsConfirmation(
                "this code was not written by a built-in template: show it to the person and send confirmed=true"
                " once they agree to run it on this computer"
            )
        return request.files, "llm"

    async def submit(self, account_id: str, request: BuildRequest) -> BuildRow:
        """Store and start a build; raises CodeRejected, NeedsConfirmation, LimitReached."""
        code, source = self.code_for(request)
        _plan_id, plan_name, limit = await asyncio.to_thread(self._plan, account_id)
        fields = {
            "account_id": account_id,
            "description": request.description,
            "task": request.task.value,
            "target": request.target,
            "source": source,
            "code_model": request.code_model if source == "llm" else None,
            "files": json.dumps(as_files(code)),
            "state": BuildState.QUEUED.value,
            "steps": initial_steps(),
            "sandbox_kind": self.compute.kind,
        }
        row = await asyncio.to_thread(self.store.create, fields, limit, plan_name)
        files = {**as_files(code), "data.csv": request.csv}
        env = {"TARGET": request.target, "TASK": request.task.value}
        self._start(row, lambda run: run.build(lambda: self.compute.create(row.id), files, env))
        return row

    def _start(self, row: BuildRow, body: Any) -> None:
        events = EventLog(row.id, self.store, self.notifier)
        run = BuildRun(row, events, self.http, state_event, health_timeout=self.health_timeout)

        async def main() -> None:
            try:
                await body(run)
            finally:
                self._running.pop(row.id, None)
                await events.close()

        task = asyncio.get_running_loop().create_task(main(), name=f"build-{row.id}")
        self._running[row.id] = _Running(task, run, events)

    # --- reading -----------------------------------------------------------------------------------
    async def get(self, account_id: str, build_id: str) -> BuildRow:
        row = await asyncio.to_thread(self.store.get, build_id, account_id)
        if row is None:
            raise NotFound(build_id)
        return row

    async def list(self, account_id: str) -> list[BuildRow]:
        return list(await asyncio.to_thread(self.store.list_for, account_id))

    async def code(self, account_id: str, build_id: str) -> BuildCode:
        row = await self.get(account_id, build_id)
        files = json.loads(row.files)
        return BuildCode(requirements_txt=files["requirements.txt"], train_py=files["train.py"], app_py=files["app.py"])

    async def stream(self, account_id: str, build_id: str, after: int) -> AsyncIterator[StoredBatch | None]:
        """Stored events after id ``after`` in batches (as stored together, up to 2000), then new ones as they
        come; ends once the build is no longer in progress and everything is sent. ``None`` items are
        keep-alive moments (nothing new for a while)."""
        await self.get(account_id, build_id)
        quiet = 0.0
        while True:
            changed = self.notifier.changed(build_id)
            # Whether it had ended is read before the events: what was stored before the end is still sent.
            row = await asyncio.to_thread(self.store.get, build_id)
            ended = row is None or (not BuildState(row.state).in_progress and build_id not in self._running)
            batch = await asyncio.to_thread(self.store.events_after, build_id, after)
            if batch:
                after = batch[-1].id
                yield batch
                quiet = 0.0
                continue
            if ended:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), CROSS_PROCESS_POLL_S)
                continue
            quiet += CROSS_PROCESS_POLL_S
            if quiet >= KEEPALIVE_S:
                quiet = 0.0
                yield None

    # --- changing ----------------------------------------------------------------------------------
    async def cancel(self, account_id: str, build_id: str) -> BuildRow:
        """Cancel a build in progress, or stop a ready model (its sandbox is stopped, the slot freed)."""
        row = await self.get(account_id, build_id)
        running = self._running.get(build_id)
        if running is not None:
            running.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running.task
        elif BuildState(row.state) == BuildState.READY:
            sandbox = await self._sandbox(row)
            if sandbox is not None:
                await sandbox.kill()
            events = [("log", {"step": None, "stream": "system", "line": "model stopped"})]
            stopped = await asyncio.to_thread(
                lambda: self.store.update(build_id, events, state=BuildState.STOPPED.value, finished_at=utcnow())
            )
            if stopped is not None:
                await asyncio.to_thread(self.store.append, build_id, [("state", state_event(stopped))])
            self.notifier.notify(build_id)
        elif BuildState(row.state).in_progress:  # run by another process, or left by a stopped one
            await asyncio.to_thread(
                lambda: self.store.update(
                    build_id, state=BuildState.CANCELLED.value, error="cancelled", finished_at=utcnow()
                )
            )
            self.notifier.notify(build_id)
        return await self.get(account_id, build_id)

    async def delete(self, account_id: str, build_id: str) -> None:
        """Cancel or stop it, remove its sandbox and files, and forget it."""
        row = await self.get(account_id, build_id)
        if build_id in self._running or BuildState(row.state) == BuildState.READY:
            await self.cancel(account_id, build_id)
        sandbox = await self._sandbox(row)
        if sandbox is not None:
            await sandbox.discard()
        await asyncio.to_thread(self.store.delete, build_id)
        self.notifier.notify(build_id)

    async def _sandbox(self, row: BuildRow) -> Any:
        if not row.sandbox_id:
            return None
        try:
            return await self.compute.reconnect(row.sandbox_id)
        except SandboxError as error:
            log.warning("cannot reach the sandbox of build %s: %s", row.id, error)
            return None

    async def forward(
        self, account_id: str, build_id: str, method: str, path: str, body: Any = None
    ) -> tuple[int, Any]:
        """Call the served model (``/predict``, ``/info``) with the predict timeout; (status, JSON answer)."""
        row = await self.get(account_id, build_id)
        if BuildState(row.state) != BuildState.READY or not row.url:
            raise ModelUnreachable(f"this model is {row.state}, not serving")
        try:
            response = await self.http.request(method, f"{row.url}{path}", json=body, timeout=self.predict_timeout)
        except httpx.TimeoutException as error:
            raise ModelUnreachable(
                f"the model did not answer within {self.predict_timeout:.0f} s", timeout=True
            ) from error
        except httpx.HTTPError as error:
            raise ModelUnreachable(f"the model could not be reached ({type(error).__name__})") from error
        try:
            return response.status_code, response.json()
        except ValueError as error:
            raise ModelUnreachable("the model answered something that is not JSON") from error

    # --- lifetime ----------------------------------------------------------------------------------
    async def start(self) -> None:
        """Settle what an earlier server process left (see the module docstring)."""
        for sandbox_id, ended in (await self.compute.sweep()).items():
            # A local sandbox's id is its build's id; each process ended is said in that build's log.
            lines = [("log", {"step": None, "stream": "system", "line": sentence}) for sentence in ended]
            await asyncio.to_thread(self.store.append, sandbox_id, lines)
            log.warning("build %s: %s", sandbox_id, "; ".join(ended))
        for row in await asyncio.to_thread(self.store.unfinished):
            if BuildState(row.state).in_progress:
                step = BuildStep(row.step).label if row.step else "the queue"
                message = f"the server restarted while this build was at {step}; start the build again"
                sandbox = await self._sandbox(row)
                if sandbox is not None:
                    await sandbox.kill()
                failed = await asyncio.to_thread(
                    partial(
                        self.store.update, row.id, state=BuildState.FAILED.value, error=message, finished_at=utcnow()
                    )
                )
                if failed is not None:
                    await asyncio.to_thread(self.store.append, row.id, [("state", state_event(failed))])
            else:
                self._start(row, self._revive)

    async def _revive(self, run: BuildRun) -> None:
        """A ready model after a restart: reattach to its sandbox and serve it again unless it answers."""
        row = run.row
        sandbox = await self._sandbox(row)
        if sandbox is None:
            await run.fail("its sandbox is gone after a server restart; build it again")
            return
        run.sandbox = sandbox
        if row.url:
            with contextlib.suppress(httpx.HTTPError):
                if (await self.http.get(f"{row.url}/health", timeout=5.0)).status_code == 200:
                    return
        try:
            await run.serve_and_check()
        except StepFailed as error:
            await run.fail(f"it could not be served again after a server restart: {error}")

    async def stop(self) -> None:
        """Server shutdown: stop the pipelines (builds stay as stored), then every local process."""
        for running in list(self._running.values()):
            running.run.server_stopping = True
            running.task.cancel()
        for running in list(self._running.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await running.task
        await self.compute.close()
        if self._http is not None:
            await self._http.aclose()
            self._http = None
