""" "Amethyst X.Y is available": the release notes and a download that verifies its SHA-256. Nothing is
installed: once the file is verified, its folder opens and the person installs it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.services.updates import Release, UpdateChecker, UpdateError
from app.tasks import TaskRunner


class UpdateDialog(QDialog):
    def __init__(
        self, release: Release, checker: UpdateChecker, tasks: TaskRunner, folder: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.release, self.checker, self.tasks, self.folder = release, checker, tasks, folder
        self.downloaded: Path | None = None
        self.setWindowTitle("Update available")
        self.setObjectName("UpdateDialog")
        self.resize(560, 420)
        layout = QVBoxLayout(self)
        title = QLabel(f"Amethyst {release.version} is available")
        title.setProperty("role", "title")
        layout.addWidget(title)
        released = f" Released {release.date}." if release.date else ""
        running = QLabel(f"You have {checker.current_version}.{released}")
        running.setProperty("role", "muted")
        layout.addWidget(running)
        self.notes = QTextBrowser()
        self.notes.setAccessibleName("Release notes")
        self.notes.setOpenLinks(False)  # notes come from the network: shown, never followed
        self.notes.setPlainText(release.notes or "No release notes.")
        layout.addWidget(self.notes, 1)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.status = QLabel(
            "The download is checked against the release's SHA-256; you install it yourself."
            if release.url
            else "The release feed has no download for this system."
        )
        self.status.setWordWrap(True)
        self.status.setProperty("role", "muted")
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.later = QPushButton("Later")
        self.later.clicked.connect(self.reject)
        self.download_button = QPushButton("Download")
        self.download_button.setProperty("kind", "primary")
        self.download_button.setEnabled(bool(release.url))
        self.download_button.clicked.connect(self.start_download)
        buttons.addWidget(self.later)
        buttons.addWidget(self.download_button)
        layout.addLayout(buttons)
        checker.progress.connect(self._progress)

    def start_download(self) -> None:
        if self.downloaded is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.downloaded.parent)))
            return
        self.download_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.status.setText("Downloading…")
        self.tasks.start("update-download", self._download())

    async def _download(self) -> None:
        try:
            self.downloaded = await self.checker.download(self.release, self.folder)
        except UpdateError as error:
            self.status.setText(str(error))
            self.status.setProperty("role", "error")
            self.download_button.setText("Try again")
            self.download_button.setEnabled(True)
            self.progress.setVisible(False)
            return
        self.progress.setVisible(False)
        self.status.setProperty("role", "muted")
        self.status.setText(f"Downloaded and verified: {self.downloaded}. Close Amethyst, then install it.")
        self.download_button.setText("Show in folder")
        self.download_button.setEnabled(True)

    def _progress(self, received: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(received, total))

    def done(self, result: int) -> None:
        self.tasks.cancel("update-download")
        super().done(result)
