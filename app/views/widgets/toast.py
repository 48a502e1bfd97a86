"""A small message that floats over a place for a few seconds, with an optional action.

Where it goes: toasts of one host stack at the first place (the trailing edge first, then the centre, then
the leading edge, each from the top down, in the layout direction) where the whole stack covers none of the
host's text fields, combo boxes, spin boxes or buttons: a toast never hides the chat composer, a search box or the
Studio prompt. The top is ``toast_top`` (px, a host property: the main window sets it under its header).

For the keyboard and screen readers: a toast is announced when it shows (its title and text), Tab reaches
its buttons, Esc on any of them dismisses it, and it stays while the keyboard is inside it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

MARGIN = 16  # px between a toast and the host's edges
GAP = 8  # px between stacked toasts
STEP = 8  # px between the heights tried for a stack
# what a toast must leave visible: where a person types or picks, and the buttons beside it
INPUTS = (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox, QComboBox, QAbstractButton)


class Toast(QFrame):
    """Shown over ``host``; ``action`` (e.g. "Undo") runs its callback, and closing early counts as dismissed."""

    closed = Signal()
    clicked = Signal()

    def __init__(
        self,
        host: QWidget,
        title: str,
        body: str = "",
        *,
        action_text: str | None = None,
        on_action: Callable[[], None] | None = None,
        timeout_ms: int = 5000,
    ) -> None:
        super().__init__(host)
        self.setObjectName("Toast")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName(title)
        self.setAccessibleDescription(body)
        self._host = host
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 10, 10, 10)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        self.title_label = QLabel(title)
        self.title_label.setProperty("role", "subtitle")
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)  # titles and errors may come from files
        texts.addWidget(self.title_label)
        self.body_label = QLabel(body)
        self.body_label.setProperty("role", "muted")
        self.body_label.setWordWrap(True)
        self.body_label.setTextFormat(Qt.TextFormat.PlainText)
        self.body_label.setVisible(bool(body))
        texts.addWidget(self.body_label)
        layout.addLayout(texts, 1)
        self.action_button: QPushButton | None = None
        if action_text and on_action:
            self.action_button = QPushButton(action_text)
            self.action_button.setProperty("kind", "ghost")
            self.action_button.setAccessibleName(f"{action_text}: {title}")
            self.action_button.clicked.connect(on_action)
            self.action_button.clicked.connect(self.dismiss)
            layout.addWidget(self.action_button)
        self.close_button = QPushButton("✕")
        self.close_button.setProperty("kind", "ghost")
        self.close_button.setFixedWidth(30)
        self.close_button.setToolTip("Dismiss (Esc)")
        self.close_button.setAccessibleName(f"Dismiss: {title}")
        self.close_button.clicked.connect(self.dismiss)
        layout.addWidget(self.close_button)
        for button in (self.action_button, self.close_button):
            if button is not None:
                button.installEventFilter(self)  # Esc on a button dismisses; focus inside holds the timer
        self.timer = QTimer(self, singleShot=True, interval=timeout_ms)
        self.timer.timeout.connect(self._expire)
        host.installEventFilter(self)

    def show_toast(self) -> None:
        self.setFixedWidth(min(420, max(260, self._host.width() // 2 - 2 * MARGIN)))
        self.adjustSize()
        self.show()
        self.raise_()
        place_toasts(self._host)
        text = self.title_label.text() + (f". {self.body_label.text()}" if self.body_label.text() else "")
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self, text))
        self.timer.start()

    def mousePressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.clicked.emit()
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.dismiss()
            return
        super().keyPressEvent(event)

    def dismiss(self) -> None:
        if self.isVisible():
            had_focus = self.isAncestorOf(self.focusWidget()) if self.focusWidget() else False
            self.hide()
            if had_focus:
                self._host.setFocus(Qt.FocusReason.OtherFocusReason)
                self._host.focusNextChild()  # Tab order goes on from the host, not from a hidden button
            self.closed.emit()
            self.deleteLater()
            place_toasts(self._host)

    def _expire(self) -> None:
        """Time is up, unless the keyboard is inside the toast: then it waits for Esc or a button."""
        focus = self.focusWidget()
        if focus is not None and focus.hasFocus():
            self.timer.start()
            return
        self.dismiss()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        try:
            if watched is self._host and event.type() == QEvent.Type.Resize:
                place_toasts(self._host)
            elif (
                watched is not self._host
                and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Escape
            ):
                self.dismiss()
                return True
        except RuntimeError:  # the toast or host is being deleted
            pass
        return False


def input_rects(host: QWidget) -> list[QRect]:
    """Where ``host`` shows something a person types into, picks from or presses, in host coordinates
    (toasts' own buttons aside)."""
    rects = []
    for widget in host.findChildren(QWidget):
        if isinstance(widget, INPUTS) and widget.isVisibleTo(host) and not isinstance(widget.parentWidget(), Toast):
            if isinstance(widget.parentWidget(), (QComboBox, QAbstractSpinBox)):
                continue  # the box's own line edit: the box is counted
            rects.append(QRect(widget.mapTo(host, QPoint(0, 0)), widget.size()))
    return rects


def place_toasts(host: QWidget) -> None:
    """Stacks ``host``'s visible toasts (oldest first) at the first place, scanning the trailing, centre and
    leading columns from the top down, where the whole stack covers no input; when none is free, where it
    covers the least."""
    direct = Qt.FindChildOption.FindDirectChildrenOnly
    toasts = [toast for toast in host.findChildren(Toast, options=direct) if toast.isVisible()]
    if not toasts:
        return
    inputs = input_rects(host)
    width = max(toast.width() for toast in toasts)
    height = sum(toast.height() for toast in toasts) + GAP * (len(toasts) - 1)
    top_value = host.property("toast_top")
    top = top_value if isinstance(top_value, int) else MARGIN
    leading_x = MARGIN
    trailing_x = max(MARGIN, host.width() - width - MARGIN)
    if host.layoutDirection() == Qt.LayoutDirection.RightToLeft:
        leading_x, trailing_x = trailing_x, leading_x
    lowest = max(top, host.height() - height - MARGIN)
    rows = [*range(top, lowest, STEP), lowest]
    best: tuple[int, int, int] | None = None  # covered area, x, y
    for x in (trailing_x, (host.width() - width) // 2, leading_x):
        for y in rows:
            area = QRect(x, y, width, height)
            covered = sum(area.intersected(rect).width() * area.intersected(rect).height() for rect in inputs)
            if best is None or covered < best[0]:
                best = (covered, x, y)
            if covered == 0:
                break
        if best is not None and best[0] == 0:
            break
    assert best is not None
    _, x, y = best
    for toast in toasts:
        toast.move(x + (width - toast.width()) // 2, y)
        toast.raise_()
        y += toast.height() + GAP
