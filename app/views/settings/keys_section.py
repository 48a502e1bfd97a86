"""Provider API keys: add, replace and delete, shown masked, kept in the OS keyring only."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.services.providers.registry import ProviderInfo, keyed_providers
from app.services.secrets import SecretStore, SecretsUnavailable, mask
from app.views.settings.section import Section
from app.views.widgets.toast import Toast


class KeyRow(QWidget):
    """One provider: its name, the masked key or "No key", and the actions."""

    changed = Signal(str)  # provider id
    deleted = Signal(str, str)  # provider id, the deleted value (for undo)

    def __init__(self, info: ProviderInfo, secrets: SecretStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.secrets = secrets
        self.setObjectName(f"key-row-{info.id}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        self.name = QLabel(info.name)
        self.name.setMinimumWidth(150)
        self.status = QLabel()
        self.status.setMinimumWidth(130)
        self.editor = QLineEdit()
        self.editor.setEchoMode(QLineEdit.EchoMode.Password)
        self.editor.setAccessibleName(f"{info.name} API key")
        self.editor.setPlaceholderText(f"Paste your {info.name} API key")
        self.editor.returnPressed.connect(self.save)
        self.error = QLabel()
        self.error.setProperty("role", "error")
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
        layout.addWidget(self.error)
        layout.addStretch(0)
        for button in (self.get_key, self.edit_button, self.save_button, self.cancel_button, self.delete_button):
            layout.addWidget(button)
        self.refresh()

    def refresh(self) -> None:
        value = self.secrets.get(self.info.secret_name)
        self.status.setText(mask(value) if value else "No key")
        self.status.setProperty("role", "" if value else "muted")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.edit_button.setText("Replace" if value else "Add key")
        self.edit_button.setAccessibleName(f"{'Replace' if value else 'Add'} the {self.info.name} key")
        self.delete_button.setVisible(bool(value))
        self.stop_editing()

    def start_editing(self) -> None:
        self.editor.clear()
        self.error.clear()
        for widget in (self.editor, self.save_button, self.cancel_button):
            widget.setVisible(True)
        for widget in (self.edit_button, self.delete_button, self.get_key):
            widget.setVisible(False)
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def stop_editing(self) -> None:
        for widget in (self.editor, self.save_button, self.cancel_button):
            widget.setVisible(False)
        self.edit_button.setVisible(True)
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
            self.secrets.set(self.info.secret_name, value)
        except SecretsUnavailable as error:
            self.error.setText(str(error))
            return
        self.editor.clear()
        self.refresh()
        self.changed.emit(self.info.id)

    def delete(self) -> None:
        value = self.secrets.get(self.info.secret_name) or ""
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
        self.backend = QLabel()
        self.backend.setProperty("role", "muted")
        self.backend.setObjectName("KeyringBackend")
        self.backend.setWordWrap(True)
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
        self.undo_toast: Toast | None = None
        self._show_backend()

    def _show_backend(self) -> None:
        if self.secrets.available():
            self.backend.setText(f"Keys are stored in: {self.secrets.backend_name()}")
        else:
            self.backend.setProperty("role", "error")
            self.backend.setText(
                f"No system keyring is available ({self.secrets.backend_name()}). Keys cannot be saved until "
                "one is installed or unlocked (GNOME Keyring, KWallet, macOS Keychain, Windows Credential Locker)."
            )
            for row in self.rows.values():  # saving would only fail: say why on the button instead
                row.edit_button.setEnabled(False)
                row.edit_button.setToolTip("No system keyring is available to keep the key.")

    def focus_provider(self, provider_id: str) -> None:
        row = self.rows.get(provider_id)
        if row is not None:
            row.start_editing()

    def _offer_undo(self, provider_id: str, value: str) -> None:
        row = self.rows[provider_id]

        def undo() -> None:
            self.secrets.set(row.info.secret_name, value)
            row.refresh()
            self.changed.emit(provider_id)

        self.undo_toast = Toast(
            self.window(), f"{row.info.name} key deleted", action_text="Undo", on_action=undo, timeout_ms=8000
        )
        self.undo_toast.show_toast()
