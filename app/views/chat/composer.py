"""The input box: Ctrl+Enter sends, Esc stops; it can also hold an earlier message being edited."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from app.views.widgets.notice_label import NoticeLabel

SEND_LABELS = ("Send", "Resend")  # the send button's labels: a new message, an edited one


class PromptEdit(QPlainTextEdit):
    """The message box. Tab moves the focus on (a keyboard user is never held here); Ctrl+Enter sends."""

    send_requested = Signal()
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.send_requested.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.stop_requested.emit()
            return
        super().keyPressEvent(event)


class Composer(QWidget):
    send_requested = Signal(str)
    stop_requested = Signal()
    edit_cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editing_message_id: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 6, 18, 12)
        layout.setSpacing(6)

        self.edit_banner = QWidget()
        banner = QHBoxLayout(self.edit_banner)
        banner.setContentsMargins(0, 0, 0, 0)
        self.edit_label = QLabel("Editing an earlier message — the messages after it will be replaced.")
        self.edit_label.setProperty("role", "muted")
        cancel = QPushButton("Cancel edit")
        cancel.setProperty("kind", "ghost")
        cancel.clicked.connect(self.cancel_edit)
        banner.addWidget(self.edit_label, 1)
        banner.addWidget(cancel)
        self.edit_banner.hide()
        layout.addWidget(self.edit_banner)

        row = QHBoxLayout()
        row.setSpacing(8)
        self.editor = PromptEdit()
        self.editor.setAccessibleName("Message")
        self.editor.setPlaceholderText("Message…  (Ctrl+Enter to send, Esc to stop)")
        self.editor.setFixedHeight(84)
        self.editor.send_requested.connect(self._send)
        self.editor.stop_requested.connect(self.stop_requested)
        buttons = QVBoxLayout()
        self.send_button = QPushButton(SEND_LABELS[0])
        self.send_button.setProperty("kind", "primary")
        self.send_button.setToolTip("Send (Ctrl+Enter)")
        self.send_button.clicked.connect(self._send)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setProperty("kind", "danger")
        self.stop_button.setToolTip("Stop the reply (Esc)")
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.hide()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        row.addWidget(self.editor, 1)
        row.addLayout(buttons)
        layout.addLayout(row)

        self.hint = NoticeLabel("")  # wraps in a narrow window instead of running off the edge
        self.hint.setProperty("role", "muted")
        layout.addWidget(self.hint)

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_streaming(self, streaming: bool) -> None:
        self.send_button.setVisible(not streaming)
        self.stop_button.setVisible(streaming)

    def _even_buttons(self) -> None:
        """Send, Resend and Stop take the widest one's width, so the message box never moves when one
        replaces another (each label measured with the button's own font and stylesheet padding)."""
        send, stop = self.send_button, self.stop_button
        shown = send.text()
        for button in (send, stop):
            button.setMinimumWidth(0)
        widths = [stop.sizeHint().width()]
        for label in SEND_LABELS:
            send.setText(label)
            widths.append(send.sizeHint().width())
        send.setText(shown)
        for button in (send, stop):
            button.setMinimumWidth(max(widths))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._even_buttons()  # the widths come from the stylesheet's padding and the font

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._even_buttons()

    def set_hint(self, text: str) -> None:
        self.hint.setText(text)

    def begin_edit(self, message_id: int, text: str) -> None:
        self.editing_message_id = message_id
        self.editor.setPlainText(text)
        self.edit_banner.show()
        self.send_button.setText(SEND_LABELS[1])
        self.editor.setFocus()

    def cancel_edit(self) -> None:
        if self.editing_message_id is None:
            return
        self.editing_message_id = None
        self.editor.clear()
        self.edit_banner.hide()
        self.send_button.setText(SEND_LABELS[0])
        self.edit_cancelled.emit()

    def finish_send(self) -> None:
        """The text was accepted: empty the box and leave edit mode."""
        self.editor.clear()
        self.editing_message_id = None
        self.edit_banner.hide()
        self.send_button.setText(SEND_LABELS[0])

    def _send(self) -> None:
        if self.text().strip():
            self.send_requested.emit(self.text())
