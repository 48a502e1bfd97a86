"""Fixtures for the Studio's service tests."""

import pytest

from tests.studio.service_harness import make_studio

__all__ = ["make_studio"]


@pytest.fixture(autouse=True)
def steered_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's table with Qwen-Image taking negative prompts. No model does today (Lightning is
    CFG-distilled), but these jobs carry one through to the gallery, which stays exact for a model that does."""
    import dataclasses

    from modal_app import image_models

    steered = tuple(
        dataclasses.replace(m, negative_prompt=m.id == "qwen-image-lightning") for m in image_models.IMAGE_MODELS
    )
    monkeypatch.setattr(image_models, "IMAGE_MODELS", steered)
