"""Screenshots of what the QA pass changed, to look at (artifacts/screenshots/polish-*.png): the Studio form's
size and aspect combos, the sidebar after a click, stacked toasts over the chat, the live log, and the
Marketplace's no-match advice; left-to-right and right-to-left. Run with QT_SCALE_FACTOR=2 for 200 %."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.context import AppContext
from app.log import configure_logging
from app.views.main_window import MainWindow
from app.views.studio.prompt_form import PromptForm
from app.views.widgets.toast import Toast
from tests.shell.test_combo_fit import studio_models


@pytest.fixture
def window(context: AppContext, qtbot) -> Iterator[MainWindow]:
    context.log_file = configure_logging(context.paths.data_dir, context.redactor)
    main = MainWindow(context)
    qtbot.addWidget(main)
    main.resize(1366, 768)
    main.show()
    qtbot.waitExposed(main)
    yield main


def save(widget: QWidget, folder: Path, name: str) -> Path:
    ratio = QApplication.primaryScreen().devicePixelRatio()
    path = folder / f"polish-{name}-{round(ratio * 100)}.png"
    assert widget.grab().save(str(path))
    return path


@pytest.mark.parametrize("direction", [Qt.LayoutDirection.LeftToRight, Qt.LayoutDirection.RightToLeft])
def test_screens(window: MainWindow, qtbot, screenshot_dir: Path, direction) -> None:
    tag = "rtl" if direction == Qt.LayoutDirection.RightToLeft else "ltr"
    window.setLayoutDirection(direction)
    window.open_place("studio")
    form = window.page("studio").findChild(PromptForm)
    assert form is not None
    form.set_models(studio_models())
    qtbot.mouseClick(window.sidebar.buttons["studio"], Qt.MouseButton.LeftButton)
    qtbot.wait(50)  # let layouts settle before the grab (nothing is asserted on timing)
    save(form, screenshot_dir, f"studio-form-{tag}")
    save(window.sidebar, screenshot_dir, f"sidebar-after-click-{tag}")

    window.open_place("chat")
    chat = window.page("chat")
    for title, body in (("Sending", "Waiting for the model"), ("Saved", "Chat exported to chat.md")):
        Toast(chat, title, body, timeout_ms=60_000).show_toast()
    qtbot.wait(50)
    save(window, screenshot_dir, f"chat-toasts-{tag}")
    for toast in chat.findChildren(Toast):
        toast.dismiss()

    logging.getLogger("screens").warning("a warning the viewer shows live")
    window.open_place("settings")
    viewer = window.page("settings").log_viewer  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: "shows live" in viewer.text.toPlainText(), timeout=5000)
    save(viewer, screenshot_dir, f"settings-log-{tag}")

    window.open_place("marketplace")
    page = window.page("marketplace")
    qtbot.waitUntil(lambda: page.ready, timeout=10_000)  # type: ignore[attr-defined]
    page.search_box.setText("groq dall")  # type: ignore[attr-defined]
    page.run_search()  # type: ignore[attr-defined]
    save(page, screenshot_dir, f"marketplace-no-match-{tag}")
