"""Every place at 960 px (the minimum), 1366×768 and 1920×1080: nothing scrolls sideways, no visible label
or button runs past the window's right edge, and a screenshot of each is written to look at
(artifacts/screenshots/fit-<place>-<width>.png). Long notices wrap at spaces and elide long tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QTextEdit,
    QWidget,
)

from app.__main__ import start_studio
from app.context import AppContext
from app.services.studio.connection import ConnectionState
from app.views.main_window import MainWindow
from app.views.places import PLACES
from app.views.widgets.notice_label import NoticeLabel
from tests.fakes.chat_servers import free_port

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


SHOWN = (QLabel, QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit)


def clipped_in_scroll_areas(window: QWidget) -> list[str]:
    """Visible labels, buttons and fields inside a scroll area whose right edge lies beyond its viewport's
    (cut off by the viewport, which the window-edge check cannot see)."""
    found = []
    for area in window.findChildren(QScrollArea):
        content = area.widget()
        if content is None or not area.isVisibleTo(window):
            continue
        viewport = area.viewport()
        for widget in content.findChildren(QWidget):
            if not isinstance(widget, SHOWN) or not widget.isVisibleTo(window) or widget.width() <= 1:
                continue
            right = widget.mapTo(viewport, widget.rect().topRight()).x()
            if right > viewport.width() + 1:
                text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
                found.append(f"{area.objectName()}: {type(widget).__name__}#{widget.objectName()} {str(text)[:40]!r}")
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
        if spec.key == "settings":  # the longest notice the app shows, in the narrowest column
            page = window.page("settings")
            row = page.keys.rows["openai"]  # type: ignore[attr-defined]
            row.error.setText(LONG_ERROR)

        def fits(key: str = spec.key) -> None:  # once the posted layout passes ran, however long they take
            assert sideways_scrollers(window) == [], key
            assert past_the_right_edge(window) == [], key
            assert clipped_in_scroll_areas(window) == [], key

        qtbot.waitUntil(fits)
        assert window.grab().save(str(screenshot_dir / f"fit-{spec.key}-{size[0]}.png"))
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


def test_the_studio_create_panel_fits_at_1366x768_with_the_get_started_card(
    qtbot, context: AppContext, screenshot_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The Studio's Create column on a laptop screen with the first-run card above it, on the real Local
    connection with nothing ready (the longest texts it shows): every label wraps inside the column, nothing
    is cut on the right, and what does not fit in height scrolls (Generate is reachable) instead of being cut."""
    for name in ("COMFYUI_URL", "A1111_URL", "GOOGLE_BASE_URL", "OPENAI_BASE_URL"):  # nothing listens there
        monkeypatch.setenv(f"AMETHYST_{name}", f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("AMETHYST_LOCAL_IMAGE_MODEL", raising=False)
    for name in ("OPENAI_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.open_place("studio")
    start_studio(window, context)
    qtbot.waitUntil(lambda: context.studio.state == ConnectionState.CONNECTED, timeout=30000)
    card = window.get_started_card
    assert card is not None
    qtbot.waitUntil(card.isVisible)
    page = window.page("studio")
    form = page.form  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: form.model.model_count() > 0, timeout=10000)
    form.select_model("qwen-image-lightning")
    try:
        assert form.reason.text().startswith("No image engine is ready yet")

        def fits() -> None:  # once the posted layout passes ran, however long they take
            assert clipped_in_scroll_areas(window) == []
            assert past_the_right_edge(window) == [] and sideways_scrollers(window) == []

        qtbot.waitUntil(fits)
        assert window.grab().save(str(screenshot_dir / "fit-studio-card-1366.png"))
        left = page.left  # type: ignore[attr-defined]

        def generate_in_view() -> None:
            left.ensureWidgetVisible(form.generate)
            top = form.generate.mapTo(left.viewport(), form.generate.rect().topLeft()).y()
            assert top >= 0 and top + form.generate.height() <= left.viewport().height()  # scrolled to, not cut

        qtbot.waitUntil(generate_in_view)
    finally:
        page.shutdown()  # type: ignore[attr-defined]
