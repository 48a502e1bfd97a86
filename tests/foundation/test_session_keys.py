"""No system keyring: Settings offers a key for this session only, kept in memory and never written anywhere.

The key is typed into Settings → Keys, used for a real request to a loopback OpenAI-compatible server, and
afterwards no file under the data folder (settings, database, log) holds it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt

from app.context import build_context
from app.log import Redactor, configure_logging
from app.paths import Paths
from app.services.providers.base import ChatRequest, Turn
from app.services.providers.factory import build_provider
from app.services.providers.registry import provider
from app.services.secrets import SecretStore, lasting_keyring_advice
from app.views.settings.keys_section import KeysSection
from tests.fakes.chat_servers import Script, ServerThread, openai_app

SESSION_KEY = "sk-session-only-0123456789abcdef"


@pytest.fixture
def no_keyring_context(tmp_path: Path):  # type: ignore[no-untyped-def]
    paths = Paths.resolve(tmp_path / "data")
    redactor = Redactor()
    log_file = configure_logging(paths.data_dir, redactor)
    context = build_context(paths, redactor=redactor, keyring_backend=keyring.backends.fail.Keyring(), environ={})
    yield context
    context.close()
    for logger in (logging.getLogger(), logging.getLogger("app")):
        for handler in list(logger.handlers):
            if getattr(handler, "baseFilename", None) == str(log_file):
                logger.removeHandler(handler)
                handler.close()


def test_a_session_key_is_used_for_a_request_and_never_written(qtbot, no_keyring_context, tmp_path) -> None:  # type: ignore[no-untyped-def]
    context = no_keyring_context
    section = KeysSection(context.secrets)
    qtbot.addWidget(section)
    section.show()
    row = section.rows["openai"]
    assert not row.edit_button.isEnabled() and "No system keyring" in row.edit_button.toolTip()
    assert row.session_button.isVisible()
    assert lasting_keyring_advice() in section.backend.text()

    qtbot.mouseClick(row.session_button, Qt.MouseButton.LeftButton)
    assert row.editor.isVisible() and "this session only" in row.editor.placeholderText()
    assert "Never written to disk" in row.note.text()
    qtbot.keyClicks(row.editor, SESSION_KEY)
    qtbot.mouseClick(row.save_button, Qt.MouseButton.LeftButton)
    assert row.error.text() == ""
    assert "this session" in row.status.text() and SESSION_KEY not in row.status.text()
    assert context.secrets.session_only(provider("openai").secret_name)

    script = Script(api_key=SESSION_KEY)
    server = ServerThread(openai_app(script)).start()
    try:
        chat = build_provider(provider("openai"), context.secrets, base_url=f"{server.url}/v1")

        async def ask() -> str:
            reply = ""
            async for chunk in chat.stream(ChatRequest("echo", [Turn("user", "hello")])):
                reply += chunk.text or ""
            await chat.aclose()
            return reply

        asked = asyncio.ensure_future(ask())
        qtbot.waitUntil(asked.done, timeout=30000)
        reply = asked.result()
    finally:
        server.stop()
    assert "hello" in reply and script.requests  # the server takes only SESSION_KEY (401 otherwise)

    context.close()
    logging.getLogger("app").info("closing; the key was %s", SESSION_KEY)  # the redactor knows it
    for handler in logging.getLogger().handlers + logging.getLogger("app").handlers:
        handler.flush()
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.name == "amethyst.log" for path in written)
    leaked = [path for path in written if SESSION_KEY.encode() in path.read_bytes()]
    assert not leaked


def test_a_failing_keyring_is_logged_once_and_local_servers_never_read_it(caplog) -> None:  # type: ignore[no-untyped-def]
    class Broken(keyring.backends.fail.Keyring):
        priority = 1  # type: ignore[assignment]
        reads = 0

        def get_password(self, service: str, username: str) -> str | None:
            Broken.reads += 1
            raise keyring.errors.KeyringLocked("locked")

    from app.services.providers.factory import provider_key

    secrets = SecretStore(Redactor(), backend=Broken())
    with caplog.at_level(logging.WARNING, logger="app.services.secrets"):
        for provider_id in ("openai", "anthropic", "openai", "ollama", "lmstudio"):
            provider_key(provider(provider_id), secrets)  # what building a provider reads
    warnings = [record for record in caplog.records if "keyring" in record.getMessage()]
    assert len(warnings) == 1
    assert Broken.reads == 3  # the two local servers need no key: the keyring is not asked for them
