"""Issue 10: what a model writes is shown, never obeyed; a Qt callback never raises; thinking is apart."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument

from app.services.chat.store import MessageInfo
from app.views.chat.markdown import render_markdown
from app.views.chat.message_html import message_html
from app.views.chat.message_model import MessageListModel, MessageRow
from app.views.chat.message_view import MessageListView
from app.views.widgets.safe_document import SafeDocument

HOSTILE = (
    "Here: ![chart](/dev/zero) and ![x]({png}) and ![net](//host/share/x.png) ![ok](https://example.com/a.png)\n\n"
    "[Regenerate](action:regenerate) [Copy](copy-code:0) <action:add-key> [file](file:///etc/passwd) "
    "[site](https://example.com) <img src='/dev/zero'>"
)


def info(number: int, role: str, content: str, **fields: object) -> MessageInfo:
    base = MessageInfo(
        number, 1, role, content, "complete", "openai", "m", 5, 7, False, 0.001, None, None, datetime(2026, 1, 1)
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def test_model_markdown_loads_nothing_and_makes_no_app_links(tmp_path: Path) -> None:
    png = tmp_path / "private.png"
    Image.new("RGB", (4, 4), "red").save(png)
    rendered = render_markdown(HOSTILE.format(png=png))
    assert "<img" not in rendered.html
    assert " src=" not in rendered.html.replace("&lt;img src=", "")  # escaped raw HTML is text
    hrefs = [part.split('"')[1] for part in rendered.html.split("href=")[1:]]
    assert hrefs == ["https://example.com/a.png", "https://example.com"]
    assert "[image: chart]" in rendered.html and "[image: x]" in rendered.html
    # Not the last row: the footer offers no Regenerate, so no action link may exist at all.
    row = MessageRow.of(info(2, "assistant", HOSTILE.format(png=png)))
    html = message_html(row)
    for href in ("action:regenerate", "action:add-key", "copy-code:0", "file:", "/dev/zero"):
        assert f'href="{href}' not in html


def test_a_safe_document_never_reads_a_resource(tmp_path: Path) -> None:
    png = tmp_path / "private.png"
    Image.new("RGB", (4, 4), "red").save(png)
    url = QUrl.fromLocalFile(str(png))
    plain = QTextDocument()
    plain.setHtml(f'<img src="{url.toString()}">')
    plain.size()
    assert plain.resource(QTextDocument.ResourceType.ImageResource, url).width() == 4  # Qt reads the file
    for source in (url.toString(), str(png)):
        safe = SafeDocument()
        safe.setHtml(f'<img src="{source}">')
        safe.size()
        for key in (url, QUrl(str(png)), QUrl(source)):
            loaded = safe.resource(QTextDocument.ResourceType.ImageResource, key)
            assert loaded is None or loaded.width() == 1  # never the file's 4×4 pixels


def test_a_bad_stored_value_paints_a_fallback_instead_of_killing_the_app(
    qtbot,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    model = MessageListModel()
    view = MessageListView(model)
    qtbot.addWidget(view)
    view.resize(700, 500)
    # What SQLite hands back after an unvalidated import stored "abc" in the integer column.
    model.set_messages([info(1, "user", "hi"), info(2, "assistant", "fine", tokens_in="abc")])
    view.show()
    with caplog.at_level(logging.ERROR):
        qtbot.waitUntil(lambda: "message_html raised" in caplog.text)
        picture = view.grab()
    assert not picture.isNull()
    doc = view.delegate.document(model.rows[1])
    assert "fine" in doc.toPlainText() and "could not be shown" in doc.toPlainText()


def test_any_failure_inside_paint_or_size_hint_is_caught(
    qtbot,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    """A future bug in the delegate must not kill the app: paint and sizeHint log and fall back."""
    model = MessageListModel()
    view = MessageListView(model)
    qtbot.addWidget(view)
    view.resize(700, 500)

    def broken(*_args: object) -> None:
        raise RuntimeError("a bug in the delegate")

    monkeypatch.setattr(view.delegate, "_draw_bubble", broken)
    monkeypatch.setattr(view.delegate, "row_size", broken)
    model.set_messages([info(1, "user", "hi"), info(2, "assistant", "there")])
    view.show()
    with caplog.at_level(logging.ERROR):
        qtbot.waitUntil(lambda: "MessageDelegate.paint raised" in caplog.text)
        assert not view.grab().isNull()
    assert "MessageDelegate.sizeHint raised" in caplog.text


def test_thinking_is_a_collapsed_part_that_opens(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = MessageListModel()
    view = MessageListView(model)
    qtbot.addWidget(view)
    view.resize(760, 520)
    reply = info(2, "assistant", "The answer is **42**.", reasoning="First add six and seven.\nThen multiply.")
    model.set_messages([info(1, "user", "What is six times seven?"), reply])
    row = model.rows[1]
    assert "Thinking" in message_html(row) and "multiply" not in message_html(row)
    model.toggle_thinking(2)
    assert "multiply" in message_html(model.rows[1])
    view.show()
    qtbot.wait(50)
    Path("artifacts").mkdir(exist_ok=True)
    view.grab().save("artifacts/chat10-thinking-open.png")
    # Old or imported text that still has the tags is shown the same way.
    tagged = MessageRow.of(info(3, "assistant", "<think>hidden plan</think>\n\nVisible."))
    assert (tagged.text, tagged.reasoning) == ("Visible.", "hidden plan")


def test_a_3000_line_unlabelled_code_block_is_not_guessed(monkeypatch: pytest.MonkeyPatch) -> None:
    import app.views.chat.markdown as markdown

    def refuse(_code: str) -> None:
        raise AssertionError("guess_lexer must not run on a big block")

    monkeypatch.setattr(markdown, "guess_lexer", refuse)
    code = "\n".join(f"value_{n} = compute({n}) + {n}" for n in range(3000))
    rendered = markdown.render_markdown(f"```\n{code}\n```")
    assert rendered.code_blocks == (code,)
    labelled = markdown.render_markdown(f"```python\n{code}\n```").html
    assert labelled.count("<span") < 3000 * 2  # only the first MAX_HIGHLIGHT_LINES lines are coloured
    assert "value_2999" in labelled
