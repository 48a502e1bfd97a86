"""ChatService against the loopback fake servers and a real SQLite file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from app.context import AppContext
from app.models.chat import MessageStatus
from app.services.chat.exporting import ImportFailed, safe_filename
from app.services.chat.service import ChatService, reply_task
from app.services.chat.tokens import TokenEstimator
from tests.chat.helpers import PriceTable, make_service
from tests.fakes.chat_servers import Script, ServerThread


@pytest.fixture
def service(context: AppContext, openai_server: ServerThread, anthropic_server: ServerThread) -> ChatService:
    svc = make_service(
        context,
        openai_server,
        anthropic_server,
        prices=PriceTable({"openai/echo": (2.0, 8.0), "no-usage": (1.0, 1.0)}),
    )
    yield svc
    svc.shutdown()


async def test_send_streams_saves_and_prices_the_reply(service: ChatService) -> None:
    session = await service.create_session(provider="openai", model="echo", system_prompt="Be kind.")
    deltas: list[str] = []
    service.message_delta.connect(lambda _id, delta: deltas.append(delta))
    reply = await service.send(session.id, "what is two plus two")
    assert reply.status == MessageStatus.COMPLETE
    assert reply.content == "You said: what is two plus two"
    assert "".join(deltas) == reply.content
    assert (reply.tokens_in, reply.tokens_out, reply.estimated) == (11, 7, False)
    assert reply.cost == pytest.approx((11 * 2.0 + 7 * 8.0) / 1_000_000)
    stored = await service.messages(session.id)
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[1].content == reply.content
    assert (await service.session(session.id)).title == "what is two plus two"
    totals = await service.totals(session.id)
    assert totals[:2] == (11, 7)


async def test_anthropic_session(service: ChatService, script: Script) -> None:
    session = await service.create_session(provider="anthropic", model="echo", temperature=0.3, max_tokens=100)
    reply = await service.send(session.id, "hi")
    assert reply.content == "You said: hi", reply.error
    assert (reply.tokens_in, reply.tokens_out) == (13, 3)
    assert script.requests[-1]["max_tokens"] == 100
    assert script.requests[-1]["temperature"] == 0.3


async def test_missing_usage_is_estimated(service: ChatService) -> None:
    session = await service.create_session(provider="groq", model="no-usage")
    reply = await service.send(session.id, "count me")
    assert reply.estimated is True
    assert reply.tokens_out == TokenEstimator().count(reply.content)
    assert reply.cost is not None  # priced by the bare model id


def test_estimator_without_an_encoding_falls_back_to_characters() -> None:
    estimator = TokenEstimator("no_such_encoding")
    assert estimator.count("x" * 41) == 11
    assert estimator.method == "chars/4"


async def test_dropped_stream_keeps_partial_text_as_error(service: ChatService) -> None:
    session = await service.create_session(provider="openai", model="drop")
    reply = await service.send(session.id, "one two three four")
    assert reply.status == MessageStatus.ERROR
    assert reply.content == "You said: one"
    assert "dropped" in (reply.error or "")
    # Retry = regenerate: the failed reply is replaced, the question stays.
    await service.update_session(session.id, model="echo")
    again = await service.regenerate(session.id)
    messages = await service.messages(session.id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[-1].id == again.id and again.status == MessageStatus.COMPLETE


async def test_malformed_data_is_an_error_on_the_message(service: ChatService) -> None:
    session = await service.create_session(provider="openai", model="malformed")
    reply = await service.send(session.id, "a b c d e")
    assert reply.status == MessageStatus.ERROR
    assert "could not be read" in (reply.error or "")


async def test_wrong_key_says_key_rejected(context: AppContext, openai_server: ServerThread) -> None:
    from tests.chat.helpers import fake_factory

    svc = ChatService(
        context.sessions, fake_factory(openai_server, key="sk-bad"), tasks=context.tasks, workers=context.workers
    )
    session = await svc.create_session(provider="openai", model="echo")
    reply = await svc.send(session.id, "hi")
    assert reply.status == MessageStatus.ERROR
    assert "rejected the API key" in (reply.error or "")
    assert (reply.tokens_in, reply.tokens_out, reply.cost) == (None, None, None)  # refused: nothing used
    svc.shutdown()


async def test_rate_limit_counts_down_then_retries(service: ChatService, script: Script) -> None:
    script.retry_after = 1
    session = await service.create_session(provider="openai", model="rate-limited")
    countdown: list[int] = []
    service.waiting.connect(lambda _id, left: countdown.append(left))
    reply = await service.send(session.id, "hello")
    assert reply.status == MessageStatus.COMPLETE
    assert countdown[0] == 1 and countdown[-1] == 0
    assert len(script.requests) == 2


async def test_failover_answers_with_the_second_model(service: ChatService) -> None:
    session = await service.create_session(provider="openai", model="server-error", failover_model="echo")
    reply = await service.send(session.id, "hello")
    assert reply.status == MessageStatus.COMPLETE
    assert reply.model == "echo"
    assert "answered by openai/echo" in (reply.note or "")


async def test_stop_keeps_partial_reply_as_interrupted(
    service: ChatService, script: Script, context: AppContext
) -> None:
    script.delay_s = 0.05
    script.tokens = 200
    script.hold_after = 5  # the reply stays mid-stream until it is stopped, however loaded the machine
    session = await service.create_session(provider="openai", model="slow")
    deltas: list[str] = []
    service.message_delta.connect(lambda _id, delta: deltas.append(delta))
    task = context.tasks.start(reply_task(session.id), service.send(session.id, "go"))
    while len("".join(deltas).split()) < 5:
        await asyncio.sleep(0.02)
    service.stop(session.id)
    with pytest.raises(asyncio.CancelledError):
        await task
    reply = (await service.messages(session.id))[-1]
    assert reply.status == MessageStatus.INTERRUPTED
    assert reply.content.startswith(" tok0 tok1 tok2 tok3 tok4")
    assert reply.estimated is True


async def test_reply_is_written_while_it_grows(
    service: ChatService, script: Script, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stream lasts over a second (60 tokens, 20 ms apart) and writes are throttled to one per 0.25 s, so
    # at least one write of part of the reply must happen. Each write is read back in the database thread,
    # right after it: polling from the test instead raced the final write on a loaded machine.
    script.delay_s = 0.02
    script.tokens = 60
    session = await service.create_session(provider="openai", model="slow")
    written: list[tuple[str, str]] = []
    write_content = service.store.write_content

    def write_and_read_back(message_id: int, content: str, *rest: str) -> None:
        write_content(message_id, content, *rest)
        with context.engine.connect() as connection:
            row = connection.execute(
                text("SELECT content, status FROM chat_messages WHERE id = :id"), {"id": message_id}
            ).one()
        written.append((row[0], row[1]))

    monkeypatch.setattr(service.store, "write_content", write_and_read_back)
    reply = await service.send(session.id, "go")
    assert written, "nothing was written while the reply streamed"
    partial, status = written[0]
    assert status == "streaming"
    assert partial.startswith(" tok0")
    assert len(partial) < len(reply.content)


async def test_continue_appends_to_an_interrupted_reply(
    service: ChatService, script: Script, context: AppContext
) -> None:
    session = await service.create_session(provider="openai", model="echo")
    reply = await service.send(session.id, "first")
    await context.workers.db(service.store.update_message, reply.id, content="partial", status="interrupted")
    script.reply = "and the rest"
    continued = await service.continue_reply(reply.id)
    assert continued.id == reply.id
    assert continued.content == "partialand the rest"
    assert continued.status == MessageStatus.COMPLETE
    assert script.requests[-1]["messages"][-2] == {"role": "assistant", "content": "partial"}


async def test_edit_replaces_later_messages(service: ChatService) -> None:
    session = await service.create_session(provider="openai", model="echo")
    await service.send(session.id, "first question")
    await service.send(session.id, "second question")
    first_user = (await service.messages(session.id))[0]
    await service.edit_and_resend(first_user.id, "changed question")
    messages = await service.messages(session.id)
    assert [(m.role, m.content) for m in messages] == [
        ("user", "changed question"),
        ("assistant", "You said: changed question"),
    ]


async def test_open_marks_unfinished_replies_interrupted(service: ChatService, context: AppContext) -> None:
    session = await service.create_session(provider="openai", model="echo")
    await context.workers.db(service.store.add_message, session.id, "assistant", "half a rep", status="streaming")
    assert await service.open() == 1
    message = (await service.messages(session.id))[-1]
    assert message.status == MessageStatus.INTERRUPTED and message.content == "half a rep"


async def test_search_rename_delete_undo(service: ChatService, context: AppContext) -> None:
    first = await service.create_session(provider="openai", model="echo")
    await service.send(first.id, "tell me about amethyst crystals")
    second = await service.create_session(provider="openai", model="echo")
    await service.send(second.id, "quartz is common")
    hits = await service.search("amethy")
    assert {hit.session_id for hit in hits} == {first.id}
    assert "[amethyst]" in hits[0].snippet
    assert await service.search('"; DROP TABLE') == []
    await service.rename(second.id, "  Rocks   and stones ")
    assert (await service.session(second.id)).title == "Rocks and stones"
    await service.delete_session(first.id)
    assert [s.id for s in await service.list_sessions()] == [second.id]
    assert await service.search("amethyst") == []
    await service.restore_session(first.id)
    assert {s.id for s in await service.list_sessions()} == {first.id, second.id}
    await service.delete_session(first.id)
    await service.open()  # the next start purges it for good
    assert await context.workers.db(service.store.messages, first.id) == []


async def test_export_and_import_round_trip(service: ChatService, tmp_path: Path) -> None:
    session = await service.create_session(provider="openai", model="echo", system_prompt="Short answers.")
    await service.send(session.id, "show code")
    await service.rename(session.id, 'a/b: "what?"')
    markdown = await service.export(session.id, tmp_path / 'a/b: "what?".md'.replace("/", "_"))
    assert markdown.parent == tmp_path
    assert markdown.name == safe_filename('a_b: "what?"', ".md")
    assert "## You" in markdown.read_text() and "You said: show code" in markdown.read_text()
    exported = await service.export(session.id, tmp_path / "chat.json")
    imported = await service.import_json(exported)
    assert imported.id != session.id
    assert imported.system_prompt == "Short answers."
    original = await service.messages(session.id)
    copied = await service.messages(imported.id)
    assert [(m.role, m.content, m.tokens_out) for m in copied] == [(m.role, m.content, m.tokens_out) for m in original]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ImportFailed, match="not an Amethyst chat export"):
        await service.import_json(broken)


def test_safe_filename() -> None:
    assert safe_filename("con", ".md") == "chat con.md"
    assert safe_filename('a/b\\c:d*e?f"g<h>i|j', ".json") == "a b c d e f g h i j.json"
    assert safe_filename("   ...  ", ".md") == "chat.md"
    assert len(safe_filename("x" * 500, ".md")) <= 83


async def test_usage_summary_groups_by_provider_and_model(service: ChatService) -> None:
    one = await service.create_session(provider="openai", model="echo")
    await service.send(one.id, "a")
    await service.send(one.id, "b")
    two = await service.create_session(provider="anthropic", model="echo")
    await service.send(two.id, "c")
    rows = await service.usage_summary()
    by_key = {(row.provider, row.model): row for row in rows}
    assert by_key[("openai", "echo")].messages == 2
    assert by_key[("openai", "echo")].cost > 0
    assert by_key[("anthropic", "echo")].messages == 1


async def test_cost_from_the_catalog_prices(context: AppContext, openai_server: ServerThread) -> None:
    """The Marketplace catalog (real models.json) prices replies: gpt-4.1-mini costs $0.40 / $1.60 per 1M."""
    from tests.chat.helpers import fake_factory

    svc = ChatService(
        context.sessions,
        fake_factory(openai_server),
        prices=context.catalog,
        tasks=context.tasks,
        workers=context.workers,
    )
    try:
        session = await svc.create_session(provider="openai", model="gpt-4.1-mini")
        reply = await svc.send(session.id, "price me")
        assert (reply.tokens_in, reply.tokens_out) == (11, 4)
        assert reply.cost == pytest.approx((11 * 0.4 + 4 * 1.6) / 1_000_000)
    finally:
        svc.shutdown()


async def test_unexpected_failure_ends_as_an_error_message(
    context: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_provider_id: str):  # type: ignore[no-untyped-def]
        raise RuntimeError("keyring exploded")

    svc = ChatService(context.sessions, broken, tasks=context.tasks, workers=context.workers)
    try:
        session = await svc.create_session(provider="openai", model="echo")
        reply = await svc.send(session.id, "hello")
        assert reply.status == MessageStatus.ERROR
        # Issue 10 item 7: a Python exception's text is never the message; the log has the traceback.
        assert reply.error == "Something went wrong in Amethyst; the details are in the log."
        assert "keyring exploded" in caplog.text
        assert not svc.is_streaming(session.id)
    finally:
        svc.shutdown()


async def test_warm_up_builds_the_client_without_collector_pauses_and_freezes_it(context: AppContext) -> None:
    """The provider SDK's first import makes tens of thousands of long-lived objects on the database thread:
    full collections while it runs would hold the GIL from the UI thread (app/services/heap.py)."""
    import gc

    seen: list[bool] = []

    class Provider:
        def warm_up(self) -> None:
            seen.append(gc.isenabled())
            self.modules = [{"made": n} for n in range(2000)]  # what an import leaves behind

    service = ChatService(context.sessions, lambda _id: Provider(), tasks=context.tasks, workers=context.workers)
    was_enabled = gc.isenabled()
    before = gc.get_freeze_count()
    try:
        await service.warm_up("openai")
        assert seen == [False]
        assert gc.isenabled() == was_enabled
        assert gc.get_freeze_count() >= before + 2000
        assert service.is_warm("openai")
    finally:
        gc.unfreeze()
        service.shutdown()
