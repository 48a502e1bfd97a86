"""Per-session parameters: provider and model, system prompt, sampling settings and a failover model."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.services.chat.store import SessionInfo
from app.services.chat.suggestions import suggested_models
from app.services.providers.registry import PROVIDERS
from app.views.chat.param_fields import OptionalNumber, OptionalTokens
from app.views.widgets.combo_open import open_list_on_click


class StatusLabel(QLabel):
    """What listing or finding models did; takes no room until there is something to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setTextFormat(Qt.TextFormat.PlainText)  # server error texts are untrusted
        self.setVisible(False)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))


class ParamsPanel(QWidget):
    changed = Signal(dict)  # session fields to store
    add_key_requested = Signal(str)  # provider id
    detect_requested = Signal()
    refresh_models_requested = Signal(str, str)  # provider id, the model field's text
    custom_url_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatParams")
        self.setMinimumWidth(262)  # “Custom OpenAI-compatible” fits in the provider box
        self.setMaximumWidth(340)
        self._loading = False
        self._extra_models: dict[str, list[str]] = {}
        self.provider = QComboBox()
        for info in PROVIDERS:
            self.provider.addItem(info.name, info.id)
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        open_list_on_click(self.model)  # the whole field opens the list, not only its right edge
        for combo in (self.provider, self.model):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
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
        self.refresh_button = QPushButton("List models")
        self.refresh_button.setProperty("kind", "ghost")
        self.refresh_button.clicked.connect(
            lambda: self.refresh_models_requested.emit(self.provider_id(), self.model_id())
        )
        self.detect_button = QPushButton("Find local")
        self.detect_button.setToolTip("Look for Ollama, LM Studio, llama.cpp and vLLM on this computer")
        self.detect_button.setProperty("kind", "ghost")
        self.detect_button.clicked.connect(self.detect_requested)
        self.system_prompt = QPlainTextEdit()
        self.system_prompt.setAccessibleName("System prompt")
        self.system_prompt.setTabChangesFocus(True)  # Tab moves on: no keyboard trap
        self.system_prompt.setPlaceholderText("You are a helpful assistant.")
        self.system_prompt.setFixedHeight(80)
        self.temperature = OptionalNumber(
            "Temperature", 0.0, 2.0, 0.05, 0.7, "Higher is more varied, lower more focused. Unchecked: default."
        )
        self.top_p = OptionalNumber(
            "Top-p", 0.0, 1.0, 0.05, 1.0, "Nucleus sampling. Unchecked: the provider's default."
        )
        self.max_tokens = OptionalTokens("Max tokens", 1024, "The longest reply. Unchecked: the provider's default.")
        self.frequency = OptionalNumber(
            "Frequency penalty", -2.0, 2.0, 0.1, 0.0, "Discourages repeating the same words. Unchecked: default."
        )
        self.presence = OptionalNumber(
            "Presence penalty", -2.0, 2.0, 0.1, 0.0, "Encourages new topics. Unchecked: the provider's default."
        )
        self.failover_provider = QComboBox()
        self.failover_provider.setAccessibleName("Failover provider")
        self.failover_provider.addItem("Same provider", "")
        for info in PROVIDERS:
            self.failover_provider.addItem(info.name, info.id)
        self.failover_provider.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.failover_provider.setMinimumContentsLength(8)
        self.failover_model = QLineEdit()
        self.failover_model.setPlaceholderText("none")
        self.failover_model.setAccessibleName("Failover model")
        self.failover_model.setToolTip("On a server error or rate limit, this model answers instead.")
        self.status = StatusLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)

        body = QWidget()
        body.setObjectName("ChatParamsBody")
        column = QVBoxLayout(body)
        column.setContentsMargins(14, 12, 14, 12)
        column.setSpacing(4)
        title = QLabel("Parameters")
        title.setProperty("role", "subtitle")
        column.addWidget(title)
        self._field(column, "Provider", self.provider)
        self._field(column, "Model", self.model)
        self._server_label = self._field(column, "Server URL", self.custom_url)
        column.addWidget(self.key_box)
        model_buttons = QHBoxLayout()
        model_buttons.setContentsMargins(0, 2, 0, 0)
        model_buttons.addWidget(self.refresh_button)
        model_buttons.addWidget(self.detect_button)
        column.addLayout(model_buttons)
        column.addWidget(self.status)
        self._field(column, "System prompt", self.system_prompt)
        column.addSpacing(8)
        for parameter in (self.temperature, self.top_p, self.max_tokens, self.frequency, self.presence):
            column.addWidget(parameter)
            column.addSpacing(4)
        column.addSpacing(8)
        failover = QLabel("Failover")
        failover.setProperty("role", "subtitle")
        column.addWidget(failover)
        failover_help = QLabel("Answers instead when the model fails with a server error or a rate limit.")
        failover_help.setProperty("role", "muted")
        failover_help.setWordWrap(True)
        column.addWidget(failover_help)
        self._field(column, "Provider", self.failover_provider)
        self._field(column, "Model", self.failover_model)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setAccessibleName("Chat parameters")
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        self._debounce = QTimer(self, singleShot=True, interval=400)
        self._debounce.timeout.connect(self._emit)
        self.provider.currentIndexChanged.connect(self._provider_changed)
        self.model.currentTextChanged.connect(self._queue)
        self.system_prompt.textChanged.connect(self._queue)
        self.failover_model.textChanged.connect(self._queue)
        self.failover_provider.currentIndexChanged.connect(self._queue)
        for parameter in (self.temperature, self.top_p, self.max_tokens, self.frequency, self.presence):
            parameter.value_changed.connect(self._queue)

    @staticmethod
    def _field(column: QVBoxLayout, text: str, field: QWidget) -> QLabel:
        """A label above its field: the column is narrow, so names and values each get the full width."""
        label = QLabel(text)
        label.setProperty("role", "muted")
        label.setBuddy(field)
        column.addSpacing(6)
        column.addWidget(label)
        column.addWidget(field)
        return label

    def provider_id(self) -> str:
        return str(self.provider.currentData() or "openai")

    def model_id(self) -> str:
        return self.model.currentText().strip()

    def show_custom_url(self, url: str) -> None:
        """The server URL row is shown for the custom provider only."""
        visible = self.provider_id() == "custom"
        self._server_label.setVisible(visible)
        self.custom_url.setVisible(visible)
        if visible and not self.custom_url.hasFocus():
            self.custom_url.setText(url)

    def show_key_needed(self, needed: bool, keyring_available: bool = True) -> None:
        """Show the key notice; without a system keyring "Add key" says, as Settings does, that a key can
        only be kept for this session."""
        self.key_box.setVisible(needed)
        self.add_key.setText("Add key" if keyring_available else "Add key for this session")
        self.add_key.setToolTip(
            ""
            if keyring_available
            else "No system keyring is available to keep the key. It can be kept in memory until Amethyst quits."
        )

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
        self.temperature.set_value(session.temperature)
        self.top_p.set_value(session.top_p)
        self.max_tokens.set_value(session.max_tokens)
        self.frequency.set_value(session.frequency_penalty)
        self.presence.set_value(session.presence_penalty)
        self.failover_provider.setCurrentIndex(max(0, self.failover_provider.findData(session.failover_provider or "")))
        self.failover_model.setText(session.failover_model or "")
        self._loading = False
        self._debounce.stop()

    def choose(self, provider_id: str, model: str) -> None:
        """Select ``provider_id`` and ``model`` as the person would (the change is saved); an empty ``model``
        opens the model list so they pick one."""
        self.provider.setCurrentIndex(max(0, self.provider.findData(provider_id)))
        self.model.setEditText(model)
        if not model and self.model.count() and self.isVisible():
            self.model.showPopup()

    def take_model(self, provider_id: str, model: str) -> None:
        """Put ``model`` in the model field (the change is saved) if ``provider_id`` is still selected; a
        listing that ends after the person switched provider changes nothing."""
        if provider_id == self.provider_id():
            self.model.setEditText(model)

    def load_defaults(self, provider_id: str, model: str) -> None:
        """What a new chat starts with, shown while no chat is open."""
        self._loading = True
        self.provider.setCurrentIndex(max(0, self.provider.findData(provider_id)))
        self._fill_models(model)
        self._loading = False

    def fields(self) -> dict[str, Any]:
        return {
            "provider": self.provider_id(),
            "model": self.model_id(),
            "system_prompt": self.system_prompt.toPlainText(),
            "temperature": self.temperature.value(),
            "top_p": self.top_p.value(),
            "max_tokens": self.max_tokens.value(),
            "frequency_penalty": self.frequency.value(),
            "presence_penalty": self.presence.value(),
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
