"""Find local: a server found is selected with its model (or the person is asked which), counts are said
in the singular or plural, none found says how to install and start one, and a local model costs nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from app.context import AppContext
from app.services.chat.controller import NO_LOCAL_SERVER
from app.services.chat.pricing import NoPrices, cost_of
from app.services.providers.local import detect_local_servers
from app.views.chat.page import ChatPage
from tests.fakes.chat_servers import Script, ServerThread, free_port, openai_app


@pytest.fixture
def chat_page(qtbot, context: AppContext) -> Iterator[ChatPage]:  # type: ignore[no-untyped-def]
    context.settings.set("chat.default_provider", "openai")
    widget = ChatPage(context)
    qtbot.addWidget(widget)
    widget.resize(1280, 820)
    widget.show()
    qtbot.waitUntil(lambda: widget.title.text() == "No chat open")  # the new-chat defaults are shown
    yield widget
    widget.shutdown()


def _serve_as_lm_studio(page: ChatPage, monkeypatch, models: tuple[str, ...]) -> ServerThread:  # type: ignore[no-untyped-def]
    """A real OpenAI-compatible server on loopback, probed where LM Studio would be."""
    server = ServerThread(openai_app(Script(models=models))).start()

    async def local_servers():  # type: ignore[no-untyped-def]
        return await detect_local_servers({"lmstudio": f"{server.url}/v1"})

    monkeypatch.setattr(page.controller.sources, "local_servers", local_servers)
    return server


def test_a_found_server_is_selected_with_its_only_model(qtbot, chat_page: ChatPage, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    server = _serve_as_lm_studio(chat_page, monkeypatch, ("qwen2.5-7b-instruct",))
    try:
        assert chat_page.params.provider_id() == "openai"
        qtbot.mouseClick(chat_page.params.detect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: chat_page.params.status.text().startswith("Found"), timeout=15000)
    finally:
        server.stop()
    assert chat_page.params.status.text() == "Found LM Studio (1 model)."
    assert chat_page.params.provider_id() == "lmstudio"
    assert chat_page.params.model_id() == "qwen2.5-7b-instruct"
    assert chat_page.composer.hint.text() == ""  # a local server needs no key


def test_several_models_ask_which(qtbot, chat_page: ChatPage, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    server = _serve_as_lm_studio(chat_page, monkeypatch, ("llama-3.2-3b", "qwen2.5-7b-instruct"))
    try:
        qtbot.mouseClick(chat_page.params.detect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: chat_page.params.status.text().startswith("Found"), timeout=15000)
    finally:
        server.stop()
    assert chat_page.params.status.text() == "Found LM Studio (2 models). Pick one of LM Studio's models."
    assert chat_page.params.provider_id() == "lmstudio"
    models = [chat_page.params.model.itemText(i) for i in range(chat_page.params.model.count())]
    assert {"llama-3.2-3b", "qwen2.5-7b-instruct"} <= set(models)
    assert chat_page.params.model.view().isVisible()  # the list is open: the person picks one
    chat_page.params.model.hidePopup()


def test_no_server_says_how_to_install_and_start_one(qtbot, chat_page: ChatPage, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async def nothing():  # type: ignore[no-untyped-def]
        return await detect_local_servers({"ollama": f"http://127.0.0.1:{free_port()}/v1"})

    monkeypatch.setattr(chat_page.controller.sources, "local_servers", nothing)
    qtbot.mouseClick(chat_page.params.detect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chat_page.params.status.text() == NO_LOCAL_SERVER, timeout=15000)
    assert "ollama.com" in NO_LOCAL_SERVER and "ollama serve" in NO_LOCAL_SERVER
    assert chat_page.params.provider_id() == "openai"


def test_the_key_hint_mentions_local_servers(qtbot, chat_page: ChatPage) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: chat_page.composer.hint.text() != "", timeout=10000)  # no OpenAI key stored
    assert "local server" in chat_page.composer.hint.text() and "Add key" in chat_page.composer.hint.text()


def test_a_local_model_is_free() -> None:
    assert cost_of(NoPrices(), "ollama", "llama3.2:3b", 1200, 300) == 0.0
    assert cost_of(NoPrices(), "openai", "gpt-4o-mini", 1200, 300) is None  # unknown stays unknown
