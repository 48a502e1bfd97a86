"""Build the real Studio API for desktop tests: the embedded app with a fake compute, billing on or off."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.models.db import SCHEMA_LOCK
from modal_app.api import create_app
from modal_app.services import Services, build_services
from modal_app.settings import ServerSettings
from tests.fakes.image_compute import FakeImageCompute


class EmbeddedApi:
    """A ``LocalAppFactory`` for ``StudioConnection``: builds the app on the data folder it is given."""

    def __init__(
        self, compute: FakeImageCompute, billing: bool = False, credits: int = 0, poll_interval: float = 0.02
    ) -> None:
        self.compute = compute
        self.poll_interval = poll_interval
        self.billing = billing
        self.credits = credits
        self.services: Services | None = None

    def __call__(self, data_dir: Path) -> tuple[Any, str]:
        settings = ServerSettings.for_data_dir(
            data_dir,
            compute=self.compute,
            billing_enabled=self.billing,
            local_account=True,
            poll_interval=self.poll_interval,
        )
        with SCHEMA_LOCK:  # as the real factory (default_local_app): never alongside the cache DB's migration
            services = build_services(settings)
        assert services.local_token is not None
        first_start = self.services is None
        self.services = services
        if self.billing and self.credits and first_start:
            account = services.accounts.authenticate(services.local_token)
            assert account is not None
            services.ledger.grant(account.account_id, self.credits, reason="test grant")
        return create_app(settings, services), services.local_token

    def account_id(self) -> str:
        assert self.services is not None and self.services.local_token is not None
        auth = self.services.accounts.authenticate(self.services.local_token)
        assert auth is not None
        return auth.account_id


Factory = Callable[[Path], tuple[Any, str]]
