"""Image compute back-ends behind one interface (modal_app.compute.base.ImageCompute)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modal_app.compute.base import ImageCompute

if TYPE_CHECKING:
    from modal_app.settings import ServerSettings


def build_compute(settings: ServerSettings) -> ImageCompute:
    """The compute the settings name: an injected object, or "local" / "modal" behind the engine registry
    (``compute/engines.py``: provider image APIs and the person's local servers next to it)."""
    if isinstance(settings.compute, ImageCompute):
        return settings.compute
    base: ImageCompute
    if settings.compute == "local":
        from modal_app.compute.managed import ManagedLocalCompute

        base = ManagedLocalCompute(settings.data_dir, settings.local_image_model)
    elif settings.compute == "modal":
        from modal_app.compute.modal_compute import ModalImageCompute

        base = ModalImageCompute(settings.modal_app_name)
    else:
        raise ValueError(f"unknown compute {settings.compute!r}; use 'local' or 'modal'")
    # --- engines (issue 15) ---
    from modal_app.compute.engines import build_engines, default_engine_settings

    local = settings.local_account and not settings.billing_enabled  # the Local connection
    engines = settings.engines if settings.engines is not None else default_engine_settings(local)
    return build_engines(base, settings.compute, engines, local=local)
