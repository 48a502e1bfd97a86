"""The image-model table (``GET /v1/image-models``): each model's sizes, engines and server-side prices."""

from __future__ import annotations

from pydantic import model_validator

from modal_app.contract.base import Answer
from modal_app.contract.jobs import MAX_COUNT


class ImageModel(Answer):
    """One row of the image-model table. ``credits[size][n - 1]`` is what a job of ``n`` images of that
    size costs on this server, as it will be reserved: the desktop shows it and never computes a price."""

    id: str
    name: str
    provider: str
    sizes: tuple[str, ...]
    aspect_ratios: tuple[str, ...]
    steps: int
    reference_images: bool
    negative_prompt: bool  # whether a negative prompt steers the model
    active: bool
    credits: dict[str, tuple[int, ...]]
    # --- engines (issue 15): who serves the model and whether it can run here now ---
    engines: tuple[str, ...] = ()  # every engine that can serve it (modal, local, openai, gemini, comfyui, a1111)
    engine: str = ""  # the engine that serves it on this server ("" when none is configured)
    ready: bool = True
    reason: str = ""  # why not ready, in words the person can act on
    fix: str = ""  # what fixes it: "key:openai", "key:google", "download:<model>", "server:comfyui", "settings"
    max_reference_images: int = 0

    def cost(self, size: str, count: int) -> int | None:
        """Credits for ``count`` images of ``size``, or None when this model does not make that."""
        prices = self.credits.get(size)
        if prices is None or not 1 <= count <= len(prices):
            return None
        return prices[count - 1]


class ModelTable(Answer):
    """``GET /v1/image-models``: the models this server makes, their prices, and whether it can
    generate now (when not, ``compute_message`` says why and what to do)."""

    models: tuple[ImageModel, ...]
    max_count: int
    compute_ready: bool
    compute_message: str

    @model_validator(mode="after")
    def _priced(self) -> ModelTable:
        for model in self.models:
            for size in model.sizes:
                if len(model.credits.get(size, ())) != self.max_count:
                    raise ValueError(f"{model.id} lists no price for each count of {size} images")
        return self

    @classmethod
    def empty(cls) -> ModelTable:
        """No models yet (before the server has answered)."""
        return cls(models=(), max_count=MAX_COUNT, compute_ready=True, compute_message="")

    def get(self, model_id: str) -> ImageModel | None:
        return next((model for model in self.models if model.id == model_id), None)

    def cost(self, model_id: str, size: str, count: int) -> int | None:
        """What the server will reserve for this request, or None if it does not make it."""
        model = self.get(model_id)
        return None if model is None else model.cost(size, count)
