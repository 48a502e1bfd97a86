"""Settings → Studio → Image engines: each engine's state from ``GET /v1/engines``, as the person sees it.

QtCore only. ``refresh()`` asks the Studio API (which probes ComfyUI and AUTOMATIC1111 on the spot: that is
"Find local servers"); on the Local connection a provider engine is ready only when its key is in the
keyring (the server cannot see the keyring), and the local engine shows a running download's percentage.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.services.clients.studio_types import StudioError
from app.services.studio.engines import ENGINE_TITLES, FixAction, fix_action, provider_secret

if TYPE_CHECKING:
    from app.services.secrets import SecretStore
    from app.services.studio.connection import StudioConnection
    from app.services.studio.local_models import LocalModels
    from app.tasks import TaskRunner, Workers

log = logging.getLogger(__name__)

REFRESH_TASK = "studio-engines-refresh"
LABELS = {
    "ready": "Ready",
    "needs_key": "Needs key",
    "not_found": "Not found",
    "not_installed": "Not installed",
    "not_downloaded": "Not downloaded",
    "not_ready": "Not ready",
}


@dataclass(frozen=True)
class EngineRow:
    """One engine's line: ``state`` as the server (or the keyring, or a download) says, the words for it,
    and the one-click fix when it is not ready."""

    id: str
    name: str
    state: str
    label: str
    detail: str
    fix: FixAction | None = None


def fix_for(engine: str, state: str) -> FixAction | None:
    """What makes an engine ready: a key, a download, a local server, the generator's libraries."""
    if state == "needs_key":
        return fix_action(f"key:{engine}")
    if state == "not_downloaded":
        return FixAction("Download", "settings", "studio", "local")
    if state == "not_installed":
        return FixAction("How to install", "settings", "studio", "local")
    if state == "not_found":
        return FixAction("Find again", "settings", "studio", engine)
    return None


class EngineStates(QObject):
    changed = Signal()

    def __init__(
        self,
        connection: StudioConnection,
        secrets: SecretStore,
        local_models: LocalModels,
        tasks: TaskRunner,
        workers: Workers,
    ) -> None:
        super().__init__()
        self._connection = connection
        self._secrets = secrets
        self._local = local_models
        self._tasks = tasks
        self._workers = workers
        self.rows: list[EngineRow] = []
        self.message = "Connecting to the Studio API…"
        self.busy = False
        local_models.changed.connect(lambda _model_id: self._show_downloads(ask_again=True))

    def refresh(self) -> None:
        """Ask the Studio API again (and so look for local servers); ``changed`` when the answer is in."""
        self.busy = True
        self.changed.emit()
        self._tasks.start(REFRESH_TASK, self._refresh())

    async def _refresh(self) -> None:
        try:
            client = self._connection.client
            if client is None:
                self.rows = []
                self.message = self._connection.error_message or "Not connected to a Studio API yet."
                return
            try:
                answer = await client.engines()
            except StudioError as error:
                self.message = f"Could not ask the Studio API about its engines: {error}"
                return
            rows = []
            for engine in answer.engines:
                state, detail = engine.state, engine.detail
                secret = provider_secret(engine.id) if self._connection.kind == "local" else None
                if secret and state == "needs_key" and await self._workers.blocking(self._secrets.has, secret):
                    state, detail = "ready", "uses your key from Settings → API keys"
                elif secret and state == "needs_key":
                    detail = f"add your {ENGINE_TITLES.get(engine.id, engine.name)} API key in Settings → API keys"
                rows.append(
                    EngineRow(
                        engine.id, engine.name, state, LABELS.get(state, state), detail, fix_for(engine.id, state)
                    )
                )
            self.rows = rows
            self.message = ""
        finally:
            self.busy = False
            self._show_downloads(ask_again=False)

    def _show_downloads(self, ask_again: bool) -> None:
        """The local engine reads "Downloading 43 %" while a managed model downloads."""
        downloads = self._local.downloading()
        rows = []
        for row in self.rows:
            if row.id == "local" and downloads:
                view = downloads[0]
                label = f"Downloading {view.percent} %"
                row = EngineRow(row.id, row.name, "downloading", label, f"downloading {view.model.name}", None)
            elif row.state == "downloading":
                row = EngineRow(row.id, row.name, "not_ready", "Checking…", "", None)
            rows.append(row)
        self.rows = rows
        self.changed.emit()
        if ask_again and any(row.label == "Checking…" for row in rows):
            self.refresh()  # a download ended: ask the server what the engine is now
