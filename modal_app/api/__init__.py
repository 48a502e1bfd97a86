"""The Studio API: ``create_app(settings)`` builds the FastAPI app with its services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from modal_app.accounts import AuthContext
from modal_app.api import accounts, api_access, billing, credits, image_models, images, plans
from modal_app.api import builds as builds_api  # Builder (issue 14)
from modal_app.api.faults import install_fault_handlers
from modal_app.api.limits import BodyLimit
from modal_app.api.responses import SafeJSONResponse, validation_error
from modal_app.contract import Health
from modal_app.services import Services, build_services
from modal_app.settings import ServerSettings

API_VERSION = "1.0.0"


def create_app(settings: ServerSettings, services: Services | None = None) -> FastAPI:
    """The app for these settings; the database is opened and migrated here, jobs resume at start-up."""
    services = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await services.start()
        try:
            yield
        finally:
            await services.stop()

    app = FastAPI(
        title="Amethyst Studio API",
        version=API_VERSION,
        lifespan=lifespan,
        default_response_class=SafeJSONResponse,
        exception_handlers={RequestValidationError: validation_error},
    )
    app.state.services = services
    install_fault_handlers(app)
    for module in (accounts, api_access, credits, plans, image_models, images):
        app.include_router(module.router)
    app.include_router(billing.router)  # billing (issue 13): 404 on every route while billing is off
    app.add_exception_handler(billing.PlanLimitExceeded, billing.plan_limit_exceeded)  # 403 naming plan and limit
    app.include_router(builds_api.router)  # Builder (issue 14)

    async def authenticate(token: str) -> AuthContext | None:
        return await services.monitor.read(services.accounts.authenticate, token)

    app.add_middleware(BodyLimit, authenticate=authenticate)

    @app.get("/v1/health", response_model=Health, tags=["health"])
    async def health() -> Health:
        return Health(status="ok")

    return app
