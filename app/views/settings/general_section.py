"""Appearance (accent), the tray, and the data folder."""

from __future__ import annotations

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QButtonGroup, QCheckBox, QHBoxLayout, QLabel, QPushButton, QWidget

from app.config import ACCENTS, APPEARANCE_ACCENT, GENERAL_CLOSE_TO_TRAY, Settings
from app.paths import Paths
from app.views.settings.section import Section
from app.views.theme import PALETTE, apply_theme
from app.views.widgets.focus import arrows_move_within


class GeneralSection(Section):
    accent_changed = Signal(str)

    def __init__(self, settings: Settings, paths: Paths, parent: QWidget | None = None) -> None:
        super().__init__("General", parent=parent)
        self.settings = settings
        self.paths = paths

        accent_row = QHBoxLayout()
        accent_row.addWidget(QLabel("Accent colour"))
        self.swatches = QButtonGroup(self)
        for colour in ACCENTS:
            swatch = QPushButton()
            swatch.setObjectName(f"accent-{colour.lstrip('#')}")
            swatch.setCheckable(True)
            swatch.setFixedSize(28, 28)
            swatch.setToolTip(colour)
            swatch.setStyleSheet(
                f"QPushButton {{ background: {colour}; border-radius: 14px; border: 2px solid transparent; }}"
                f"QPushButton:checked {{ border: 2px solid #f5f5f5; }}"
                # the widget's own sheet wins over the theme's ring: ring the focused swatch here too
                f"QPushButton:focus {{ border: 2px solid {PALETTE.accent_light}; }}"
                f"QPushButton:checked:focus {{ border: 3px solid {PALETTE.accent_light}; }}"
            )
            swatch.setAccessibleName(f"Accent colour {colour}")
            swatch.setChecked(colour == settings.value(APPEARANCE_ACCENT))
            swatch.clicked.connect(lambda _checked=False, c=colour: self.set_accent(c))
            self.swatches.addButton(swatch)
            accent_row.addWidget(swatch)
        arrows_move_within(self.swatches)
        accent_row.addStretch(1)
        self.body.addLayout(accent_row)

        self.close_to_tray = QCheckBox("Closing the window keeps Amethyst running in the tray")
        self.close_to_tray.setChecked(settings.value(GENERAL_CLOSE_TO_TRAY))
        self.close_to_tray.toggled.connect(lambda on: settings.put(GENERAL_CLOSE_TO_TRAY, on))
        self.body.addWidget(self.close_to_tray)

        folder_row = QHBoxLayout()
        folder_row.addWidget(QLabel("Data folder"))
        self.folder = QLabel(str(paths.data_dir))
        self.folder.setObjectName("DataFolder")
        self.folder.setProperty("role", "muted")
        self.folder.setToolTip(
            "Settings, the cache database, the gallery and logs live here. "
            "Start with --data-dir DIR for a portable profile."
        )
        folder_row.addWidget(self.folder, 1)
        self.open_folder = QPushButton("Open folder")
        self.open_folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.data_dir))))
        folder_row.addWidget(self.open_folder)
        self.body.addLayout(folder_row)

    def set_accent(self, colour: str) -> None:
        self.settings.put(APPEARANCE_ACCENT, colour)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, colour)
        self.accent_changed.emit(colour)
