"""The Studio account box for the Settings page: connection state, and sign in / out of a cloud Studio API.

Embed with ``AccountBox(context)``. On the Local connection it only says that no account is needed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.config import CONNECTION_CLOUD_URL
from app.context import AppContext
from app.services.clients.studio_types import StudioError
from app.services.studio.connection import ConnectionState


class AccountBox(QFrame):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.context = context
        self.connection = context.studio
        title = QLabel("Studio account")
        title.setProperty("role", "subtitle")
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setProperty("role", "muted")
        self.email = QLineEdit(placeholderText="you@example.com")
        self.password = QLineEdit(placeholderText="At least 8 characters")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.email.setAccessibleName("Studio account email")
        self.password.setAccessibleName("Studio account password")
        self.sign_in = QPushButton("Sign in")
        self.sign_in.setProperty("kind", "primary")
        self.sign_up = QPushButton("Create account")
        self.sign_up.setProperty("kind", "ghost")
        self.sign_out = QPushButton("Sign out")
        self.sign_out.setProperty("kind", "ghost")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.form = QWidget()
        form = QFormLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Email", self.email)
        form.addRow("Password", self.password)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in)
        buttons.addWidget(self.sign_up)
        buttons.addWidget(self.sign_out)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(self.state)
        layout.addWidget(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

        self.sign_in.clicked.connect(lambda: self._account("in"))
        self.sign_up.clicked.connect(lambda: self._account("up"))
        self.sign_out.clicked.connect(self._sign_out)
        self.password.returnPressed.connect(lambda: self._account("in"))
        self.connection.state_changed.connect(lambda _state: self.refresh())
        context.settings.on_change(self._setting_changed)
        self.refresh()

    def _setting_changed(self, key: str, _value: object) -> None:
        if key.startswith("connection."):
            self.refresh()

    def refresh(self) -> None:
        local = self.connection.kind == "local"
        signed_in = not local and self.connection.signed_in()
        state = self.connection.state
        if local:
            text = "Local connection: the Studio runs on this computer, free, with no account."
        elif signed_in:
            text = f"Signed in · {state.label}"
            email = (self.connection.me.get("account") or {}).get("email")
            if email and state == ConnectionState.CONNECTED:
                text = f"Signed in as {email} · {state.label}"
        else:
            text = "Sign in to use a hosted Studio API (credits, cloud GPUs)."
        if state in {ConnectionState.ERROR, ConnectionState.AUTH_NEEDED} and self.connection.error_message:
            text += f"\n{self.connection.error_message}"
        self.state.setText(text)
        self.form.setVisible(not local and not signed_in)
        self.sign_in.setVisible(not local and not signed_in)
        self.sign_up.setVisible(not local and not signed_in)
        self.sign_out.setVisible(signed_in)

    def _show(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "error" if error else "muted")
        self.message.style().polish(self.message)

    def _account(self, which: str) -> None:
        email, password = self.email.text().strip(), self.password.text()
        if not self._cloud_url():
            self._show("Enter the Studio API URL under Connection first, and apply it.", error=True)
            return
        if "@" not in email or len(password) < 8:
            self._show("Enter your email and a password of at least 8 characters.", error=True)
            return
        self.context.tasks.start("studio-account", self._run_account(which, email, password))

    async def _run_account(self, which: str, email: str, password: str) -> None:
        for button in (self.sign_in, self.sign_up):
            button.setEnabled(False)
        self._show("Signing in…" if which == "in" else "Creating your account…")
        try:
            call = self.connection.sign_in if which == "in" else self.connection.sign_up
            await call(email, password, self._cloud_url())
        except StudioError as error:
            self._show(str(error), error=True)
        else:
            self.password.clear()
            self._show("Signed in. Your token is kept in the system keyring.")
        finally:
            for button in (self.sign_in, self.sign_up):
                button.setEnabled(True)
            self.refresh()

    def _cloud_url(self) -> str:
        """The Connection section owns the address; the account box signs in to it."""
        return self.context.settings.value(CONNECTION_CLOUD_URL).strip()

    def _sign_out(self) -> None:
        async def run() -> None:
            await self.connection.sign_out()
            self._show("Signed out.")
            self.refresh()

        self.context.tasks.start("studio-account", run())
