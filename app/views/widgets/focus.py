"""The keyboard focus ring that item delegates paint themselves (cards, gallery cells, chat messages).

The stylesheet rings widgets (resources/theme/amethyst.qss, the "keyboard focus" block); a delegate that
paints its own items draws the same ring, in the same colour, around the current item while its view has
the focus (``QStyle.State_HasFocus``).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QButtonGroup

from app.views.theme import PALETTE

RING_WIDTH = 2.0


def focus_colour() -> QColor:
    """The ring's colour: the palette's light accent, as the stylesheet's ``:focus`` rules use."""
    return QColor(PALETTE.accent_light)


def paint_focus_ring(painter: QPainter, rect: QRectF, radius: float) -> None:
    """Draws a ``RING_WIDTH`` rounded ring just inside ``rect``; the painter's state is kept."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(focus_colour(), RING_WIDTH))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    half = RING_WIDTH / 2
    painter.drawRoundedRect(QRectF(rect).adjusted(half, half, -half, -half), radius, radius)
    painter.restore()


def arrows_move_within(group: QButtonGroup) -> None:
    """The arrow keys move the focus (and the choice) between ``group``'s buttons, as they do between radio
    buttons. Qt's arrow handling skips a grouped button that a click cannot focus unless it is
    auto-exclusive; the theme gives buttons Tab focus only (no ring after a click), so the group's buttons
    are made auto-exclusive (the group still decides which one is checked)."""
    for button in group.buttons():
        button.setAutoExclusive(True)
