"""SVG icons from resources/icons, tinted to the palette (the files draw with ``currentColor``)."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from app.views.theme import PALETTE

SIZES = (16, 20, 24, 32, 48, 64)


@lru_cache(maxsize=256)
def svg_source(name: str) -> bytes:
    return (files("resources.icons") / name).read_bytes()


def pixmap(name: str, size: int, color: str | None = None) -> QPixmap:
    data = svg_source(name if name.endswith(".svg") else f"{name}.svg")
    data = data.replace(b"currentColor", (color or PALETTE.muted).encode())
    renderer = QSvgRenderer(QByteArray(data))
    image = QPixmap(size, size)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def icon(name: str, color: str | None = None, active_color: str | None = None) -> QIcon:
    """A multi-size icon; ``active_color`` tints the checked/selected state (e.g. the sidebar)."""
    result = QIcon()
    for size in SIZES:
        result.addPixmap(pixmap(name, size, color), QIcon.Mode.Normal, QIcon.State.Off)
        if active_color:
            result.addPixmap(pixmap(name, size, active_color), QIcon.Mode.Normal, QIcon.State.On)
            result.addPixmap(pixmap(name, size, active_color), QIcon.Mode.Active, QIcon.State.Off)
    return result
