"""File names and file formats for the gallery: sanitized names, unique paths, Save As conversions."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from PIL import Image

from app.services.gallery.metadata import ImageMetadata, png_info

EXPORT_FORMATS: dict[str, str] = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
IMPORTABLE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in range(1, 10)}
)
MAX_STEM = 80


def sanitize_filename(name: str, fallback: str = "image") -> str:
    """A file name safe on Windows, macOS and Linux: no separators or control characters, not reserved."""
    name = unicodedata.normalize("NFC", name)
    name = _FORBIDDEN.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" ._")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem.strip(" ._")[:MAX_STEM].rstrip(" ._")
    if not stem or stem.lower() in _RESERVED:
        stem = fallback if not stem else f"{stem}_"
    return f"{stem}.{suffix}" if suffix else stem


def slug(text: str, length: int = 40) -> str:
    words = re.findall(r"[\w]+", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode())
    joined = "-".join(words).lower()[:length].strip("-")
    return joined or "image"


def unique_path(folder: Path, filename: str) -> Path:
    candidate = folder / filename
    stem, suffix = candidate.stem, candidate.suffix
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{number}{suffix}"
        number += 1
    return candidate


def export_image(source: Path, target: Path, metadata: ImageMetadata | None = None) -> Path:
    """Write ``source`` to ``target`` in the format its suffix names (PNG, JPEG or WebP); returns the path.

    The file name is sanitized; the folder is the one the person chose. PNG keeps the metadata chunks.
    """
    folder = target.parent
    name = sanitize_filename(target.name)
    suffix = Path(name).suffix.lower()
    if suffix not in EXPORT_FORMATS:
        suffix = ".png"
        name = f"{Path(name).stem}{suffix}"
    destination = folder / name
    image_format = EXPORT_FORMATS[suffix]
    with Image.open(source) as image:
        image.load()
        if image_format == "JPEG":
            image.convert("RGB").save(destination, format="JPEG", quality=92)
        elif image_format == "WEBP":
            image.save(destination, format="WEBP", quality=95)
        else:
            pnginfo = png_info(metadata) if metadata is not None else None
            image.save(destination, format="PNG", pnginfo=pnginfo)
    return destination
