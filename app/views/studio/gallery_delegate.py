"""Paints one gallery cell: a rounded card with the thumbnail, a placeholder until it arrives, a star.

While the grid scrolls most visible cells are placeholders for a moment, and a full-viewport repaint comes
every frame: the placeholder card (an antialiased rounded path, its border and a line of text) is painted
once per size, pixel ratio and kind into an image and blitted after that.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.views.studio.gallery_model import PathRole, RecordRole
from app.views.studio.thumbnail_loader import ThumbnailLoader
from app.views.theme import PALETTE
from app.views.widgets.focus import paint_focus_ring
from app.views.widgets.qt_guard import paint_fallback, qt_guarded

CELL = QSize(184, 184)
THUMB = QSize(176, 176)
RADIUS = 10.0


class GalleryDelegate(QStyledItemDelegate):
    def __init__(self, loader: ThumbnailLoader, accent: str = PALETTE.accent, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._accent = QColor(accent)
        self._surface = QColor(PALETTE.surface_alt)
        self._border = QColor(PALETTE.border)
        self._muted = QColor(PALETTE.muted)
        self._star = QColor(PALETTE.warning)
        self._placeholders: dict[tuple[int, int, float, bool], QImage] = {}  # (w, h, ratio, broken) -> card

    @qt_guarded(default=CELL)
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return CELL

    @qt_guarded(fallback=paint_fallback)
    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        rect: QRect = option.rect.adjusted(4, 4, -4, -4)  # type: ignore[attr-defined]
        state = option.state  # type: ignore[attr-defined]
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        painter.save()
        try:  # a failure must not leave the painter's state stack unbalanced
            self._paint_cell(painter, rect, index, selected=selected, hovered=hovered)
            if state & QStyle.StateFlag.State_HasFocus:  # the keyboard's place, in the cell's margin
                paint_focus_ring(painter, QRectF(option.rect).adjusted(1, 1, -1, -1), RADIUS + 2)  # type: ignore[attr-defined]
        finally:
            painter.restore()

    def _paint_cell(
        self,
        painter: QPainter,
        rect: QRect,
        index: QModelIndex | QPersistentModelIndex,
        *,
        selected: bool,
        hovered: bool,
    ) -> None:
        path = index.data(PathRole)
        device = painter.device()
        if device is not None:  # thumbnails for this screen's pixel ratio: sharp at 150 % and 200 %
            self._loader.set_ratio(device.devicePixelRatio())
        image = self._loader.image(path) if path else None
        if image is not None:
            # Already cropped to the cell, rounded and at the device's ratio: one blit, pixel for pixel.
            painter.drawImage(rect.topLeft(), image)
        else:
            broken = bool(path) and self._loader.is_broken(path)
            painter.drawImage(rect.topLeft(), self._placeholder_image(painter, rect.size(), broken))
            if path and not self._loader.is_broken(path):
                self._loader.request(path)
        record = index.data(RecordRole)
        if record is not None and record.favourite:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._draw_star(painter, rect)
        if selected or hovered:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            pen = QPen(self._accent if selected else self._border, 2.0 if selected else 1.0)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(rect).adjusted(1, 1, -1, -1), RADIUS, RADIUS)

    def _placeholder_image(self, painter: QPainter, size: QSize, broken: bool) -> QImage:
        """The placeholder card of ``size`` points at the painter's pixel ratio, painted on first use."""
        device = painter.device()
        ratio = device.devicePixelRatio() if device is not None else 1.0
        key = (size.width(), size.height(), ratio, broken)
        image = self._placeholders.get(key)
        if image is None:
            image = QImage(
                round(size.width() * ratio), round(size.height() * ratio), QImage.Format.Format_ARGB32_Premultiplied
            )
            image.setDevicePixelRatio(ratio)
            image.fill(Qt.GlobalColor.transparent)
            card = QPainter(image)
            card.setFont(QFont(painter.font()))
            card.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._placeholder(card, QRect(0, 0, size.width(), size.height()), broken)
            card.end()
            self._placeholders[key] = image
        return image

    def _placeholder(self, painter: QPainter, rect: QRect, broken: bool) -> None:
        card = QPainterPath()
        card.addRoundedRect(QRectF(rect), RADIUS, RADIUS)
        painter.fillPath(card, self._surface)
        painter.setPen(QPen(self._border, 1.0))
        painter.drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), RADIUS, RADIUS)
        painter.setPen(self._muted)
        text = "Cannot read image" if broken else "…"
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _draw_star(self, painter: QPainter, rect: QRect) -> None:
        badge = QRectF(rect.right() - 30, rect.top() + 6, 24, 24)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(10, 10, 10, 170))
        painter.drawEllipse(badge)
        painter.setPen(self._star)
        font = painter.font()
        font.setPointSizeF(11)
        painter.setFont(font)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, "★")
