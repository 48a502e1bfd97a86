"""The app's own log, read from the rotating log file (already redacted when written) and followed live
while the viewer is shown: new lines appear at the end, and the view keeps to the end unless the person
scrolled up to read. At most ``MAX_LINES`` lines are kept, in the tail and in the text box."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QHideEvent, QShowEvent, QTextCursor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPlainTextEdit, QPushButton, QWidget

from app.services.log_tail import LogTail
from app.views.settings.section import Section

LEVELS = ("All levels", "INFO", "WARNING", "ERROR")
MAX_LINES = 5000


def keep(line: str, wanted: str, needle: str) -> bool:
    """Whether ``line`` (``LOG_FORMAT``: date time LEVEL name: message) passes the level and text filters;
    ``needle`` is lower-case. Lines without a level (a traceback's) pass the level filter only at "All"."""
    if wanted != LEVELS[0]:
        ranks = {name: index for index, name in enumerate(LEVELS)}
        parts = line.split()
        level = parts[2] if len(parts) > 2 else ""
        if ranks.get(level, 99 if level == "CRITICAL" else 0) < ranks[wanted]:
            return False
    return not needle or needle in line.lower()


class LogViewer(Section):
    def __init__(self, log_file: Path | None, parent: QWidget | None = None, *, max_lines: int = MAX_LINES) -> None:
        super().__init__(
            "Log", "What Amethyst did recently. Keys and tokens are redacted before they are written.", parent
        )
        self.log_file = log_file
        self.tail = LogTail(log_file, max_lines, self)
        self.tail.reset.connect(lambda _lines: self.refresh())
        self.tail.appended.connect(self._append)
        controls = QHBoxLayout()
        self.level = QComboBox()
        self.level.setAccessibleName("Lowest log level shown")
        self.level.addItems(LEVELS)
        self.level.currentIndexChanged.connect(self.refresh)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter lines…")
        self.filter.setAccessibleName("Filter log lines")
        self.filter.textChanged.connect(self.refresh)
        self.refresh_button = QPushButton("Reload")
        self.refresh_button.setToolTip("Read the log file again (it is followed live while shown)")
        self.refresh_button.clicked.connect(self.tail.reload)
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
        self.text.setMaximumBlockCount(max_lines)  # the oldest lines leave as new ones come
        # Kept to the end while the person has not scrolled up: through appends, resizes and the first layout.
        self._at_end = True
        bar = self.text.verticalScrollBar()
        bar.valueChanged.connect(lambda value: setattr(self, "_at_end", value >= bar.maximum()))
        bar.rangeChanged.connect(self._range_changed)
        self.text.setStyleSheet("font-family: monospace; font-size: 9pt;")
        self.body.addWidget(self.text)
        self.tail.poll()  # the log as it is now; followed while shown
        self.refresh()

    def lines(self) -> list[str]:
        """The kept lines that pass the filters, oldest first (or a line saying why there are none)."""
        if self.log_file is None:
            return ["Logging to a file is off in this run."]
        if not self.tail.lines:
            return ["The log is empty."]
        wanted, needle = self.level.currentText(), self.filter.text().strip().lower()
        return [line for line in self.tail.lines if keep(line, wanted, needle)]

    def refresh(self) -> None:
        self._at_end = True
        self.text.setPlainText("\n".join(self.lines()))
        self.text.moveCursor(QTextCursor.MoveOperation.End)
        bar = self.text.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _append(self, new: list[str]) -> None:
        wanted, needle = self.level.currentText(), self.filter.text().strip().lower()
        shown = [line for line in new if keep(line, wanted, needle)]
        if not shown:
            return
        if self.text.toPlainText() == "The log is empty.":
            self.refresh()
            return
        bar = self.text.verticalScrollBar()
        held = bar.value()
        for line in shown:
            self.text.appendPlainText(line)
        if not self._at_end:  # the person scrolled up to read: the text stays still under their eyes
            bar.setValue(min(held, bar.maximum()))

    def _range_changed(self, _low: int, high: int) -> None:
        if self._at_end:
            self.text.verticalScrollBar().setValue(high)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.tail.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.tail.stop()

    def _open_folder(self) -> None:
        if self.log_file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file.parent)))
