"""Settings → Studio → Local model: the managed models, whether the generator's libraries are installed, and
each download with its progress bar, speed, time left, Cancel and Resume."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app.services.studio.local_models import DownloadView, LocalModels, describe_speed
from app.services.studio.model_download import gb
from modal_app.compute.managed import INSTALL_HINT
from modal_app.contract import ManagedModel


def facts(model: ManagedModel) -> str:
    where = "runs on a CPU (slowly) or any GPU" if model.gpu_gb == 0 else f"needs a GPU with {model.gpu_gb} GB"
    return f"{gb(model.size_bytes)} · {model.licence} · {where}"


class ModelRow(QFrame):
    """One managed model: name, facts, state line, progress bar and the button (Download / Cancel / Resume)."""

    def __init__(self, model: ManagedModel, local: LocalModels, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.local = local
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 4, 0, 4)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        self.name = QLabel(model.name)
        self.facts = QLabel(facts(model))
        self.facts.setProperty("role", "muted")
        self.facts.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(f"{model.name} download")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setProperty("role", "muted")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action = QPushButton("Download")
        self.action.setMinimumWidth(110)
        grid.addWidget(self.name, 0, 0)
        grid.addWidget(self.action, 0, 1, 2, 1, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.facts, 1, 0)
        grid.addWidget(self.bar, 2, 0, 1, 2)
        grid.addWidget(self.status, 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        self.action.clicked.connect(self._act)
        self.show_view(local.view(model.id))

    def _act(self) -> None:
        if self.local.view(self.model.id).status == "downloading":
            self.local.cancel(self.model.id)
        else:
            self.local.start(self.model.id)

    def show_view(self, view: DownloadView) -> None:
        role = "muted"
        self.bar.setVisible(view.status in ("downloading", "partial"))
        self.bar.setValue(view.percent)
        if view.status == "downloading":
            text, button = describe_speed(view), "Cancel"
        elif view.status == "partial":
            text = f"Paused at {view.percent} % ({gb(view.done)} kept) — Resume continues where it stopped."
            button = "Resume"
        elif view.status == "complete":
            text, button, role = "Downloaded — ready for the Studio.", "", "success"
        elif view.status == "failed":
            text, button, role = view.message, "Try again", "error"
        else:
            text, button = "Not downloaded.", "Download"
        self.status.setText(text)
        self.status.setProperty("role", role)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.action.setText(button)
        self.action.setVisible(bool(button))
        self.action.setAccessibleName(f"{button} {self.model.name}")


class LocalModelPanel(QWidget):
    """Binds ``LocalModels``; one ``ModelRow`` per managed model, and the libraries line above them."""

    def __init__(self, local: LocalModels, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.local = local
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.libraries = QLabel("Looking for torch and diffusers…")
        self.libraries.setAccessibleName(self.libraries.text())  # named before the look-up ends, too
        self.libraries.setWordWrap(True)
        self.libraries.setProperty("role", "muted")
        self.libraries.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.libraries.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # reachable with Tab when it says what to do
        layout.addWidget(self.libraries)
        self.rows: dict[str, ModelRow] = {}
        for model in local.models:
            row = ModelRow(model, local)
            self.rows[model.id] = row
            layout.addWidget(row)
        local.changed.connect(self._changed)
        local.libraries_changed.connect(self._show_libraries)
        self._show_libraries()

    def _changed(self, model_id: str) -> None:
        row = self.rows.get(model_id)
        if row is not None:
            row.show_view(self.local.view(model_id))

    def _show_libraries(self) -> None:
        missing = self.local.missing
        if missing is None:
            return
        if missing:
            text = f"Generating on this computer needs {', '.join(missing)}: {INSTALL_HINT}."
            role = "error"
        else:
            text, role = "torch, diffusers and transformers are installed: downloaded models run here.", "success"
        self.libraries.setText(text)
        self.libraries.setAccessibleName(text)
        self.libraries.setProperty("role", role)
        self.libraries.style().unpolish(self.libraries)
        self.libraries.style().polish(self.libraries)

    def focus_model(self, model_id: str) -> bool:
        """Focus a model's button ("local": the first model's, or the libraries line when they are missing)."""
        if model_id == "local" and self.local.missing:
            self.libraries.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        row = self.rows.get(model_id) or (next(iter(self.rows.values()), None) if model_id == "local" else None)
        if row is None:
            return False
        row.action.setFocus(Qt.FocusReason.OtherFocusReason)
        return True
