"""What a list or place shows while it has nothing yet: an icon, a line of what goes here, a next step."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.views.widgets.icons import pixmap


class EmptyState(QWidget):
    action_clicked = Signal()

    def __init__(
        self,
        icon: str,
        title: str,
        body: str,
        action_text: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("EmptyState")
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.setSpacing(10)

        picture = QLabel()
        picture.setPixmap(pixmap(icon, 56))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label = QLabel(title)
        self.title_label.setProperty("role", "subtitle")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body_label = QLabel(body)
        self.body_label.setProperty("role", "muted")
        self.body_label.setWordWrap(True)
        self.body_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body_label.setMaximumWidth(480)  # as wide as the place allows, up to a readable line

        layout.addWidget(picture)
        layout.addWidget(self.title_label)
        body_row = QHBoxLayout()  # centred by stretches, not alignment, so the wrapped text keeps its width
        body_row.addStretch(1)
        body_row.addWidget(self.body_label, 100)
        body_row.addStretch(1)
        layout.addLayout(body_row)
        self.action_button: QPushButton | None = None
        if action_text:
            self.action_button = QPushButton(action_text)
            self.action_button.setProperty("kind", "primary")
            self.action_button.clicked.connect(self.action_clicked)
            layout.addSpacing(6)
            layout.addWidget(self.action_button, 0, Qt.AlignmentFlag.AlignHCenter)

    def set_text(self, title: str, body: str) -> None:
        self.title_label.setText(title)
        self.body_label.setText(body)

    def set_action(self, text: str | None) -> None:
        """The next-step button's text; ``None`` hides it (only for a state built with an action)."""
        if self.action_button is not None:
            self.action_button.setVisible(bool(text))
            self.action_button.setText(text or "")
            self.action_button.adjustSize()  # the new text's width now, not at the next layout pass
