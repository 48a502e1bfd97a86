"""A small message that floats at the bottom of the window for a few seconds, with an optional action."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


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
            self.action_button.clicked.connect(on_action)
            self.action_button.clicked.connect(self.dismiss)
            layout.addWidget(self.action_button)
        close = QPushButton("✕")
        close.setProperty("kind", "ghost")
        close.setFixedWidth(30)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.dismiss)
        layout.addWidget(close)
        self.timer = QTimer(self, singleShot=True, interval=timeout_ms)
        self.timer.timeout.connect(self.dismiss)
        host.installEventFilter(self)

    def show_toast(self) -> None:
        self.setFixedWidth(min(460, max(280, self._host.width() - 40)))
        self.adjustSize()
        self._place()
        self.show()
        self.raise_()
        self.timer.start()

    def mousePressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.clicked.emit()
        super().mousePressEvent(event)

    def dismiss(self) -> None:
        if self.isVisible():
            self.hide()
            self.closed.emit()
            self.deleteLater()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        """Centred; at the host's ``toast_top`` (px, set by the main window: just below the header) so it
        never covers a place's input at the bottom (the chat composer), else near the bottom."""
        x = (self._host.width() - self.width()) // 2
        top = self._host.property("toast_top")
        y = int(top) if isinstance(top, int) else self._host.height() - self.height() - 24
        self.move(x, y)
