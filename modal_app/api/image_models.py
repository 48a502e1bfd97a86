"""The image-model table, served from modal_app.image_models, with whether this server can generate now."""

from __future__ import annotations

from fastapi import APIRouter

from modal_app.api.deps import ServicesDep
from modal_app.api.schemas import ImageModelList, ImageModelOut
from modal_app.image_models import IMAGE_MODELS, SIZE_CREDITS

router = APIRouter(prefix="/v1", tags=["image models"])


@router.get("/image-models", response_model=ImageModelList)
async def image_models(services: ServicesDep) -> ImageModelList:
    ready, message = services.compute.readiness()
    return ImageModelList(
        models=[ImageModelOut(**model.as_dict()) for model in IMAGE_MODELS if model.active],
        size_credits=dict(SIZE_CREDITS),
        compute_ready=ready,
        compute_message=message,
    )
