"""Fake OpenAI-compatible and Anthropic servers on loopback, one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.chat_servers import Script, ServerThread, anthropic_app, openai_app


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def openai_server(script: Script) -> Iterator[ServerThread]:
    server = ServerThread(openai_app(script)).start()
    yield server
    script.release.set()  # a held stream the client left ends with the server
    server.stop()


@pytest.fixture
def anthropic_server(script: Script) -> Iterator[ServerThread]:
    server = ServerThread(anthropic_app(script)).start()
    yield server
    script.release.set()  # a held stream the client left ends with the server
    server.stop()
