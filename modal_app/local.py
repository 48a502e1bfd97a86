"""The local connection: the Studio API embedded in the desktop, on its own data folder.

    studio = LocalStudio(data_dir)
    app, token = studio.start()   # an ASGI app (serve it or use httpx.ASGITransport) and its bearer token

Billing is off, compute is local (a worker process; AMETHYST_LOCAL_IMAGE_MODEL names a diffusers folder),
and the single local account is created on first start. The token is kept in <data_dir>/local-token.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from modal_app.api import create_app
from modal_app.services import build_services
from modal_app.settings import ServerSettings


class LocalStudio:
    def __init__(self, data_dir: Path, local_image_model: str | None = None, **overrides: Any) -> None:
        self.data_dir = data_dir
        model = local_image_model or os.environ.get("AMETHYST_LOCAL_IMAGE_MODEL") or None
        self.settings = ServerSettings.for_data_dir(
            data_dir,
            compute=overrides.pop("compute", "local"),
            billing_enabled=False,
            local_account=True,
            local_image_model=model,
            **overrides,
        )
        self.app: FastAPI | None = None
        self.token: str | None = None

    def start(self) -> tuple[FastAPI, str]:
        """Open (and migrate) the database, ensure the local account; returns (app, token)."""
        if self.app is None:
            services = build_services(self.settings)
            assert services.local_token is not None
            self.app = create_app(self.settings, services)
            self.token = services.local_token
        assert self.token is not None
        return self.app, self.token
