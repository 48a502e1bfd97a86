"""Provider API keys: add, replace and delete, shown masked, kept in the OS keyring only.

Without a usable keyring, "Add key" is disabled with the reason, and "Use for this session" keeps a key in
memory until Amethyst quits (never written anywhere); the section names what to install for a lasting one.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.services.providers.registry import ProviderInfo, keyed_providers
from app.services.secrets import SecretStore, SecretsUnavailable, lasting_keyring_advice, mask
from app.views.settings.section import Section
from app.views.widgets.notice_label import NoticeLabel
from app.views.widgets.toast import Toast

NO_KEYRING_REASON = "No system keyring is available to keep the key."
SESSION_NOTE = "Kept in memory until Amethyst quits. Never written to disk."


class KeyRow(QWidget):
    """One provider: its name, the masked key or "No key", and the actions."""

    changed = Signal(str)  # provider id
    deleted = Signal(str, str)  # provider id, the deleted value (for undo)

    def __init__(self, info: ProviderInfo, secrets: SecretStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.secrets = secrets
        self.setObjectName(f"key-row-{info.id}")
        self.session_mode = False  # editing a key kept for this session only
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 2, 0, 2)
        outer.setSpacing(2)
        layout = QHBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(layout)
        self.name = QLabel(info.name)
        self.name.setMinimumWidth(150)  # KeysSection widens every name to the longest: one status column
        self.status = QLabel()
        self.status.setMinimumWidth(130)
        self.editor = QLineEdit()
        self.editor.setEchoMode(QLineEdit.EchoMode.Password)
        self.editor.setAccessibleName(f"{info.name} API key")
        self.editor.setPlaceholderText(f"Paste your {info.name} API key")
        self.editor.returnPressed.connect(self.save)
        self.error = NoticeLabel()  # below the row: wraps at spaces, never widens the page
        self.error.setProperty("role", "error")
        self.note = NoticeLabel()
        self.note.setProperty("role", "muted")
        self.session_button = QPushButton("Use for this session")
        self.session_button.setProperty("kind", "ghost")
        self.session_button.setToolTip(SESSION_NOTE)
        self.session_button.setAccessibleName(f"Use a {info.name} key for this session only")
        self.session_button.setVisible(False)
        self.session_button.clicked.connect(lambda: self.start_editing(session=True))
        self.edit_button = QPushButton()
        self.edit_button.clicked.connect(self.start_editing)
        self.save_button = QPushButton("Save")
        self.save_button.setProperty("kind", "primary")
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setProperty("kind", "ghost")
        self.cancel_button.clicked.connect(self.stop_editing)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setProperty("kind", "danger")
        self.delete_button.clicked.connect(self.delete)
        self.get_key = QPushButton("Get a key")
        self.get_key.setAccessibleName(f"Get a {info.name} key")
        self.save_button.setAccessibleName(f"Save the {info.name} key")
        self.cancel_button.setAccessibleName(f"Cancel editing the {info.name} key")
        self.delete_button.setAccessibleName(f"Delete the {info.name} key")
        self.get_key.setProperty("kind", "link")
        self.get_key.setVisible(bool(info.keys_page))
        self.get_key.clicked.connect(lambda: QDesktopServices.openUrl(QUrl(info.keys_page)))
        layout.addWidget(self.name)
        layout.addWidget(self.status)
        layout.addWidget(self.editor, 1)
        layout.addStretch(0)
        buttons = (
            self.get_key,
            self.edit_button,
            self.session_button,
            self.save_button,
            self.cancel_button,
            self.delete_button,
        )
        for button in buttons:
            layout.addWidget(button)
        outer.addWidget(self.note)
        outer.addWidget(self.error)
        self.keyring_available = True
        self.deleted_session_only = False
        self.refresh()

    def set_keyring_available(self, available: bool) -> None:
        """Without a keyring "Add key" is disabled with the reason and "Use for this session" is offered."""
        self.keyring_available = available
        self.edit_button.setEnabled(available)
        self.edit_button.setToolTip("" if available else NO_KEYRING_REASON)
        self.stop_editing()

    def refresh(self) -> None:
        value = self.secrets.get(self.info.secret_name)
        session = bool(value) and self.secrets.session_only(self.info.secret_name)
        self.status.setText((mask(value) + " · this session" if session else mask(value)) if value else "No key")
        self.status.setToolTip(SESSION_NOTE if session else "")
        self.status.setProperty("role", "" if value else "muted")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.edit_button.setText("Replace" if value else "Add key")
        self.edit_button.setAccessibleName(f"{'Replace' if value else 'Add'} the {self.info.name} key")
        self.delete_button.setVisible(bool(value))
        self.stop_editing()

    def start_editing(self, session: bool | None = None) -> None:
        """Open the editor; ``session`` (default: when there is no keyring) keeps the key in memory only."""
        self.session_mode = (not self.keyring_available) if session is None else session
        self.editor.clear()
        self.error.setText("")
        if self.session_mode:
            self.editor.setPlaceholderText(f"Paste your {self.info.name} API key (this session only)")
            self.save_button.setText("Use until quit")
            self.note.setText(SESSION_NOTE)
        else:
            self.editor.setPlaceholderText(f"Paste your {self.info.name} API key")
            self.save_button.setText("Save")
            self.note.setText("")
        for widget in (self.editor, self.save_button, self.cancel_button):
            widget.setVisible(True)
        for widget in (self.edit_button, self.delete_button, self.get_key, self.session_button):
            widget.setVisible(False)
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def stop_editing(self) -> None:
        for widget in (self.editor, self.save_button, self.cancel_button):
            widget.setVisible(False)
        self.note.setText("")
        self.edit_button.setVisible(True)
        self.session_button.setVisible(not self.keyring_available)
        self.get_key.setVisible(bool(self.info.keys_page))
        self.delete_button.setVisible(self.status.text() != "No key")

    def save(self) -> None:
        value = self.editor.text().strip()
        if not value:
            self.error.setText("Paste a key first.")
            return
        if any(character.isspace() for character in value):
            self.error.setText("A key has no spaces; check what was pasted.")
            return
        try:
            if self.session_mode:
                self.secrets.set_for_session(self.info.secret_name, value)
            else:
                self.secrets.set(self.info.secret_name, value)
        except SecretsUnavailable as error:
            self.error.setText(str(error))
            return
        self.editor.clear()
        self.refresh()
        self.changed.emit(self.info.id)

    def delete(self) -> None:
        value = self.secrets.get(self.info.secret_name) or ""
        self.deleted_session_only = self.secrets.session_only(self.info.secret_name)
        try:
            self.secrets.delete(self.info.secret_name)
        except SecretsUnavailable as error:
            self.error.setText(str(error))
            return
        self.refresh()
        self.deleted.emit(self.info.id, value)
        self.changed.emit(self.info.id)


class KeysSection(Section):
    changed = Signal(str)

    def __init__(self, secrets: SecretStore, parent: QWidget | None = None) -> None:
        super().__init__(
            "Provider API keys",
            "Your own keys for chat providers. They are kept in the system keyring, never in Amethyst's "
            "files or logs. Local servers (Ollama, LM Studio, llama.cpp, vLLM) need no key.",
            parent,
        )
        self.secrets = secrets
        self.backend = NoticeLabel()
        self.backend.setProperty("role", "muted")
        self.backend.setObjectName("KeyringBackend")
        self.body.addWidget(self.backend)
        grid = QGridLayout()
        grid.setVerticalSpacing(2)
        self.rows: dict[str, KeyRow] = {}
        for index, info in enumerate(keyed_providers()):
            row = KeyRow(info, secrets)
            row.changed.connect(self.changed)
            row.deleted.connect(self._offer_undo)
            grid.addWidget(row, index, 0)
            self.rows[info.id] = row
        self.body.addLayout(grid)
        # One column for every status ("No key" or the masked key), however long a provider's name.
        name_width = max((row.name.sizeHint().width() for row in self.rows.values()), default=0)
        for row in self.rows.values():
            row.name.setMinimumWidth(max(150, name_width))
        self.undo_toast: Toast | None = None
        self._show_backend()

    def _show_backend(self) -> None:
        if self.secrets.available():
            self.backend.setText(f"Keys are stored in: {self.secrets.backend_name()}")
        else:
            self.backend.setProperty("role", "error")
            self.backend.setText(
                f"No system keyring is available ({self.secrets.backend_name()}), so keys cannot be saved. "
                f"“Use for this session” keeps a key in memory until Amethyst quits. {lasting_keyring_advice()}"
            )
            for row in self.rows.values():  # saving would only fail: say why on the button instead
                row.set_keyring_available(False)

    def focus_provider(self, provider_id: str) -> None:
        row = self.rows.get(provider_id)
        if row is not None:
            row.start_editing()

    def _offer_undo(self, provider_id: str, value: str) -> None:
        row = self.rows[provider_id]

        session_only = row.deleted_session_only

        def undo() -> None:
            if session_only:
                self.secrets.set_for_session(row.info.secret_name, value)
            else:
                self.secrets.set(row.info.secret_name, value)
            row.refresh()
            self.changed.emit(provider_id)

        self.undo_toast = Toast(
            self.window(), f"{row.info.name} key deleted", action_text="Undo", on_action=undo, timeout_ms=8000
        )
        self.undo_toast.show_toast()
