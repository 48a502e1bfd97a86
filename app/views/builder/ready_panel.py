"""What a ready build offers: URL and endpoints, metrics from ``/info``, a predict form built from its input
schema with the JSON answer, and copyable curl and Python snippets."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.builder.controller import BuilderController
from modal_app.contract import Build, ModelInfo


def snippets(url: str, example: dict[str, Any]) -> tuple[str, str]:
    """(curl, Python) calling ``/predict`` of the model at ``url`` with ``example``."""
    body = json.dumps({"inputs": example}, ensure_ascii=False)
    curl = f"curl -X POST {url}/predict -H 'Content-Type: application/json' -d '{body}'"
    python = (
        "import httpx\n\n"
        f"answer = httpx.post({url + '/predict'!r}, json={{'inputs': {example!r}}})\n"
        "print(answer.json())"
    )
    return curl, python


class ReadyPanel(QWidget):
    def __init__(self, controller: BuilderController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.build: Build | None = None
        self.info: ModelInfo | None = None
        self.fields: dict[str, QWidget] = {}
        self.url = QLineEdit()
        self.url.setReadOnly(True)
        self.url.setAccessibleName("Model URL")
        self.endpoints = QLabel("GET /health · GET /info · POST /predict")
        self.endpoints.setProperty("role", "muted")
        self.metrics = QLabel("Loading /info…")
        self.metrics.setWordWrap(True)
        self.form = QFormLayout()
        self.predict_button = QPushButton("Predict")
        self.predict_button.setProperty("role", "primary")
        self.predict_button.setAccessibleName("Call /predict with these inputs")
        self.predict_button.clicked.connect(self._predict)
        self.answer = QPlainTextEdit()
        self.answer.setReadOnly(True)
        self.answer.setAccessibleName("The model's answer")
        self.answer.setPlaceholderText("The JSON answer shows here.")
        self.answer.setMaximumHeight(110)
        self.curl = QPlainTextEdit()
        self.python = QPlainTextEdit()
        for box, name in ((self.curl, "curl"), (self.python, "Python")):
            box.setReadOnly(True)
            box.setMaximumHeight(96)
            box.setAccessibleName(f"{name} snippet")
        copy_curl = QPushButton("Copy curl")
        copy_python = QPushButton("Copy Python")
        copy_curl.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.curl.toPlainText()))
        copy_python.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.python.toPlainText()))

        top = QHBoxLayout()
        top.addWidget(QLabel("URL"))
        top.addWidget(self.url, 1)
        left = QVBoxLayout()
        left.addLayout(self.form)
        left.addWidget(self.predict_button)
        left.addWidget(self.answer)
        right = QGridLayout()
        right.addWidget(self.curl, 0, 0)
        right.addWidget(copy_curl, 0, 1)
        right.addWidget(self.python, 1, 0)
        right.addWidget(copy_python, 1, 1)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.endpoints)
        layout.addWidget(self.metrics)
        layout.addLayout(body)
        controller.info_ready.connect(self._info)
        controller.predicted.connect(self._predicted)

    def clear(self) -> None:
        self.info = None
        self.answer.clear()
        self._clear_form()

    def show_build(self, build: Build) -> None:
        first = self.build is None or self.build.id != build.id or self.info is None
        self.build = build
        self.url.setText(build.url or "")
        if first:
            self.controller.load_info(build.id)

    def _clear_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}

    def _info(self, build_id: str, info: ModelInfo) -> None:
        if self.build is None or build_id != self.build.id:
            return
        self.info = info
        metrics = ", ".join(f"{name} {value:.3f}" for name, value in info.metrics.items()) or "no held-out metrics"
        self.metrics.setText(f"{info.model or 'Model'} on {info.rows or '?'} rows · predicts {info.target} · {metrics}")
        self._clear_form()
        example: dict[str, Any] = {}
        for field in info.inputs:
            widget: QWidget
            if field.type == "number":
                spin = QDoubleSpinBox()
                spin.setRange(-1e12, 1e12)
                spin.setDecimals(2)
                spin.setValue(float(field.example if isinstance(field.example, int | float) else field.default or 0))
                widget = spin
                example[field.name] = spin.value()
            elif field.choices:
                combo = QComboBox()
                combo.setEditable(True)
                combo.addItems(list(field.choices))
                widget = combo
                example[field.name] = combo.currentText()
            else:
                line = QLineEdit(str(field.example or ""))
                widget = line
                example[field.name] = line.text()
            widget.setAccessibleName(field.name)
            self.fields[field.name] = widget
            self.form.addRow(field.name, widget)
        if self.build and self.build.url:
            curl, python = snippets(self.build.url, example)
            self.curl.setPlainText(curl)
            self.python.setPlainText(python)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, widget in self.fields.items():
            if isinstance(widget, QDoubleSpinBox):
                out[name] = widget.value()
            elif isinstance(widget, QComboBox):
                out[name] = widget.currentText()
            elif isinstance(widget, QLineEdit):
                out[name] = widget.text()
        return out

    def _predict(self) -> None:
        if self.build is not None:
            self.answer.setPlainText("Asking the model…")
            self.controller.predict(self.build.id, {"inputs": self.values()})

    def _predicted(self, build_id: str, status: int, answer: object) -> None:
        if self.build is not None and build_id == self.build.id:
            prefix = "" if status == 200 else f"The model answered {status}:\n"
            self.answer.setPlainText(prefix + json.dumps(answer, indent=2, ensure_ascii=False))
