"""``</think>`` without ``<think>`` (chat templates that put the opening tag into the prompt): what came
before it is reasoning, streamed in any split and stored; tags later in a reply stay as they were."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from app.context import AppContext
from app.services.chat.reasoning import ThinkSplitter, split_think
from app.services.chat.service import ChatService
from tests.chat.helpers import make_service
from tests.fakes.chat_servers import Script, ServerThread

ORPHAN = "Weighing the two options.\nThe first is shorter.</think>\n\nUse the first one."


def streamed(text: str, cuts: list[int]) -> tuple[str, str]:
    """Feeds ``text`` cut at ``cuts`` the way the writer does: answer and reasoning as a view would hold."""
    splitter = ThinkSplitter()
    answer, reasoning = "", ""
    bounds = [0, *cuts, len(text)]
    for start, end in itertools.pairwise(bounds):
        split = splitter.feed(text[start:end])
        if split.retract:
            reasoning += answer[len(answer) - split.retract :]
            answer = answer[: len(answer) - split.retract]
        answer, reasoning = answer + split.answer, reasoning + split.reasoning
    tail = splitter.flush()
    return answer + tail.answer, reasoning + tail.reasoning


@pytest.mark.parametrize("cut", range(len(ORPHAN) + 1))
def test_an_orphan_closing_tag_makes_what_came_before_reasoning_at_any_split(cut: int) -> None:
    assert streamed(ORPHAN, [cut]) == ("Use the first one.", "Weighing the two options.\nThe first is shorter.")


def test_an_orphan_closing_tag_in_single_characters() -> None:
    answer, reasoning = streamed(ORPHAN, list(range(1, len(ORPHAN))))
    assert (answer, reasoning) == ("Use the first one.", "Weighing the two options.\nThe first is shorter.")


def test_closing_tags_after_a_block_or_in_the_answer_are_text() -> None:
    assert streamed("<think>a</think>Then </think> is a tag.", [3, 12]) == ("Then </think> is a tag.", "a")
    # An opening tag first: the ordinary block rules apply, nothing is taken back.
    assert streamed("Intro <think>b</think> end", [8]) == ("Intro  end", "b")


def test_whole_stored_text_with_an_orphan_closing_tag_is_split() -> None:
    assert split_think(ORPHAN) == ("Use the first one.", "Weighing the two options.\nThe first is shorter.")
    assert split_think("plan</thinking>Answer <think>more</think>!") == ("Answer !", "plan\n\nmore")
    assert split_think("No tags at all.") == ("No tags at all.", "")


@pytest.fixture
def service(context: AppContext, openai_server: ServerThread) -> Iterator[ChatService]:
    svc = make_service(context, openai_server)
    yield svc
    svc.shutdown()


async def test_a_stream_without_the_opening_tag_stores_reasoning_and_tells_the_view(
    service: ChatService, script: Script
) -> None:
    script.reply = ORPHAN
    session = await service.create_session(provider="openai", model="echo")
    shown: list[tuple[str, str | None]] = []
    service.message_updated.connect(lambda info: shown.append((info.content, info.reasoning)))
    reply = await service.send(session.id, "which one?")
    assert reply.content == "Use the first one."
    assert reply.reasoning == "Weighing the two options.\nThe first is shorter."
    # While streaming, the view was handed the moved text once, with the reply's reasoning in its own part.
    content, reasoning = shown[0]
    assert "Weighing" not in content and reasoning == "Weighing the two options.\nThe first is shorter."
    await service.send(session.id, "and?")
    assert all("Weighing" not in m["content"] for m in script.requests[-1]["messages"])
