"""A one-line label that ends in "…" when it does not fit, instead of widening (and clipping) its parent.

The text takes its direction from its own first strong character (Unicode's rule, as Qt's
``QString::isRightToLeft``): an Arabic or Hebrew title is laid out right to left, aligned right, and its
"…" stands at its logical end (the left), whatever the window's direction. An elided label carries the
whole text as its tooltip and accessible name's description.
"""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

_RTL_CLASSES = {"R", "AL"}
_LTR_CLASSES = {"L"}


def text_direction(text: str) -> Qt.LayoutDirection:
    """The direction of ``text`` by its first strong character (left to right when it has none)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in _RTL_CLASSES:
            return Qt.LayoutDirection.RightToLeft
        if kind in _LTR_CLASSES:
            return Qt.LayoutDirection.LeftToRight
    return Qt.LayoutDirection.LeftToRight


def leading_alignment(direction: Qt.LayoutDirection) -> Qt.AlignmentFlag:
    """The absolute horizontal alignment where text of ``direction`` starts (right for right to left)."""
    if direction == Qt.LayoutDirection.RightToLeft:
        return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignAbsolute
    return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignAbsolute


def direction_flag(direction: Qt.LayoutDirection) -> Qt.TextFlag:
    """The ``drawText`` flag that lays text out in ``direction`` regardless of the painter's direction."""
    if direction == Qt.LayoutDirection.RightToLeft:
        return Qt.TextFlag.TextForceRightToLeft
    return Qt.TextFlag.TextForceLeftToRight


class ElidedLabel(QLabel):
    """Plain one-line text; elided at its logical end with the full text as tooltip when it does not fit."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self._own_tooltip = False

    def setText(self, text: str) -> None:
        super().setText(text)
        self._sync_tooltip()

    def direction(self) -> Qt.LayoutDirection:
        """The text's own direction (see ``text_direction``)."""
        return text_direction(self.text())

    def is_elided(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self.text()) > self.contentsRect().width()

    def elided_text(self) -> str:
        """What is painted: the text, cut at its logical end with "…" when it does not fit."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._sync_tooltip()

    def _sync_tooltip(self) -> None:
        # The whole text as tooltip only while it is cut, and never over a tooltip the owner set.
        if self.toolTip() and not self._own_tooltip:
            return
        elided = self.is_elided()
        self.setToolTip(self.text() if elided else "")
        self._own_tooltip = elided

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        direction = self.direction()
        flags = leading_alignment(direction) | Qt.AlignmentFlag.AlignVCenter
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(flags) | int(direction_flag(direction)), self.elided_text())
