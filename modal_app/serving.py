"""Entry points that build the app from the environment (uvicorn factories, the CLI)."""

from __future__ import annotations

from fastapi import FastAPI

from modal_app.api import create_app
from modal_app.settings import ServerSettings


def app_from_env() -> FastAPI:
    """``uvicorn --factory modal_app.serving:app_from_env``; every worker process calls it."""
    return create_app(ServerSettings.from_env())
