"""Small helpers for Studio tests: real PNG bytes with or without metadata."""

from __future__ import annotations

import io

from PIL import Image

from app.services.gallery.metadata import ImageMetadata, png_info


def png_bytes(
    color: tuple[int, int, int] = (147, 51, 234),
    size: tuple[int, int] = (48, 32),
    metadata: ImageMetadata | None = None,
) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    image.save(buffer, format="PNG", pnginfo=png_info(metadata) if metadata else None)
    return buffer.getvalue()
