"""The server's image-model table: pure data and the one cost rule.

The desktop never prices a job: it reads ``credits`` from ``GET /v1/image-models`` (built here by
``model_table``), which come from the same ``charge`` the job store reserves. Keep this module free of
heavy imports (the generator image and tests import it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from modal_app.contract import ASPECT_RATIOS, MAX_COUNT, SIZES, ImageModel, ModelTable

SIZE_CREDITS: dict[str, int] = {"1K": 1, "2K": 2, "4K": 4}
SIZE_EDGE: dict[str, int] = {"1K": 1024, "2K": 2048, "4K": 4096}
PIXEL_MULTIPLE = 64


@dataclass(frozen=True)
class ModelSpec:
    """A model the server can make images with, and its price multiplier (server-only)."""

    id: str
    name: str
    provider: str
    credit_multiplier: int
    sizes: tuple[str, ...]
    aspect_ratios: tuple[str, ...]
    steps: int
    reference_images: bool
    # Whether a negative prompt steers the model (true CFG); guidance-distilled models ignore one.
    negative_prompt: bool = False
    active: bool = True
    # --- engines (issue 15) ---
    # Engines that can serve the model, in order of preference: "modal" (cloud GPUs), "local" (the managed
    # diffusers model on this machine), "openai", "gemini", "comfyui", "a1111".
    engines: tuple[str, ...] = ("modal", "local")
    max_reference_images: int = 0
    # The provider's own model id where it differs from ``id`` (e.g. a "-preview" suffix).
    vendor_id: str = ""

    def wire(self, billing_enabled: bool) -> ImageModel:
        """This model as ``GET /v1/image-models`` lists it, priced by ``charge`` for every size and count."""
        return ImageModel(
            id=self.id,
            name=self.name,
            provider=self.provider,
            sizes=self.sizes,
            aspect_ratios=self.aspect_ratios,
            steps=self.steps,
            reference_images=self.reference_images,
            negative_prompt=self.negative_prompt,
            active=self.active,
            engines=self.engines,
            max_reference_images=self.max_reference_images,
            credits={
                size: tuple(charge(self.id, size, count, billing_enabled) for count in range(1, MAX_COUNT + 1))
                for size in self.sizes
            },
        )


IMAGE_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        id="qwen-image-lightning",
        name="Qwen-Image Lightning",
        provider="Qwen",
        credit_multiplier=1,
        sizes=SIZES,
        aspect_ratios=ASPECT_RATIOS,
        steps=4,
        reference_images=False,
        negative_prompt=True,
    ),
    ModelSpec(
        id="flux-schnell",
        name="FLUX.1 [schnell]",
        provider="Black Forest Labs",
        credit_multiplier=1,
        sizes=("1K", "2K"),
        aspect_ratios=ASPECT_RATIOS,
        steps=4,
        reference_images=False,
        negative_prompt=False,
    ),
    # --- engines (issue 15): provider image APIs and the person's own local servers ---
    ModelSpec(
        id="gemini-3-pro-image",
        name="Gemini 3 Pro Image",
        provider="Google",
        credit_multiplier=10,
        sizes=("1K", "2K", "4K"),
        aspect_ratios=("1:1", "9:16", "16:9"),
        steps=0,
        reference_images=True,
        engines=("gemini",),
        max_reference_images=14,  # Gemini 3 Pro Image takes up to 14 reference images (ai.google.dev)
        vendor_id="gemini-3-pro-image-preview",
    ),
    ModelSpec(
        id="gemini-2.5-flash-image",
        name="Gemini 2.5 Flash Image",
        provider="Google",
        credit_multiplier=5,
        sizes=("1K", "2K"),
        aspect_ratios=("1:1", "9:16", "16:9"),
        steps=0,
        reference_images=True,
        engines=("gemini",),
        max_reference_images=3,  # best results with up to 3 input images (ai.google.dev)
    ),
    ModelSpec(
        id="gpt-image-1",
        name="GPT Image 1",
        provider="OpenAI",
        credit_multiplier=4,
        sizes=("1K",),
        aspect_ratios=("1:1", "4:3", "3:4"),  # served as 1024x1024, 1536x1024, 1024x1536
        steps=0,
        reference_images=True,
        engines=("openai",),
        max_reference_images=16,  # images.edit takes up to 16 images for gpt-image-1 (platform.openai.com)
    ),
    ModelSpec(
        id="sd-turbo",
        name="SD-Turbo (on this computer)",
        provider="Stability AI",
        credit_multiplier=1,
        sizes=("1K",),
        aspect_ratios=ASPECT_RATIOS,
        steps=1,
        reference_images=False,
        engines=("local",),
    ),
    ModelSpec(
        id="comfyui",
        name="ComfyUI (your checkpoint)",
        provider="ComfyUI",
        credit_multiplier=1,
        sizes=("1K",),
        aspect_ratios=ASPECT_RATIOS,
        steps=20,
        reference_images=False,
        negative_prompt=True,
        engines=("comfyui",),
    ),
    ModelSpec(
        id="a1111",
        name="AUTOMATIC1111 / Forge (current model)",
        provider="AUTOMATIC1111",
        credit_multiplier=1,
        sizes=("1K",),
        aspect_ratios=ASPECT_RATIOS,
        steps=20,
        reference_images=False,
        negative_prompt=True,
        engines=("a1111",),
    ),
)


def find_model(model_id: str) -> ModelSpec | None:
    """The active model with this id, or None."""
    for model in IMAGE_MODELS:
        if model.id == model_id and model.active:
            return model
    return None


def image_cost(model_id: str, size: str, count: int = 1) -> int:
    """Credits for ``count`` images of ``size`` on the model: size tier × multiplier × count."""
    model = find_model(model_id)
    if model is None:
        raise KeyError(f"unknown image model {model_id!r}")
    if size not in SIZE_CREDITS:
        raise KeyError(f"unknown size {size!r}")
    return SIZE_CREDITS[size] * model.credit_multiplier * count


def charge(model_id: str, size: str, count: int, billing_enabled: bool) -> int:
    """What a job reserves on a server: ``image_cost`` with billing on, nothing with billing off."""
    return image_cost(model_id, size, count) if billing_enabled else 0


def model_table(billing_enabled: bool, compute_ready: bool, compute_message: str) -> ModelTable:
    """The answer of ``GET /v1/image-models``: the active models, priced as this server charges."""
    return ModelTable(
        models=tuple(model.wire(billing_enabled) for model in IMAGE_MODELS if model.active),
        max_count=MAX_COUNT,
        compute_ready=compute_ready,
        compute_message=compute_message,
    )


def image_seed(seed: int, index: int) -> int:
    """The seed of image ``index`` of a batch started with ``seed``: the generator draws image ``i`` with
    ``seed + i`` (wrapping within 32 bits), so each image can be made again alone."""
    return (seed + index) % 2**32


def dimensions(size: str, aspect_ratio: str) -> tuple[int, int]:
    """Width and height in pixels: about ``edge²`` pixels in the given aspect, multiples of 64."""
    edge = SIZE_EDGE[size]
    ratio_w, ratio_h = (int(part) for part in aspect_ratio.split(":"))
    width = edge * math.sqrt(ratio_w / ratio_h)
    height = edge * math.sqrt(ratio_h / ratio_w)

    def snap(value: float) -> int:
        return max(PIXEL_MULTIPLE, round(value / PIXEL_MULTIPLE) * PIXEL_MULTIPLE)

    return snap(width), snap(height)
