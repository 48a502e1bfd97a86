"""The one place that builds the app's services and hands them to the views. No globals elsewhere.

Services that are costly to build are ``cached_property``: made on first use, so start-up stays fast and
a place that is never opened costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from keyring.backend import KeyringBackend
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.log import Redactor
from app.models.db import open_database
from app.paths import Paths
from app.services.navigation import Navigator
from app.services.notifications import Notifier
from app.services.providers.registry import keyed_providers
from app.services.secrets import SecretStore
from app.services.ui_state import UiStateStore
from app.tasks import TaskRunner

if TYPE_CHECKING:
    from app.services.catalog import CatalogService


@dataclass
class AppContext:
    paths: Paths
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    redactor: Redactor
    secrets: SecretStore
    tasks: TaskRunner = field(default_factory=TaskRunner)
    notifier: Notifier = field(default_factory=Notifier)
    navigator: Navigator = field(default_factory=Navigator)
    log_file: Path | None = None

    @cached_property
    def ui_state(self) -> UiStateStore:
        return UiStateStore(self.sessions)

    @cached_property
    def catalog(self) -> CatalogService:
        from app.services.catalog import CatalogService  # imported on first use: keeps start-up fast

        return CatalogService(
            self.sessions,
            refresh_url=lambda: self.settings.get("catalog.refresh_url"),
            refresh_timeout=lambda: self.settings.get("catalog.refresh_timeout"),
            configured_providers=self._configured_providers,
        )

    def _configured_providers(self) -> list[str]:
        """Providers whose key the person has stored: recommendations prefer models they can run now."""
        return [info.id for info in keyed_providers() if self.secrets.has(info.secret_name)]

    def close(self) -> None:
        self.tasks.cancel_all()
        self.engine.dispose()


def build_context(
    paths: Paths,
    *,
    redactor: Redactor | None = None,
    keyring_backend: KeyringBackend | None = None,
    environ: Mapping[str, str] | None = None,
    arguments: Mapping[str, str] | None = None,
    log_file: Path | None = None,
) -> AppContext:
    """Everything the views need for one run on one data folder. Tests call this with their own parts."""
    redactor = redactor or Redactor()
    settings = Settings.load(paths.settings_file, environ=environ, arguments=arguments)
    engine, sessions = open_database(paths.database)
    return AppContext(
        paths=paths,
        settings=settings,
        engine=engine,
        sessions=sessions,
        redactor=redactor,
        secrets=SecretStore(redactor, backend=keyring_backend),
        log_file=log_file,
    )
