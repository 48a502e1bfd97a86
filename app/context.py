"""The one place that builds the app's services and hands them to the views. No globals elsewhere.

Everything costly is a ``cached_property``: built on first use. The database engine (SQLAlchemy and
alembic) is opened when a place first needs it, after the window is painted, so start-up stays fast and
a place that is never opened costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config import (
    CATALOG_REFRESH_TIMEOUT,
    CATALOG_REFRESH_URL,
    CHAT_CUSTOM_BASE_URL,
    CHAT_LOCAL_FIRST_BYTE_TIMEOUT,
    STUDIO_ENHANCE_MODEL,
    Settings,
)
from app.log import Redactor
from app.paths import Paths
from app.services.navigation import Navigator
from app.services.notifications import Notifier
from app.services.ui_state import UiStateStore
from app.tasks import TaskRunner, Workers

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from app.services.billing.controller import BillingController
    from app.services.builder.controller import BuilderController
    from app.services.catalog import CatalogService
    from app.services.chat.service import ChatService
    from app.services.gallery import GalleryService
    from app.services.get_started import GetStartedController
    from app.services.secrets import SecretStore
    from app.services.studio.connection import StudioConnection
    from app.services.studio.controller import StudioController
    from app.services.studio.engine_states import EngineStates
    from app.services.studio.enhance import PromptEnhancer
    from app.services.studio.jobs import JobQueue
    from app.services.studio.local_models import LocalModels


@dataclass
class AppContext:
    paths: Paths
    settings: Settings
    redactor: Redactor = field(default_factory=Redactor)
    keyring_backend: Any = None  # a keyring backend for tests; None means the system's
    prompt_enhancer: PromptEnhancer | None = None  # a fixed Studio prompt enhancer; None: Settings → Studio
    tasks: TaskRunner = field(default_factory=TaskRunner)
    workers: Workers = field(default_factory=Workers)
    notifier: Notifier = field(default_factory=Notifier)
    navigator: Navigator = field(default_factory=Navigator)
    log_file: Path | None = None
    url_opener: Callable[[str], bool] | None = None  # billing: opens Checkout/portal URLs; None: the browser

    @cached_property
    def ui_state(self) -> UiStateStore:
        return UiStateStore(self.paths.ui_state_file)

    @cached_property
    def engine(self) -> Engine:
        from app.models.db import SCHEMA_LOCK, open_engine

        with SCHEMA_LOCK:  # several worker threads may ask first; one opens and migrates, the others reuse it
            if "engine" in self.__dict__:
                return self.__dict__["engine"]
            return open_engine(self.paths.database)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions on the cache database. The database is opened (and migrated) by the first session made,
        not by this factory: services built on the UI thread take it, and their first query, on the database
        thread, pays for the opening."""
        from sqlalchemy.orm import Session, sessionmaker

        context = self

        class LazyBoundSession(Session):
            def __init__(self, bind: Any = None, **options: Any) -> None:
                super().__init__(bind=bind if bind is not None else context.engine, **options)

        return sessionmaker(class_=LazyBoundSession, expire_on_commit=False)

    @cached_property
    def secrets(self) -> SecretStore:
        from app.services.secrets import SecretStore

        return SecretStore(self.redactor, backend=self.keyring_backend)

    @cached_property
    def catalog(self) -> CatalogService:
        from app.services.catalog import CatalogService  # imported on first use: keeps start-up fast

        return CatalogService(
            lambda: self.sessions,  # the database opens when the catalog first loads, maybe off the UI thread
            refresh_url=lambda: self.settings.value(CATALOG_REFRESH_URL),
            refresh_timeout=lambda: self.settings.value(CATALOG_REFRESH_TIMEOUT),
            configured_providers=self._configured_providers,
            workers=self.workers,
        )

    def _configured_providers(self) -> list[str]:
        """Providers whose key the person has stored: recommendations prefer models they can run now."""
        from app.services.providers.registry import keyed_providers

        return [info.id for info in keyed_providers() if self.secrets.has(info.secret_name)]

    @cached_property
    def chat(self) -> ChatService:
        from app.services.chat.service import ChatService
        from app.services.providers.factory import ProviderPool

        # Costs come from the Marketplace catalog's prices (CatalogService.price_for).
        pool = ProviderPool(
            self.secrets,
            lambda: self.settings.value(CHAT_CUSTOM_BASE_URL),
            lambda: float(self.settings.value(CHAT_LOCAL_FIRST_BYTE_TIMEOUT)),
        )
        return ChatService(self.sessions, pool, prices=self.catalog, tasks=self.tasks, workers=self.workers)

    @cached_property
    def gallery(self) -> GalleryService:
        from app.services.gallery import GalleryService

        return GalleryService(
            self.sessions, self.paths.folder("gallery"), self.paths.folder("thumbnails"), self.workers
        )

    @cached_property
    def studio(self) -> StudioConnection:
        from app.services.studio.connection import StudioConnection

        return StudioConnection(self.settings, self.secrets, self.paths.folder("studio-api"), self.tasks, self.workers)

    @cached_property
    def studio_jobs(self) -> JobQueue:
        from app.services.studio.jobs import JobQueue

        return JobQueue(self.studio, self.gallery, self.sessions, self.tasks, self.workers)

    @cached_property
    def studio_controller(self) -> StudioController:
        """The Studio place's controller; ``start()`` on it is what connects to the Studio API."""
        from app.services.studio.controller import StudioController

        return StudioController(
            self.studio,
            self.studio_jobs,
            self.gallery,
            self.notifier,
            self.tasks,
            self.settings,
            self._studio_enhancer,
        )

    @cached_property
    def builder_controller(self) -> BuilderController:
        """The Builder place's controller (issue 14); it follows the Studio connection, starts nothing."""
        from app.services.builder.codegen import code_writer
        from app.services.builder.controller import BuilderController

        def writer(model: str) -> Any:
            return code_writer(model, lambda provider_id: self.chat.provider_factory(provider_id), self.secrets)

        return BuilderController(self.studio, self.notifier, self.tasks, self.workers, writer)

    def _studio_enhancer(self) -> tuple[PromptEnhancer | None, str]:
        """``prompt_enhancer`` when set, else the chat model chosen in Settings → Studio (or why none)."""
        if self.prompt_enhancer is not None:
            return self.prompt_enhancer, ""
        from app.services.studio.chat_enhancer import chat_enhancer

        model = self.settings.value(STUDIO_ENHANCE_MODEL)
        # Chat's services are built when a prompt is first enhanced, not when the Studio opens.
        return chat_enhancer(model, lambda provider_id: self.chat.provider_factory(provider_id), self.secrets)

    # --- image engines (issue 15) ---
    @cached_property
    def studio_local_models(self) -> LocalModels:
        """The managed local models in ``<Studio data folder>/models`` and their downloads."""
        from app.services.studio.local_models import LocalModels
        from modal_app.contract import MANAGED_FOLDER

        folder = self.paths.folder("studio-api") / MANAGED_FOLDER
        return LocalModels(folder, self.secrets, self.tasks, self.workers, self.studio)

    @cached_property
    def studio_engine_states(self) -> EngineStates:
        """Settings → Studio's engine list (``GET /v1/engines`` with the keyring and the downloads)."""
        from app.services.studio.engine_states import EngineStates

        return EngineStates(self.studio, self.secrets, self.studio_local_models, self.tasks, self.workers)

    # --- billing (issue 13) ---
    @cached_property
    def billing_controller(self) -> BillingController:
        """The Billing place's controller: credits, plan, Checkout in the browser, history."""
        from app.services.billing.controller import BillingController

        return BillingController(
            self.studio, self.tasks, self.workers, self.notifier, self.url_opener or open_in_browser
        )

    # --- polish12: the first-run guide (issue 12) ---
    @cached_property
    def get_started(self) -> GetStartedController:
        """The "Get started" card's controller: keyring and database are read off the UI thread."""
        from app.services.get_started import GetStartedController
        from app.services.providers.local import detect_local_servers
        from app.services.providers.registry import keyed_providers

        def any_key() -> bool:
            return any(self.secrets.has(info.secret_name) for info in keyed_providers())

        def has_chatted() -> bool:
            from sqlalchemy import func, select

            from app.models.chat import ChatMessage

            with self.sessions() as session:
                return bool(session.scalar(select(func.count()).select_from(ChatMessage)))

        return GetStartedController(
            self.ui_state,
            self.settings,
            self.tasks,
            self.navigator,
            self.studio,
            find_servers=detect_local_servers,
            any_key=lambda: self.workers.blocking(any_key),
            has_chatted=lambda: self.workers.db(has_chatted),
            on_secret_change=self.secrets.on_change,
        )

    # --- end polish12 ---

    def close(self) -> None:
        if "chat" in self.__dict__:
            self.chat.shutdown()
        if "studio_local_models" in self.__dict__:
            self.studio_local_models.stop()  # before the blocking pool is joined below
        self.tasks.cancel_all()
        if "studio_jobs" in self.__dict__:
            self.studio_jobs.stop()
        if "studio" in self.__dict__:
            self.studio.stop_server()
        self.workers.shutdown()
        if "engine" in self.__dict__:
            self.engine.dispose()


def open_in_browser(url: str) -> bool:
    """Open ``url`` in the system browser (``QDesktopServices.openUrl``); False when no browser took it."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    return QDesktopServices.openUrl(QUrl(url))


def build_context(
    paths: Paths,
    *,
    redactor: Redactor | None = None,
    keyring_backend: Any = None,
    environ: Mapping[str, str] | None = None,
    arguments: Mapping[str, str] | None = None,
    log_file: Path | None = None,
) -> AppContext:
    """Everything the views need for one run on one data folder. Tests call this with their own parts."""
    from app.services.heap import favour_the_ui_thread

    favour_the_ui_thread()
    return AppContext(
        paths=paths,
        settings=Settings.load(paths.settings_file, environ=environ, arguments=arguments),
        redactor=redactor or Redactor(),
        keyring_backend=keyring_backend,
        log_file=log_file,
    )
