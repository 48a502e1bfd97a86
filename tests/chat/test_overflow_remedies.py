"""Context overflow: a prompt that obviously cannot fit is caught before it is sent (the catalog's context
window for the route), and "Start a new chat with a summary" asks the chat's model for a summary, shows
progress on the failed reply, and opens a new chat seeded with it; a failure is said and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from app.context import AppContext
from app.models.chat import MessageStatus
from app.services.chat import remedies
from app.services.chat.controller import ChatController
from app.services.chat.keys import KeyStatus
from app.services.chat.model_sources import ModelSources
from app.services.chat.overflow import CONTEXT_OVERFLOW, context_window
from app.services.chat.service import ChatService
from app.services.chat.store import MessageInfo
from app.views.chat.message_html import footer_html
from app.views.chat.message_model import MessageRow
from tests.chat.helpers import make_service
from tests.chat.test_controller import until
from tests.fakes.chat_servers import Script, ServerThread

SMALL = ("ollama", "phi4:14b")  # a catalog route with a 16,384-token context window


@pytest.fixture
def service(context: AppContext, openai_server: ServerThread) -> Iterator[ChatService]:
    svc = make_service(context, openai_server, prices=context.catalog)
    yield svc
    svc.shutdown()


async def test_the_catalog_gives_the_routes_context_window(context: AppContext) -> None:
    assert context_window(context.catalog, *SMALL) == 16_384
    assert context_window(context.catalog, "custom", "my-own-model") is None
    assert context_window(object(), *SMALL) is None  # no catalog wired in: nothing is checked


async def test_a_prompt_over_the_context_window_is_not_sent(service: ChatService, script: Script) -> None:
    session = await service.create_session(provider=SMALL[0], model=SMALL[1])
    reply = await service.send(session.id, "word " * 20_000)
    assert reply.status == MessageStatus.ERROR and reply.finish_reason == CONTEXT_OVERFLOW
    assert "nothing was sent" in (reply.error or "") and "16,384" in (reply.error or "")
    assert script.requests == []  # caught before the request
    footer = footer_html(MessageRow.of(reply, is_last=True))
    assert "action:retry-trimmed" in footer and "action:summary-chat" in footer
    again = await service.send(session.id, "a short question")  # the long question is still in the history
    assert again.finish_reason == CONTEXT_OVERFLOW and script.requests == []
    fresh = await service.create_session(provider=SMALL[0], model=SMALL[1])
    short = await service.send(fresh.id, "a short question")
    assert short.status == MessageStatus.COMPLETE and len(script.requests) == 1


async def test_a_new_chat_is_seeded_with_the_models_summary(service: ChatService, script: Script) -> None:
    session = await service.create_session(provider="openai", model="echo", title="Trip", system_prompt="Be brief.")
    await service.workers.db(
        service.store.add_messages,
        session.id,
        [
            {"role": "user", "content": "Plan a trip to Lisbon."},
            {"role": "assistant", "content": "<think>hmm</think>Day 1: Alfama."},
            {"role": "user", "content": "And day 2?"},
        ],
    )
    script.reply = "<think>what matters</think>Lisbon trip; day 1 Alfama; day 2 open."
    fresh = await remedies.new_chat_with_summary(service, session.id)
    sent = script.requests[-1]["messages"]
    assert sent[-1]["content"].startswith(remedies.SUMMARY_PROMPT)
    assert "Day 1: Alfama." in sent[-1]["content"] and "hmm" not in sent[-1]["content"]
    assert fresh.id != session.id and fresh.title == "Trip (continued)" and fresh.model == "echo"
    assert fresh.system_prompt.startswith("Be brief.\n\nSummary of an earlier conversation (“Trip”)")
    assert fresh.system_prompt.endswith("Lisbon trip; day 1 Alfama; day 2 open.")
    assert await service.messages(session.id)  # the old chat is untouched


@pytest.fixture
def controller(context: AppContext, service: ChatService) -> Iterator[ChatController]:
    keys = KeyStatus(context.secrets, context.workers)
    made = ChatController(
        service,
        keys,
        ModelSources(context.catalog, service.provider_factory),
        context.settings,
        context.navigator,
        context.tasks,
    )
    yield made
    made.shutdown()


async def test_the_controller_shows_progress_opens_the_new_chat_or_says_why_not(
    controller: ChatController, service: ChatService, script: Script
) -> None:
    phases: list[tuple[int, str]] = []
    notices: list[str] = []
    controller.remedy_phase.connect(lambda message_id, text: phases.append((message_id, text)))
    controller.notice.connect(lambda notice: notices.append(f"{notice.title}: {notice.body}"))
    failing = await service.create_session(provider="openai", model="server-error", title="Broken")
    await service.workers.db(service.store.add_messages, failing.id, [{"role": "user", "content": "hi"}])
    controller.new_chat_with_summary(failing.id, 7)
    await until(lambda: notices)
    assert phases == [(7, "Summarising this chat with server-error…"), (7, "")]
    assert notices[0].startswith("Could not summarise this chat: ") and "Traceback" not in notices[0]
    assert len(await service.list_sessions()) == 1  # nothing was made

    script.reply = "A summary."
    working = await service.create_session(provider="openai", model="echo", title="Good")
    await service.workers.db(service.store.add_messages, working.id, [{"role": "user", "content": "hi"}])
    controller.new_chat_with_summary(working.id, 9)
    await until(lambda: len(notices) == 2)
    assert controller.current is not None and controller.current.title == "Good (continued)"
    assert phases[-2:] == [(9, "Summarising this chat with echo…"), (9, "")]
    assert notices[-1].startswith("New chat started from a summary")


def test_the_failed_reply_shows_the_summary_in_progress_instead_of_its_actions() -> None:
    info = MessageInfo(
        3,
        1,
        "assistant",
        "",
        "error",
        "openai",
        "m",
        None,
        None,
        False,
        None,
        "too long",
        None,
        datetime(2026, 1, 1),
        finish_reason=CONTEXT_OVERFLOW,
    )
    row = MessageRow.of(info, is_last=True, phase="Summarising this chat with m…")
    assert "Summarising" in footer_html(row) and "action:" not in footer_html(row)


def test_screenshots_of_the_overflow_remedies(qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.views.chat.message_model import MessageListModel
    from app.views.chat.message_view import MessageListView

    model = MessageListModel()
    view = MessageListView(model)
    view.setStyleSheet("QListView#MessageList { background: #0a0a0a; }")
    qtbot.addWidget(view)
    view.resize(820, 360)
    view.show()
    error = (
        "This conversation is too long for the model's context window (ollama: this chat is about 20,004 "
        "tokens; phi4:14b takes 16,384; nothing was sent). Retry without the oldest turns, start a new chat "
        "from the last question, or pick a model with a bigger context."
    )
    question = MessageInfo(
        1,
        1,
        "user",
        "Summarise the whole thread above.",
        "complete",
        None,
        None,
        None,
        None,
        False,
        None,
        None,
        None,
        datetime(2026, 1, 1),
    )
    failed = MessageInfo(
        2,
        1,
        "assistant",
        "",
        "error",
        "ollama",
        "phi4:14b",
        None,
        None,
        False,
        None,
        error,
        None,
        datetime(2026, 1, 1),
        finish_reason=CONTEXT_OVERFLOW,
    )
    model.set_messages([question, failed])
    qtbot.waitUntil(lambda: not view.measuring())
    qtbot.wait(30)
    view.grab().save("artifacts/chat10-overflow-remedies.png")
    model.set_phase(2, "Summarising this chat with phi4:14b…")
    qtbot.wait(30)
    view.grab().save("artifacts/chat10-overflow-summarising.png")
    assert "Summarising" in footer_html(model.rows[1])
