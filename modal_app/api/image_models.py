"""The image-model table with this server's prices, and whether this server can generate now."""

from __future__ import annotations

from fastapi import APIRouter

from modal_app.api.deps import ServicesDep
from modal_app.contract import ModelTable
from modal_app.image_models import model_table

router = APIRouter(prefix="/v1", tags=["image models"])


@router.get("/image-models", response_model=ModelTable)
async def image_models(services: ServicesDep) -> ModelTable:
    ready, message = services.compute.readiness()
    return model_table(services.settings.billing_enabled, ready, message)
