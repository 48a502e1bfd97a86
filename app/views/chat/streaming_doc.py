"""The document of the reply that is streaming: new text is appended in place, not re-parsed each frame.

Rebuilding the whole rich-text document of a long reply 60 times a second costs milliseconds that grow
with the reply; appending through a QTextCursor only lays out the changed paragraph. Drawing and sizing one
document still grow with it (a 3,000-line reply: ~25 ms a frame), so every ``PART_LINES`` finished lines
move out of the growing document into a part of a ``MessageDocument`` that is laid out once and drawn only
while visible: the growing document stays small however long the reply gets. A list row cannot be taller
than 32,767 px, so while it streams a very long reply shows its first part, a line saying how many lines are
hidden, and its newest ``MAX_RECENT_PARTS`` parts (where the text arrives); finished, it is shown as usual.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFont, QPainter, QTextCursor

from app.views.chat.markdown import PART_LINES, plain_html
from app.views.chat.message_doc import MessageDocument
from app.views.chat.message_html import streamed_part_html, streaming_html
from app.views.chat.message_model import MessageRow
from app.views.theme import PALETTE
from app.views.widgets.qt_guard import report
from app.views.widgets.safe_document import SafeDocument

END_OF_BODY = "\u2063"  # an invisible separator that marks where streamed text goes
MAX_RECENT_PARTS = 20


class StreamingDocument:
    def __init__(self, row: MessageRow, width: int, font: QFont, style: str) -> None:
        self.message_id = row.info.id
        self.width = width
        self.waiting = row.waiting
        self.phase = row.phase
        self.thinking = (len(row.reasoning), row.thinking_open)
        self._font = font
        self._style = style
        self.head = MessageDocument([], width, font, style)  # the first part: the header and first lines
        self.frozen = MessageDocument([], width, font, style)  # the newest finished parts
        self.hidden_lines = 0  # lines between ``head`` and ``frozen`` not shown while streaming
        self.notice = MessageDocument([], width, font, style)
        self.start = 0  # characters of the text in ``frozen``; the growing document holds the rest
        while (cut := _cut(row.text, self.start)) is not None:
            self._freeze(row, cut)
        self._grow(row)

    def _grow(self, row: MessageRow) -> None:
        """A new growing document for the text from ``start`` on."""
        try:
            markup = streaming_html(row, self.start, END_OF_BODY)
        except Exception as error:  # a broken stored value costs the decoration only
            report(row, "streaming_html", error)
            markup = plain_html(row.text[self.start :] + END_OF_BODY)
        self.doc = SafeDocument()
        self.doc.setDocumentMargin(0)
        self.doc.setDefaultFont(self._font)
        self.doc.setDefaultStyleSheet(self._style)
        self.doc.setHtml(markup)
        self.doc.setTextWidth(self.width)
        marker = self.doc.find(END_OF_BODY)
        self.cursor = QTextCursor(self.doc)
        self.cursor.setPosition(marker.selectionStart() if not marker.isNull() else 0)
        self.length = len(row.text)

    def _freeze(self, row: MessageRow, cut: int) -> None:
        """Moves text ``start``..``cut`` (whole lines; ``cut`` follows a line break) into a part."""
        try:
            markup = streamed_part_html(row, self.start, cut - 1)
        except Exception as error:
            report(row, "streamed_part_html", error)
            markup = plain_html(row.text[self.start : cut - 1], margin_bottom=False)
        if self.start == 0:
            self.head.append(markup)
        else:
            self.frozen.append(markup)
            if self.frozen.part_count > MAX_RECENT_PARTS:
                self.frozen.drop_first()
                self.hidden_lines += PART_LINES
                self.notice = MessageDocument([self._notice_html()], self.width, self._font, self._style)
        self.start = cut

    def _notice_html(self) -> str:
        return (
            f'<p style="color:{PALETTE.muted}; margin: 6px 0;">⋯ {self.hidden_lines:,} more lines, shown when the '
            "reply is finished ⋯</p>"
        )

    def _sections(self) -> tuple[MessageDocument, ...]:
        return (self.head, self.notice, self.frozen)

    def fits(self, row: MessageRow, width: int) -> bool:
        """Whether ``row`` can be shown by appending to this document."""
        return (
            row.info.id == self.message_id
            and width == self.width
            and row.waiting == self.waiting
            and row.phase == self.phase
            and (len(row.reasoning), row.thinking_open) == self.thinking
            and len(row.text) >= self.length
        )

    def catch_up(self, row: MessageRow) -> None:
        if len(row.text) <= self.length:
            return
        cut = _cut(row.text, self.start)
        if cut is None:
            self.cursor.insertText(row.text[self.length :])
            self.length = len(row.text)
            return
        while cut is not None:
            self._freeze(row, cut)
            cut = _cut(row.text, self.start)
        self._grow(row)

    def height(self) -> int:
        return sum(section.height() for section in self._sections()) + math.ceil(self.doc.size().height())

    def draw(self, painter: QPainter, clip: QRectF) -> None:
        top = 0
        for section in self._sections():
            if clip.top() < top + section.height() and clip.bottom() >= top:
                painter.save()
                painter.translate(0, top)
                section.draw(painter, clip.translated(0, -top))
                painter.restore()
            top += section.height()  # drawing may have replaced estimates
        if clip.bottom() >= top:
            painter.save()
            painter.translate(0, top)
            self.doc.drawContents(painter, clip.translated(0, -top))
            painter.restore()

    def anchor_at(self, point: QPointF) -> str:
        top = 0
        for section in self._sections():
            if point.y() < top + section.height():
                return section.anchor_at(point - QPointF(0, top))
            top += section.height()
        return str(self.doc.documentLayout().anchorAt(point - QPointF(0, top)) or "")

    def toPlainText(self) -> str:  # the name QTextDocument uses
        shown = [section.toPlainText() for section in self._sections() if section.part_count]
        return "\n".join([*shown, self.doc.toPlainText()])


def _cut(text: str, start: int) -> int | None:
    """Where the first ``PART_LINES`` whole lines after ``start`` end (just past the line break that ends
    them), when the text after them has begun; None while fewer are there."""
    position = start
    for _ in range(PART_LINES):
        found = text.find("\n", position)
        if found < 0:
            return None
        position = found + 1
    return position if position < len(text) else None
