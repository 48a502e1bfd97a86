"""Every place at 960 px (the minimum), 1366×768 and 1920×1080: nothing scrolls sideways, no visible label
or button runs past the window's right edge, and a screenshot of each is written to look at
(artifacts/screenshots/fit-<place>-<width>.png). Long notices wrap at spaces and elide long tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QLabel, QWidget

from app.context import AppContext
from app.views.main_window import MainWindow
from app.views.places import PLACES
from app.views.widgets.notice_label import NoticeLabel

SIZES = [(960, 600), (1366, 768), (1920, 1080)]
LONG_ERROR = (
    "The local image model could not be loaded: set AMETHYST_LOCAL_IMAGE_MODEL to a diffusers folder, e.g. "
    "/home/someone/.cache/huggingface/hub/models--Qwen--Qwen-Image-Lightning/snapshots/0123456789abcdef0123456789 "
    "and restart."
)


def sideways_scrollers(root: QWidget) -> list[str]:
    """Visible scroll areas under ``root`` whose horizontal scroll bar shows."""
    found = []
    for area in root.findChildren(QAbstractScrollArea):
        if area.isVisibleTo(root) and area.horizontalScrollBar().isVisible():
            found.append(f"{type(area).__name__}#{area.objectName()}")
    return found


def past_the_right_edge(window: QWidget) -> list[str]:
    """Visible labels and buttons whose right edge lies beyond the window's."""
    found = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, (QLabel, QAbstractButton)) or not widget.isVisibleTo(window):
            continue
        if widget.width() <= 1:
            continue
        right = widget.mapTo(window, widget.rect().topRight()).x()
        if right > window.width() + 1:
            found.append(f"{type(widget).__name__}#{widget.objectName()} {widget.text()[:40]!r} right={right}")
    return found


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_place_fits_without_sideways_scrolling(
    qtbot, context: AppContext, screenshot_dir: Path, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    for spec in PLACES:
        window.open_place(spec.key)
        qtbot.wait(60)
        if spec.key == "settings":  # the longest notice the app shows, in the narrowest column
            page = window.page("settings")
            row = page.keys.rows["openai"]  # type: ignore[attr-defined]
            row.error.setText(LONG_ERROR)
            qtbot.wait(30)
        assert window.grab().save(str(screenshot_dir / f"fit-{spec.key}-{size[0]}.png"))
        assert sideways_scrollers(window) == [], spec.key
        assert past_the_right_edge(window) == [], spec.key
    assert window.width() == size[0]  # the window did not grow to fit something


def test_a_notice_wraps_at_spaces_and_elides_a_long_token(qtbot) -> None:  # type: ignore[no-untyped-def]
    label = NoticeLabel(LONG_ERROR)
    qtbot.addWidget(label)
    label.resize(260, label.heightForWidth(260))
    shown = label.shown_text(260)
    words = shown.split()
    assert "AMETHYST_LOCAL_IMAGE_MODEL" in words  # fits the line: kept whole, never broken mid-word
    assert any("…" in word for word in words)  # the path is wider than the line: shortened in its middle
    assert all(label.fontMetrics().horizontalAdvance(word) <= 260 for word in words)
    assert label.toolTip() == LONG_ERROR  # the whole text stays reachable
    assert label.sizeHint().width() <= 360 and label.minimumSizeHint().width() <= 40
