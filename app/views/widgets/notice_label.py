"""Error and notice text for narrow columns: wraps at spaces, and a single token wider than the line (a path,
an environment variable, a URL) is shortened in its middle with "…" instead of being broken mid-word or
widening the page. The whole text stays in the tooltip and the accessible description."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

# Wide enough for a sentence on one line; a notice never asks for more than this, so it cannot widen a page.
PREFERRED_WIDTH = 360


def fit_tokens(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` with every space-separated token wider than ``width`` pixels elided in its middle."""
    if width <= 0:
        return text
    lines = []
    for line in text.split("\n"):
        words = line.split(" ")
        lines.append(
            " ".join(
                metrics.elidedText(word, Qt.TextElideMode.ElideMiddle, width)
                if metrics.horizontalAdvance(word) > width
                else word
                for word in words
            )
        )
    return "\n".join(lines)


class NoticeLabel(QLabel):
    """Plain text that wraps to the width it is given (height for width), never wider than its column."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)  # what it does (drawn by its own text layout below)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text if text else "")
        self.setAccessibleDescription(text)
        self.updateGeometry()

    def shown_text(self, width: int | None = None) -> str:
        """What is drawn at ``width`` (default: the current one): long tokens elided."""
        inner = self.contentsRect().width() if width is None else width
        return fit_tokens(self.text(), self.fontMetrics(), inner)

    def _layout(self, width: int) -> tuple[QTextLayout, float]:
        layout = QTextLayout(self.shown_text(width).replace("\n", "\u2028"), self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WordWrap)
        if self.layoutDirection() == Qt.LayoutDirection.RightToLeft:
            option.setTextDirection(Qt.LayoutDirection.RightToLeft)
        layout.setTextOption(option)
        height = 0.0
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(max(1, width))
            line.setPosition(QPointF(0, height))
            height += line.height()
        layout.endLayout()
        return layout, height

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        if not self.text():
            return 0
        margins = self.contentsMargins()
        inner = width - margins.left() - margins.right()
        return math.ceil(self._layout(inner)[1]) + margins.top() + margins.bottom()

    def sizeHint(self) -> QSize:
        if not self.text():
            return QSize(0, 0)
        widest = max(self.fontMetrics().horizontalAdvance(line) for line in self.text().split("\n"))
        width = max(1, min(widest + 2, PREFERRED_WIDTH))
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(40, self.fontMetrics().height() if self.text() else 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = self.contentsRect()
        layout, _height = self._layout(rect.width())
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        layout.draw(painter, QPointF(rect.topLeft()))
