"""SVG icons from resources/icons, tinted to the palette (the files draw with ``currentColor``).

Icons render on demand at the size and state Qt asks for, so nothing is drawn that is never shown.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from app.views.theme import PALETTE, RESOURCES_DIR

TRANSPARENT = QColor(0, 0, 0, 0)  # not Qt.GlobalColor: PySide's Qt namespace costs ~15 ms to build at start-up


@lru_cache(maxsize=256)
def svg_source(name: str) -> bytes:
    return (RESOURCES_DIR / "icons" / (name if name.endswith(".svg") else f"{name}.svg")).read_bytes()


@lru_cache(maxsize=256)
def renderer(name: str, color: str) -> QSvgRenderer:
    return QSvgRenderer(QByteArray(svg_source(name).replace(b"currentColor", color.encode())))


def screen_ratio() -> float:
    """The highest device pixel ratio of the screens (1.0 before a QGuiApplication exists)."""
    app = QGuiApplication.instance()
    return float(app.devicePixelRatio()) if isinstance(app, QGuiApplication) else 1.0


def pixmap(name: str, size: int, color: str | None = None, ratio: float | None = None) -> QPixmap:
    """``name`` drawn ``size`` × ``size`` device-independent pixels, with ``size × ratio`` real pixels and the
    ratio set (default: the screens' highest), so it stays sharp at 150 % and 200 %."""
    scale = ratio if ratio is not None else screen_ratio()
    image = QPixmap(round(size * scale), round(size * scale))
    image.fill(TRANSPARENT)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer(name, color or PALETTE.muted).render(painter, QRectF(0, 0, image.width(), image.height()))
    painter.end()
    image.setDevicePixelRatio(scale)
    return image


class TintedSvgEngine(QIconEngine):
    """Paints one SVG in ``color``, or ``active_color`` when the icon is checked or hovered."""

    def __init__(self, name: str, color: str, active_color: str | None) -> None:
        super().__init__()
        self.name, self.color, self.active_color = name, color, active_color
        self._cache: dict[tuple[int, int, str], QPixmap] = {}

    def _color(self, mode: QIcon.Mode, state: QIcon.State) -> str:
        if mode == QIcon.Mode.Disabled:
            return "#52525b"
        if self.active_color and (state == QIcon.State.On or mode == QIcon.Mode.Active):
            return self.active_color
        return self.color

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer(self.name, self._color(mode, state)).render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        color = self._color(mode, state)
        key = (size.width(), size.height(), color)
        cached = self._cache.get(key)
        if cached is None:
            cached = QPixmap(size)
            cached.fill(TRANSPARENT)
            painter = QPainter(cached)
            self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
            painter.end()
            self._cache[key] = cached
        return cached

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        """Qt asks this on HiDPI screens: the icon drawn at ``size × scale`` pixels with the ratio set."""
        drawn = QPixmap(self.pixmap(QSize(round(size.width() * scale), round(size.height() * scale)), mode, state))
        drawn.setDevicePixelRatio(scale)
        return drawn

    def clone(self) -> QIconEngine:
        return TintedSvgEngine(self.name, self.color, self.active_color)


def icon(name: str, color: str | None = None, active_color: str | None = None) -> QIcon:
    """An icon drawn at any size; ``active_color`` tints the checked/hovered state (e.g. the sidebar)."""
    return QIcon(TintedSvgEngine(name, color or PALETTE.muted, active_color))
