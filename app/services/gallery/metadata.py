"""What an image was made from, and how it travels inside a PNG's text chunks.

Keys are prefixed ``amethyst:`` except ``prompt`` (read by many tools). Reading is forgiving: a PNG from
elsewhere may have none of them, or a ``parameters`` chunk in the common A1111 style, whose first line is
taken as the prompt.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from PIL import Image, PngImagePlugin

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
        metadata = cls()
        text = {str(key): str(value) for key, value in chunks.items() if isinstance(value, str | bytes)}
        metadata.prompt = text.get(PROMPT_KEY, "")
        if not metadata.prompt and "parameters" in text:
            metadata.prompt = text["parameters"].split("\n", 1)[0].strip()
        known = {item.name for item in fields(cls)}
        for key, value in text.items():
            if not key.startswith(PREFIX):
                continue
            name = key.removeprefix(PREFIX)
            if name not in known or name in {"extra", "prompt", "width", "height"}:
                metadata.extra[name] = value
            elif name == "seed":
                metadata.seed = _int_or_none(value)
            elif name == "cost":
                metadata.cost = _float_or_zero(value)
            else:
                setattr(metadata, name, value)
        return metadata


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _float_or_zero(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


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
    """The metadata in an image file; raises ``OSError``/``ValueError`` for a file Pillow cannot read."""
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        chunks = dict(getattr(image, "text", {}) or {})
        metadata = ImageMetadata.from_text_chunks(chunks)
        metadata.width, metadata.height = image.size
        image.load()  # a truncated file fails here rather than later in the grid
    return metadata
