"""Where the main window opens: sized from the screen's available geometry (the part not taken by task
bars and docks), never smaller than fits a 1280×720 screen, and a saved geometry only when it still fits
a connected screen (a monitor unplugged since must not leave the window off-screen)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRect, QSize

# Fits a 1280×720 screen with a task bar and the window frame; every place lays out at this size.
MINIMUM = QSize(960, 600)
# A new window never needs more than this; on a large screen it opens centred, not maximised.
PREFERRED = QSize(1440, 900)
MARGIN = 16  # px kept free around a new window on a small screen, for the frame and the shadow
FRAME_SLACK = 40  # px a saved window may reach past a screen's edge (title bar, frame, rounding)


def first_geometry(available: QRect) -> QRect:
    """The first window's rectangle on a screen whose available geometry is ``available``: the preferred
    size, shrunk to the screen less a margin (but not below ``MINIMUM``), centred."""
    width = max(MINIMUM.width(), min(PREFERRED.width(), available.width() - 2 * MARGIN))
    height = max(MINIMUM.height(), min(PREFERRED.height(), available.height() - 2 * MARGIN - 32))
    rect = QRect(0, 0, width, height)
    rect.moveCenter(available.center())
    rect.moveTop(max(available.top(), rect.top()))
    rect.moveLeft(max(available.left(), rect.left()))
    return rect


def fits_a_screen(rect: QRect, screens: Sequence[QRect]) -> bool:
    """Whether ``rect`` (a window's geometry) lies on one of ``screens`` (available geometries)."""
    return any(
        screen.adjusted(-FRAME_SLACK, -FRAME_SLACK, FRAME_SLACK, FRAME_SLACK).contains(rect) for screen in screens
    )
