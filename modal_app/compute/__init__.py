"""Image compute back-ends behind one interface (modal_app.compute.base.ImageCompute)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modal_app.compute.base import ImageCompute

if TYPE_CHECKING:
    from modal_app.settings import ServerSettings


def build_compute(settings: ServerSettings) -> ImageCompute:
    """The compute the settings name: an injected object, "local" or "modal"."""
    if isinstance(settings.compute, ImageCompute):
        return settings.compute
    if settings.compute == "local":
        from modal_app.compute.local_compute import LocalImageCompute

        return LocalImageCompute(settings.local_image_model)
    if settings.compute == "modal":
        from modal_app.compute.modal_compute import ModalImageCompute

        return ModalImageCompute(settings.modal_app_name)
    raise ValueError(f"unknown compute {settings.compute!r}; use 'local' or 'modal'")
