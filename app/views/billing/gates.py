"""What the Billing place shows instead of billing: the Local connection explained, or a sign-in form."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.views.widgets.empty_state import EmptyState

LOCAL_TEXT = (
    "You are on the Local connection: images are made on your own computer, and nothing costs credits. "
    "The Cloud adds fast GPUs for big models and 4K images, access from any computer, and plans for more "
    "Builder models (Pro keeps 10, Enterprise 30, with API access). Switch in Settings → Connection to buy "
    "credits or a plan."
)


class LocalGate(EmptyState):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("billing", "Local work is free", LOCAL_TEXT, "Open connection settings", parent)


class SignInGate(QWidget):
    """Sign in or create a Cloud account right here."""

    submitted = Signal(str, str, str, bool)  # email, password, url, new account

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        card = QFrame()
        card.setProperty("role", "card")
        card.setMaximumWidth(460)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(24, 20, 24, 20)
        title = QLabel("Sign in to buy credits")
        title.setProperty("role", "subtitle")
        body = QLabel("Your Cloud Studio account holds your credits and plan. Sign in, or create an account.")
        body.setProperty("role", "muted")
        body.setWordWrap(True)
        form = QFormLayout()
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://studio.example.com")
        self.url.setAccessibleName("Studio API address")
        self.email = QLineEdit()
        self.email.setPlaceholderText("name@example.com")
        self.email.setAccessibleName("Email")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        form.addRow("Server", self.url)
        form.addRow("Email", self.email)
        form.addRow("Password", self.password)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)  # the server's words, selectable to copy
        self.error.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.error.hide()
        buttons = QHBoxLayout()
        self.sign_in = QPushButton("Sign in")
        self.sign_in.setProperty("kind", "primary")
        self.sign_up = QPushButton("Create account")
        buttons.addStretch(1)
        buttons.addWidget(self.sign_up)
        buttons.addWidget(self.sign_in)
        for widget in (title, body):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        outer.addWidget(card)
        self.sign_in.clicked.connect(lambda: self._submit(False))
        self.sign_up.clicked.connect(lambda: self._submit(True))
        self.password.returnPressed.connect(lambda: self._submit(False))

    def _submit(self, new_account: bool) -> None:
        if not self.email.text().strip() or not self.password.text():
            self.show_error("Enter your email and password.")
            return
        self.error.hide()
        self.submitted.emit(self.email.text(), self.password.text(), self.url.text(), new_account)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
