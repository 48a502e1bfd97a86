"""Issue 10 item 9: a reply holding a 3,000-line code block. Its Markdown is rendered on a worker thread, it
is split into parts, and the view builds and lays out only the parts it needs, so neither its arrival nor
reopening the chat makes the UI thread lay out all of it at once (the stalls are measured by
``python -m bench chat_stream``: code_stream_* and code_reopen_*)."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import replace
from datetime import datetime

from PySide6.QtCore import QPointF

from app.context import AppContext
from app.services.chat.store import MessageInfo
from app.views.chat import markdown, message_render
from app.views.chat.markdown import PART_LINES, render_markdown
from app.views.chat.message_doc import MessageDocument
from app.views.chat.message_model import MessageListModel
from app.views.chat.message_render import MarkdownRenderer
from app.views.chat.message_view import MessageListView
from tests.fakes.chat_servers import code_reply

LINES = 3000


def info(number: int, role: str, content: str) -> MessageInfo:
    base = MessageInfo(
        number, 1, role, content, "complete", "openai", "m", 5, 7, False, 0.001, None, None, datetime(2026, 1, 1)
    )
    return replace(base)


def test_a_long_code_block_is_rendered_as_standalone_parts_with_one_copy_link() -> None:
    source = code_reply(LINES)
    rendered = render_markdown(source)
    assert len(rendered.parts) >= LINES // PART_LINES
    for part in rendered.parts:  # every part is a whole fragment that Qt can lay out on its own
        assert part.count("<table") == part.count("</table>")
        assert part.count("<pre") == part.count("</pre>")
    assert "".join(rendered.parts).count("copy-code:0") == 1
    assert rendered.code_blocks[0].count("\n") == LINES - 1  # Copy copies the whole block
    text = re.sub(r"<[^>]+>", "", "".join(rendered.parts))
    assert all(f"value_{n}=compute({n})" in text for n in (0, 1234, LINES - 1))


def test_highlighting_keeps_each_line_whole_when_a_block_is_cut() -> None:
    code = "\n".join(f'x_{n} = """doc\nstring {n}"""' for n in range(300))
    rendered = render_markdown(f"```python\n{code}\n```")
    assert len(rendered.parts) > 1
    for part in rendered.parts:
        assert part.count("<span") == part.count("</span>")
    short = render_markdown("Some `code`:\n\n```python\nx = 1\n```\n\nThat is all.")
    assert len(short.parts) == 1  # a short reply is one document, as before


def test_only_the_parts_drawn_or_measured_are_built(qapp) -> None:  # type: ignore[no-untyped-def]
    parts = list(render_markdown(code_reply(LINES)).parts)
    doc = MessageDocument(parts, 700, qapp.font(), "")
    assert doc.built_parts() == 0
    estimate = doc.height()
    from PySide6.QtGui import QImage, QPainter

    image = QImage(720, 600, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    doc.draw(painter, QRectF_of(0, estimate - 600, 700, 600))  # the bottom of the reply, where a chat opens
    painter.end()
    assert 1 <= doc.built_parts() <= 4 and not doc.exact
    assert not doc.layout_some(time.perf_counter())  # an expired slice still lays out one part, then yields
    assert doc.layout_all() > 0 and doc.exact and doc.built_parts() == doc.part_count
    assert abs(doc.height() - estimate) < estimate * 0.35  # estimates keep the scroll range near the truth
    assert doc.anchor_at(QPointF(40, 30)) in ("", "copy-code:0") and "value_2999" in doc.toPlainText()


def QRectF_of(x: float, y: float, w: float, h: float):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QRectF

    return QRectF(x, y, w, h)


def test_a_long_reply_is_rendered_off_the_ui_thread_and_reopened_in_slices(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, monkeypatch
) -> None:
    threads: list[str] = []
    real = markdown.render_markdown

    def recording(text: str):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real(text)

    monkeypatch.setattr(message_render, "render_markdown", recording)
    model = MessageListModel(renderer=MarkdownRenderer(context.tasks, context.workers))
    view = MessageListView(model)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    model.set_messages([info(1, "user", "Show me the file."), info(2, "assistant", code_reply(LINES))])
    row = model.rows[1]
    assert row.pending  # shown as plain text while the worker renders
    # The first layout of the reopened chat measured the newest row only as far as one slice allows.
    view.delegate.row_size(row)
    plain = view.delegate.document(row)
    assert isinstance(plain, MessageDocument) and plain.built_parts() < plain.part_count
    qtbot.waitUntil(lambda: not model.rows[1].pending, timeout=10_000)
    assert threads and threading.main_thread().name not in threads
    qtbot.waitUntil(lambda: not view.measuring(), timeout=10_000)
    rendered = view.delegate.document(model.rows[1])
    assert isinstance(rendered, MessageDocument) and rendered.exact and rendered.part_count > 10
    assert view.delegate.exact_height(model.rows[1]) == rendered.height()
    view.scrollToBottom()
    qtbot.wait(50)
    view.grab().save("artifacts/chat10-long-code-bottom.png")


def test_a_streamed_long_reply_is_rendered_off_the_ui_thread_when_it_finishes(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext
) -> None:
    model = MessageListModel(renderer=MarkdownRenderer(context.tasks, context.workers))
    view = MessageListView(model)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    streaming = replace(info(2, "assistant", ""), status="streaming")
    model.set_messages([info(1, "user", "Show me the file.")])
    model.append(streaming)
    model.append_delta(2, code_reply(LINES))
    qtbot.wait(20)
    model.update(replace(streaming, content=code_reply(LINES), status="complete"))
    assert model.rows[1].pending and model.rows[1]._rendered is None
    qtbot.waitUntil(lambda: model.rows[1]._rendered is not None, timeout=10_000)
    view.scrollToBottom()
    qtbot.waitUntil(lambda: not view.measuring(), timeout=10_000)
    view.grab().save("artifacts/chat10-long-code-finished.png")


def test_a_message_taller_than_a_list_row_can_be_shows_its_beginning_and_opens_whole(  # type: ignore[no-untyped-def]
    qtbot, monkeypatch
) -> None:
    """Qt caps an item's height at 32,767 px: the bubble shows the first parts, the footer stays, and a link
    opens the whole text."""
    from app.views.chat.links import follow_link
    from app.views.chat.message_html import MAX_PARTS

    model = MessageListModel()
    view = MessageListView(model)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    model.set_messages([info(1, "user", "Show me the file."), info(2, "assistant", code_reply(LINES))])
    qtbot.waitUntil(lambda: not view.measuring(), timeout=10_000)
    row = model.rows[1]
    doc = view.delegate.document(row)
    assert isinstance(doc, MessageDocument) and doc.part_count == MAX_PARTS + 1
    assert view.delegate.row_size(row).height() < 32_767
    text = doc.toPlainText()
    assert "3,005 lines long" in text and "Open the whole message" in text and "Regenerate" in text
    shown: list[tuple[str, str]] = []
    follow_link(None, print, print, row, "action:open-full", lambda title, body: shown.append((title, body)))  # type: ignore[arg-type]
    assert shown == [("Reply — 3,005 lines", row.text)]


def test_a_streaming_reply_keeps_its_growing_document_small(qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.views.chat.streaming_doc import MAX_RECENT_PARTS, StreamingDocument

    model = MessageListModel()
    view = MessageListView(model)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    streaming = replace(info(2, "assistant", ""), status="streaming")
    model.set_messages([info(1, "user", "Show me the file.")])
    model.append(streaming)
    source = code_reply(LINES)
    for start in range(0, len(source), 2_000):  # deltas of a few dozen lines, as frames batch them
        model.append_delta(2, source[start : start + 2_000])
        view.delegate.row_size(model.rows[1])
        doc = view.delegate.document(model.rows[1])
        assert isinstance(doc, StreamingDocument)
        assert doc.doc.blockCount() <= PART_LINES + 2  # the finished lines moved into parts
    # A row cannot be taller than 32,767 px: the first part, how much is hidden, and the newest parts.
    assert doc.frozen.part_count == MAX_RECENT_PARTS and doc.frozen.built_parts() < MAX_RECENT_PARTS
    assert view.delegate.row_size(model.rows[1]).height() < 32_767
    shown = doc.toPlainText()
    assert "value_0=compute(0)" in shown and f"value_{LINES - 1}=compute({LINES - 1})" in shown
    assert f"{doc.hidden_lines:,} more lines, shown when the reply is finished" in shown
    assert "value_1500=compute(1500)" not in shown
    qtbot.wait(20)
    view.grab().save("artifacts/chat10-long-code-streaming.png")


def test_the_whole_message_viewer_shows_all_of_it_read_only(qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.views.chat.message_full import FullMessageDialog

    text = code_reply(LINES)
    dialog = FullMessageDialog("Reply — 3,005 lines", text)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.text.toPlainText() == text and dialog.text.isReadOnly()
    assert dialog.text.accessibleName() == "Whole message"
    dialog.grab().save("artifacts/chat10-whole-message.png")
