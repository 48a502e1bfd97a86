"""The Marketplace fits the real window at every supported size: nothing clipped, cards in columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from app.context import AppContext
from app.views.main_window import MainWindow
from app.views.marketplace.page import MarketplacePage


def _open(qtbot, context: AppContext, width: int, height: int) -> tuple[MainWindow, MarketplacePage]:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    window.open_place("marketplace")
    page = window.page("marketplace")
    assert isinstance(page, MarketplacePage)
    qtbot.waitUntil(lambda: page.ready)
    return window, page


def _scrolled(widget: QWidget, page: QWidget) -> bool:
    """Inside a scroll area's viewport: content larger than its window is scrolled, not clipped."""
    parent = widget.parentWidget()
    while parent is not None and parent is not page:
        grandparent = parent.parentWidget()
        if isinstance(grandparent, QAbstractScrollArea) and parent is grandparent.viewport():
            return True
        parent = grandparent
    return False


def _nothing_clipped(page: QWidget) -> None:
    assert _clipped_children(page) == []


def _clipped_children(page: QWidget) -> list[str]:
    """Visible descendants whose rectangle, mapped to the page, pokes out of the page."""
    bounds = page.rect()
    out = []
    for child in page.findChildren(QWidget):
        if not child.isVisibleTo(page) or child.isWindow() or _scrolled(child, page):
            continue
        top_left = child.mapTo(page, QPoint(0, 0))
        rect = QRect(top_left, child.size())
        if not bounds.contains(rect):
            out.append(f"{type(child).__name__}#{child.objectName()} {rect} outside {bounds}")
    return out


@pytest.mark.parametrize("size", [(960, 620), (1280, 800)])
def test_nothing_is_clipped_with_the_sidebar_expanded(
    qtbot, qloop, context: AppContext, size, screenshot_dir: Path
) -> None:
    window, page = _open(qtbot, context, *size)

    def laid_out() -> None:  # once the posted layout passes ran, however long they take
        assert window.sidebar.width() >= 200
        assert page.width() <= window.width() - window.sidebar.width()
        assert _clipped_children(page) == []
        columns = max(1, page.grid.viewport().width() // page.grid.gridSize().width())
        assert columns >= (2 if size[0] >= 1280 else 1), "the card grid should use the room it has"

    qtbot.waitUntil(laid_out)
    window.grab().save(str(screenshot_dir / f"marketplace-{size[0]}x{size[1]}.png"))
    page.show_model("claude-sonnet-4-5")
    qtbot.waitUntil(lambda: _nothing_clipped(page))
    window.grab().save(str(screenshot_dir / f"marketplace-{size[0]}x{size[1]}-selected.png"))
