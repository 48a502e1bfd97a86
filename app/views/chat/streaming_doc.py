"""The document of the reply that is streaming: new text is appended in place, not re-parsed each frame.

Rebuilding the whole rich-text document of a long reply 60 times a second costs milliseconds that grow
with the reply; appending through a QTextCursor only lays out the changed paragraph.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFont, QPainter, QTextCursor

from app.views.chat.message_html import safe_message_html
from app.views.chat.message_model import MessageRow
from app.views.widgets.safe_document import SafeDocument

END_OF_BODY = "\u2063"  # an invisible separator that marks where streamed text goes


class StreamingDocument:
    def __init__(self, row: MessageRow, width: int, font: QFont, style: str) -> None:
        self.message_id = row.info.id
        self.width = width
        self.waiting = row.waiting
        self.phase = row.phase
        self.thinking = (len(row.reasoning), row.thinking_open)
        self.length = len(row.text)
        self.doc = SafeDocument()
        self.doc.setDocumentMargin(0)
        self.doc.setDefaultFont(font)
        self.doc.setDefaultStyleSheet(style)
        self.doc.setHtml(safe_message_html(row, end_marker=END_OF_BODY))
        self.doc.setTextWidth(width)
        marker = self.doc.find(END_OF_BODY)
        self.cursor = QTextCursor(self.doc)
        self.cursor.setPosition(marker.selectionStart() if not marker.isNull() else 0)

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
        if len(row.text) > self.length:
            self.cursor.insertText(row.text[self.length :])
            self.length = len(row.text)

    def height(self) -> int:
        return math.ceil(self.doc.size().height())

    def draw(self, painter: QPainter, clip: QRectF) -> None:
        self.doc.drawContents(painter, clip)

    def anchor_at(self, point: QPointF) -> str:
        return str(self.doc.documentLayout().anchorAt(point) or "")

    def toPlainText(self) -> str:  # the name QTextDocument uses
        return self.doc.toPlainText()
