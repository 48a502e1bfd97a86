"""Chat messages from the keyboard (issue 20): the conversation takes focus, keys run each message's actions,
and the context menu holds every link that is painted in a message (found by hit-testing the bubble)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QImage

from app.views.chat.message_delegate import PAD
from app.views.chat.page import ChatPage
from tests.chat import test_view
from tests.chat.test_view import CODE_REPLY, last_status, send
from tests.fakes.chat_servers import Script

chat = test_view.page  # the Chat place on the loopback server, as test_view drives it


def painted_links(qtbot, page: ChatPage, row_number: int) -> set[str]:  # type: ignore[no-untyped-def]
    """Every href the mouse can hit in the painted bubble of ``row_number``."""
    view = page.view
    index = page.model.index(row_number)
    view.scrollTo(index)
    qtbot.waitUntil(lambda: view.visualRect(index).height() > 0)
    rect = view.visualRect(index)
    found = set()
    for y in range(rect.top() + PAD, rect.bottom(), 3):
        for x in range(rect.left(), rect.right(), 3):
            href = view.delegate.anchor_at(index, rect, QPoint(x, y).toPointF())
            if href:
                found.add(href)
    return found


def focus_row(qtbot, page: ChatPage, row_number: int) -> None:  # type: ignore[no-untyped-def]
    page.view.setFocus()
    qtbot.waitUntil(page.view.hasFocus)
    page.view.setCurrentIndex(page.model.index(row_number))


def test_keys_copy_edit_regenerate_and_copy_code(qtbot, chat: ChatPage, script: Script) -> None:  # type: ignore[no-untyped-def]
    page = chat
    assert page.view.focusPolicy() & Qt.FocusPolicy.TabFocus
    send(qtbot, page, "hello there")
    qtbot.waitUntil(lambda: len(page.model.rows) == 2 and last_status(page) == "complete", timeout=10_000)
    page.view.setFocus()
    qtbot.waitUntil(page.view.hasFocus)
    assert page.view.currentIndex().row() == 1  # focus lands on the newest message

    qtbot.keyClick(page.view, Qt.Key.Key_C)
    assert QGuiApplication.clipboard().text() == "You said: hello there"
    qtbot.keyClick(page.view, Qt.Key.Key_Up)
    assert page.view.currentIndex().row() == 0
    qtbot.keyClick(page.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "hello there"
    qtbot.keyClick(page.view, Qt.Key.Key_E)
    assert page.composer.editing_message_id == page.model.rows[0].info.id
    page.composer.cancel_edit()

    script.reply = CODE_REPLY
    focus_row(qtbot, page, 1)
    qtbot.keyClick(page.view, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: page.model.rows[-1].text == CODE_REPLY and last_status(page) == "complete")
    focus_row(qtbot, page, 1)
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(page.view, Qt.Key.Key_1)
    assert QGuiApplication.clipboard().text() == "def double(x: int) -> int:\n    return x * 2"
    qtbot.keyClick(page.view, Qt.Key.Key_E)  # a reply offers no Edit: the key does nothing
    assert page.composer.editing_message_id is None


def test_context_menu_reaches_every_painted_link(qtbot, chat: ChatPage, script: Script) -> None:  # type: ignore[no-untyped-def]
    page = chat
    script.reply = CODE_REPLY + "\n\nSee [the docs](https://example.com/docs)."
    send(qtbot, page, "show me code")
    qtbot.waitUntil(lambda: len(page.model.rows) == 2 and last_status(page) == "complete", timeout=10_000)
    for row_number in (0, 1):
        painted = painted_links(qtbot, page, row_number)
        assert painted  # Copy, Edit / Regenerate are painted as links
        focus_row(qtbot, page, row_number)
        qtbot.keyClick(page.view, Qt.Key.Key_Menu)
        menu = page.view.message_actions.last_menu
        assert menu is not None
        qtbot.waitUntil(menu.isVisible)
        offered = {action.href for action in page.view.message_actions.actions(page.model.index(row_number))}
        assert painted <= offered, f"row {row_number}: painted but not in the menu: {painted - offered}"
        labels = [action.text() for action in menu.actions()]
        assert len(labels) == len(offered) and all(labels)
        menu.close()
    assert {"copy-code:0", "action:regenerate", "action:copy", "https://example.com/docs"} <= offered
    # the menu's "Copy code block 1" does what its link does
    focus_row(qtbot, page, 1)
    menu = page.view.message_actions.build_menu(page.model.index(1))
    QGuiApplication.clipboard().clear()
    next(action for action in menu.actions() if action.text() == "Copy code block 1").trigger()
    assert QGuiApplication.clipboard().text() == "def double(x: int) -> int:\n    return x * 2"


def test_continue_key_and_a_visible_focus_ring(qtbot, chat: ChatPage, script: Script) -> None:  # type: ignore[no-untyped-def]
    page = chat
    script.tokens = 400
    script.delay_s = 0.02
    script.hold_after = 5  # the reply stays mid-stream until it is stopped, however loaded the machine
    page.params.model.setEditText("slow")
    send(qtbot, page, "long story please")
    qtbot.waitUntil(lambda: len(page.model.rows) == 2 and page.model.rows[1].text.count("tok") >= 5, timeout=10_000)
    qtbot.keyClick(page.composer.editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: last_status(page) == "interrupted")
    page.composer.editor.setFocus()
    qtbot.waitUntil(page.composer.editor.hasFocus)
    unfocused: QImage = page.view.viewport().grab().toImage()
    focus_row(qtbot, page, 1)
    page.view.viewport().repaint()
    focused: QImage = page.view.viewport().grab().toImage()
    assert focused != unfocused  # the focused message is ringed
    script.tokens = 3
    script.delay_s = 0.001
    script.hold_after = None
    qtbot.keyClick(page.view, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: last_status(page) == "complete")
    assert page.model.rows[1].text.endswith(" tok0 tok1 tok2")
