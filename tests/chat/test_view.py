"""The Chat place driven like a person would: type, Ctrl+Enter, Esc, click links in the bubbles, export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog

from app.context import AppContext
from app.views.chat.message_delegate import PAD
from app.views.chat.page import ChatPage
from tests.fakes.chat_servers import GOOD_KEY, Script, ServerThread

CODE_REPLY = (
    "Here is a function that **doubles** a number:\n\n"
    "```python\ndef double(x: int) -> int:\n    return x * 2\n```\n\n"
    "Call it with `double(21)` to get 42."
)


@pytest.fixture
def page(qtbot, qloop, context: AppContext, openai_server: ServerThread) -> Iterator[ChatPage]:  # type: ignore[no-untyped-def]
    context.settings.set("chat.custom_base_url", f"{openai_server.url}/v1")
    context.settings.set("chat.default_provider", "custom")
    context.settings.set("chat.default_model", "echo")
    context.secrets.set("provider:custom", GOOD_KEY)
    widget = ChatPage(context)
    qtbot.addWidget(widget)
    widget.resize(1280, 820)
    widget.show()
    qtbot.waitUntil(lambda: widget.title.text() == "No chat open")
    yield widget
    widget.shutdown()


def send(qtbot, page: ChatPage, text: str) -> None:  # type: ignore[no-untyped-def]
    page.composer.editor.setFocus()
    qtbot.keyClicks(page.composer.editor, text)
    qtbot.keyClick(page.composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def last_status(page: ChatPage) -> str:
    """The status of the last reply ("" until a reply exists)."""
    rows = page.model.rows
    return rows[-1].info.status if rows and rows[-1].info.role == "assistant" else ""


def click_link(qtbot, page: ChatPage, row_number: int, href: str) -> None:  # type: ignore[no-untyped-def]
    """Finds the link in the painted bubble by hit-testing like the mouse would, then clicks it."""
    view = page.view
    index = page.model.index(row_number)
    view.scrollTo(index)
    qtbot.waitUntil(lambda: view.visualRect(index).isValid() and view.visualRect(index).height() > 0)
    rect = view.visualRect(index)
    for y in range(rect.top() + PAD, rect.bottom(), 3):
        for x in range(rect.left(), rect.right(), 4):
            if view.delegate.anchor_at(index, rect, QPoint(x, y).toPointF()) == href:
                qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, y))
                return
    raise AssertionError(f"no {href} link in row {row_number}")


def test_send_stream_regenerate_and_edit(qtbot, page: ChatPage, script: Script) -> None:  # type: ignore[no-untyped-def]
    send(qtbot, page, "hello there")
    qtbot.waitUntil(lambda: len(page.model.rows) == 2 and last_status(page) == "complete", timeout=10_000)
    assert page.model.rows[1].text == "You said: hello there"
    assert page.composer.text() == ""
    assert page.title.text() == "hello there"
    qtbot.waitUntil(lambda: "in ·" in page.totals.text())

    script.reply = "A second answer."
    first_reply = page.model.rows[1].info.id
    click_link(qtbot, page, 1, "action:regenerate")
    qtbot.waitUntil(lambda: page.model.rows[-1].text == "A second answer." and last_status(page) == "complete")
    assert len(page.model.rows) == 2 and page.model.rows[1].info.id != first_reply

    script.reply = None
    click_link(qtbot, page, 0, "action:edit")
    assert page.composer.editing_message_id == page.model.rows[0].info.id
    page.composer.editor.clear()
    send(qtbot, page, "changed my mind")
    qtbot.waitUntil(lambda: page.model.rows[-1].text == "You said: changed my mind" and last_status(page) == "complete")
    assert [row.text for row in page.model.rows] == ["changed my mind", "You said: changed my mind"]


def test_escape_stops_and_keeps_partial_reply(qtbot, page: ChatPage, script: Script) -> None:  # type: ignore[no-untyped-def]
    script.tokens = 400
    script.delay_s = 0.02
    script.hold_after = 5  # the reply stays mid-stream until it is stopped, however loaded the machine
    page.params.model.setEditText("slow")
    send(qtbot, page, "long story please")
    qtbot.waitUntil(lambda: len(page.model.rows) == 2 and page.model.rows[1].text.count("tok") >= 5, timeout=10_000)
    assert page.composer.stop_button.isVisible()
    qtbot.keyClick(page.composer.editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: last_status(page) == "interrupted")
    assert page.model.rows[1].text.startswith(" tok0 tok1")
    assert not page.composer.stop_button.isVisible()
    script.tokens = 3
    script.delay_s = 0.001
    script.hold_after = None
    click_link(qtbot, page, 1, "action:continue")
    qtbot.waitUntil(lambda: last_status(page) == "complete")
    assert page.model.rows[1].text.endswith(" tok0 tok1 tok2")


def test_missing_key_offers_add_key(qtbot, page: ChatPage) -> None:  # type: ignore[no-untyped-def]
    page.params.provider.setCurrentIndex(page.params.provider.findData("openai"))
    qtbot.waitUntil(lambda: page.params.key_box.isVisibleTo(page))  # the keyring is read off the UI thread
    with qtbot.waitSignal(page.context.navigator.requested) as opened:
        page.params.add_key.click()
    assert opened.args == ["settings", {"section": "keys", "provider": "openai"}]
    send(qtbot, page, "hi")
    assert page.model.rowCount() == 0  # nothing was sent without a key; the text is kept
    assert page.composer.text() == "hi"


def test_activate_opens_a_chat_with_the_model(qtbot, page: ChatPage) -> None:  # type: ignore[no-untyped-def]
    page.activate({"model_id": "anthropic/claude-sonnet-4-0"})
    qtbot.waitUntil(lambda: page.current is not None and page.current.model == "claude-sonnet-4-0")
    assert page.current is not None and page.current.provider == "anthropic"
    page.activate({"model_id": "meta/llama-3", "provider": "groq", "model": "llama-3.3-70b-versatile"})
    qtbot.waitUntil(lambda: page.current is not None and page.current.provider == "groq")


def test_export_and_screenshot_of_code(  # type: ignore[no-untyped-def]
    qtbot, qapp, page: ChatPage, script: Script, tmp_path: Path, monkeypatch, screenshot_dir: Path
) -> None:
    script.reply = CODE_REPLY
    send(qtbot, page, "Write a Python function that doubles a number")
    qtbot.waitUntil(lambda: len(page.model.rows) == 2 and last_status(page) == "complete", timeout=10_000)
    assert page.model.rows[1].rendered().code_blocks == ("def double(x: int) -> int:\n    return x * 2",)
    click_link(qtbot, page, 1, "copy-code:0")
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == "def double(x: int) -> int:\n    return x * 2"

    target = tmp_path / "my chat.md"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "Markdown (*.md)"))
    assert page.current is not None
    page.files.export(page.current.id, "md")
    qtbot.waitUntil(target.exists)
    text = target.read_text(encoding="utf-8")
    assert "```python" in text and "## You" in text

    from app.views.theme import apply_theme

    apply_theme(qapp)
    if page._toast is not None:
        page._toast.dismiss()
    qtbot.wait(50)
    page.grab().save(str(screenshot_dir / "chat.png"))


def test_rate_limit_countdown_then_reply(qtbot, page: ChatPage, script: Script) -> None:  # type: ignore[no-untyped-def]
    from app.views.chat.message_html import footer_html

    script.retry_after = 2
    page.params.model.setEditText("rate-limited")
    send(qtbot, page, "are you there")
    qtbot.waitUntil(lambda: len(page.model.rows) == 2 and page.model.rows[1].waiting > 0, timeout=10_000)
    assert "retrying in" in footer_html(page.model.rows[1])
    qtbot.waitUntil(lambda: last_status(page) == "complete", timeout=15_000)
    assert page.model.rows[1].text == "You said: are you there"


def test_dropped_stream_keeps_text_and_retries(qtbot, page: ChatPage, script: Script) -> None:  # type: ignore[no-untyped-def]
    page.params.model.setEditText("drop")
    send(qtbot, page, "one two three four")
    qtbot.waitUntil(lambda: last_status(page) == "error", timeout=10_000)
    assert page.model.rows[1].text == "You said: one"
    assert "dropped" in (page.model.rows[1].info.error or "")
    page.params.model.setEditText("echo")
    page.params.flush()
    qtbot.waitUntil(lambda: page.current is not None and page.current.model == "echo")
    click_link(qtbot, page, 1, "action:retry")
    qtbot.waitUntil(lambda: last_status(page) == "complete" and len(page.model.rows) == 2)
    assert page.model.rows[1].text == "You said: one two three four"


def test_delete_undo_and_search(qtbot, page: ChatPage) -> None:  # type: ignore[no-untyped-def]
    send(qtbot, page, "amethyst is purple quartz")
    qtbot.waitUntil(lambda: last_status(page) == "complete", timeout=10_000)
    assert page.current is not None
    session_id = page.current.id
    qtbot.keyClicks(page.sessions.search, "purple")
    qtbot.waitUntil(lambda: page.sessions.row_count() == 2)  # the question and the echoed reply
    assert "[purple]" in page.sessions.row_text(0)
    page.sessions.search.clear()
    qtbot.waitUntil(lambda: page.sessions.row_count() == 1)

    page.controller.delete(session_id)
    qtbot.waitUntil(lambda: page.sessions.stack.currentWidget() is page.sessions.empty)
    toast = page._toast
    assert toast is not None and toast.action_button is not None
    toast.action_button.click()
    qtbot.waitUntil(
        lambda: page.sessions.row_count() == 1 and page.sessions.stack.currentWidget() is page.sessions.list
    )


def test_catalog_models_and_marketplace_payload(qtbot, page: ChatPage) -> None:  # type: ignore[no-untyped-def]
    """The real catalog (resources/catalog/models.json) fills the picker; "Use in Chat" payloads open chats."""
    page.params.provider.setCurrentIndex(page.params.provider.findData("openai"))
    qtbot.waitUntil(lambda: page.params.model.findText("gpt-4.1-mini") >= 0)
    page.activate({"model_id": "gpt-4.1-mini", "provider": "openai", "provider_model": "gpt-4.1-mini"})
    qtbot.waitUntil(lambda: page.current is not None and page.current.model == "gpt-4.1-mini")
    assert page.current is not None and page.current.provider == "openai"
    page.activate({"model_id": "gpt-5-nano"})  # no provider given: the catalog's serving list answers
    qtbot.waitUntil(lambda: page.current is not None and page.current.model == "gpt-5-nano")
    assert page.current is not None and page.current.provider == "openai"
    page.activate({"model_id": "anthropic/claude-sonnet-4-0"})
    qtbot.waitUntil(lambda: page.current is not None and page.current.provider == "anthropic")


def test_list_and_detect_models(qtbot, page: ChatPage) -> None:  # type: ignore[no-untyped-def]
    page.params.provider.setCurrentIndex(page.params.provider.findData("custom"))
    page.params.refresh_button.click()
    qtbot.waitUntil(lambda: "models listed" in page.params.status.text())
    assert page.params.model.findText("malformed") >= 0
    page.params.detect_button.click()
    qtbot.waitUntil(lambda: "Found" in page.params.status.text() or "No local server" in page.params.status.text())


def test_listing_one_model_fills_the_empty_model_field_and_send_works(  # type: ignore[no-untyped-def]
    qtbot, page: ChatPage, script: Script
) -> None:
    script.models = ("echo",)
    page.params.provider.setCurrentIndex(page.params.provider.findData("custom"))
    page.params.model.setEditText("")
    page.params.refresh_button.click()
    qtbot.waitUntil(lambda: "listed" in page.params.status.text())
    assert page.params.model_id() == "echo"
    assert "Picked echo" in page.params.status.text()
    send(qtbot, page, "hello after listing")
    qtbot.waitUntil(lambda: last_status(page) == "complete", timeout=10_000)
    assert page.model.rows[-1].text == "You said: hello after listing"
    assert page.current is not None and page.current.model == "echo"


def test_rejected_key_links_to_settings(qtbot, page: ChatPage) -> None:  # type: ignore[no-untyped-def]
    page.context.secrets.set("provider:custom", "sk-wrong-key")
    send(qtbot, page, "hello")
    qtbot.waitUntil(lambda: last_status(page) == "error", timeout=10_000)
    assert "rejected the API key" in (page.model.rows[1].info.error or "")
    with qtbot.waitSignal(page.context.navigator.requested) as opened:
        click_link(qtbot, page, 1, "action:add-key")
    assert opened.args == ["settings", {"section": "keys", "provider": "custom"}]


def test_import_and_usage_summary(qtbot, page: ChatPage, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.views.chat.usage_dialog import UsageDialog

    send(qtbot, page, "remember this")
    qtbot.waitUntil(lambda: last_status(page) == "complete", timeout=10_000)
    assert page.current is not None
    exported = tmp_path / "saved.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(exported), ""))
    page.files.export(page.current.id, "json")
    qtbot.waitUntil(exported.exists)
    first = page.current.id
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(exported), ""))
    page.sessions.import_button.click()
    qtbot.waitUntil(lambda: page.current is not None and page.current.id != first)
    assert [row.text for row in page.model.rows] == ["remember this", "You said: remember this"]
    assert page.sessions.row_count() == 2

    page.sessions.usage_button.click()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in page.findChildren(UsageDialog)))
    dialog = next(d for d in page.findChildren(UsageDialog) if d.isVisible())
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 1).text() == "custom"
    dialog.close()


def test_custom_server_url_is_set_in_the_panel(qtbot, page: ChatPage, openai_server: ServerThread) -> None:  # type: ignore[no-untyped-def]
    page.context.settings.set("chat.custom_base_url", "")
    page.params.provider.setCurrentIndex(page.params.provider.findData("openai"))
    assert not page.params.custom_url.isVisibleTo(page)
    page.params.provider.setCurrentIndex(page.params.provider.findData("custom"))
    assert page.params.custom_url.isVisibleTo(page)
    page.params.custom_url.setText("localhost:1234")
    page.params.custom_url.editingFinished.emit()
    assert page.context.settings.get("chat.custom_base_url") == ""  # refused, with a message
    page.params.custom_url.setText(f"{openai_server.url}/v1")
    page.params.custom_url.editingFinished.emit()
    assert page.context.settings.get("chat.custom_base_url") == f"{openai_server.url}/v1"
    page.params.model.setEditText("echo")
    send(qtbot, page, "through the custom server")
    qtbot.waitUntil(lambda: last_status(page) == "complete", timeout=10_000)


def test_keyring_is_read_off_the_ui_thread_and_settings_changes_are_seen(  # type: ignore[no-untyped-def]
    qtbot, page: ChatPage, memory_keyring, monkeypatch
) -> None:
    import threading

    readers: list[str] = []
    read = memory_keyring.get_password

    def recording(service: str, username: str) -> str | None:
        readers.append(threading.current_thread().name)
        return read(service, username)

    monkeypatch.setattr(memory_keyring, "get_password", recording)
    page.controller.keys._known.clear()  # forget what the page learnt before the recording started
    page.params.provider.setCurrentIndex(page.params.provider.findData("openai"))
    qtbot.waitUntil(lambda: page.params.key_box.isVisibleTo(page))
    page.context.secrets.set("provider:openai", "sk-added-in-settings")  # what Settings → Keys does
    qtbot.waitUntil(lambda: not page.params.key_box.isVisibleTo(page))
    page.context.secrets.delete("provider:openai")
    qtbot.waitUntil(lambda: page.params.key_box.isVisibleTo(page))

    page.params.provider.setCurrentIndex(page.params.provider.findData("custom"))
    page.params.model.setEditText("echo")
    page.controller.keys._known.clear()
    send(qtbot, page, "is the key read in a worker?")
    qtbot.waitUntil(lambda: last_status(page) == "complete", timeout=10_000)
    assert readers, "the keyring was never read"
    assert threading.main_thread().name not in readers


def test_parameters_panel_sets_and_clears_values_and_remembers_its_place(  # type: ignore[no-untyped-def]
    qtbot, page: ChatPage
) -> None:
    send(qtbot, page, "hello")
    qtbot.waitUntil(lambda: last_status(page) == "complete", timeout=10_000)
    params = page.params
    assert params.fields()["temperature"] is None and params.fields()["max_tokens"] is None
    params.temperature.check.setChecked(True)
    params.temperature.slider.setValue(params.temperature.slider.value() + 2)  # 0.70 → 0.80
    params.max_tokens.check.setChecked(True)
    params.max_tokens.box.setText("256")
    params.flush()
    qtbot.waitUntil(lambda: page.current is not None and page.current.temperature == 0.8)
    assert page.current is not None and page.current.max_tokens == 256
    assert params.temperature.shown.text() == "0.80"
    params.temperature.check.setChecked(False)
    params.flush()
    qtbot.waitUntil(lambda: page.current is not None and page.current.temperature is None)
    assert params.temperature.shown.text() == "default"

    page.splitter.setSizes([190, 800, 290])
    page.splitter.splitterMoved.emit(190, 1)  # what dragging a handle sends
    assert page.context.ui_state.get("chat.splitter") == page.splitter.sizes()
    assert page.splitter.sizes()[0] == 190

    page.params_button.click()
    assert params.isHidden() and page.context.ui_state.get("chat.params_visible") is False
    again = ChatPage(page.context)  # the next start keeps the panel hidden
    qtbot.addWidget(again)
    assert not again.params_button.isChecked() and again.params.isHidden()
