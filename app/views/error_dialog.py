"""Unexpected errors: a dialog with what happened, the traceback and a copy button; the app keeps running."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from app.log import Redactor

log = logging.getLogger(__name__)


class ErrorDialog(QDialog):
    def __init__(self, summary: str, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Amethyst ran into a problem")
        self.resize(680, 440)
        layout = QVBoxLayout(self)
        title = QLabel("Something went wrong")
        title.setProperty("role", "subtitle")
        layout.addWidget(title)
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        hint = QLabel("Amethyst is still running. Copy the details below if you report this problem.")
        hint.setProperty("role", "muted")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Error details")
        self.details.setStyleSheet("font-family: monospace; font-size: 9pt;")
        layout.addWidget(self.details, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.clicked.connect(self.copy_details)
        close = QPushButton("Close")
        close.setProperty("kind", "primary")
        close.clicked.connect(self.accept)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(f"{self.summary.text()}\n\n{self.details.toPlainText()}")
        self.copy_button.setText("Copied")


class ExceptionHandler:
    """Installed as ``sys.excepthook``: logs the error and shows it instead of letting the app die."""

    def __init__(self, redactor: Redactor, parent: QWidget | None = None) -> None:
        self.redactor = redactor
        self.parent = parent
        self.dialogs: list[ErrorDialog] = []

    def install(self) -> None:
        sys.excepthook = self

    def __call__(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        log.error("unexpected error", exc_info=(kind, error, trace))
        details = self.redactor.redact("".join(traceback.format_exception(kind, error, trace)))
        self.show(f"{kind.__name__}: {self.redactor.redact(str(error))}", details)

    def report(self, where: str, error: BaseException) -> None:
        """For failures of background tasks (TaskRunner's reporter)."""
        details = self.redactor.redact("".join(traceback.format_exception(error)))
        self.show(f"{where}: {type(error).__name__}: {self.redactor.redact(str(error))}", details)

    def show(self, summary: str, details: str) -> ErrorDialog:
        dialog = ErrorDialog(summary, details, self.parent)
        dialog.finished.connect(lambda _result, d=dialog: self.dialogs.remove(d) if d in self.dialogs else None)
        self.dialogs.append(dialog)
        dialog.show()
        return dialog
