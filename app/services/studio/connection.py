"""The desktop's connection to a Studio API: Local (embedded, the default) or Cloud (URL + keyring token).

An explicit state enum with one Qt signal per change; the header's credits badge text as a signal too.
Background work (a reconnect after a settings change, the credits refresher) runs as named tasks on the
app's ``TaskRunner``; starting the embedded server runs on ``Workers.blocking``. Nothing here starts the
connection on its own: ``StudioController.start`` does, once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import QObject, Signal

from app.config import CONNECTION_CLOUD_URL, CONNECTION_KIND, Settings
from app.services.clients.studio import StudioClient
from app.services.clients.studio_types import AuthNeeded, Credits, ModelTable, StudioError
from app.services.heap import quiet_load
from app.services.secrets import SecretStore, SecretsUnavailable
from app.services.studio.embedded import EmbeddedServer, LocalAppFactory, default_local_app
from app.services.studio.engines import ENGINE_TITLES, provider_secret
from app.tasks import TaskRunner, Workers

log = logging.getLogger(__name__)

TOKEN_SECRET = "studio:token"
CREDITS_REFRESH_SECONDS = 60.0
CONNECT_TASK = "studio-connect"
REFRESH_TASK = "studio-credits-refresh"
MODELS_TASK = "studio-models-refresh"
NOTHING_READY = (
    "no image engine is ready yet — add an OpenAI or Google key in Settings → API keys, start ComfyUI or "
    "AUTOMATIC1111, or download a local model in Settings → Studio"
)


async def _all_or_none(*calls: Any) -> list[Any]:
    """Await the calls together; when one fails the others are cancelled (and awaited) and its error raised."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class ConnectionState(StrEnum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    AUTH_NEEDED = "auth_needed"
    ERROR = "error"

    @property
    def label(self) -> str:
        return {
            "disconnected": "Not connected",
            "connecting": "Connecting…",
            "connected": "Connected",
            "auth_needed": "Sign in needed",
            "error": "Connection problem",
        }[self.value]


class StudioConnection(QObject):
    state_changed = Signal(str)  # ConnectionState value
    credits_changed = Signal(str)  # text for the header badge: "Local · free", "42 credits", …
    credits_updated = Signal(object)  # Credits
    models_changed = Signal(object)  # ModelTable

    def __init__(
        self,
        settings: Settings,
        secrets: SecretStore,
        data_folder: Path,
        tasks: TaskRunner,
        workers: Workers,
        *,
        local_app_factory: LocalAppFactory = default_local_app,
        cloud_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__()
        self._settings = settings
        self._secrets = secrets
        subscribe = getattr(secrets, "on_change", None)
        if subscribe is not None:  # a provider key added or removed changes which models are ready
            subscribe(self._secret_changed)
        self._data_folder = data_folder
        self._tasks = tasks
        self._workers = workers
        self._local_app_factory = local_app_factory
        self._cloud_transport = cloud_transport
        self._state = ConnectionState.DISCONNECTED
        self.error_message = ""
        self.client: StudioClient | None = None
        self.server: EmbeddedServer | None = None
        self.models: ModelTable | None = None
        self.credits: Credits | None = None
        self.me: dict[str, Any] = {}
        self._connect_lock = asyncio.Lock()
        self._local_token: str = ""
        self._starting: concurrent.futures.Future[None] | None = None  # the embedded server, being started
        self.on_connected: list[Callable[[], None]] = []
        settings.on_change(self._setting_changed)

    def _setting_changed(self, key: str, _value: object) -> None:
        if key not in {"connection.kind", "connection.cloud_url"} or self._state == ConnectionState.DISCONNECTED:
            return  # never started: the next start reads the new settings
        self.start_reconnect()

    def prepare(self) -> None:
        """On the Local connection, start the embedded Studio API now, on the blocking pool (no event loop
        needed): the app calls this right after the first paint, so the server's imports, migrations and
        uvicorn start overlap the loading of the first place. The next connect waits for it and uses it.
        Does nothing on the Cloud connection or when a server is running or starting."""
        if self.kind == "local" and self._starting is None and (self.server is None or not self.server.running):
            self._starting = self._workers.blocking_executor.submit(self._start_local)

    def _start_local(self) -> None:
        """Build and serve the embedded Studio API (blocking: on the blocking pool)."""
        # Its imports (FastAPI, SQLAlchemy, Alembic) and app live as long as the app: no full collections
        # (which hold the GIL, stalling the UI thread) while they load and start.
        with quiet_load("the embedded Studio API started"):
            app, token = self._local_app_factory(self._data_folder)
            # Owned before it starts: a stop meanwhile still finds it (and stops it).
            self.server, self._local_token = EmbeddedServer(app), str(token)
            self.server.start()

    def start_reconnect(self) -> None:
        """(Re)connect in the background (the ``studio-connect`` task; a newer one replaces an older one)."""
        self._tasks.start(CONNECT_TASK, self.reconnect())

    # --- state -------------------------------------------------------------------------------------
    @property
    def state(self) -> ConnectionState:
        return self._state

    def _set_state(self, state: ConnectionState, message: str = "") -> None:
        self.error_message = message
        if state == self._state:
            return
        self._state = state
        self.state_changed.emit(state.value)
        if state != ConnectionState.CONNECTED:
            self.credits_changed.emit(self.badge_text())

    @property
    def kind(self) -> str:
        return self._settings.value(CONNECTION_KIND)

    @property
    def connection_id(self) -> str:
        """Which server jobs belong to: "local", or the cloud URL."""
        return "local" if self.kind == "local" else self._settings.value(CONNECTION_CLOUD_URL).rstrip("/")

    @property
    def billing_enabled(self) -> bool:
        if self.credits is not None:
            return self.credits.billing_enabled
        return bool(self.me.get("billing_enabled", self.kind != "local"))

    def badge_text(self) -> str:
        if self._state == ConnectionState.CONNECTING:
            return "Connecting…"
        if self._state == ConnectionState.AUTH_NEEDED:
            return "Sign in"
        if self._state != ConnectionState.CONNECTED:
            return "Offline"
        if not self.billing_enabled:
            return "Local · free" if self.kind == "local" else "Free"
        available = self.credits.available if self.credits else 0
        return f"{available} credit{'s' if available != 1 else ''}"

    # --- image engines (issue 15) ---------------------------------------------------------------------
    async def refresh_models(self) -> None:
        """Ask the server again which models are ready (after a key was added or a local server started)."""
        if self.client is None or self._state != ConnectionState.CONNECTED:
            return
        try:
            self.models = await self._with_keys(await self.client.image_models())
        except StudioError as error:
            log.info("refreshing the image models failed: %s", error)
            return
        self.models_changed.emit(self.models)

    def _secret_changed(self, name: str) -> None:
        if name.startswith("provider:") and self._state == ConnectionState.CONNECTED:
            self._tasks.start(MODELS_TASK, self.refresh_models())

    async def _with_keys(self, table: ModelTable) -> ModelTable:
        """On the Local connection a provider engine runs with the person's own key: a model whose key is
        not in the keyring is not ready, with the reason and the fix (the server cannot see the keyring)."""
        if self.kind != "local":
            return table
        models = []
        for model in table.models:
            secret = provider_secret(model.engine) if model.fix.startswith("key:") else None
            if secret and not await self._workers.blocking(self._secrets.has, secret):
                title = ENGINE_TITLES.get(model.engine, model.engine)
                reason = f"needs your {title} API key — add it in Settings → API keys"
                model = model.model_copy(update={"ready": False, "reason": reason})
            models.append(model)
        ready = table.compute_ready and any(model.ready for model in models)
        message = "" if ready else (table.compute_message or NOTHING_READY)
        return table.model_copy(update={"models": tuple(models), "compute_ready": ready, "compute_message": message})

    async def job_key(self, model_id: str) -> str | None:
        """The person's key for the engine that serves ``model_id`` (Local connection), else None."""
        model = self.models.get(model_id) if self.models is not None else None
        secret = provider_secret(model.engine) if model is not None and self.kind == "local" else None
        return await self._workers.blocking(self._secrets.get, secret) if secret else None

    # --- connecting --------------------------------------------------------------------------------
    async def reconnect(self) -> None:
        """(Re)connect with the current settings; failures end in AUTH_NEEDED or ERROR, never raise."""
        async with self._connect_lock:
            await self._close_client()
            self._set_state(ConnectionState.CONNECTING)
            try:
                self.client = await self._open_client()
                if self.client is None:
                    return
                # Three independent reads: asked together, the connection is up one round trip after the first.
                self.me, models, self.credits = await _all_or_none(
                    self.client.me(), self.client.image_models(), self.client.credits()
                )
                self.models = await self._with_keys(models)
            except AuthNeeded as error:
                self._set_state(ConnectionState.AUTH_NEEDED, str(error))
                return
            except StudioError as error:
                self._set_state(ConnectionState.ERROR, str(error))
                return
            except Exception as error:  # a failed embedded start, a broken server answer
                log.exception("connecting to the Studio API failed")
                self._set_state(ConnectionState.ERROR, f"The Studio API could not start: {error}")
                return
            self._set_state(ConnectionState.CONNECTED)
            self.models_changed.emit(self.models)
            self._emit_credits()
            self._tasks.start(REFRESH_TASK, self._refresh_forever())
            for callback in list(self.on_connected):
                callback()

    async def _open_client(self) -> StudioClient | None:
        if self.kind != "local":
            self.stop_server()
        else:
            if self._starting is None and (self.server is None or not self.server.running):
                self.stop_server()  # one that stopped on its own
                self.prepare()
            starting = self._starting
            if starting is not None:
                try:  # a cancelled connect leaves the start running; the next connect waits for the same one
                    await asyncio.shield(asyncio.wrap_future(starting))
                finally:
                    if starting.done() and self._starting is starting:
                        self._starting = None
            assert self.server is not None
            return StudioClient(self.server.url, self._local_token)
        url = self._settings.value(CONNECTION_CLOUD_URL).strip()
        if not url:
            self._set_state(ConnectionState.ERROR, "Set the Studio API URL in Settings → Connection.")
            return None
        cloud_token = self._secrets.get(TOKEN_SECRET)
        if not cloud_token:
            self._set_state(ConnectionState.AUTH_NEEDED, "Sign in to your Studio account in Settings.")
            return None
        return StudioClient(url, cloud_token, transport=self._cloud_transport)

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(CREDITS_REFRESH_SECONDS)
            await self.refresh_credits()

    async def refresh_credits(self) -> Credits | None:
        if self.client is None or self._state != ConnectionState.CONNECTED:
            return None
        try:
            self.credits = await self.client.credits()
        except AuthNeeded as error:
            self._set_state(ConnectionState.AUTH_NEEDED, str(error))
            return None
        except StudioError as error:
            log.info("credits refresh failed: %s", error)
            return None
        self._emit_credits()
        return self.credits

    def _emit_credits(self) -> None:
        self.credits_changed.emit(self.badge_text())
        if self.credits is not None:
            self.credits_updated.emit(self.credits)

    def report_failure(self, error: StudioError) -> None:
        """Jobs and views hand connection-level failures here so the header shows them."""
        if isinstance(error, AuthNeeded):
            self._set_state(ConnectionState.AUTH_NEEDED, str(error))

    # --- cloud account (the Settings page calls these) ---------------------------------------------
    async def _account_call(self, url: str, call: str, email: str, password: str) -> bool:
        if url:
            self._settings.put(CONNECTION_CLOUD_URL, url.strip())
        base = self._settings.value(CONNECTION_CLOUD_URL).strip()
        if not base:
            raise StudioError("Enter the Studio API URL first.")
        client = StudioClient(base, transport=self._cloud_transport)
        try:
            token = await (client.sign_in if call == "in" else client.sign_up)(email.strip(), password)
        finally:
            await client.aclose()
        try:
            self._secrets.set(TOKEN_SECRET, token)
            lasting = True
        except SecretsUnavailable as error:
            # The server has made the session (and, signing up, the account): keep it for this run rather
            # than lose it, so a retry does not meet "this account exists already".
            log.warning("the sign-in is kept for this session only: %s", error)
            self._secrets.set_for_session(TOKEN_SECRET, token)
            lasting = False
        if self.kind == "cloud":
            await self.reconnect()
        return lasting

    async def sign_in(self, email: str, password: str, url: str = "") -> bool:
        """Sign in to a cloud Studio API; the token goes to the keyring. Returns False when no keyring could
        keep it and it is kept in memory for this session only. Raises ``StudioError``."""
        return await self._account_call(url, "in", email, password)

    async def sign_up(self, email: str, password: str, url: str = "") -> bool:
        """Create an account and sign in to it, as ``sign_in``."""
        return await self._account_call(url, "up", email, password)

    async def sign_out(self) -> None:
        token = self._secrets.get(TOKEN_SECRET)
        base = self._settings.value(CONNECTION_CLOUD_URL).strip()
        if token and base:
            client = StudioClient(base, token, transport=self._cloud_transport, attempts=1)
            try:
                await client.sign_out()
            except StudioError as error:
                log.info("server-side sign-out failed (the token is forgotten anyway): %s", error)
            finally:
                await client.aclose()
        if token:
            self._secrets.delete(TOKEN_SECRET)
        if self.kind == "cloud":
            await self._close_client()
            self._set_state(ConnectionState.AUTH_NEEDED, "Signed out.")

    def signed_in(self) -> bool:
        return self._secrets.has(TOKEN_SECRET)

    # --- teardown ----------------------------------------------------------------------------------
    async def _close_client(self) -> None:
        self._tasks.cancel(REFRESH_TASK)
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    async def close(self) -> None:
        await self._close_client()
        self.stop_server()
        self._set_state(ConnectionState.DISCONNECTED)

    def stop_server(self, start_timeout: float = 30.0) -> None:
        """Stop the embedded server; one still starting is waited for (up to ``start_timeout`` s) and stopped,
        so no server thread (and no local image worker it owns) outlives the app."""
        starting, self._starting = self._starting, None
        if starting is not None:
            concurrent.futures.wait([starting], timeout=start_timeout)
        if self.server is not None:
            self.server.stop()
            self.server = None
