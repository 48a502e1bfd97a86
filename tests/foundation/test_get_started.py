"""The first-run "Get started" card: shown on the first start, three one-click ways with their state,
gone after the first chat or when closed, back from Help."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from app.context import AppContext
from app.services.get_started import STATE_KEY
from app.services.providers import local
from app.views.main_window import MainWindow
from tests.fakes.chat_servers import Script, ServerThread, openai_app


def _window(qtbot, context: AppContext) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1366, 728)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_first_start_shows_the_card_and_a_local_server_is_one_click(qtbot, context: AppContext, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    server = ServerThread(openai_app(Script(models=("qwen2.5-7b-instruct",)))).start()
    real = local.detect_local_servers
    monkeypatch.setattr(local, "detect_local_servers", lambda: real({"lmstudio": f"{server.url}/v1"}))
    try:
        window = _window(qtbot, context)
        card = window.get_started_card
        assert card is not None and card.isVisible()
        assert set(card.tiles) == {"local", "key", "studio"}
        assert card.summary.text().startswith("Works now: the Marketplace")
        tile = card.tiles["local"]
        qtbot.mouseClick(tile.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: tile.title.text().startswith("✓"), timeout=15000)
    finally:
        server.stop()
    assert tile.text.text() == "Found LM Studio: new chats use qwen2.5-7b-instruct."
    assert context.settings.get("chat.default_provider") == "lmstudio"
    assert "Chat" in card.summary.text()
    qtbot.mouseClick(tile.button, Qt.MouseButton.LeftButton)  # now "Open Chat"
    assert window.current_place == "chat"


def test_the_key_step_opens_settings_and_ticks_when_a_key_is_stored(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, context)
    card = window.get_started_card
    assert card is not None
    tile = card.tiles["key"]
    qtbot.waitUntil(lambda: tile.button.text() == "Add a key")
    qtbot.mouseClick(tile.button, Qt.MouseButton.LeftButton)
    assert window.current_place == "settings"
    context.secrets.set("provider:openai", "sk-test-0123456789")
    qtbot.waitUntil(lambda: tile.title.text().startswith("✓"), timeout=10000)
    assert card.tiles["studio"].button.text() == "Connect"


def test_closed_or_chatted_the_card_stays_away_and_help_brings_it_back(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, context)
    card = window.get_started_card
    assert card is not None and card.isVisible()
    qtbot.mouseClick(card.close_button, Qt.MouseButton.LeftButton)
    assert not card.isVisible() and context.ui_state.get(STATE_KEY) == "dismissed"
    qtbot.mouseClick(window.header.help_button, Qt.MouseButton.LeftButton)
    assert card.isVisible()
    window._maybe_chatted(SimpleNamespace(role="user"))  # what ChatService.message_added brings
    assert not card.isVisible() and context.ui_state.get(STATE_KEY) == "chatted"
    again = _window(qtbot, context)
    assert again.get_started_card is not None and not again.get_started_card.isVisible()


@pytest.mark.parametrize("size", [(1366, 728), (960, 600)])
def test_the_card_fits_without_sideways_scrolling(qtbot, context: AppContext, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, context)
    window.resize(*size)
    card = window.get_started_card
    assert card is not None

    def fits() -> None:  # once the posted layout passes ran, however long they take
        assert card.geometry().right() <= window.centralWidget().width()
        for tile in card.tiles.values():
            assert tile.button.isVisible() and tile.button.width() >= tile.button.minimumSizeHint().width()

    qtbot.waitUntil(fits)
