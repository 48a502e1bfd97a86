"""The Settings place: connection, provider keys, general options and the log."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from app.context import AppContext
from app.views.settings.connection_section import ConnectionSection
from app.views.settings.general_section import GeneralSection
from app.views.settings.keys_section import KeysSection
from app.views.settings.log_viewer import LogViewer
from app.views.settings.startup_section import StartupSection
from app.views.settings.studio_section import StudioSection
from app.views.studio.account_box import AccountBox


class SettingsPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setAccessibleName("Settings")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(24, 20, 24, 24)
        layout.setSpacing(16)
        self.notices = QLabel("\n".join(context.settings.notices))
        self.notices.setProperty("role", "error")
        self.notices.setWordWrap(True)
        self.notices.setVisible(bool(context.settings.notices))
        layout.addWidget(self.notices)
        self.connection = ConnectionSection(context.settings)
        self.account = AccountBox(context)
        self.keys = KeysSection(context.secrets)
        self.studio = StudioSection(
            context.settings, context.studio_engine_states, context.studio_local_models, context.studio.models
        )
        context.studio.models_changed.connect(self.studio.fill_models)
        self.studio.engines.fix_requested.connect(
            lambda fix: self.activate({"section": fix.section, "detail": fix.detail})
        )
        self.general = GeneralSection(context.settings, context.paths)
        self.startup = StartupSection(context.settings, self.show_about)
        self.log_viewer = LogViewer(context.log_file)
        sections = (self.connection, self.account, self.keys, self.studio, self.general, self.startup, self.log_viewer)
        for section in sections:
            layout.addWidget(section)
        layout.addStretch(1)
        self.scroll_area.setWidget(content)

    def show_about(self) -> None:
        from app.views.about_dialog import AboutDialog

        self.about_dialog = AboutDialog(self.context.paths.data_dir, self.context.log_file, self)
        self.about_dialog.open()

    def activate(self, payload: dict[str, Any]) -> None:
        """``{"section": "keys", "provider": "openai"}`` scrolls to that key and opens its editor; a Studio fix
        sends ``{"section", "detail"}``: the provider for keys, the engine or model for the Studio section."""
        section = {"keys": self.keys, "connection": self.connection, "studio": self.studio, "log": self.log_viewer}.get(
            payload.get("section", "")
        )
        if section is not None:
            self.scroll_area.ensureWidgetVisible(section)
        provider = payload.get("provider") or (payload.get("detail") if section is self.keys else "")
        if provider:
            self.keys.focus_provider(provider)
        if section is self.studio:
            self.scroll_area.ensureWidgetVisible(self.studio.focus(str(payload.get("detail") or "")), 24, 24)
        if section is self.log_viewer:
            self.log_viewer.refresh()
