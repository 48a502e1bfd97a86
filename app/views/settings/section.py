"""A titled card that groups related settings."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


class Section(QFrame):
    def __init__(self, title: str, description: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(18, 16, 18, 18)
        self.body.setSpacing(10)
        heading = QLabel(title)
        heading.setProperty("role", "subtitle")
        self.body.addWidget(heading)
        if description:
            text = QLabel(description)
            text.setProperty("role", "muted")
            text.setWordWrap(True)
            self.body.addWidget(text)
