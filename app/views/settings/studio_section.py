"""Settings → Studio: the image engines and their states, the managed local model, the default model, and
the chat model that rewrites prompts when Enhance is pressed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.config import STUDIO_DEFAULT_MODEL, STUDIO_ENHANCE_MODEL, Settings
from app.services.providers.registry import PROVIDERS
from app.services.studio.chat_enhancer import split_model
from app.services.studio.engine_states import EngineStates
from app.services.studio.engines import ENGINE_TITLES
from app.services.studio.local_models import LocalModels
from app.views.settings.local_model_panel import LocalModelPanel
from app.views.settings.section import Section
from app.views.settings.studio_engines import EnginesPanel


def subheading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def model_label(model: Any) -> str:
    """ "Name · engine" (the engine left out when the name says it already), and "not ready" when it cannot run."""
    engine = ENGINE_TITLES.get(model.engine, model.engine)
    label = model.name if not engine or engine.casefold() in model.name.casefold() else f"{model.name} · {engine}"
    return label if model.ready else f"{label} (not ready)"


TOOLTIP_ROLE = Qt.ItemDataRole.ToolTipRole


class StudioSection(Section):
    """``focus(detail)`` lands on the part a Studio fix names: an engine id (``comfyui``, ``openai``…), a
    managed model id (``sd-turbo``) or ``local`` (the Local model part)."""

    def __init__(
        self,
        settings: Settings,
        engines: EngineStates,
        local_models: LocalModels,
        models: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "Studio",
            "Images come from engines: your own OpenAI or Google key, ComfyUI or AUTOMATIC1111 running on this "
            "computer, a model downloaded below, or the Amethyst cloud.",
            parent,
        )
        self.settings = settings
        self.body.addWidget(subheading("Image engines"))
        self.engines = EnginesPanel(engines)
        self.body.addWidget(self.engines)

        self.body.addWidget(subheading("Local model"))
        local_note = QLabel(
            "Download a model once and make images on this computer, offline and free. Files go to the Studio "
            "data folder; a download resumes where it stopped."
        )
        local_note.setProperty("role", "muted")
        local_note.setWordWrap(True)
        self.body.addWidget(local_note)
        self.local = LocalModelPanel(local_models)
        self.body.addWidget(self.local)

        self.body.addWidget(subheading("Defaults"))
        default_row = QHBoxLayout()
        self.default_model = QComboBox()
        self.default_model.setAccessibleName("Default image model")
        self.default_model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        default_label = QLabel("Default image model")
        default_label.setBuddy(self.default_model)
        default_row.addWidget(default_label)
        default_row.addWidget(self.default_model)
        default_row.addStretch(1)
        self.body.addLayout(default_row)
        self.fill_models(models)
        self.default_model.activated.connect(self._default_chosen)

        row = QHBoxLayout()
        self.provider = QComboBox()
        self.provider.setAccessibleName("Enhance provider")
        self.provider.addItem("Off", "")
        for info in PROVIDERS:
            self.provider.addItem(info.name, info.id)
        self.model = QLineEdit()
        self.model.setAccessibleName("Enhance model")
        self.model.setPlaceholderText("Model id, e.g. gpt-4o-mini")
        self.save_button = QPushButton("Save")
        self.save_button.setProperty("kind", "primary")
        enhance_label = QLabel("Enhance with")
        enhance_label.setBuddy(self.provider)
        enhance_label.setToolTip("The chat model that rewrites your prompt when you press Enhance in the Studio")
        row.addWidget(enhance_label)
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

    # --- default model -----------------------------------------------------------------------------
    def fill_models(self, table: Any) -> None:
        """The default-model choice: "First ready model", then the table's models by engine."""
        chosen = self.settings.value(STUDIO_DEFAULT_MODEL)
        self.default_model.clear()
        self.default_model.addItem("First ready model", "")
        for model in getattr(table, "models", ()) or ():
            if model.active:
                self.default_model.addItem(model_label(model), model.id)
                if not model.ready and model.reason:
                    self.default_model.setItemData(self.default_model.count() - 1, model.reason, TOOLTIP_ROLE)
        if chosen and self.default_model.findData(chosen) < 0:
            self.default_model.addItem(chosen, chosen)  # kept while the server does not list it
        self.default_model.setCurrentIndex(max(0, self.default_model.findData(chosen)))

    def _default_chosen(self) -> None:
        self.settings.put(STUDIO_DEFAULT_MODEL, str(self.default_model.currentData() or ""))
        name = self.default_model.currentText()
        text = f"The Studio starts with {name}." if self.default_model.currentData() else ""
        self._say(text or "The Studio starts with the first ready model.", "success")

    # --- the one-click fix lands here --------------------------------------------------------------
    def focus(self, detail: str) -> QWidget:
        """Focus the part ``detail`` names; returns the widget to scroll to."""
        if detail and self.local.focus_model(detail):
            return self.local.rows.get(detail) or self.local
        if detail and self.engines.focus_engine(detail):
            return self.engines
        return self

    # --- enhance -----------------------------------------------------------------------------------
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

    def showEvent(self, event: Any) -> None:
        """Fresh states each time Settings opens: engines (local servers probed) and what is on disk."""
        super().showEvent(event)
        if not self.engines.states.busy:
            self.engines.states.refresh()
        self.local.local.refresh()
