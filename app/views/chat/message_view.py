"""The conversation: a model/view list of message bubbles that follows a streaming reply at the bottom."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QFocusEvent, QKeyEvent, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListView, QWidget

from app.views.chat.message_actions import MessageActions
from app.views.chat.message_delegate import MessageDelegate
from app.views.chat.message_model import MessageListModel

SLICE_S = 0.004  # idle measuring works in slices this long, so the UI thread never stalls
RELAYOUT_EVERY_S = 0.15


class MessageListView(QListView):
    def __init__(self, model: MessageListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # After older rows came in above: the message that was at the top and its offset there (px), held
        # through every layout pass until the person scrolls, whatever heights change above or below it.
        self._anchor: tuple[int, int] | None = None
        self._follow = True
        self.setObjectName("MessageList")
        self.setModel(model)
        self.message_model = model
        self.delegate = MessageDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setStyleSheet("QListView#MessageList { background: transparent; border: none; }")
        self.verticalScrollBar().setSingleStep(24)
        self.message_actions = MessageActions(self)  # focus, message keys, context menu, focus ring
        self._measure_from = -1
        self._last_relayout = 0.0
        self._unlaid = False  # heights measured since the last layout pass
        self._measurer = QTimer(self, interval=0)
        self._measurer.timeout.connect(self._measure_slice)
        self._top_check = QTimer(self, interval=0, singleShot=True)
        self._top_check.timeout.connect(self._check_top)
        self.delegate.relayout_needed.connect(self.relayout)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.verticalScrollBar().actionTriggered.connect(self._scroll_action)
        self.verticalScrollBar().rangeChanged.connect(self._range_changed)
        model.modelReset.connect(self._after_reset)
        model.rowsInserted.connect(lambda *_: self._stick())
        model.dataChanged.connect(self._data_changed)
        model.row_grew.connect(self._row_grew)

    # following the bottom ----------------------------------------------------------------------------------
    def at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 8

    def _scrolled(self, _value: int) -> None:
        self._follow = self.at_bottom()

    def _scroll_action(self, _action: int) -> None:
        """The person scrolled (wheel, drag, keys). Qt applies the move after this signal, and a layout pass
        run from here would reset the slider, so reaching the top is checked once the move is done."""
        bar = self.verticalScrollBar()
        self._anchor = None  # where the person goes now is theirs
        # Decided now, from where the slider goes: the move can run a pending layout whose range change
        # must not pull the view back to the end the person is leaving.
        self._follow = bar.sliderPosition() >= bar.maximum() - 8
        self._top_check.start()

    def _check_top(self) -> None:
        bar = self.verticalScrollBar()
        if bar.value() <= bar.minimum() and self.message_model.earlier:
            self._show_earlier()

    def _show_earlier(self) -> None:
        """At the top with older messages left: they become rows above, and the message shown at the top
        stays where it is while their heights are measured."""
        self._follow = False  # the person is at the top: the new rows must not send the view to the end
        top = self.indexAt(QPoint(0, 0))  # runs a pending layout first, so the anchor is where it is painted
        if top.isValid():
            message_id = self.message_model.rows[top.row()].info.id
            self._anchor = (message_id, self.visualRect(top).top())
        count = self.message_model.show_earlier()
        self._measure_from = max(self._measure_from, count - 1)
        self._measurer.start()

    def _range_changed(self, _low: int, _high: int) -> None:
        bar = self.verticalScrollBar()
        if self._follow:
            bar.setValue(bar.maximum())

    def updateGeometries(self) -> None:
        """After every layout pass: the anchored message's top goes back to its remembered offset."""
        super().updateGeometries()
        if self._anchor is not None and not self._follow:
            self._hold_anchor()

    def _hold_anchor(self) -> None:
        assert self._anchor is not None
        message_id, offset = self._anchor
        row = self.message_model.row_of(message_id)
        if row is None:
            self._anchor = None
            return
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + self.visualRect(self.message_model.index(row)).top() - offset)

    def _stick(self) -> None:
        if self._follow:
            QTimer.singleShot(0, self._to_end_if_following)

    def _to_end_if_following(self) -> None:
        if self._follow:  # the person may have scrolled up since this was asked for
            self.scrollToBottom()

    def scroll_to_end(self) -> None:
        self._follow = True
        self.scrollToBottom()

    # layout ------------------------------------------------------------------------------------------------
    def relayout(self) -> None:
        """Heights changed: lay the rows out again (Qt coalesces this into one pass per event loop turn)."""
        self.scheduleDelayedItemsLayout()
        self._last_relayout = time.perf_counter()

    def _data_changed(self, top: QModelIndex, _bottom: QModelIndex, _roles: list[int]) -> None:
        # QListView lays every row out again after ``dataChanged``; the changed row (a reply that finished,
        # a long one whose Markdown arrived) is measured in idle slices like an opened chat's rows.
        self._measure_from = max(self._measure_from, top.row())
        self._measurer.start()
        self._stick()

    def _row_grew(self, number: int) -> None:
        """A streaming row changed: repaint it, or lay the list out again when its reserved height grew."""
        row = self.message_model.rows[number]
        previous = self.delegate.last_size(row.info.id)
        if self.delegate.row_size(row) != previous:
            self.relayout()
        else:
            self.viewport().update(self.visualRect(self.message_model.index(number)))

    def _after_reset(self) -> None:
        self._follow = True
        self._anchor = None
        self._measure_from = self.message_model.rowCount() - 1
        self._measurer.start()
        QTimer.singleShot(0, self._to_end_if_following)

    def _measure_slice(self) -> None:
        """Replaces estimated heights by measured ones, newest first, a few milliseconds at a time."""
        deadline = time.perf_counter() + SLICE_S
        rows = self.message_model.rows
        measured = False
        while self._measure_from >= 0 and time.perf_counter() < deadline:
            if self._measure_from < len(rows):
                row = rows[self._measure_from]
                if self.delegate.exact_height(row) is None:
                    measured = True
                    if not self.delegate.measure_some(row, deadline):
                        break  # a long reply: its next parts in the next slice
            self._measure_from -= 1
        finished = self._measure_from < 0
        if finished:
            self._measurer.stop()
        # Measured heights wait for a layout pass across slices (throttled), and always get one at the end.
        self._unlaid = self._unlaid or measured
        if self._unlaid and (finished or time.perf_counter() - self._last_relayout > RELAYOUT_EVERY_S):
            self._unlaid = False
            self.relayout()

    def measuring(self) -> bool:
        return self._measurer.isActive()

    # keyboard (message_actions) ----------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.message_actions.key(event):
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.message_actions.focus_in()  # before Qt's default, which makes the first message current
        super().focusInEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self.message_actions.paint_focus()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._viewport_resized()
        super().resizeEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        # The viewport also changes width without the list resizing: when the scroll bar comes or goes.
        if event.type() == QEvent.Type.Resize:
            self._viewport_resized()
        return super().viewportEvent(event)

    def _viewport_resized(self) -> None:
        before = self.delegate.text_width()
        self.delegate.update_width()
        if self.delegate.text_width() != before:  # every measured height is for the old width
            self._measure_from = self.message_model.rowCount() - 1
            self._measurer.start()
