"""The image-model table shared by the Studio API and the desktop: pure data and the cost rule.

Keep this module free of heavy imports; the desktop imports it at start-up.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

SIZES: tuple[str, ...] = ("1K", "2K", "4K")
ASPECT_RATIOS: tuple[str, ...] = ("1:1", "9:16", "16:9", "4:3", "3:4")
SIZE_CREDITS: dict[str, int] = {"1K": 1, "2K": 2, "4K": 4}
SIZE_EDGE: dict[str, int] = {"1K": 1024, "2K": 2048, "4K": 4096}
MAX_COUNT = 4
PIXEL_MULTIPLE = 64


@dataclass(frozen=True)
class ImageModel:
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

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sizes"] = list(self.sizes)
        data["aspect_ratios"] = list(self.aspect_ratios)
        return data


IMAGE_MODELS: tuple[ImageModel, ...] = (
    ImageModel(
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
    ImageModel(
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
)


def find_model(model_id: str) -> ImageModel | None:
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
