"""A long chat opens with its newest ``WINDOW`` messages as rows (QListView lays out every row again each time
a row's height changes, once per row through Python); older ones come in above when the person scrolls to
the top, without moving what they were reading, and a search hit brings its message in."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from PySide6.QtWidgets import QAbstractSlider

from app.services.chat.store import MessageInfo
from app.views.chat.message_model import WINDOW, MessageListModel
from app.views.chat.message_view import MessageListView

COUNT = 1000


def info(number: int) -> MessageInfo:
    role = "user" if number % 2 else "assistant"
    text = f"Message {number}: " + "words " * (number % 7 * 10)
    return MessageInfo(
        number, 1, role, text, "complete", "openai", "m", 5, 7, False, 0.001, None, None, datetime(2026, 1, 1)
    )


def opened(qtbot) -> tuple[MessageListModel, MessageListView]:  # type: ignore[no-untyped-def]
    """A view of a 1,000-message chat, shown 800 × 600."""
    model = MessageListModel()
    view = MessageListView(model)
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    model.set_messages([info(n) for n in range(1, COUNT + 1)])
    return model, view


def test_a_long_chat_opens_with_its_newest_messages_and_grows_upward(qtbot) -> None:  # type: ignore[no-untyped-def]
    model, view = opened(qtbot)
    assert model.rowCount() == WINDOW and model.message_count() == COUNT
    assert model.rows[0].info.id == COUNT - WINDOW + 1 and model.rows[-1].is_last
    qtbot.waitUntil(lambda: not view.measuring(), timeout=20_000)
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())
    # The person scrolls to the top: the older messages become rows, and the top row stays in view.
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)
    qtbot.waitUntil(lambda: model.rowCount() == 2 * WINDOW)
    qtbot.waitUntil(lambda: not view.measuring(), timeout=20_000)
    qtbot.wait(50)
    top = view.indexAt(view.viewport().rect().topLeft())
    assert model.rows[top.row()].info.id == COUNT - WINDOW + 1  # the message that was at the top still is
    assert bar.value() > 0
    # A message below it grows (an edit, a finished reply): what the person reads at the top does not move.
    longer = info(COUNT - 1)
    model.update(replace(longer, content=longer.content + "more words " * 400))
    qtbot.waitUntil(lambda: not view.measuring(), timeout=20_000)
    qtbot.wait(50)
    top = view.indexAt(view.viewport().rect().topLeft())
    assert model.rows[top.row()].info.id == COUNT - WINDOW + 1
    # Opening a chat does not pull the older messages in on its own.
    model.set_messages([info(n) for n in range(1, COUNT + 1)])
    qtbot.wait(100)
    assert model.rowCount() == WINDOW


def test_reaching_the_top_while_a_layout_is_pending_keeps_the_top_message(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A reply below grows (its layout still pending) in the same moment the person reaches the top."""
    model, view = opened(qtbot)
    qtbot.waitUntil(lambda: not view.measuring(), timeout=20_000)
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())
    last = info(COUNT)
    model.update(replace(last, content=last.content + "more words " * 400))
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)
    qtbot.waitUntil(lambda: model.rowCount() == 2 * WINDOW)
    qtbot.waitUntil(lambda: not view.measuring(), timeout=20_000)
    qtbot.wait(50)
    top = view.indexAt(view.viewport().rect().topLeft())
    assert model.rows[top.row()].info.id == COUNT - WINDOW + 1
    assert not view.at_bottom()


def test_a_search_hit_in_older_messages_is_revealed() -> None:
    model = MessageListModel()
    model.set_messages([info(n) for n in range(1, COUNT + 1)])
    row = model.reveal(5)
    assert row is not None and model.rows[row].info.id == 5
    assert model.rowCount() == COUNT - 4 and model.reveal(123456) is None
