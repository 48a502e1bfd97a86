"""The server's image-model table: pure data and the one cost rule.

The desktop never prices a job: it reads ``credits`` from ``GET /v1/image-models`` (built here by
``model_table``), which come from the same ``charge`` the job store reserves. Keep this module free of
heavy imports (the generator image and tests import it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from modal_app.contract import ASPECT_RATIOS, MAX_COUNT, ImageModel, ModelTable
from modal_app.contract import SIZES as SIZES  # re-exported: the API checks sizes against it

SIZE_CREDITS: dict[str, int] = {"1K": 1, "2K": 2, "4K": 4}

#: Width × height per aspect ratio. Every side is a multiple of 16 (both pipelines need it: VAE factor 8
#: × 2×2 latent packing).
PixelTable = Mapping[str, tuple[int, int]]

#: About one megapixel: the 1K tier of both models (FLUX.1 and Qwen-Image both train on ~1 MP buckets).
ONE_MEGAPIXEL: PixelTable = {
    "1:1": (1024, 1024),
    "16:9": (1344, 768),
    "9:16": (768, 1344),
    "4:3": (1152, 864),
    "3:4": (864, 1152),
}
#: Qwen-Image's own recommended sizes (the ``aspect_ratios`` table of the QwenLM/Qwen-Image README and
#: model card), 1.5–1.8 MP: the largest it makes well. Larger (4K = 65,536 image tokens) is ~10 s a step
#: per image and the VAE decode at 16.7 MP runs out of memory on an 80 GB H100.
QWEN_IMAGE_NATIVE: PixelTable = {
    "1:1": (1328, 1328),
    "16:9": (1664, 928),
    "9:16": (928, 1664),
    "4:3": (1472, 1104),
    "3:4": (1104, 1472),
}
#: FLUX.1 [schnell] at about 1.5 MP, the most it makes without duplicated subjects (it was trained up to
#: ~2 MP, mostly around 1 MP).
FLUX_HIGH: PixelTable = {
    "1:1": (1216, 1216),
    "16:9": (1632, 928),
    "9:16": (928, 1632),
    "4:3": (1408, 1056),
    "3:4": (1056, 1408),
}

#: Gemini image models' 1K output sizes (ai.google.dev, "Image generation with Gemini": 1K/2K/4K resolution
#: table); 2K and 4K double and quadruple each side.
GEMINI_1K: PixelTable = {"1:1": (1024, 1024), "16:9": (1376, 768), "9:16": (768, 1376)}
#: What gpt-image-1 makes (its ``size`` parameter accepts 1024x1024, 1536x1024 and 1024x1536 only): the
#: landscape and portrait shapes stand in for 4:3 and 3:4.
GPT_IMAGE_SIZES: PixelTable = {"1:1": (1024, 1024), "4:3": (1536, 1024), "3:4": (1024, 1536)}
#: SD-Turbo is trained at 512 px: larger sizes repeat subjects.
SD_TURBO_SIZES: PixelTable = {
    "1:1": (512, 512),
    "16:9": (704, 400),
    "9:16": (400, 704),
    "4:3": (576, 432),
    "3:4": (432, 576),
}


def scaled(table: PixelTable, factor: int) -> PixelTable:
    """Each size of ``table`` with both sides times ``factor``."""
    return {ratio: (w * factor, h * factor) for ratio, (w, h) in table.items()}


@dataclass(frozen=True)
class ModelSpec:
    """A model the server can make images with, and its price multiplier (server-only)."""

    id: str
    name: str
    provider: str
    credit_multiplier: int
    # Size tier ("1K", "2K") → the pixels made for each aspect ratio; only sizes the model does well.
    pixels: Mapping[str, PixelTable]
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

    @property
    def sizes(self) -> tuple[str, ...]:
        return tuple(self.pixels)

    @property
    def aspect_ratios(self) -> tuple[str, ...]:
        """The aspect ratios every size of the model makes (in the contract's order)."""
        return tuple(a for a in ASPECT_RATIOS if all(a in table for table in self.pixels.values()))

    @property
    def max_pixels(self) -> int:
        """The largest image (width × height) the model is offered at; the generator refuses more."""
        return max(w * h for table in self.pixels.values() for w, h in table.values())

    def dimensions(self, size: str, aspect_ratio: str) -> tuple[int, int]:
        """Width and height in pixels of one image of this size tier and aspect (KeyError if not made)."""
        return self.pixels[size][aspect_ratio]

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
        pixels={"1K": ONE_MEGAPIXEL, "2K": QWEN_IMAGE_NATIVE},
        steps=4,
        reference_images=False,
        # The Lightning LoRA is CFG-distilled: its reference runs true_cfg_scale 1.0 (one transformer pass
        # a step). A negative prompt needs true CFG > 1: twice the time and burnt, over-saturated images.
        negative_prompt=False,
    ),
    ModelSpec(
        id="flux-schnell",
        name="FLUX.1 [schnell]",
        provider="Black Forest Labs",
        credit_multiplier=1,
        pixels={"1K": ONE_MEGAPIXEL, "2K": FLUX_HIGH},
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
        pixels={"1K": GEMINI_1K, "2K": scaled(GEMINI_1K, 2), "4K": scaled(GEMINI_1K, 4)},
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
        pixels={"1K": GEMINI_1K, "2K": scaled(GEMINI_1K, 2)},
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
        pixels={"1K": GPT_IMAGE_SIZES},
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
        pixels={"1K": SD_TURBO_SIZES},
        steps=1,
        reference_images=False,
        engines=("local",),
    ),
    ModelSpec(
        id="comfyui",
        name="ComfyUI (your checkpoint)",
        provider="ComfyUI",
        credit_multiplier=1,
        pixels={"1K": ONE_MEGAPIXEL},
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
        pixels={"1K": ONE_MEGAPIXEL},
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


def dimensions(model_id: str, size: str, aspect_ratio: str) -> tuple[int, int]:
    """Width and height in pixels of one image of ``size`` and ``aspect_ratio`` on the model (KeyError when
    the model is unknown or does not make that size and aspect)."""
    model = find_model(model_id)
    if model is None:
        raise KeyError(f"unknown image model {model_id!r}")
    return model.dimensions(size, aspect_ratio)
