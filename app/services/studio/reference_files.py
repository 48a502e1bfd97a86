"""Reading a reference image for the Studio's prompt form, off the UI thread (``Workers.blocking``)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 15_000_000  # base64 of this stays under the contract's MAX_REFERENCE_IMAGE
THUMB_PIXELS = 96  # the thumbnail's longer side (the form shows it at 40 logical pixels, HiDPI-sharp)


class ReferenceProblem(Exception):
    """A file that cannot be a reference image; ``str(error)`` is fit to show."""


@dataclass(frozen=True)
class ReferenceImage:
    path: Path
    data: bytes  # the file's bytes, sent as they are
    thumbnail: bytes  # a small PNG for the form


def read_reference(path: Path, max_bytes: int = MAX_BYTES) -> ReferenceImage:
    """Read and check one image (PNG, JPEG or WebP under ``max_bytes``) and make its thumbnail (Pillow).
    Raises ``ReferenceProblem``."""
    from PIL import Image, UnidentifiedImageError

    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ReferenceProblem(f"{path.name} is {size / 1e6:.0f} MB; reference images must be under 15 MB.")
        data = path.read_bytes()
    except OSError as error:
        raise ReferenceProblem(f"Could not read {path.name}: {error.strerror or error}") from error
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG", "WEBP"):
                raise ReferenceProblem(f"{path.name} is a {image.format} image; use PNG, JPEG or WebP.")
            image.thumbnail((THUMB_PIXELS, THUMB_PIXELS))
            out = io.BytesIO()
            image.convert("RGBA").save(out, "PNG")
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise ReferenceProblem(f"{path.name} is not an image the Studio can send (PNG, JPEG or WebP).") from error
    return ReferenceImage(path, data, out.getvalue())
