"""Small helpers for image bytes that engines return: make them PNG, describe them in metadata."""

from __future__ import annotations

import io

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def as_png(data: bytes) -> bytes:
    """The image as PNG bytes (providers may answer JPEG or WebP); raises ValueError for non-images."""
    if data.startswith(PNG_SIGNATURE):
        return data
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            out = io.BytesIO()
            image.save(out, format="PNG")
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError("the engine returned something that is not an image") from error
    return out.getvalue()


def sniff_mime(data: bytes) -> str:
    """The MIME type of PNG, JPEG or WebP bytes (PNG when unknown)."""
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "image/png"
