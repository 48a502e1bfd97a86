"""Chat in the real window at two sizes: every state a person sees is saved as a PNG, and nothing is clipped.

The PNGs in artifacts/screenshots/ are for looking at; the assertions check that no visible widget of the
page reaches outside it (a layout squeezed below its minimum width pushes widgets past the edge).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from app.context import AppContext
from app.views.chat.message_html import usage_text
from app.views.chat.page import ChatPage
from app.views.chat.usage_dialog import UsageDialog
from app.views.main_window import MainWindow
from app.views.sidebar import SidebarMode
from app.views.theme import apply_theme
from tests.chat.test_view import CODE_REPLY, last_status, send
from tests.fakes.chat_servers import GOOD_KEY, Script, ServerThread

PRICED_MODEL = "claude-opus-4-1"  # in resources/catalog/models.json with token prices; the fake server echoes
SIZES = [(1280, 800), (960, 620)]


def _scrolled(widget: QWidget, page: QWidget) -> bool:
    """True for widgets inside a scroll area's viewport: they may lie outside it, scrolled away."""
    parent = widget.parentWidget()
    while parent is not None and parent is not page:
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and grand.viewport() is parent:
            return True
        parent = grand
    return False


def assert_nothing_clipped(page: QWidget) -> None:
    bounds = page.rect()
    outside = []
    for child in page.findChildren(QWidget):
        if not child.isVisible() or child.isWindow() or _scrolled(child, page):
            continue
        rect = QRect(child.mapTo(page, QPoint(0, 0)), child.size())
        if not bounds.contains(rect):
            outside.append(f"{type(child).__name__}({child.objectName()!r}) at {rect.getRect()}")
    assert not outside, f"outside the page {bounds.getRect()}: {outside}"


@pytest.fixture
def window(qtbot, qloop, qapp, context: AppContext, openai_server: ServerThread) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    context.settings.set("chat.custom_base_url", f"{openai_server.url}/v1")
    context.settings.set("chat.default_provider", "custom")
    context.settings.set("chat.default_model", PRICED_MODEL)
    context.secrets.set("provider:custom", GOOD_KEY)
    context.ui_state.set("sidebar", SidebarMode.EXPANDED.value)
    apply_theme(qapp)
    main = MainWindow(context)
    qtbot.addWidget(main)
    yield main
    page = main.page("chat")
    assert isinstance(page, ChatPage)
    page.shutdown()


def save(qtbot, page: ChatPage, directory: Path, name: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not page.view.measuring())  # heights measured for this width
    qtbot.waitUntil(lambda: assert_nothing_clipped(page))  # once the posted layout passes ran
    assert page.window().grab().save(str(directory / f"chat-{name}-{size[0]}.png"))


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_chat_states_in_the_window(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, script: Script, screenshot_dir: Path, size: tuple[int, int]
) -> None:
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    assert window.sidebar.mode == SidebarMode.EXPANDED
    window.open_place("chat")
    page = window.page("chat")
    assert isinstance(page, ChatPage)
    qtbot.waitUntil(lambda: page.title.text() == "No chat open")
    qtbot.waitUntil(lambda: page.params.model.currentText() == PRICED_MODEL)
    save(qtbot, page, screenshot_dir, "empty", size)

    script.reply = CODE_REPLY
    send(qtbot, page, "Write a Python function that doubles a number")
    qtbot.waitUntil(lambda: len(page.model.rows) == 2 and last_status(page) == "complete", timeout=10_000)
    qtbot.waitUntil(lambda: "total" in page.totals.text())
    assert "$" in page.totals.text() and "$" in usage_text(page.model.rows[1])  # the catalog priced it
    page.params.temperature.check.setChecked(True)  # a set value shows its slider; the rest say "default"
    page.params.max_tokens.check.setChecked(True)
    save(qtbot, page, screenshot_dir, "conversation", size)

    script.reply, script.tokens, script.delay_s = None, 300, 0.02
    script.hold_after = 15  # still streaming for the screenshot and Escape, however loaded the machine
    page.params.model.setEditText("slow")
    send(qtbot, page, "Tell me a long story")
    qtbot.waitUntil(lambda: len(page.model.rows) == 4 and page.model.rows[3].text.count("tok") >= 15, timeout=10_000)
    save(qtbot, page, screenshot_dir, "streaming", size)
    qtbot.keyClick(page.composer.editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: last_status(page) == "interrupted")

    script.delay_s, script.retry_after, script.hold_after = 0.0, 3, None
    page.params.model.setEditText("rate-limited")
    send(qtbot, page, "Are you there?")
    qtbot.waitUntil(lambda: len(page.model.rows) == 6 and page.model.rows[5].waiting > 0, timeout=10_000)
    save(qtbot, page, screenshot_dir, "rate-limit", size)
    qtbot.waitUntil(lambda: last_status(page) == "complete", timeout=15_000)

    page.context.secrets.set("provider:custom", "sk-wrong-key")
    page.params.model.setEditText(PRICED_MODEL)
    send(qtbot, page, "Hello again")
    qtbot.waitUntil(lambda: last_status(page) == "error", timeout=10_000)
    assert "rejected the API key" in (page.model.rows[-1].info.error or "")
    save(qtbot, page, screenshot_dir, "error-401", size)
    page.context.secrets.set("provider:custom", GOOD_KEY)

    page.params_button.click()  # hidden: the conversation takes the width, and it is remembered
    assert not page.params.isVisible() and page.context.ui_state.get("chat.params_visible") is False
    save(qtbot, page, screenshot_dir, "params-hidden", size)
    page.params_button.click()
    assert page.params.isVisible() and page.context.ui_state.get("chat.params_visible") is True

    page.sessions.usage_button.click()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in page.findChildren(UsageDialog)))
    dialog = next(d for d in page.findChildren(UsageDialog) if d.isVisible())
    qtbot.waitUntil(lambda: dialog.table.rowCount() >= 1)
    assert dialog.grab().save(str(screenshot_dir / f"chat-usage-{size[0]}.png"))
    dialog.close()

    qtbot.keyClicks(page.sessions.search, "doubles")
    qtbot.waitUntil(lambda: page.sessions.row_count() >= 1 and "[doubles]" in page.sessions.row_text(0))
    save(qtbot, page, screenshot_dir, "search", size)
