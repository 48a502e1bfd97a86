"""What an image was made from, and how it travels inside a PNG's text chunks.

Keys are prefixed ``amethyst:`` except ``prompt`` (read by many tools). Reading is forgiving: a PNG from
elsewhere may have none of them, an AUTOMATIC1111-style ``parameters`` chunk or a ComfyUI graph
(``formats``); text chunks are read apart from the pixels (``png_text``).
"""

from __future__ import annotations

import contextlib
import io
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from PIL import Image, PngImagePlugin

from app.services.gallery import formats, png_text

PROMPT_KEY = "prompt"
PREFIX = "amethyst:"


@dataclass
class ImageMetadata:
    prompt: str = ""
    negative_prompt: str = ""
    model: str = ""
    size: str = ""
    aspect: str = ""
    seed: int | None = None
    cost: float = 0.0
    job_id: str | None = None
    width: int = 0
    height: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    def to_text_chunks(self) -> dict[str, str]:
        chunks: dict[str, str] = {PROMPT_KEY: self.prompt}
        for name, value in asdict(self).items():
            if name in {"prompt", "extra", "width", "height"} or value in (None, ""):
                continue
            chunks[PREFIX + name] = str(value)
        return chunks

    @classmethod
    def from_text_chunks(cls, chunks: dict[str, Any]) -> ImageMetadata:
        """Metadata from text chunks written by Amethyst, AUTOMATIC1111-style tools or ComfyUI. Values
        that are out of range (a seed past 64 bits, a negative cost) are dropped; another tool's original
        chunk is kept in ``extra`` as ``original:<keyword>``. A chunk that holds binary junk rather than text
        (control characters, undecodable bytes: ``png_text.is_text``) is dropped, so it never becomes a
        prompt."""
        metadata = cls()
        text = {
            str(key): _as_text(value)
            for key, value in chunks.items()
            if isinstance(value, str | bytes) and png_text.is_text(str(key)) and png_text.is_text(_as_text(value))
        }
        ours = any(key.startswith(PREFIX) for key in text)
        if not ours and "parameters" in text:
            _apply(metadata, formats.parse_a1111(text["parameters"]))
            metadata.extra[ORIGINAL + "parameters"] = text["parameters"]
        elif not ours and PROMPT_KEY in text and (comfy := formats.parse_comfy(text[PROMPT_KEY])) is not None:
            _apply(metadata, comfy)
            for key in (PROMPT_KEY, "workflow"):
                if key in text:
                    metadata.extra[ORIGINAL + key] = text[key]
        else:
            metadata.prompt = text.get(PROMPT_KEY, "")
        known = {item.name for item in fields(cls)}
        for key, value in text.items():
            if not key.startswith(PREFIX):
                continue
            name = key.removeprefix(PREFIX)
            if name not in known or name in {"extra", "prompt", "width", "height"}:
                metadata.extra[name] = value
            elif name == "seed":
                metadata.seed = _seed_or_none(value)
            elif name == "cost":
                metadata.cost = _cost_or_zero(value)
            else:
                setattr(metadata, name, value)
        return metadata


ORIGINAL = "original:"
MAX_SEED = 2**63 - 1  # the database stores seeds as 64-bit signed integers


def _as_text(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode("utf-8", errors="replace")


def _apply(metadata: ImageMetadata, parsed: formats.Parsed) -> None:
    metadata.prompt, metadata.negative_prompt, metadata.model = parsed.prompt, parsed.negative_prompt, parsed.model
    metadata.size = parsed.size
    metadata.seed = _seed_or_none(parsed.seed)
    metadata.extra.update(parsed.extra)


def _seed_or_none(value: str) -> int | None:
    """A seed the database can hold (0 … 2**63 − 1), else None."""
    try:
        seed = int(value.strip())
    except ValueError:
        return None
    return seed if 0 <= seed <= MAX_SEED else None


def _cost_or_zero(value: str) -> float:
    try:
        cost = float(value)
    except ValueError:
        return 0.0
    return cost if math.isfinite(cost) and 0 <= cost < 1e9 else 0.0


def png_info(metadata: ImageMetadata) -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    for key, value in metadata.to_text_chunks().items():
        info.add_itxt(key, value)
    return info


def write_png(image: Image.Image, path: Path, metadata: ImageMetadata) -> None:
    """Save ``image`` as a PNG at ``path`` with the metadata in its text chunks (atomic rename)."""
    temporary = path.with_name(path.name + ".part")
    image.save(temporary, format="PNG", pnginfo=png_info(metadata))
    temporary.replace(path)


def read_metadata(path: Path) -> ImageMetadata:
    """The metadata in an image file; raises ``OSError``/``ValueError`` (or another Pillow error) only when
    the pixels cannot be read. PNG text chunks are read apart from the pixels (``png_text``), so a damaged
    or oversized text chunk costs that chunk only."""
    data = path.read_bytes()
    chunks: dict[str, Any] = png_text.read_text(data)
    with Image.open(io.BytesIO(png_text.without_text(data))) as image:
        image.verify()
    with Image.open(io.BytesIO(png_text.without_text(data))) as image:
        if not png_text.is_png(data):
            with contextlib.suppress(Exception):  # another format's text (rare): best effort only
                chunks = dict(getattr(image, "text", {}) or {})
        width, height = image.size
        image.load()  # a truncated file fails here rather than later in the grid
    metadata = ImageMetadata.from_text_chunks(chunks)
    metadata.width, metadata.height = width, height
    return metadata
