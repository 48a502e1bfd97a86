"""Per-session parameters: provider and model, system prompt, sampling settings and a failover model."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.services.chat.store import SessionInfo
from app.services.chat.suggestions import suggested_models
from app.services.providers.registry import PROVIDERS


def _optional_float(minimum: float, maximum: float, step: float) -> QDoubleSpinBox:
    """A spin box whose lowest value means "the provider's default" (stored as None)."""
    box = QDoubleSpinBox()
    box.setRange(minimum - step, maximum)
    box.setSingleStep(step)
    box.setDecimals(2)
    box.setSpecialValueText("Default")
    box.setValue(minimum - step)
    box.setToolTip("Scroll or type a value; the lowest value means the provider's default.")
    return box


class ParamsPanel(QWidget):
    changed = Signal(dict)  # session fields to store
    add_key_requested = Signal(str)  # provider id
    detect_requested = Signal()
    refresh_models_requested = Signal(str)  # provider id
    custom_url_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatParams")
        self.setMinimumWidth(280)
        self.setMaximumWidth(330)
        self._loading = False
        self._extra_models: dict[str, list[str]] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        title = QLabel("Parameters")
        title.setProperty("role", "subtitle")
        layout.addWidget(title)

        form = QFormLayout()
        form.setSpacing(8)
        self.provider = QComboBox()
        for info in PROVIDERS:
            self.provider.addItem(info.name, info.id)
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.key_warning = QLabel("Needs an API key.")
        self.key_warning.setWordWrap(True)
        self.key_warning.setProperty("role", "error")
        self.add_key = QPushButton("Add key")
        self.add_key.setProperty("kind", "primary")
        self.add_key.clicked.connect(lambda: self.add_key_requested.emit(self.provider_id()))
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_warning, 1)
        key_row.addWidget(self.add_key)
        self.key_box = QWidget()
        self.key_box.setLayout(key_row)
        key_row.setContentsMargins(0, 0, 0, 0)
        self.key_box.hide()
        self.custom_url = QLineEdit()
        self.custom_url.setPlaceholderText("http://host:port/v1")
        self.custom_url.setToolTip("Base URL of any OpenAI-compatible server (kept in the settings)")
        self.custom_url.editingFinished.connect(lambda: self.custom_url_changed.emit(self.custom_url.text().strip()))
        model_buttons = QHBoxLayout()
        self.refresh_button = QPushButton("List models")
        self.refresh_button.setProperty("kind", "ghost")
        self.refresh_button.clicked.connect(lambda: self.refresh_models_requested.emit(self.provider_id()))
        self.detect_button = QPushButton("Find local servers")
        self.detect_button.setToolTip("Look for Ollama, LM Studio, llama.cpp and vLLM on this computer")
        self.detect_button.setProperty("kind", "ghost")
        self.detect_button.clicked.connect(self.detect_requested)
        model_buttons.addWidget(self.refresh_button)
        model_buttons.addWidget(self.detect_button)
        self.system_prompt = QPlainTextEdit()
        self.system_prompt.setPlaceholderText("You are a helpful assistant.")
        self.system_prompt.setFixedHeight(90)
        self.temperature = _optional_float(0.0, 2.0, 0.1)
        self.top_p = _optional_float(0.0, 1.0, 0.05)
        self.max_tokens = QSpinBox()
        self.max_tokens.setRange(0, 1_000_000)
        self.max_tokens.setSpecialValueText("Default")
        self.frequency = _optional_float(-2.0, 2.0, 0.1)
        self.presence = _optional_float(-2.0, 2.0, 0.1)
        self.failover_provider = QComboBox()
        self.failover_provider.addItem("Same provider", "")
        for info in PROVIDERS:
            self.failover_provider.addItem(info.name, info.id)
        self.failover_model = QLineEdit()
        self.failover_model.setPlaceholderText("none")
        self.failover_model.setToolTip("On a server error or rate limit, this model answers instead.")

        form.addRow("Provider", self.provider)
        form.addRow("Model", self.model)
        form.addRow("Server URL", self.custom_url)
        self._form = form
        form.addRow(self.key_box)
        form.addRow(model_buttons)
        form.addRow("System prompt", self.system_prompt)
        form.addRow("Temperature", self.temperature)
        form.addRow("Top-p", self.top_p)
        form.addRow("Max tokens", self.max_tokens)
        form.addRow("Frequency penalty", self.frequency)
        form.addRow("Presence penalty", self.presence)
        failover = QLabel("Failover — answers when the model fails with a server error or rate limit")
        failover.setProperty("role", "muted")
        failover.setWordWrap(True)
        form.addRow(failover)
        form.addRow("Provider", self.failover_provider)
        form.addRow("Model", self.failover_model)
        layout.addLayout(form)
        self.status = QLabel("")
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)

        self._debounce = QTimer(self, singleShot=True, interval=400)
        self._debounce.timeout.connect(self._emit)
        self.provider.currentIndexChanged.connect(self._provider_changed)
        self.model.currentTextChanged.connect(self._queue)
        self.system_prompt.textChanged.connect(self._queue)
        self.failover_model.textChanged.connect(self._queue)
        self.failover_provider.currentIndexChanged.connect(self._queue)
        for box in (self.temperature, self.top_p, self.max_tokens, self.frequency, self.presence):
            box.valueChanged.connect(self._queue)

    def provider_id(self) -> str:
        return str(self.provider.currentData() or "openai")

    def model_id(self) -> str:
        return self.model.currentText().strip()

    def show_custom_url(self, url: str) -> None:
        """The server URL row is shown for the custom provider only."""
        visible = self.provider_id() == "custom"
        self._form.setRowVisible(self.custom_url, visible)
        if visible and not self.custom_url.hasFocus():
            self.custom_url.setText(url)

    def show_key_needed(self, needed: bool) -> None:
        self.key_box.setVisible(needed)

    def add_models(self, provider_id: str, models: list[str]) -> None:
        known = self._extra_models.setdefault(provider_id, [])
        known.extend(model for model in models if model not in known)
        if provider_id == self.provider_id():
            self._fill_models(keep=self.model_id())

    def _fill_models(self, keep: str) -> None:
        was_loading, self._loading = self._loading, True
        self.model.clear()
        names = list(suggested_models(self.provider_id()))
        names += [name for name in self._extra_models.get(self.provider_id(), []) if name not in names]
        self.model.addItems(names)
        self.model.setEditText(keep)
        self._loading = was_loading

    def load(self, session: SessionInfo) -> None:
        self._loading = True
        self.provider.setCurrentIndex(max(0, self.provider.findData(session.provider)))
        self._fill_models(session.model)
        self.system_prompt.setPlainText(session.system_prompt)
        self._set_optional(self.temperature, session.temperature)
        self._set_optional(self.top_p, session.top_p)
        self.max_tokens.setValue(session.max_tokens or 0)
        self._set_optional(self.frequency, session.frequency_penalty)
        self._set_optional(self.presence, session.presence_penalty)
        self.failover_provider.setCurrentIndex(max(0, self.failover_provider.findData(session.failover_provider or "")))
        self.failover_model.setText(session.failover_model or "")
        self._loading = False
        self._debounce.stop()

    def load_defaults(self, provider_id: str, model: str) -> None:
        """What a new chat starts with, shown while no chat is open."""
        self._loading = True
        self.provider.setCurrentIndex(max(0, self.provider.findData(provider_id)))
        self._fill_models(model)
        self._loading = False

    @staticmethod
    def _set_optional(box: QDoubleSpinBox, value: float | None) -> None:
        box.setValue(box.minimum() if value is None else value)

    @staticmethod
    def _optional(box: QDoubleSpinBox) -> float | None:
        return None if box.value() <= box.minimum() + 1e-9 else round(box.value(), 2)

    def fields(self) -> dict[str, Any]:
        return {
            "provider": self.provider_id(),
            "model": self.model_id(),
            "system_prompt": self.system_prompt.toPlainText(),
            "temperature": self._optional(self.temperature),
            "top_p": self._optional(self.top_p),
            "max_tokens": self.max_tokens.value() or None,
            "frequency_penalty": self._optional(self.frequency),
            "presence_penalty": self._optional(self.presence),
            "failover_provider": self.failover_provider.currentData() or None,
            "failover_model": self.failover_model.text().strip() or None,
        }

    def flush(self) -> None:
        """Emits pending changes now (before a message is sent)."""
        if self._debounce.isActive():
            self._debounce.stop()
            self._emit()

    def _provider_changed(self) -> None:
        if self._loading:
            return
        self._fill_models(keep=(suggested_models(self.provider_id()) or ("",))[0])
        self._queue()

    def _queue(self, *_: Any) -> None:
        if not self._loading:
            self._debounce.start()

    def _emit(self) -> None:
        self.changed.emit(self.fields())
