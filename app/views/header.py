"""The header above every place: its title, the credits badge and the connection status."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from app.views.qt_enums import set_enum_property
from app.views.theme import PALETTE
from app.views.widgets.icons import icon


class Header(QFrame):
    show_sidebar_requested = Signal()
    credits_clicked = Signal()  # the credits badge was clicked (or Enter/Space on it): the app opens Billing
    get_started_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Header")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 10)
        layout.setSpacing(12)

        self.sidebar_button = QToolButton()
        self.sidebar_button.setProperty("kind", "ghost")
        self.sidebar_button.setIcon(icon("menu", PALETTE.muted))
        self.sidebar_button.setIconSize(QSize(18, 18))
        self.sidebar_button.setToolTip("Show the sidebar (Ctrl+B)")
        self.sidebar_button.setVisible(False)
        self.sidebar_button.clicked.connect(self.show_sidebar_requested)
        layout.addWidget(self.sidebar_button)

        titles = QVBoxLayout()
        titles.setSpacing(0)
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.subtitle = QLabel()
        self.subtitle.setProperty("role", "muted")
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        layout.addLayout(titles, 1)

        self.connection = QLabel()
        self.connection.setObjectName("ConnectionStatus")
        self.connection.setProperty("role", "muted")
        layout.addWidget(self.connection)
        self.credits = QLabel("—")
        self.credits.setObjectName("CreditsBadge")
        self.credits.setProperty("role", "badge")
        self.credits.setToolTip("Credits: shown once billing is set up")
        self.credits.setAccessibleName("Credits — open Billing")
        set_enum_property(self.credits, "focusPolicy", "TabFocus")  # by name: no Qt namespace before the first paint
        self.credits.installEventFilter(self)
        layout.addWidget(self.credits)
        self.help_button = QToolButton()
        self.help_button.setObjectName("HelpButton")
        self.help_button.setProperty("kind", "ghost")
        self.help_button.setIcon(icon("info", PALETTE.muted))
        self.help_button.setIconSize(QSize(18, 18))
        self.help_button.setToolTip("Help: Get started")
        self.help_button.setAccessibleName("Help: Get started")
        self.help_button.clicked.connect(self.get_started_requested)
        layout.addWidget(self.help_button)
        # A fixed height centres both labels in the row, without PySide's Qt namespace (an alignment flag),
        # which costs ~15 ms to build before the first paint.
        for label in (self.connection, self.credits):
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.set_connection("Local", PALETTE.success)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.credits:
            kind = event.type()
            if kind == QEvent.Type.MouseButtonRelease or (
                kind == QEvent.Type.KeyPress and getattr(event, "text", lambda: "")() in {" ", "\r"}
            ):
                self.credits_clicked.emit()
                return True
        return super().eventFilter(watched, event)

    def set_place(self, title: str, subtitle: str) -> None:
        self.title.setText(title)
        self.subtitle.setText(subtitle)

    def set_credits(self, text: str, tooltip: str = "") -> None:
        """The credits badge; an empty ``text`` hides it (no credits count on this connection)."""
        self.credits.setText(text)
        self.credits.setVisible(bool(text))
        if tooltip:
            self.credits.setToolTip(tooltip)

    def set_connection(self, text: str, color: str) -> None:
        self.connection.setText(f'<span style="color:{color}">●</span>&nbsp;{text}')
        self.connection.setToolTip(f"Connection: {text}")
        self.connection.setAccessibleName(f"Studio connection: {text}")

    def set_sidebar_hidden(self, hidden: bool) -> None:
        self.sidebar_button.setVisible(hidden)
