"""ChatController without widgets: its flows against the loopback fake server, a real SQLite file, the real
catalog and the in-memory keyring, observed through its signals."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.context import AppContext
from app.models.chat import MessageStatus
from app.services.chat.controller import ChatController, Notice, Totals
from app.services.chat.keys import KeyStatus
from app.services.chat.model_sources import ModelSources
from app.services.chat.service import ChatService, reply_task
from tests.chat.helpers import make_service
from tests.fakes.chat_servers import GOOD_KEY, Script, ServerThread

SIGNALS = (
    "sessions_listed",
    "sessions_appended",
    "session_listed",
    "session_unlisted",
    "hits_found",
    "search_ended",
    "session_shown",
    "messages_loaded",
    "message_added",
    "message_updated",
    "message_delta",
    "streaming_changed",
    "totals_changed",
    "key_state_changed",
    "models_offered",
    "models_status",
    "model_picked",
    "notice",
    "send_accepted",
    "edit_requested",
    "scroll_to_end",
)


def panel(**fields: Any) -> dict[str, Any]:
    """The parameters panel's fields, as the view hands them over."""
    return {
        "provider": "custom",
        "model": "echo",
        "system_prompt": "",
        "temperature": None,
        "top_p": None,
        "max_tokens": None,
        "frequency_penalty": None,
        "presence_penalty": None,
        "failover_provider": None,
        "failover_model": None,
        **fields,
    }


class Seen:
    """Every signal the controller emitted, in order."""

    def __init__(self, controller: ChatController) -> None:
        self.events: list[tuple[str, tuple[Any, ...]]] = []
        for name in SIGNALS:
            getattr(controller, name).connect(lambda *args, name=name: self.events.append((name, args)))

    def of(self, name: str) -> list[tuple[Any, ...]]:
        return [args for event, args in self.events if event == name]

    def notices(self) -> list[Notice]:
        return [args[0] for args in self.of("notice")]


async def until(condition: Callable[[], object], timeout: float = 15.0) -> None:
    """Lets the loop run until ``condition`` holds; fails after ``timeout`` seconds (a hang, not a timing)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition never held")
        await asyncio.sleep(0.01)


@pytest.fixture
def service(context: AppContext, openai_server: ServerThread) -> Iterator[ChatService]:
    context.settings.set("chat.default_provider", "custom")
    context.settings.set("chat.default_model", "echo")
    context.secrets.set("provider:custom", GOOD_KEY)
    svc = make_service(context, openai_server)
    yield svc
    svc.shutdown()


@pytest.fixture
def controller(context: AppContext, service: ChatService) -> Iterator[ChatController]:
    keys = KeyStatus(context.secrets, context.workers)
    sources = ModelSources(context.catalog, service.provider_factory)
    made = ChatController(service, keys, sources, context.settings, context.navigator, context.tasks)
    yield made
    made.shutdown()


def last_reply(seen: Seen) -> Any:
    updates = [args[0] for args in seen.of("message_updated") if args[0].role == "assistant"]
    return updates[-1] if updates else None


async def test_open_without_chats_offers_defaults_and_catalog_models(controller: ChatController) -> None:
    seen = Seen(controller)
    controller.open()
    await until(lambda: seen.of("models_offered"))
    assert seen.of("session_shown") == [(None,)]
    assert seen.of("messages_loaded") == [([],)]
    assert seen.of("sessions_listed") == [([], None)]
    assert controller.current is None
    assert controller.default_model() == ("custom", "echo")
    offered = dict(seen.of("models_offered"))
    assert "gpt-4.1-mini" in offered["openai"]  # from resources/catalog/models.json


async def test_send_reads_the_key_off_the_ui_thread_then_streams(  # type: ignore[no-untyped-def]
    controller: ChatController, context: AppContext, memory_keyring, monkeypatch
) -> None:
    readers: list[str] = []
    read = memory_keyring.get_password

    def recording(service: str, username: str) -> str | None:
        readers.append(threading.current_thread().name)
        return read(service, username)

    context.secrets.set("provider:groq", GOOD_KEY)  # groq needs a key; the fake server answers for it
    monkeypatch.setattr(memory_keyring, "get_password", recording)
    seen = Seen(controller)
    controller.provider_selected("groq")
    assert seen.of("key_state_changed") == [("groq", False)]  # not known yet: not shown as missing
    controller.send("hello there", panel(provider="groq"))
    assert seen.of("send_accepted") == []  # the keyring has not answered yet
    await until(lambda: (reply := last_reply(seen)) is not None and reply.status == MessageStatus.COMPLETE)
    assert readers and threading.main_thread().name not in readers
    assert len(seen.of("send_accepted")) == 1
    assert last_reply(seen).content == "You said: hello there"
    assert controller.current is not None and controller.current.title == "hello there"
    added = [args[0] for args in seen.of("message_added")]
    assert [(m.role, m.content) for m in added] == [("user", "hello there"), ("assistant", "")]
    assert seen.of("streaming_changed")[-1] == (False,) and (True,) in seen.of("streaming_changed")
    assert seen.of("scroll_to_end") == [()]
    await until(lambda: any(totals.tokens_out for _, totals in seen.of("totals_changed")))
    session, totals = seen.of("totals_changed")[-1]
    assert isinstance(totals, Totals) and session.id == controller.current.id
    assert not controller.service.is_streaming(session.id)


async def test_a_missing_key_or_model_is_refused_with_a_notice(controller: ChatController, context: AppContext) -> None:
    seen = Seen(controller)
    controller.provider_selected("openai")
    await until(lambda: ("openai", True) in seen.of("key_state_changed"))  # the keyring answered: no key
    controller.send("hi", panel(provider="openai", model="gpt-4.1-mini"))
    notice = seen.notices()[-1]
    assert notice.title == "OpenAI needs an API key" and notice.action_text == "Add key"
    opened: list[tuple[str, Any]] = []
    context.navigator.requested.connect(lambda place, payload: opened.append((place, payload)))
    assert notice.action is not None
    notice.action()
    assert opened == [("settings", {"section": "keys", "provider": "openai"})]

    controller.provider_selected("custom")
    await until(lambda: ("custom", False) in seen.of("key_state_changed") and controller.keys.known("custom"))
    controller.send("hi", panel(model=""))
    assert seen.notices()[-1].title == "Pick a model first"
    controller.send("   ", panel())
    await asyncio.sleep(0.05)
    assert seen.of("send_accepted") == [] and seen.of("message_added") == []
    assert await controller.service.list_sessions() == []


async def test_new_chat_starts_from_the_open_chats_parameters_without_failover(controller: ChatController) -> None:
    assert controller.new_chat_fields(panel(temperature=0.5)) == {"provider": "custom", "model": "echo"}
    seen = Seen(controller)
    controller.new_chat(panel(), temperature=0.5, failover_model="other")
    await until(lambda: controller.current is not None)
    first = controller.current
    assert first is not None and first.temperature == 0.5 and first.failover_model == "other"
    fields = controller.new_chat_fields(panel(temperature=0.5, failover_model="other"))
    assert fields["temperature"] == 0.5 and "failover_model" not in fields and "failover_provider" not in fields
    controller.new_chat(panel(temperature=0.5, failover_model="other"))
    await until(lambda: controller.current is not None and controller.current.id != first.id)
    await until(lambda: not controller.tasks.names("chat-"))  # the new chat's flow and the list reload ended
    assert controller.current is not None
    assert controller.current.temperature == 0.5 and controller.current.failover_model is None
    # the new chat is listed at the top, one row at a time (no whole-list reload), and shown
    assert [args[0].id for args in seen.of("session_listed")] == [first.id, controller.current.id]
    assert seen.of("sessions_listed") == []
    assert seen.of("session_shown")[-1] == (controller.current,)
    assert [s.id for s in await controller.service.session_page()] == [controller.current.id, first.id]


async def test_stop_continue_regenerate_and_edit(controller: ChatController, script: Script) -> None:
    controller.keys._known["custom"] = True
    seen = Seen(controller)
    script.tokens = 400
    script.delay_s = 0.02
    script.hold_after = 5  # the reply stays mid-stream until it is stopped, however loaded the machine
    controller.send("long story", panel(model="slow"))
    await until(lambda: controller.current is not None and controller.service.is_streaming(controller.current.id))
    assert controller.current is not None
    session_id = controller.current.id
    assert controller.tasks.running(reply_task(session_id))
    await until(lambda: "".join(text for _id, text in seen.of("message_delta")).count("tok") >= 5)
    controller.stop()
    await until(lambda: (reply := last_reply(seen)) is not None and reply.status == MessageStatus.INTERRUPTED)
    interrupted = last_reply(seen)
    assert interrupted.content.startswith(" tok0 tok1 tok2 tok3 tok4")
    assert not controller.service.is_streaming(session_id)

    script.tokens = 3
    script.delay_s = 0.001
    script.hold_after = None
    controller.continue_reply(session_id, interrupted.id)
    await until(lambda: last_reply(seen).status == MessageStatus.COMPLETE)
    assert last_reply(seen).id == interrupted.id and last_reply(seen).content.endswith(" tok0 tok1 tok2")

    controller.set_params(panel())  # back to the echo model
    await until(lambda: controller.current is not None and controller.current.model == "echo")
    script.reply = "A second answer."
    controller.regenerate(session_id)
    await until(lambda: last_reply(seen).content == "A second answer." and last_reply(seen).status == "complete")
    assert last_reply(seen).id != interrupted.id

    script.reply = None
    messages = await controller.service.messages(session_id)
    question = messages[0]
    controller.begin_edit(question.id, question.content)
    assert seen.of("edit_requested") == [(question.id, "long story")]
    controller.send("changed my mind", panel(), editing=question.id)
    await until(
        lambda: last_reply(seen).content == "You said: changed my mind" and last_reply(seen).status == "complete"
    )
    assert [m.content for m in seen.of("messages_loaded")[-1][0]] == ["changed my mind"]  # then the reply
    stored = await controller.service.messages(session_id)
    assert [m.content for m in stored] == ["changed my mind", "You said: changed my mind"]


async def test_switching_chats_shows_only_the_open_chats_news(controller: ChatController, script: Script) -> None:
    controller.keys._known["custom"] = True
    seen = Seen(controller)
    controller.send("first chat", panel())
    await until(lambda: last_reply(seen) is not None and last_reply(seen).status == "complete")
    assert controller.current is not None
    first = controller.current.id
    controller.new_chat(panel())
    await until(lambda: controller.current is not None and controller.current.id != first)
    assert controller.current is not None
    second = controller.current.id
    assert seen.of("messages_loaded")[-1] == ([],)
    before = len(seen.of("message_added"))
    await controller.service.send(first, "in the background")  # news of a chat that is not open
    assert len(seen.of("message_added")) == before
    controller.select(first)
    await until(lambda: controller.current is not None and controller.current.id == first)
    await until(lambda: not controller.tasks.names("chat-"))
    assert len(seen.of("messages_loaded")[-1][0]) == 4
    assert seen.of("session_shown")[-1][0].id == first
    assert set(controller.sessions) == {first, second}
    assert controller.title_of(first) == "first chat"


async def test_delete_offers_undo_and_bad_input_is_a_notice(controller: ChatController) -> None:
    seen = Seen(controller)
    controller.new_chat(panel())
    await until(lambda: controller.current is not None)
    assert controller.current is not None
    session_id = controller.current.id
    controller.rename(session_id, "   ")
    await until(lambda: seen.notices())
    assert seen.notices()[-1] == Notice("A chat needs a name.")
    controller.delete(session_id)
    await until(lambda: controller.current is None)
    notice = seen.notices()[-1]
    assert notice.title == "Deleted “New chat”" and notice.action_text == "Undo" and notice.action is not None
    notice.action()
    await until(lambda: controller.current is not None and controller.current.id == session_id)


async def test_search_hits_and_marketplace_payloads(controller: ChatController) -> None:
    controller.keys._known["custom"] = True
    seen = Seen(controller)
    controller.send("amethyst is purple quartz", panel())
    await until(lambda: last_reply(seen) is not None and last_reply(seen).status == "complete")
    controller.search("purple")
    await until(lambda: seen.of("hits_found"))
    assert len(seen.of("hits_found")[-1][0]) == 2
    controller.activate({"model_id": "gpt-5-nano"}, panel())  # the catalog's serving list answers
    await until(lambda: controller.current is not None and controller.current.model == "gpt-5-nano")
    assert controller.current is not None and controller.current.provider == "openai"
    controller.activate({"model_id": "meta/llama-3", "provider": "groq", "model": "llama-3.3-70b-versatile"}, panel())
    await until(lambda: controller.current is not None and controller.current.provider == "groq")


async def test_custom_url_must_be_http(controller: ChatController, context: AppContext) -> None:
    seen = Seen(controller)
    controller.set_custom_url("localhost:1234")
    assert seen.notices() == [Notice("The server URL must start with http:// or https://")]
    controller.set_custom_url("http://127.0.0.1:9/v1")
    assert controller.custom_base_url == "http://127.0.0.1:9/v1"


async def test_listing_picks_a_model_when_the_field_is_empty_or_not_served(
    controller: ChatController, script: Script
) -> None:
    script.models = ("solo-7b",)
    seen = Seen(controller)
    controller.list_models("custom", "")
    await until(lambda: "listed" in (seen.of("models_status") or [("",)])[-1][0])
    assert seen.of("models_offered") == [("custom", ["solo-7b"])]
    assert seen.of("model_picked") == [("custom", "solo-7b")]
    assert seen.of("models_status")[-1] == ("1 model listed. Picked solo-7b, the only one.",)

    script.models = ("first", "second")
    controller.list_models("custom", "gone-model")
    await until(lambda: len(seen.of("model_picked")) == 2)
    assert seen.of("model_picked")[-1] == ("custom", "first")
    assert seen.of("models_status")[-1] == ("2 models listed. Picked first.",)

    controller.list_models("custom", "second")  # already served: kept as it is
    await until(lambda: seen.of("models_status")[-1] == ("2 models listed.",))
    assert len(seen.of("model_picked")) == 2
