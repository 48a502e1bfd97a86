"""Both provider implementations against real HTTP on loopback: text, usage and every failure mode."""

from __future__ import annotations

import pytest

from app.services.providers.anthropic_provider import AnthropicProvider
from app.services.providers.base import (
    ChatChunk,
    ChatProvider,
    ChatRequest,
    DroppedStream,
    KeyRejected,
    MalformedResponse,
    RateLimited,
    ServerError,
    Turn,
    Usage,
)
from app.services.providers.local import detect_local_servers
from app.services.providers.openai_compatible import OpenAICompatibleProvider
from tests.fakes.chat_servers import GOOD_KEY, Script, ServerThread


def make(kind: str, server: ServerThread, key: str = GOOD_KEY) -> ChatProvider:
    if kind == "openai":
        return OpenAICompatibleProvider("Fake OpenAI", f"{server.url}/v1", key)
    return AnthropicProvider("Fake Anthropic", server.url, key)


@pytest.fixture(params=["openai", "anthropic"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server(kind: str, request: pytest.FixtureRequest) -> ServerThread:
    name = "openai_server" if kind == "openai" else "anthropic_server"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


async def collect(provider: ChatProvider, model: str, text: str = "hello there") -> tuple[str, list[ChatChunk]]:
    chunks: list[ChatChunk] = []
    request = ChatRequest(model=model, turns=[Turn("user", text)], system_prompt="Be brief.")
    async for chunk in provider.stream(request):
        chunks.append(chunk)
    return "".join(chunk.text for chunk in chunks), chunks


async def test_streams_text_and_usage(kind: str, server: ServerThread, script: Script) -> None:
    text, chunks = await collect(make(kind, server), "echo", "how are you")
    assert text == "You said: how are you"
    assert len([chunk for chunk in chunks if chunk.text]) == 5
    usages = [chunk.usage for chunk in chunks if chunk.usage]
    assert usages and usages[-1].output_tokens == 5
    assert usages[-1].input_tokens in (11, 13)
    sent = script.requests[-1]
    assert sent["stream"] is True
    if kind == "openai":
        assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
        assert sent["stream_options"] == {"include_usage": True}
    else:
        assert sent["system"] == "Be brief."


async def test_no_usage_block_yields_no_usage(openai_server: ServerThread) -> None:
    text, chunks = await collect(make("openai", openai_server), "no-usage")
    assert text.startswith("You said")
    assert all(chunk.usage is None for chunk in chunks)


async def test_wrong_key_is_key_rejected(kind: str, server: ServerThread) -> None:
    with pytest.raises(KeyRejected, match="rejected the API key"):
        await collect(make(kind, server, key="sk-wrong"), "echo")


async def test_rate_limit_carries_retry_after(kind: str, server: ServerThread, script: Script) -> None:
    script.retry_after = 7
    with pytest.raises(RateLimited) as caught:
        await collect(make(kind, server), "rate-limited")
    assert caught.value.retry_after == 7


async def test_server_error(kind: str, server: ServerThread) -> None:
    with pytest.raises(ServerError) as caught:
        await collect(make(kind, server), "server-error")
    assert caught.value.status == 500


async def test_dropped_stream_keeps_partial_text(kind: str, server: ServerThread) -> None:
    received: list[str] = []
    with pytest.raises(DroppedStream):
        async for chunk in make(kind, server).stream(ChatRequest("drop", [Turn("user", "one two three four")])):
            received.append(chunk.text)
    assert "".join(received) == "You said: one"


async def test_malformed_json_is_a_typed_error(kind: str, server: ServerThread) -> None:
    with pytest.raises(MalformedResponse):
        await collect(make(kind, server), "malformed", "a b c d e")


async def test_list_models(kind: str, server: ServerThread) -> None:
    models = await make(kind, server).list_models()
    assert "echo" in models and "slow" in models


async def test_detect_local_servers_lists_models(openai_server: ServerThread) -> None:
    closed = ServerThread.__new__(ServerThread)
    from tests.fakes.chat_servers import free_port

    found = await detect_local_servers(
        {"ollama": f"{openai_server.url}/v1", "lmstudio": f"http://127.0.0.1:{free_port()}/v1"}
    )
    del closed
    assert [server.provider_id for server in found] == ["ollama"]
    assert "echo" in found[0].models


def test_usage_is_a_value() -> None:
    assert Usage(1, 2) == Usage(1, 2)
