"""Studio options: the chat model that rewrites prompts when Enhance is pressed."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.config import STUDIO_ENHANCE_MODEL, Settings
from app.services.providers.registry import PROVIDERS
from app.services.studio.chat_enhancer import split_model
from app.views.settings.section import Section


class StudioSection(Section):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(
            "Studio",
            "Enhance in the Studio asks a chat model to rewrite your prompt into a richer one. Pick the provider "
            "and model it should use (a key for that provider is needed, except for local servers).",
            parent,
        )
        self.settings = settings
        row = QHBoxLayout()
        self.provider = QComboBox()
        self.provider.addItem("Off", "")
        for info in PROVIDERS:
            self.provider.addItem(info.name, info.id)
        self.model = QLineEdit()
        self.model.setPlaceholderText("Model id, e.g. gpt-4o-mini")
        self.save_button = QPushButton("Save")
        self.save_button.setProperty("kind", "primary")
        row.addWidget(QLabel("Enhance with"))
        row.addWidget(self.provider)
        row.addWidget(self.model, 1)
        row.addWidget(self.save_button)
        self.body.addLayout(row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.body.addWidget(self.message)

        provider_id, model = split_model(settings.value(STUDIO_ENHANCE_MODEL))
        index = self.provider.findData(provider_id)
        self.provider.setCurrentIndex(max(0, index))
        self.model.setText(model)
        self.provider.currentIndexChanged.connect(self._provider_changed)
        self._provider_changed()
        self.save_button.clicked.connect(self.save)
        self.model.returnPressed.connect(self.save)

    def _provider_changed(self) -> None:
        self.model.setEnabled(bool(self.provider.currentData()))

    def save(self) -> None:
        provider_id = str(self.provider.currentData() or "")
        model = self.model.text().strip()
        if provider_id and not model:
            self._say("Enter the model's id as the provider names it, e.g. gpt-4o-mini.", "error")
            return
        self.settings.put(STUDIO_ENHANCE_MODEL, f"{provider_id}/{model}" if provider_id else "")
        self._say(
            f"Enhance uses {self.provider.currentText()} · {model}." if provider_id else "Enhance is off.", "success"
        )

    def _say(self, text: str, role: str) -> None:
        self.message.setText(text)
        self.message.setProperty("role", role)
        self.message.setVisible(True)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
