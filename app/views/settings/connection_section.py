"""Where the Studio API runs: Local (embedded on this computer, the default) or Cloud (a URL)."""

from __future__ import annotations

from urllib.parse import urlparse

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLineEdit, QPushButton, QRadioButton, QWidget

from app.config import CONNECTION_CLOUD_URL, CONNECTION_KIND, Settings
from app.views.settings.section import Section
from app.views.widgets.notice_label import NoticeLabel


def validate_api_url(text: str) -> str | None:
    """None when ``text`` is a usable Studio API address, else what is wrong with it."""
    if not text:
        return "Enter the address of your Studio API."
    parsed = urlparse(text)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        return "The address must start with https:// (or http:// for a server on this computer)."
    if parsed.scheme == "http" and parsed.hostname not in {"localhost", "127.0.0.1", "::1"}:
        return "Use https:// for a server that is not on this computer."
    return None


class ConnectionSection(Section):
    changed = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(
            "Connection",
            "Local runs the Studio API on this computer: no account, and images cost no credits. "
            "Cloud uses a hosted Studio API with GPUs, an account and credits.",
            parent,
        )
        self.settings = settings
        choice = QHBoxLayout()
        self.local = QRadioButton("Local (this computer)")
        self.cloud = QRadioButton("Cloud")
        self.group = QButtonGroup(self)
        self.group.addButton(self.local)
        self.group.addButton(self.cloud)
        choice.addWidget(self.local)
        choice.addWidget(self.cloud)
        choice.addStretch(1)
        self.body.addLayout(choice)

        row = QHBoxLayout()
        self.url = QLineEdit()
        self.url.setAccessibleName("Studio API address")
        self.url.setPlaceholderText("https://your-workspace--amethyst-studio-api.modal.run")
        self.apply_button = QPushButton("Apply")
        self.apply_button.setProperty("kind", "primary")
        self.apply_button.clicked.connect(self.apply)
        self.url.returnPressed.connect(self.apply)
        row.addWidget(self.url, 1)
        row.addWidget(self.apply_button)
        self.body.addLayout(row)
        self.message = NoticeLabel()
        self.message.setVisible(False)
        self.body.addWidget(self.message)

        kind = settings.value(CONNECTION_KIND)
        (self.cloud if kind == "cloud" else self.local).setChecked(True)
        self.url.setText(settings.value(CONNECTION_CLOUD_URL))
        self.local.toggled.connect(self._kind_toggled)
        self._kind_toggled()
        if settings.is_overridden(CONNECTION_KIND):
            self._say("The connection is set for this run by an environment variable or --set.", "muted")

    def _kind_toggled(self) -> None:
        self.url.setEnabled(self.cloud.isChecked())
        self.apply_button.setEnabled(self.cloud.isChecked())
        if self.message.property("role") == "error":
            self._say("", "muted")  # a problem with the Cloud address no longer applies once the choice changes
        if self.local.isChecked() and self.settings.value(CONNECTION_KIND) != "local":
            self.settings.put(CONNECTION_KIND, "local")
            self._say("Using the Studio API on this computer.", "success")
            self.changed.emit()

    def apply(self) -> None:
        if self.local.isChecked():
            self._kind_toggled()
            return
        text = self.url.text().strip().rstrip("/")
        problem = validate_api_url(text)
        if problem:
            self._say(problem, "error")
            return
        self.settings.put(CONNECTION_CLOUD_URL, text)
        self.settings.put(CONNECTION_KIND, "cloud")
        self._say(f"Using the Studio API at {text}.", "success")
        self.changed.emit()

    def _say(self, text: str, role: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message.setProperty("role", role)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
