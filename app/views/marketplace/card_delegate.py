"""Paints one model card: provider, name, kind, a line of description, context, price, stars and usage.

One delegate paints every card, so thousands of models cost no widgets. Colours come from the palette;
purple marks only the selected and hovered cards, since cards are what the person clicks.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.services.catalog import CatalogEntry
from app.services.catalog.formatting import format_tokens, price_summary
from app.views.marketplace.card_model import EntryRole, RatingRole, UsageRole
from app.views.theme import PALETTE
from app.views.widgets.focus import paint_focus_ring
from app.views.widgets.qt_guard import paint_fallback, qt_guarded

CARD_SIZE = QSize(256, 178)
MARGIN = 6  # space between cards, inside each item's rectangle
PADDING = 14
KIND_LABELS = {"chat": "Chat", "code": "Code", "image": "Image", "embedding": "Embedding"}
STAR_COLOUR = PALETTE.warning  # ratings read as gold everywhere; purple stays for what is clickable


def star_polygon(centre: QPointF, outer: float) -> QPolygonF:
    """A five-pointed star around ``centre``."""
    import math

    inner = outer * 0.45
    points = []
    for step in range(10):
        radius = outer if step % 2 == 0 else inner
        angle = math.radians(-90 + step * 36)
        points.append(QPointF(centre.x() + radius * math.cos(angle), centre.y() + radius * math.sin(angle)))
    return QPolygonF(points)


class CardDelegate(QStyledItemDelegate):
    def __init__(self, accent: str = PALETTE.accent, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accent = QColor(accent)
        self.card_size = CARD_SIZE  # the grid widens it to share the row's leftover width

    @qt_guarded(default=QSize())
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return self.card_size

    @qt_guarded(fallback=paint_fallback)
    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        entry: CatalogEntry | None = index.data(EntryRole)
        if entry is None:
            return
        stars: int = index.data(RatingRole) or 0
        used: int = index.data(UsageRole) or 0
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = QRectF(option.rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN))
        path = QPainterPath()
        path.addRoundedRect(card, 10, 10)
        background = QColor(PALETTE.surface_alt)
        if selected:
            background = QColor(PALETTE.accent_dark)
            background.setAlpha(150)
        painter.fillPath(path, QColor(PALETTE.surface_alt))
        if selected:
            painter.fillPath(path, background)
        border = self.accent if selected else QColor(self.accent).darker(140) if hovered else QColor(PALETTE.border)
        painter.setPen(QPen(border, 2 if selected else 1))
        painter.drawPath(path)
        if focused:  # the keyboard's place: a light ring outside the card's own border
            paint_focus_ring(painter, card.adjusted(-3, -3, 3, 3), 13)

        inner = card.adjusted(PADDING, PADDING - 2, -PADDING, -PADDING + 2).toRect()
        base_font = QFont(option.font)
        self._draw_header(painter, inner, entry, base_font)
        self._draw_name_and_description(painter, inner, entry, base_font)
        self._draw_numbers(painter, inner, entry, used, base_font)
        self._draw_stars(painter, inner, stars, base_font)
        painter.restore()

    def _draw_header(self, painter: QPainter, rect: QRect, entry: CatalogEntry, base: QFont) -> None:
        small = QFont(base)
        small.setPointSizeF(max(base.pointSizeF() - 1.0, 7.5))
        small.setWeight(QFont.Weight.DemiBold)
        small.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 104)
        painter.setFont(small)
        metrics = QFontMetrics(small)
        badge_text = KIND_LABELS.get(entry.kind, entry.kind)
        if entry.licence.weights:
            badge_text += " · Open" if entry.licence.commercial else " · Open (NC)"
        badge_width = metrics.horizontalAdvance(badge_text) + 16
        badge = QRectF(rect.right() - badge_width, rect.top(), badge_width, metrics.height() + 6)
        painter.setPen(QPen(QColor(PALETTE.border), 1))
        painter.setBrush(QColor(PALETTE.surface))
        painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
        painter.setPen(QColor(PALETTE.muted))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, badge_text)
        provider_rect = QRect(rect.left(), rect.top(), rect.width() - badge_width - 8, int(badge.height()))
        painter.drawText(
            provider_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(entry.provider.upper(), Qt.TextElideMode.ElideRight, provider_rect.width()),
        )

    def _draw_name_and_description(self, painter: QPainter, rect: QRect, entry: CatalogEntry, base: QFont) -> None:
        title = QFont(base)
        title.setPointSizeF(base.pointSizeF() + 2.0)
        title.setWeight(QFont.Weight.DemiBold)
        painter.setFont(title)
        painter.setPen(QColor(PALETTE.text))
        metrics = QFontMetrics(title)
        name_rect = QRect(rect.left(), rect.top() + 26, rect.width(), metrics.height())
        painter.drawText(
            name_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(entry.name, Qt.TextElideMode.ElideRight, rect.width()),
        )
        body = QFont(base)
        body.setPointSizeF(max(base.pointSizeF() - 0.5, 7.5))
        painter.setFont(body)
        painter.setPen(QColor(PALETTE.muted))
        body_metrics = QFontMetrics(body)
        top = name_rect.bottom() + 4
        for line in _two_lines(entry.description, body_metrics, rect.width()):
            painter.drawText(
                QRect(rect.left(), top, rect.width(), body_metrics.height()), Qt.AlignmentFlag.AlignLeft, line
            )
            top += body_metrics.height()

    def _draw_numbers(self, painter: QPainter, rect: QRect, entry: CatalogEntry, used: int, base: QFont) -> None:
        """Two lines above the stars: context and usage, then the price across the whole card."""
        font = QFont(base)
        font.setPointSizeF(max(base.pointSizeF() - 0.5, 7.5))
        painter.setFont(font)
        metrics = QFontMetrics(font)
        step = metrics.height() + 3
        context_line = QRect(rect.left(), rect.bottom() - 3 * step + 3, rect.width(), metrics.height())
        price_line = context_line.translated(0, step)
        if entry.kind == "image":
            context = "Text to image"
        elif entry.context_window:
            context = f"{format_tokens(entry.context_window)} context"
        else:
            context = ""
        painter.setPen(QColor(PALETTE.text))
        painter.drawText(context_line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, context)
        painter.setPen(QColor(PALETTE.muted))
        painter.drawText(
            context_line,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            f"Used {used}×" if used else "Not used yet",
        )
        painter.setPen(QColor(PALETTE.text))
        painter.drawText(
            price_line,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(price_summary(entry), Qt.TextElideMode.ElideRight, rect.width()),
        )

    def _draw_stars(self, painter: QPainter, rect: QRect, stars: int, base: QFont) -> None:
        font = QFont(base)
        font.setPointSizeF(max(base.pointSizeF() - 1.0, 7.5))
        painter.setFont(font)
        metrics = QFontMetrics(font)
        y = rect.bottom() - metrics.height() / 2
        painter.setPen(Qt.PenStyle.NoPen)
        for number in range(5):
            centre = QPointF(rect.left() + 6 + number * 15, y)
            painter.setBrush(QColor(STAR_COLOUR) if number < stars else QColor(PALETTE.border))
            painter.drawPolygon(star_polygon(centre, 6.2))
        painter.setPen(QColor(PALETTE.muted))
        label = f"{stars}/5" if stars else "Not rated"
        text_rect = QRect(rect.left() + 80, rect.bottom() - metrics.height(), 120, metrics.height())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)


def _two_lines(text: str, metrics: QFontMetrics, width: int) -> list[str]:
    """The text wrapped to two lines of ``width`` pixels, the second elided."""
    words = text.split()
    first: list[str] = []
    while words and metrics.horizontalAdvance(" ".join([*first, words[0]])) <= width:
        first.append(words.pop(0))
    if not words:
        return [" ".join(first)]
    rest = metrics.elidedText(" ".join(words), Qt.TextElideMode.ElideRight, width)
    return [" ".join(first), rest]
