"""A finished message's rich text as a stack of small documents, each built and laid out on first need.

Qt lays a QTextDocument out all at once: a reply with a 3,000-line code block costs ~100 ms of the UI
thread (building the document from HTML, then its layout), every time it is opened. The reply's HTML comes
in parts instead (``message_html.message_parts``: a part is at most ~50 source lines), and each part is
its own document, made and laid out only when it is drawn, hit-tested or measured. Until then a part has
an estimated height; ``layout_some`` replaces the estimates part by part within a time limit, so the list
can measure a long reply over several event-loop turns. Off-thread layout is no way out: PySide holds the
GIL through ``setHtml`` and layout, so a worker thread doing them stalls the UI thread just the same.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QTextDocument

from app.views.widgets.safe_document import SafeDocument

BLOCK_TAGS = ("<p", "<br", "<li", "<tr", "<h1", "<h2", "<h3", "<h4", "<div", "<pre", "<hr", "<blockquote")


class _Part:
    __slots__ = ("doc", "exact", "height", "html")

    def __init__(self, html: str, estimate: int) -> None:
        self.html = html
        self.doc: QTextDocument | None = None
        self.height = estimate
        self.exact = False


class MessageDocument:
    """The parts of one message at one text ``width``, stacked top to bottom without gaps."""

    def __init__(self, parts: list[str], width: int, font: QFont, style: str) -> None:
        self.width = width
        self._font = font
        self._style = style
        metrics = QFontMetrics(font)
        self._line = metrics.lineSpacing()
        self._per_line = max(20, width // max(1, metrics.averageCharWidth()))
        self._parts = [_Part(html, self._estimate(html)) for html in parts]

    def _estimate(self, html: str) -> int:
        """A height guess without layout: a line per break or block tag, long lines wrapped by length."""
        lines = sum(1 + len(line) // (self._per_line * 3) for line in html.split("\n"))
        lines += sum(html.count(tag) for tag in BLOCK_TAGS)
        return lines * self._line

    def append(self, html: str) -> None:
        """Adds a part at the bottom (a streaming reply's finished lines), laid out on first need."""
        self._parts.append(_Part(html, self._estimate(html)))

    def drop_first(self) -> None:
        """Removes the top part (a streaming reply shows only its newest parts)."""
        self._parts.pop(0)

    # layout ------------------------------------------------------------------------------------------------
    def _laid_out(self, part: _Part) -> QTextDocument:
        if part.doc is None:
            doc = SafeDocument()
            doc.setDocumentMargin(0)
            doc.setDefaultFont(self._font)
            doc.setDefaultStyleSheet(self._style)
            doc.setHtml(part.html)
            doc.setTextWidth(self.width)
            part.doc = doc
        if not part.exact:
            part.height = math.ceil(part.doc.size().height())
            part.exact = True
        return part.doc

    @property
    def exact(self) -> bool:
        """Whether every part is laid out, so ``height`` is the truth rather than an estimate."""
        return all(part.exact for part in self._parts)

    def height(self) -> int:
        return sum(part.height for part in self._parts)

    def layout_some(self, deadline: float) -> bool:
        """Lays out parts in order until ``deadline`` (``time.perf_counter``; at least one part);
        True when all are laid out."""
        for part in self._parts:
            if not part.exact:
                self._laid_out(part)
                if time.perf_counter() >= deadline:
                    break
        return self.exact

    def layout_all(self) -> int:
        for part in self._parts:
            self._laid_out(part)
        return self.height()

    # drawing and links -------------------------------------------------------------------------------------
    def draw(self, painter: QPainter, clip: QRectF) -> None:
        """Draws the parts that meet ``clip`` (document coordinates; the painter's origin is the top left).
        Parts laid out here may change ``height``; the caller asks for a new layout when it did."""
        top = 0
        for part in self._parts:
            if top > clip.bottom():
                break
            if top + part.height >= clip.top():
                doc = self._laid_out(part)
                painter.save()
                painter.translate(0, top)
                doc.drawContents(painter, clip.translated(0, -top))
                painter.restore()
            top += part.height

    def anchor_at(self, point: QPointF) -> str:
        top = 0
        for part in self._parts:
            if point.y() < top + part.height:
                doc = self._laid_out(part)
                return str(doc.documentLayout().anchorAt(point - QPointF(0, top)) or "")
            top += part.height
        return ""

    def part_documents(self) -> list[QTextDocument]:
        """Every part as a document, top to bottom (built where not yet needed: keyboard actions read links)."""
        return [self._laid_out(part) for part in self._parts]

    def toPlainText(self) -> str:  # the name QTextDocument uses
        return "\n".join(self._laid_out(part).toPlainText() for part in self._parts)

    @property
    def part_count(self) -> int:
        return len(self._parts)

    def built_parts(self) -> int:
        """How many parts have a document yet (the rest were never needed)."""
        return sum(part.doc is not None for part in self._parts)
