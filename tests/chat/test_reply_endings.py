"""Issue 10: how replies really end on OpenAI-compatible and Anthropic servers (loopback fakes, real SQLite).

Token limits, filters and refusals, reasoning (reasoning_content, OpenRouter's reasoning, Anthropic thinking,
``<think>``), [DONE] without a finish reason, ``data: null``, context overflow, connections that give no
answer, local servers that load a model, and the totals after Stop and after a crash.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from app.context import AppContext
from app.models.chat import MessageStatus
from app.services.chat import remedies, replies
from app.services.chat.service import ChatService
from app.services.providers.base import ChatRequest, ConnectionFailed, Turn
from app.services.providers.openai_compatible import OpenAICompatibleProvider
from tests.chat.helpers import make_service
from tests.fakes.chat_servers import GOOD_KEY, Script, ServerThread, SilentServer, free_port, sse_answer


@pytest.fixture
def service(context: AppContext, openai_server: ServerThread, anthropic_server: ServerThread) -> Iterator[ChatService]:
    svc = make_service(context, openai_server, anthropic_server)
    yield svc
    svc.shutdown()


async def reply_of(service: ChatService, provider: str, model: str, text: str = "hello there") -> object:
    session = await service.create_session(provider=provider, model=model)
    return await service.send(session.id, text)


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_token_limit_is_said_and_offers_continue(service: ChatService, provider: str) -> None:
    reply = await reply_of(service, provider, "length")
    assert reply.status == MessageStatus.INTERRUPTED  # the view offers Continue and Regenerate
    assert reply.finish_reason == ("length" if provider == "openai" else "max_tokens")
    assert "token limit" in (reply.note or "")
    assert reply.content == "You said: hello there"


@pytest.mark.parametrize(
    ("provider", "model", "said"),
    [
        ("openai", "content-filter", "content filter"),
        ("openai", "refusal", "declined"),
        ("anthropic", "refusal", "declined"),
    ],
)
async def test_filters_and_refusals_get_a_visible_reason(
    service: ChatService, provider: str, model: str, said: str
) -> None:
    reply = await reply_of(service, provider, model)
    assert said in (reply.note or "")


async def test_reasoning_only_then_length_is_not_an_empty_complete_reply(service: ChatService, script: Script) -> None:
    session = await service.create_session(provider="openai", model="reasoning")
    thoughts: list[str] = []
    service.reasoning_delta.connect(lambda _id, delta: thoughts.append(delta))
    reply = await service.send(session.id, "think hard")
    assert reply.status == MessageStatus.INTERRUPTED
    assert reply.content == "" and reply.reasoning == "Let me think"
    assert "".join(thoughts) == "Let me think"  # shown live
    assert "while thinking" in (reply.note or "")
    assert (reply.tokens_in, reply.tokens_out) == (9, 64)
    # The reasoning is never sent back as history.
    await service.send(session.id, "and now?")
    sent = script.requests[-1]["messages"]
    assert all("Let me think" not in message["content"] for message in sent)


async def test_openrouter_reasoning_and_anthropic_thinking_are_kept_apart(service: ChatService) -> None:
    openrouter = await reply_of(service, "openai", "openrouter-reasoning")
    assert (openrouter.reasoning, openrouter.content) == ("Weighing it.", "You said: hello there")
    anthropic = await reply_of(service, "anthropic", "thinking")
    assert (anthropic.reasoning, anthropic.content) == ("Checking the sum.", "You said: hello there")
    assert anthropic.status == MessageStatus.COMPLETE


async def test_think_tags_are_split_out_and_not_sent_back(service: ChatService, script: Script) -> None:
    session = await service.create_session(provider="openai", model="think")
    deltas: list[str] = []
    service.message_delta.connect(lambda _id, delta: deltas.append(delta))
    reply = await service.send(session.id, "hi")
    assert reply.content == "You said: hi" and reply.reasoning == "pondering"
    assert "<think" not in "".join(deltas)
    await service.send(session.id, "again")
    assert all("ponder" not in m["content"] for m in script.requests[-1]["messages"])


async def test_imported_think_text_is_not_sent_back(service: ChatService, script: Script) -> None:
    session = await service.create_session(provider="openai", model="echo")
    await service.workers.db(
        service.store.add_messages,
        session.id,
        [{"role": "user", "content": "q"}, {"role": "assistant", "content": "<think>secret plan</think>Answer."}],
    )
    await service.send(session.id, "next")
    contents = [m["content"] for m in script.requests[-1]["messages"]]
    assert contents == ["q", "Answer.", "next"]


async def test_done_without_finish_reason_is_complete_and_null_events_are_skipped(service: ChatService) -> None:
    done = await reply_of(service, "openai", "done-no-finish")
    assert done.status == MessageStatus.COMPLETE and done.error is None
    for provider in ("openai", "anthropic"):
        nulls = await reply_of(service, provider, "null-event")
        assert nulls.status == MessageStatus.COMPLETE, nulls.error
        assert nulls.content == "You said: hello there"


async def test_answered_then_closed_is_not_could_not_reach(service: ChatService) -> None:
    reply = await reply_of(service, "openai", "silent-close")
    assert reply.status == MessageStatus.ERROR
    assert reply.error == "openai answered, then closed the connection before the first word."


async def test_context_overflow_is_recognised_from_an_aborted_stream_and_from_an_error(service: ChatService) -> None:
    aborted = await reply_of(service, "openai", "overflow-abort")
    assert aborted.status == MessageStatus.ERROR
    assert "too long for the model's context window" in (aborted.error or "")
    assert "exceed context window of 2048" in (aborted.error or "")
    assert aborted.finish_reason == "context_overflow"
    refused = await reply_of(service, "openai", "overflow")
    assert "too long for the model's context window" in (refused.error or "")
    assert "oldest turns" in (refused.error or "") and "bigger context" in (refused.error or "")


async def test_retry_without_the_oldest_turns_sends_less(service: ChatService, script: Script) -> None:
    session = await service.create_session(provider="openai", model="echo")
    for text in ("one", "two", "three"):
        await service.send(session.id, text)
    await service.update_session(session.id, model="overflow")
    failed = await service.send(session.id, "four")
    assert failed.finish_reason == "context_overflow"
    await service.update_session(session.id, model="echo")
    retried = await remedies.retry_without_oldest(service, session.id)
    assert retried.status == MessageStatus.COMPLETE
    sent = [m["content"] for m in script.requests[-1]["messages"]]
    assert sent[-1] == "four" and "one" not in sent and len(sent) < 7
    stored = [m.content for m in await service.messages(session.id)]
    assert stored[0] == "one"  # nothing stored is deleted but the failed reply


async def test_errors_say_what_happened_and_no_response_is_retried_once() -> None:
    request = ChatRequest(model="m", turns=[Turn("user", "hi")])
    # Nothing listens: refused.
    port = free_port()  # bound once and released: nothing listens there
    refused = OpenAICompatibleProvider("llama.cpp", f"http://127.0.0.1:{port}/v1", GOOD_KEY)
    with pytest.raises(ConnectionFailed, match=r"llama\.cpp refused the connection"):
        [chunk async for chunk in refused.stream(request)]
    await refused.aclose()
    # Accepts, reads, closes without answering: "closed the connection without answering".
    mute = SilentServer(silent=100, answer=b"")
    provider = OpenAICompatibleProvider("LM Studio", f"{mute.url}/v1", GOOD_KEY)
    with pytest.raises(ConnectionFailed) as caught:
        [chunk async for chunk in provider.stream(request)]
    assert caught.value.kind == "no-response"
    assert caught.value.message == "LM Studio closed the connection without answering."
    await provider.aclose()
    mute.stop()


async def test_a_dead_connection_is_retried_once_by_the_reply(context: AppContext) -> None:
    server = SilentServer(silent=1, answer=sse_answer("Back again."))
    provider = OpenAICompatibleProvider("llama.cpp", f"{server.url}/v1", GOOD_KEY)
    service = ChatService(context.sessions, lambda _id: provider, tasks=context.tasks, workers=context.workers)
    try:
        session = await service.create_session(provider="custom", model="m")
        reply = await service.send(session.id, "hi")
        assert reply.status == MessageStatus.COMPLETE, reply.error
        assert reply.content == "Back again." and server.connections == 2
    finally:
        service.shutdown()
        await provider.aclose()
        server.stop()


async def test_local_server_gets_its_own_first_byte_timeout_and_a_loading_notice(
    context: AppContext, openai_server: ServerThread, script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    script.first_byte_delay_s = 1.0
    monkeypatch.setattr(replies, "LOADING_NOTICE_S", 0.05)
    patient = OpenAICompatibleProvider(
        "Ollama (local)", f"{openai_server.url}/v1", GOOD_KEY, timeout=0.2, first_byte_timeout=30, local=True
    )
    service = ChatService(context.sessions, lambda _id: patient, tasks=context.tasks, workers=context.workers)
    phases: list[str] = []
    service.reply_phase.connect(lambda _id, text: phases.append(text))
    try:
        session = await service.create_session(provider="ollama", model="echo")
        reply = await service.send(session.id, "load")
        assert reply.status == MessageStatus.COMPLETE, reply.error
        assert phases[0].startswith("Loading the model…") and phases[-1] == ""
    finally:
        service.shutdown()
        await patient.aclose()
    hasty = OpenAICompatibleProvider("Ollama (local)", f"{openai_server.url}/v1", GOOD_KEY, first_byte_timeout=0.2)
    with pytest.raises(ConnectionFailed, match=r"Ollama \(local\) did not answer within 0.2 s"):
        [chunk async for chunk in hasty.stream(ChatRequest(model="echo", turns=[Turn("user", "x")]))]
    await hasty.aclose()


async def test_totals_change_after_stop_and_restored_replies_are_counted(
    context: AppContext, openai_server: ServerThread, script: Script
) -> None:
    script.delay_s = 0.05
    script.hold_after = 3  # the reply stays mid-stream until it is cancelled: 9 paced words could finish first
    service = make_service(context, openai_server)
    changed: list[int] = []
    service.session_changed.connect(changed.append)
    deltas: list[str] = []
    service.message_delta.connect(lambda _id, delta: deltas.append(delta))
    session = await service.create_session(provider="openai", model="slow")
    task = asyncio.ensure_future(service.send(session.id, "one two three four five six seven"))
    while not deltas:  # the reply has begun (its database writes are throttled: not a sign to wait on)
        await asyncio.sleep(0.02)
    changed.clear()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert session.id in changed  # the totals are refreshed after Stop
    stopped = (await service.messages(session.id))[-1]
    assert stopped.status == MessageStatus.INTERRUPTED and stopped.tokens_out
    # A crash leaves a reply "streaming" with no counts; the next start counts it like a stopped one.
    crashed = await service.workers.db(
        service.store.add_message, session.id, "assistant", "half a reply", status=MessageStatus.STREAMING
    )
    service.shutdown()
    reopened = make_service(context, openai_server)
    try:
        assert await reopened.open() == 1
        restored = await reopened.workers.db(reopened.store.message, crashed.id)
        assert restored.status == MessageStatus.INTERRUPTED
        assert restored.estimated and restored.tokens_out and restored.tokens_in
        totals = await reopened.totals(session.id)
        assert totals[1] >= stopped.tokens_out + restored.tokens_out
    finally:
        reopened.shutdown()
