"""``BuilderController``: the Builder place's state and flows, QtCore only; the view binds to it.

- The list of builds and the plan usage (``refresh``), from the Studio connection's server.
- New model: a CSV read off the UI thread into a preview with suggestions (``load_csv``), the code from a
  template or a chat model (``prepare_code``), then ``submit``.
- Every build in progress is watched (task ``builder-watch-<id>``): its stored events are read from the
  start, so after an app restart its log view fills again and follows on. The stream is parsed off the UI
  thread (``BuildsClient.events`` yields a batch per network read); log lines reach the view in batches
  (at most one ``log_appended`` per build every ``LOG_FLUSH_MS``), never one signal per line.
- Cancel / stop, delete, the model's ``/info`` and ``/predict``; a tray notification when a build is ready
  or fails.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.services.builder.client import BuildsClient
from app.services.builder.codegen import CodeWriter
from app.services.builder.csv_preview import CsvPreview, CsvProblem, decode_csv, preview_csv
from app.services.clients.studio_types import StudioError
from app.services.notifications import Notifier
from app.tasks import TaskRunner, Workers
from modal_app.contract import MAX_CSV_CHARS, Build, BuildFiles, BuildRequest, BuildState, BuildTask, BuildUsage

log = logging.getLogger(__name__)

LOG_FLUSH_MS = 40
MAX_LOG_LINES = 200_000  # kept per build in memory (the server keeps them all)
WriterFactory = Callable[[str], tuple[CodeWriter | None, str]]


@dataclass(frozen=True)
class LogLine:
    step: str | None
    stream: str  # stdout, stderr or system
    text: str


class BuilderController(QObject):
    builds_changed = Signal(object)  # tuple[Build, ...], newest first
    usage_changed = Signal(object)  # BuildUsage
    build_changed = Signal(object)  # Build
    log_appended = Signal(str, int)  # build id, number of lines added (read them with ``log``)
    log_reset = Signal(str)  # build id: its lines were replaced
    preview_ready = Signal(object, str)  # CsvPreview, the CSV's text
    code_ready = Signal(object, str)  # BuildFiles, who wrote them ("Built-in template" / "openai/gpt-4o")
    info_ready = Signal(str, object)  # build id, ModelInfo
    predicted = Signal(str, int, object)  # build id, HTTP status, the model's JSON answer
    busy = Signal(str)  # what is being done ("" when idle)
    problem = Signal(str)
    submitted = Signal(object)  # Build

    def __init__(
        self,
        connection: Any,
        notifier: Notifier,
        tasks: TaskRunner,
        workers: Workers,
        writer_factory: WriterFactory,
    ) -> None:
        super().__init__()
        self.connection = connection
        self.notifier = notifier
        self.tasks = tasks
        self.workers = workers
        self.writer_factory = writer_factory
        self.builds: dict[str, Build] = {}
        self.usage: BuildUsage | None = None
        self._logs: dict[str, list[LogLine]] = {}
        self._pending: dict[str, int] = {}
        self._last_event: dict[str, int] = {}
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(LOG_FLUSH_MS)
        self._flush.timeout.connect(self._emit_pending)
        self.viewing = False  # whether the Builder place is on screen (no tray message then for what it shows)
        self._started = False
        self._watched_live: set[str] = set()

    # --- connection --------------------------------------------------------------------------------
    def start(self) -> None:
        """Follow the Studio connection: on each connect, load the list and watch builds in progress."""
        if self._started:
            return
        self._started = True
        self.connection.on_connected.append(self.refresh)
        if self.client() is not None:
            self.refresh()

    def client(self) -> BuildsClient | None:
        studio = getattr(self.connection, "client", None)
        return None if studio is None else BuildsClient(studio)

    def _need_client(self) -> BuildsClient:
        client = self.client()
        if client is None:
            raise StudioError("Not connected to the Studio API yet (see the header).")
        return client

    def _run(self, name: str, make: Callable[[], Coroutine[Any, Any, None]], doing: str = "") -> None:
        """Run ``make()`` as the named task; a ``StudioError`` becomes ``problem``. The coroutine is made inside
        the task, so one replaced before it ran leaves nothing un-awaited."""

        async def guarded() -> None:
            if doing:
                self.busy.emit(doing)
            try:
                await make()
            except StudioError as error:
                self.problem.emit(str(error))
            finally:
                if doing:
                    self.busy.emit("")

        self.tasks.start(name, guarded())

    # --- the list ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        self._run("builder-refresh", lambda: self._refresh())

    async def _refresh(self) -> None:
        page = await self._need_client().list()
        self.builds = {build.id: build for build in page.builds}
        self.usage = page.usage
        self.builds_changed.emit(page.builds)
        self.usage_changed.emit(page.usage)
        for build in page.builds:
            if build.state.in_progress:
                self.watch(build.id)

    def build(self, build_id: str) -> Build | None:
        return self.builds.get(build_id)

    # --- new model ---------------------------------------------------------------------------------
    def load_csv(self, path: Path) -> None:
        self._run("builder-csv", lambda: self._load_csv(path), "Reading the CSV…")

    async def _load_csv(self, path: Path) -> None:
        def read() -> tuple[CsvPreview, str]:
            if path.stat().st_size > MAX_CSV_CHARS:
                raise CsvProblem(f"The file is larger than {MAX_CSV_CHARS // 1_000_000} MB.")
            text = decode_csv(path.read_bytes())
            return preview_csv(text), text

        try:
            preview, text = await self.workers.blocking(read)
        except (CsvProblem, OSError) as error:
            self.problem.emit(str(error))
            return
        self.preview_ready.emit(preview, text)

    def prepare_code(self, description: str, task: BuildTask, target: str, columns: list[str], model: str) -> None:
        """The files to review: the template's (``model`` empty) or the chat model's."""
        self._run(
            "builder-code", lambda: self._prepare_code(description, task, target, columns, model), "Writing the code…"
        )

    async def _prepare_code(
        self, description: str, task: BuildTask, target: str, columns: list[str], model: str
    ) -> None:
        if not model:
            code = await self._need_client().template(task)
            files = BuildFiles(requirements_txt=code.requirements_txt, train_py=code.train_py, app_py=code.app_py)
            self.code_ready.emit(files, "Built-in template")
            return
        writer, reason = self.writer_factory(model)
        if writer is None:
            self.problem.emit(reason)
            return
        try:
            files = await writer(description, task, target, columns)
        except Exception as error:  # a provider error or an answer without the files: shown, never fatal
            self.problem.emit(f"The code could not be written: {error}")
            return
        self.code_ready.emit(files, model)

    def submit(self, request: BuildRequest) -> None:
        self._run("builder-submit", lambda: self._submit(request), "Starting the build…")

    async def _submit(self, request: BuildRequest) -> None:
        build = await self._need_client().submit(request)
        self._set(build)
        self.submitted.emit(build)
        self.watch(build.id)
        self.refresh()

    # --- watching ----------------------------------------------------------------------------------
    def log(self, build_id: str) -> list[LogLine]:
        return self._logs.get(build_id, [])

    def watch(self, build_id: str) -> None:
        """Follow a build's events (from the first, unless some were read already)."""
        name = f"builder-watch-{build_id}"
        if not self.tasks.running(name):
            self._run(name, lambda: self._watch(build_id))

    def load_log(self, build_id: str) -> None:
        """Read a finished build's stored log (once)."""
        if build_id not in self._logs:
            self.watch(build_id)

    async def _watch(self, build_id: str) -> None:
        client = self._need_client()
        lines = self._logs.setdefault(build_id, [])
        known = self.builds.get(build_id)
        if known is None or known.state.in_progress:
            self._watched_live.add(build_id)  # its end is news: tell the person
        after = self._last_event.get(build_id, 0)
        parse_in = None if self.workers.closed else self.workers.blocking_executor
        async with aclosing(client.events(build_id, after, parse_in)) as batches:
            await self._follow(client, build_id, lines, batches)
        self._emit_pending()

    async def _follow(self, client: BuildsClient, build_id: str, lines: list[LogLine], batches: Any) -> None:
        """Apply each batch of events (one network read, parsed off this thread): log lines are appended in
        one go and announced by the flush timer; a step or state change is announced at once, in order."""
        async for batch in batches:
            for event in batch:
                if event.id is not None:
                    self._last_event[build_id] = event.id
                if event.kind == "log":
                    if len(lines) < MAX_LOG_LINES:
                        data = event.data
                        lines.append(LogLine(data.get("step"), str(data.get("stream", "")), str(data.get("line", ""))))
                        self._pending[build_id] = self._pending.get(build_id, 0) + 1
                elif event.kind == "step":
                    self._emit_pending()
                    await self._reload(client, build_id)
                elif event.kind == "state":
                    self._emit_pending()
                    build = Build.model_validate_json(json.dumps(event.data))
                    self._set(build)
                    if not build.state.in_progress and build_id in self._watched_live:
                        self._watched_live.discard(build_id)
                        self._tell(build)
            if self._pending and not self._flush.isActive():
                self._flush.start()
        self._emit_pending()

    async def _reload(self, client: BuildsClient, build_id: str) -> None:
        self._set(await client.get(build_id))

    def _emit_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for build_id, count in pending.items():
            self.log_appended.emit(build_id, count)

    def _set(self, build: Build) -> None:
        self.builds[build.id] = build
        self.build_changed.emit(build)

    def _tell(self, build: Build) -> None:
        self.refresh()
        if build.state == BuildState.READY:
            self.notifier.notify(
                "Model ready", f"{build.description[:60]} answers at {build.url}", "builder", {"build": build.id}
            )
        elif build.state == BuildState.FAILED:
            self.notifier.notify(
                "Build failed", f"{build.description[:60]}: {build.error or 'failed'}", "builder", {"build": build.id}
            )

    # --- actions on a build ------------------------------------------------------------------------
    def cancel(self, build_id: str) -> None:
        """Cancel a build in progress, or stop a ready model."""
        self._run(f"builder-cancel-{build_id}", lambda: self._cancel(build_id), "Stopping…")

    async def _cancel(self, build_id: str) -> None:
        self._set(await self._need_client().cancel(build_id))
        await self._refresh()

    def delete(self, build_id: str) -> None:
        self._run(f"builder-delete-{build_id}", lambda: self._delete(build_id), "Deleting…")

    async def _delete(self, build_id: str) -> None:
        self.tasks.cancel(f"builder-watch-{build_id}")
        await self._need_client().delete(build_id)
        self.builds.pop(build_id, None)
        self._logs.pop(build_id, None)
        self._last_event.pop(build_id, None)
        await self._refresh()

    def load_info(self, build_id: str) -> None:
        self._run(f"builder-info-{build_id}", lambda: self._info(build_id))

    async def _info(self, build_id: str) -> None:
        self.info_ready.emit(build_id, await self._need_client().info(build_id))

    def predict(self, build_id: str, body: dict[str, Any]) -> None:
        self._run(f"builder-predict-{build_id}", lambda: self._predict(build_id, body), "Asking the model…")

    async def _predict(self, build_id: str, body: dict[str, Any]) -> None:
        status, answer = await self._need_client().predict(build_id, body)
        self.predicted.emit(build_id, status, answer)
