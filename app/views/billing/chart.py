"""A small painted bar chart (credits per day, per model): no chart library needed for two bar series."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.views.theme import PALETTE


class BarChart(QWidget):
    """Vertical bars with a value scale; labels under the bars (thinned out when they would collide)."""

    def __init__(self, title: str, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.empty_text = empty_text
        self.bars: list[tuple[str, int]] = []
        self.setMinimumHeight(200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName(title)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # reachable, so a screen reader reads its description

    def sizeHint(self) -> QSize:
        return QSize(420, 220)

    def set_bars(self, bars: Sequence[tuple[str, int]]) -> None:
        self.bars = list(bars)
        total = sum(value for _label, value in self.bars)
        listed = ", ".join(f"{label}: {value}" for label, value in self.bars if value)
        self.setAccessibleDescription(f"{total} credits in all. {listed}" if total else self.empty_text)
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        painter.setPen(QColor(PALETTE.border))
        painter.setBrush(QColor(PALETTE.surface))
        painter.drawRoundedRect(rect, 10, 10)
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        painter.setPen(QColor(PALETTE.text))
        painter.drawText(
            rect.adjusted(14, 10, -14, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, self.title
        )
        top = rect.top() + 18 + line
        peak = max((value for _label, value in self.bars), default=0)
        if peak <= 0:
            painter.setPen(QColor(PALETTE.muted))
            painter.drawText(rect.adjusted(14, line + 10, -14, -10), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        scale_width = metrics.horizontalAdvance(str(peak)) + 8
        plot = QRectF(
            rect.left() + 14 + scale_width, top, rect.width() - 28 - scale_width, rect.bottom() - top - line - 12
        )
        painter.setPen(QColor(PALETTE.muted))
        painter.drawText(
            QRectF(rect.left() + 8, plot.top() - line / 2, scale_width, line), Qt.AlignmentFlag.AlignRight, str(peak)
        )
        painter.drawText(
            QRectF(rect.left() + 8, plot.bottom() - line / 2, scale_width, line), Qt.AlignmentFlag.AlignRight, "0"
        )
        painter.setPen(QColor(PALETTE.border))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        slot = plot.width() / len(self.bars)
        bar_width = max(2.0, slot * 0.7)
        label_every = max(1, int((metrics.horizontalAdvance("00-00") + 6) // slot) + 1)
        painter.setPen(Qt.PenStyle.NoPen)
        for index, (label, value) in enumerate(self.bars):
            x = plot.left() + index * slot + (slot - bar_width) / 2
            height = plot.height() * value / peak
            painter.setBrush(QColor(PALETTE.accent))
            painter.drawRoundedRect(QRectF(x, plot.bottom() - height, bar_width, height), 2, 2)
            if index % label_every == 0:
                painter.setPen(QColor(PALETTE.muted))
                text = metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(slot * label_every) - 4)
                painter.drawText(
                    QRectF(plot.left() + index * slot, plot.bottom() + 4, slot * label_every, line),
                    Qt.AlignmentFlag.AlignLeft,
                    text,
                )
                painter.setPen(Qt.PenStyle.NoPen)
