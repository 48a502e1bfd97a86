"""About Amethyst: version, Qt and Python versions, the data folder, bundled licences, "Copy diagnostics"."""

from __future__ import annotations

import platform
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.diagnostics import bundled_components, diagnostics_text
from app.version import installed_version
from app.views.widgets.icons import icon


class AboutDialog(QDialog):
    def __init__(self, data_dir: Path, log_file: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Amethyst")
        self.setObjectName("AboutDialog")
        self.resize(620, 540)
        self.version = installed_version()
        self.components = bundled_components()
        self._data_dir, self._log_file = data_dir, log_file

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        top = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(icon("amethyst").pixmap(56, 56))
        logo.setAccessibleName("Amethyst logo")
        top.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        titles = QVBoxLayout()
        title = QLabel(f"Amethyst {self.version}")
        title.setObjectName("AboutTitle")
        title.setProperty("role", "title")
        titles.addWidget(title)
        subtitle = QLabel("A desktop AI studio: models, chat, images, builder and billing in one window.")
        subtitle.setWordWrap(True)
        subtitle.setProperty("role", "muted")
        titles.addWidget(subtitle)
        top.addLayout(titles, 1)
        layout.addLayout(top)

        self.details = QLabel(
            f"Qt {qVersion()} · PySide6 {pyside_version} · Python {platform.python_version()}\nData folder: {data_dir}"
        )
        self.details.setObjectName("AboutDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)

        heading = QLabel("Bundled components and their licences")
        heading.setProperty("role", "subtitle")
        layout.addWidget(heading)
        self.table = QTableWidget(len(self.components), 3)
        self.table.setAccessibleName("Bundled components and their licences")
        self.table.setHorizontalHeaderLabels(["Component", "Version", "Licence"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for row, component in enumerate(self.components):
            for column, text in enumerate((component.name, component.version, component.licence)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.copy_button = QPushButton("Copy diagnostics")
        self.copy_button.setToolTip("Versions, folders and components as text, for a bug report (no keys, no settings)")
        self.copy_button.clicked.connect(self.copy_diagnostics)
        close = QPushButton("Close")
        close.setProperty("kind", "primary")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)

    def diagnostics(self) -> str:
        return diagnostics_text(self.version, self._data_dir, self._log_file, self.components)

    def copy_diagnostics(self) -> None:
        QGuiApplication.clipboard().setText(self.diagnostics())
        self.copy_button.setText("Copied")
