"""Start-up and updates: start at login (minimized to the tray), the update check and its feed, About."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.config import STARTUP_AT_LOGIN, STARTUP_MINIMIZED, UPDATES_CHECK_AT_START, UPDATES_FEED_URL, Setting, Settings
from app.views.settings.section import Section


class StartupSection(Section):
    def __init__(self, settings: Settings, show_about: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__("Start-up and updates", parent=parent)
        self.settings = settings
        self.at_login = self._checkbox(STARTUP_AT_LOGIN, "Start Amethyst when I log in")
        self.minimized = self._checkbox(STARTUP_MINIMIZED, "Start it minimized to the tray")
        self.minimized.setEnabled(self.at_login.isChecked())
        self.at_login.toggled.connect(self.minimized.setEnabled)
        self.check_updates = self._checkbox(UPDATES_CHECK_AT_START, "Check for a new version at start")

        feed_row = QHBoxLayout()
        label = QLabel("Release feed URL")
        feed_row.addWidget(label)
        self.feed = QLineEdit(settings.value(UPDATES_FEED_URL))
        self.feed.setPlaceholderText("https://…/amethyst/latest.json (empty: no update check)")
        self.feed.setAccessibleName("Release feed URL")
        self.feed.setToolTip(settings.registry["updates.feed_url"].help)
        label.setBuddy(self.feed)
        self.feed.editingFinished.connect(lambda: settings.put(UPDATES_FEED_URL, self.feed.text().strip()))
        feed_row.addWidget(self.feed, 1)
        self.body.addLayout(feed_row)

        about_row = QHBoxLayout()
        about_row.addStretch(1)
        self.about = QPushButton("About Amethyst")
        self.about.setToolTip("Version, folders, licences and diagnostics (F1)")
        self.about.clicked.connect(show_about)
        about_row.addWidget(self.about)
        self.body.addLayout(about_row)

    def _checkbox(self, setting: Setting[bool], text: str) -> QCheckBox:
        box = QCheckBox(text)
        box.setChecked(self.settings.value(setting))
        box.setEnabled(not self.settings.is_overridden(setting.key))
        box.toggled.connect(lambda on: self.settings.put(setting, on))
        self.body.addWidget(box)
        return box
