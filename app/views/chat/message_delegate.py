"""Paints message bubbles from cached documents and turns clicks on their links into actions.

Heights are exact for rows that were measured; others get a cheap estimate that an idle job
(``MessageListView``) replaces in small time slices, so opening a 1,000-message session never blocks. A
finished message is a ``MessageDocument`` (its parts laid out on first need), so a long reply is measured
over several slices too and only its visible part is ever laid out while painting.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QStyledItemDelegate, QStyleOptionViewItem

from app.views.chat.message_doc import MessageDocument
from app.views.chat.message_html import safe_message_parts
from app.views.chat.message_model import ROW_ROLE, MessageRow
from app.views.chat.streaming_doc import StreamingDocument
from app.views.theme import PALETTE
from app.views.widgets.qt_guard import paint_fallback, qt_guarded

OUTER_H = 18
OUTER_V = 6
PAD = 12
MAX_BUBBLE = 860
DOC_CACHE = 240
STREAM_RESERVE = 160  # px a streaming reply reserves at a time
PICTURE_CACHE = 24
MAX_PICTURE_HEIGHT = 1400
LAST_ROW_SLICE_S = 0.004  # a short newest row is measured inside sizeHint; the rest in idle slices
STYLE = (
    f"a {{ color: #c084fc; text-decoration: none; }} code {{ background-color: #1c1c2e; }}"
    f" pre {{ font-family: monospace; }} h1, h2, h3 {{ color: {PALETTE.text}; }}"
)
Index = QModelIndex | QPersistentModelIndex


class MessageDelegate(QStyledItemDelegate):
    link_activated = Signal(object, str)  # MessageRow, href
    relayout_needed = Signal()

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view
        self._docs: OrderedDict[tuple[int, int, int], MessageDocument] = OrderedDict()
        self._heights: dict[int, tuple[int, int, int]] = {}  # message id -> (version, width, doc height)
        self._sizes: dict[int, tuple[int, int, QSize]] = {}  # message id -> (version, width, row size)
        self._stream: StreamingDocument | None = None
        self._pictures: OrderedDict[tuple[int, int, int, int], QPixmap] = OrderedDict()
        self._rows = view.model().rows  # type: ignore[attr-defined]
        self._viewport_width = 0
        self._width = 0
        self.update_width()
        self._relayout = QTimer(self, singleShot=True, interval=0)
        self._relayout.timeout.connect(self.relayout_needed)

    # geometry ----------------------------------------------------------------------------------------------
    def update_width(self) -> None:
        """Called when the viewport is resized; every cached height is for the old width."""
        self._viewport_width = self.view.viewport().width()
        self._width = max(160, min(MAX_BUBBLE, self._viewport_width - 2 * OUTER_H)) - 2 * PAD

    def bubble_width(self) -> int:
        return self._width + 2 * PAD

    def text_width(self) -> int:
        return self._width

    def bubble_rect(self, rect: QRect, row: MessageRow) -> QRect:
        width = self.bubble_width()
        left = rect.left() + OUTER_H
        if row.info.role == "user":
            left = rect.right() - OUTER_H - width
        return QRect(left, rect.top() + OUTER_V, width, rect.height() - 2 * OUTER_V)

    # documents ---------------------------------------------------------------------------------------------
    def document(self, row: MessageRow) -> MessageDocument | StreamingDocument:
        if row.streaming:
            return self._streaming_document(row)
        width = self._width
        key = (row.info.id, row.version, width)
        doc = self._docs.get(key)
        if doc is not None:
            self._docs.move_to_end(key)
            return doc
        doc = MessageDocument(safe_message_parts(row), width, self.view.font(), STYLE)
        self._docs[key] = doc
        if len(self._docs) > DOC_CACHE:
            self._docs.popitem(last=False)
        return doc

    def _streaming_document(self, row: MessageRow) -> StreamingDocument:
        stream = self._stream
        if stream is None or not stream.fits(row, self._width):
            stream = self._stream = StreamingDocument(row, self._width, self.view.font(), STYLE)
        stream.catch_up(row)
        self._heights[row.info.id] = (row.version, self._width, stream.height())
        return stream

    def _note(self, row: MessageRow, doc: MessageDocument) -> None:
        """Records ``doc``'s height as exact once every part of it is laid out."""
        if doc.exact:
            self._heights[row.info.id] = (row.version, self._width, doc.height())

    def exact_height(self, row: MessageRow) -> int | None:
        known = self._heights.get(row.info.id)
        if known is not None and known[0] == row.version and known[1] == self._width:
            return known[2]
        if not row.streaming:  # back at a width seen before (a side panel hidden and shown)
            doc = self._docs.get((row.info.id, row.version, self._width))
            if doc is not None and doc.exact:
                self._note(row, doc)
                return doc.height()
        return None

    def measure(self, row: MessageRow) -> int:
        """The exact height of ``row``'s text, laying all of it out."""
        height = self.exact_height(row)
        if height is not None:
            return height
        doc = self.document(row)
        if isinstance(doc, StreamingDocument):
            return doc.height()
        doc.layout_all()
        self._note(row, doc)
        return doc.height()

    def measure_some(self, row: MessageRow, deadline: float) -> bool:
        """Lays ``row`` out until ``deadline`` (``time.perf_counter``); True once its height is exact."""
        if self.exact_height(row) is not None:
            return True
        doc = self.document(row)
        if isinstance(doc, StreamingDocument):
            return True
        done = doc.layout_some(deadline)
        self._note(row, doc)
        return done

    def estimate(self, row: MessageRow) -> int:
        doc = self._docs.get((row.info.id, row.version, self._width))
        if doc is not None:  # partly laid out: its exact parts and estimates for the rest
            return doc.height()
        metrics = QFontMetrics(self.view.font())
        per_line = max(20, self._width // max(1, metrics.averageCharWidth()))
        lines = 3 + sum(1 + len(part) // per_line for part in row.text.split("\n"))
        lines += 2 * row.text.count("```")
        return lines * metrics.lineSpacing()

    def row_size(self, row: MessageRow) -> QSize:
        """The size the list lays the row out with. A streaming reply reserves room a few lines at a time,
        so the 1,000-row layout is redone a few times a second rather than on every new line."""
        cached = self._sizes.get(row.info.id)
        if cached is not None and cached[0] == row.version and cached[1] == self._width:
            return cached[2]
        if row.streaming:
            height = math.ceil((self.measure(row) + 1) / STREAM_RESERVE) * STREAM_RESERVE
        else:
            if row.is_last:  # the newest row, where the list opens: measured now when it is one small part
                doc = self.document(row)
                if isinstance(doc, MessageDocument) and doc.part_count == 1:
                    self.measure_some(row, time.perf_counter() + LAST_ROW_SLICE_S)
            exact = self.exact_height(row)
            height = exact if exact is not None else self.estimate(row)
        size = QSize(self._viewport_width, height + 2 * PAD + 2 * OUTER_V)
        if row.streaming or self.exact_height(row) is not None:
            self._sizes[row.info.id] = (row.version, self._width, size)
        return size

    def last_size(self, message_id: int) -> QSize | None:
        cached = self._sizes.get(message_id)
        return cached[2] if cached is not None else None

    @qt_guarded(fallback=lambda self, option, index: QSize(self._viewport_width, 64))
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return self.row_size(self._rows[index.row()])

    # painting ----------------------------------------------------------------------------------------------
    @qt_guarded(fallback=paint_fallback)
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row: MessageRow = index.data(ROW_ROLE)
        bubble = self.bubble_rect(option.rect, row)
        if row.streaming:  # the row reserves room below the text; the bubble hugs the text
            bubble.setHeight(min(bubble.height(), self.measure(row) + 2 * PAD))
            self._draw_bubble(painter, row, bubble, QRectF(self.view.viewport().rect()))
            return
        # Finished bubbles are drawn once into a pixmap; repainting the list then only copies pixmaps.
        key = (row.info.id, row.version, bubble.width(), bubble.height())
        picture = self._pictures.get(key)
        if picture is None and bubble.height() <= MAX_PICTURE_HEIGHT:
            ratio = self.view.devicePixelRatioF()
            picture = QPixmap(bubble.size() * ratio)
            picture.setDevicePixelRatio(ratio)
            picture.fill(Qt.GlobalColor.transparent)
            local = QRect(0, 0, bubble.width(), bubble.height())
            with_painter = QPainter(picture)
            try:
                self._draw_bubble(with_painter, row, local, QRectF(local))
            finally:
                with_painter.end()
            self._pictures[key] = picture
            if len(self._pictures) > PICTURE_CACHE:
                self._pictures.popitem(last=False)
        if picture is None:
            self._draw_bubble(painter, row, bubble, QRectF(self.view.viewport().rect()))
        else:
            self._pictures.move_to_end(key)
            painter.drawPixmap(bubble.topLeft(), picture)
        if self.row_size(row).height() != option.rect.height():
            self._relayout.start()  # drawing laid out parts that had an estimated height: lay out again

    def _draw_bubble(self, painter: QPainter, row: MessageRow, bubble: QRect, visible: QRectF) -> None:
        doc = self.document(row)
        painter.save()
        try:
            self._draw_document(painter, row, doc, bubble, visible)
        finally:  # a failure must not leave the painter's state stack unbalanced
            painter.restore()
        if isinstance(doc, MessageDocument):
            self._note(row, doc)

    def _draw_document(
        self,
        painter: QPainter,
        row: MessageRow,
        doc: MessageDocument | StreamingDocument,
        bubble: QRect,
        visible: QRectF,
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        user = row.info.role == "user"
        painter.setBrush(QColor(PALETTE.surface_alt if user else PALETTE.surface))
        border = PALETTE.danger if row.info.status == "error" else PALETTE.border
        painter.setPen(QPen(QColor(border), 1))
        painter.drawRoundedRect(QRectF(bubble).adjusted(0.5, 0.5, -0.5, -0.5), 10, 10)
        origin = QPointF(bubble.left() + PAD, bubble.top() + PAD)
        painter.translate(origin)
        # Only the part of the text inside ``visible`` is drawn (a long reply can be many screens tall).
        text_area = QRectF(0, 0, bubble.width() - 2 * PAD, bubble.height() - 2 * PAD)
        doc.draw(painter, visible.translated(-origin).intersected(text_area))

    # links -------------------------------------------------------------------------------------------------
    def anchor_at(self, index: Index, rect: QRect, position: QPointF) -> str:
        row: MessageRow = index.data(ROW_ROLE)
        bubble = self.bubble_rect(rect, row)
        local = position - QPointF(bubble.left() + PAD, bubble.top() + PAD)
        return self.document(row).anchor_at(local)

    @qt_guarded(default=False)
    def editorEvent(self, event: QEvent, model, option: QStyleOptionViewItem, index: Index) -> bool:  # type: ignore[no-untyped-def]
        kind = event.type()
        if kind not in (QEvent.Type.MouseButtonRelease, QEvent.Type.MouseMove) or not isinstance(event, QMouseEvent):
            return False
        href = self.anchor_at(index, option.rect, event.position())
        if kind == QEvent.Type.MouseMove:
            cursor = Qt.CursorShape.PointingHandCursor if href else Qt.CursorShape.ArrowCursor
            self.view.viewport().setCursor(cursor)
            return False
        if href and event.button() == Qt.MouseButton.LeftButton:
            self.link_activated.emit(index.data(ROW_ROLE), href)
            return True
        return False
