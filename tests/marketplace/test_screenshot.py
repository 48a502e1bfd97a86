"""The Marketplace inside the real window, for a person to look at: artifacts/screenshots/marketplace.png."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut

from app.context import AppContext
from app.views.main_window import MainWindow
from app.views.marketplace.page import MarketplacePage


def test_marketplace_in_the_window(qtbot, qloop, context: AppContext, screenshot_dir: Path) -> None:  # type: ignore[no-untyped-def]
    context.catalog.rate("gpt-4o-mini", 5)
    context.catalog.rate("claude-sonnet-4-5", 4)
    for _ in range(3):
        context.catalog.record_use("claude-sonnet-4-5")
    context.catalog.record_use("gpt-4o-mini")
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    window.open_place("marketplace", {"model_id": "claude-sonnet-4-5"})
    page = window.page("marketplace")
    assert isinstance(page, MarketplacePage)
    qtbot.waitUntil(lambda: page.ready and page.detail.entry is not None)

    chord = QKeySequence(Qt.KeyboardModifier.ControlModifier | Qt.Key.Key_K)
    shortcut = next(s for s in window.findChildren(QShortcut) if s.key() == chord)
    shortcut.activated.emit()  # Ctrl+K: the window hands it to the place's focus_search
    assert page.search_box.hasFocus() or window.focusWidget() is page.search_box

    qtbot.keyClicks(page.recommend_box.task, "read receipts from photos and extract JSON, cheaply")
    page.recommend_box.ask.click()
    assert page.detail.entry is not None and page.detail.entry.id == "claude-sonnet-4-5"
    qtbot.wait(50)
    image = window.grab()
    path = screenshot_dir / "marketplace.png"
    assert image.save(str(path))
    assert path.stat().st_size > 20_000


def test_use_in_chat_switches_the_window_to_chat(qtbot, qloop, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.open_place("marketplace", {"model_id": "gpt-4o-mini"})
    page = window.page("marketplace")
    assert isinstance(page, MarketplacePage)
    qtbot.waitUntil(lambda: page.ready and page.detail.entry is not None)
    page.detail.use_chat.click()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.page("chat"))
    assert context.catalog.usage_count("gpt-4o-mini") == 1
