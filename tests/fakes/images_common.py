"""Shared bits of the image-provider fakes: a real small PNG and the request log."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any


def png(color: tuple[int, int, int] = (147, 51, 234), size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


@dataclass
class Seen:
    """What a fake received: request bodies (JSON or form fields), the keys presented, files uploaded."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    files: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
