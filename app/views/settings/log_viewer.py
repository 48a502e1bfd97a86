"""The app's own log, read from the rotating log file (already redacted when written)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QTextCursor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPlainTextEdit, QPushButton, QWidget

from app.log import read_log_tail
from app.views.settings.section import Section

LEVELS = ("All levels", "INFO", "WARNING", "ERROR")


class LogViewer(Section):
    def __init__(self, log_file: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(
            "Log", "What Amethyst did recently. Keys and tokens are redacted before they are written.", parent
        )
        self.log_file = log_file
        controls = QHBoxLayout()
        self.level = QComboBox()
        self.level.setAccessibleName("Lowest log level shown")
        self.level.addItems(LEVELS)
        self.level.currentIndexChanged.connect(self.refresh)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter lines…")
        self.filter.setAccessibleName("Filter log lines")
        self.filter.textChanged.connect(self.refresh)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.open_button = QPushButton("Open log folder")
        self.open_button.setEnabled(log_file is not None)
        self.open_button.clicked.connect(self._open_folder)
        controls.addWidget(self.level)
        controls.addWidget(self.filter, 1)
        controls.addWidget(self.refresh_button)
        controls.addWidget(self.open_button)
        self.body.addLayout(controls)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Log lines")
        self.text.setMinimumHeight(220)
        self.text.setStyleSheet("font-family: monospace; font-size: 9pt;")
        self.body.addWidget(self.text)
        self.refresh()

    def lines(self) -> list[str]:
        if self.log_file is None:
            return ["Logging to a file is off in this run."]
        text = read_log_tail(self.log_file)
        if not text:
            return ["The log is empty."]
        wanted = self.level.currentText()
        ranks = {name: index for index, name in enumerate(LEVELS)}
        needle = self.filter.text().strip().lower()
        result = []
        for line in text.splitlines():
            if wanted != LEVELS[0]:
                parts = line.split()
                level = parts[2] if len(parts) > 2 else ""
                if ranks.get(level, 99 if level == "CRITICAL" else 0) < ranks[wanted]:
                    continue
            if needle and needle not in line.lower():
                continue
            result.append(line)
        return result

    def refresh(self) -> None:
        self.text.setPlainText("\n".join(self.lines()))
        self.text.moveCursor(QTextCursor.MoveOperation.End)

    def _open_folder(self) -> None:
        if self.log_file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file.parent)))
