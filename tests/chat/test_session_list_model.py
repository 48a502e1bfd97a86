"""The paged session list (issue 20): keyset pages from a real SQLite store, one row changed per rename,
right-to-left titles laid out on their own side."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QImage

from app.context import AppContext
from app.services.chat.store import ChatStore, SessionInfo
from app.views.chat.session_list import SessionList
from app.views.chat.session_model import DIRECTION_ROLE, SessionListModel
from app.views.widgets.elided_label import ElidedLabel, text_direction

NOW = datetime(2025, 1, 1, 12, 0)


def info(number: int, title: str = "", minutes: int | None = None) -> SessionInfo:
    stamp = NOW - timedelta(minutes=number if minutes is None else minutes)
    return SessionInfo(
        number, title or f"Chat {number}", "custom", "echo", "", None, None, None, None, None, None, None, stamp, stamp
    )


def test_keyset_pages_walk_every_live_session_once(context: AppContext) -> None:
    store = ChatStore(context.sessions)
    made = [store.create_session(title=f"chat {n}", provider="custom", model="echo") for n in range(25)]
    store.delete_session(made[3].id)
    seen: list[int] = []
    page = store.session_page(None, 10)
    while page:
        seen.extend(s.id for s in page)
        page = store.session_page(page[-1], 10)
    expected = [s.id for s in sorted(made, key=lambda s: (s.updated_at, s.id), reverse=True) if s.id != made[3].id]
    assert seen == expected and store.session_count() == 24


def test_model_pages_upserts_and_removes_without_a_reset(qtbot) -> None:  # type: ignore[no-untyped-def]
    asked: list[int] = []
    model = SessionListModel(page_size=3, more=lambda after: asked.append(after.id))
    model.reset([info(1), info(2), info(3)])
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert asked == [3] and not model.canFetchMore(QModelIndex())  # one request at a time
    model.append([info(4), info(5)])  # a short page: the last one
    assert not model.canFetchMore(QModelIndex())
    assert [model.session_at(r).id for r in range(model.rowCount())] == [1, 2, 3, 4, 5]

    moved: list[tuple[str, int]] = []
    model.rowsRemoved.connect(lambda _p, start, _end: moved.append(("out", start)))
    model.rowsInserted.connect(lambda _p, start, _end: moved.append(("in", start)))
    model.upsert(replace(info(4), title="renamed", updated_at=NOW + timedelta(minutes=1)))  # renamed: to the top
    assert [model.session_at(r).id for r in range(5)] == [4, 1, 2, 3, 5] and moved == [("out", 3), ("in", 0)]
    assert model.index(0, 0).data() == "renamed"
    model.upsert(replace(info(2), title="same place"))  # key unchanged: changed in place
    assert model.index(2, 0).data() == "same place" and len(moved) == 2
    assert [model.index(r, 0).data() for r in range(5)] == ["renamed", "Chat 1", "same place", "Chat 3", "Chat 5"]
    model.upsert(info(9, minutes=-5))  # a new chat
    model.remove(1)
    assert [model.session_at(r).id for r in range(model.rowCount())] == [9, 4, 2, 3, 5]
    assert resets == []


def test_an_older_session_waits_for_its_page(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = SessionListModel(page_size=2)
    model.reset([info(1), info(2)])
    model.upsert(info(7))  # older than every loaded row while more pages remain
    assert model.rowCount() == 2 and model.row_of(7) is None


def test_rtl_titles_take_their_direction_and_side(qtbot) -> None:  # type: ignore[no-untyped-def]
    hebrew, arabic = "שיחה על מודלים של שפה גדולים ועל הדרך לאמן אותם", "محادثة حول نماذج اللغة الكبيرة"
    assert text_direction(hebrew) == Qt.LayoutDirection.RightToLeft
    assert text_direction("12 " + arabic) == Qt.LayoutDirection.RightToLeft  # digits are not strong
    assert text_direction("GPT " + hebrew) == Qt.LayoutDirection.LeftToRight
    widget = SessionList()
    qtbot.addWidget(widget)
    widget.resize(220, 300)
    widget.show()
    widget.show_sessions([info(1, hebrew), info(2, "English title"), info(3, "قصير")], 2)
    assert widget.model.index(0, 0).data(DIRECTION_ROLE) == Qt.LayoutDirection.RightToLeft
    alignment = Qt.AlignmentFlag(widget.model.index(2, 0).data(Qt.ItemDataRole.TextAlignmentRole))
    assert alignment & Qt.AlignmentFlag.AlignRight
    # the short Arabic title is painted at the right of its row, the English one at the left
    image = widget.list.viewport().grab().toImage()
    rect_rtl, rect_ltr = (
        widget.list.visualRect(widget.model.index(2, 0)),
        widget.list.visualRect(widget.model.index(1, 0)),
    )
    assert ink_centre(image, rect_rtl) > image.width() * 0.6 > image.width() * 0.4 > ink_centre(image, rect_ltr)


def ink_centre(image: QImage, rect) -> float:  # type: ignore[no-untyped-def]
    """The mean x of the light (text) pixels inside ``rect``."""
    xs = [
        x
        for y in range(rect.top() + 2, rect.bottom() - 2)
        for x in range(rect.left() + 2, rect.right() - 2)
        if QColor(image.pixel(x, y)).lightness() > 150
    ]
    assert xs, "nothing painted"
    return sum(xs) / len(xs)


def test_elided_label_elides_rtl_text_at_its_end_with_the_whole_text_as_tooltip(qtbot) -> None:  # type: ignore[no-untyped-def]
    title = "محادثة طويلة جدا حول نماذج اللغة الكبيرة وطرق تدريبها وتقييمها"
    label = ElidedLabel(title)
    qtbot.addWidget(label)
    label.resize(120, 30)
    label.show()
    assert label.is_elided() and label.elided_text().endswith("…") and label.toolTip() == title
    label.setText("قصير")
    label.resize(400, 30)
    assert label.toolTip() == ""
    image = label.grab().toImage()
    assert ink_centre(image, label.rect()) > label.width() * 0.6  # right-aligned
    label.setText("short")
    assert ink_centre(label.grab().toImage(), label.rect()) < label.width() * 0.4
