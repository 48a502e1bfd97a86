"""What an installed app does beyond its window: hand-over from a second launch, start at login, the update
check after the first paint, and the About dialog (F1). ``integrate`` wires them after the window shows."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence, QShortcut

from app import __version__
from app.config import STARTUP_AT_LOGIN, STARTUP_MINIMIZED, UPDATES_CHECK_AT_START, UPDATES_FEED_URL
from app.context import AppContext
from app.services.autostart import Autostart
from app.services.updates import Release, UpdateChecker
from app.single_instance import SingleInstance
from app.views.main_window import MainWindow

log = logging.getLogger(__name__)


class DesktopIntegration(QObject):
    def __init__(
        self,
        window: MainWindow,
        context: AppContext,
        instance: SingleInstance | None = None,
        autostart: Autostart | None = None,
    ) -> None:
        super().__init__(window)
        self.window, self.context, self.instance = window, context, instance
        self.autostart = autostart or Autostart()
        self.checker = UpdateChecker(lambda: context.settings.value(UPDATES_FEED_URL), __version__)
        self.checker.available.connect(self._announce)
        self.dialogs: list[Any] = []
        if instance is not None:
            instance.message_received.connect(self.second_launch)
            for message in instance.take_pending():
                self.second_launch(message)
        context.settings.on_change(self._setting_changed)
        QShortcut(QKeySequence("F1"), window).activated.connect(self.show_about)

    def start(self) -> None:
        """Refreshes the autostart entry when start at login is on (the app may have moved) and starts the
        update check (if on). An entry is removed only when the setting is turned off, never at start: a
        second profile (``--data-dir``) must not delete the entry that the usual one wrote."""
        if self.context.settings.value(STARTUP_AT_LOGIN):
            self._sync_autostart()
        if self.context.settings.value(UPDATES_CHECK_AT_START) and self.context.settings.value(UPDATES_FEED_URL):
            self.context.tasks.start("update-check", self.checker.check())

    def second_launch(self, message: dict[str, Any]) -> None:
        log.info("a second launch asked for %s", message)
        self.window.bring_to_front()
        place = message.get("place")
        if isinstance(place, str) and place:
            try:
                self.window.open_place(place)
            except KeyError:
                self.window.show_toast("Amethyst", f"There is no place called {place!r}.")

    def _setting_changed(self, key: str, _value: object) -> None:
        if key in {"startup.at_login", "startup.minimized"}:
            self._sync_autostart()

    def _sync_autostart(self) -> None:
        settings = self.context.settings
        try:
            self.autostart.apply(settings.value(STARTUP_AT_LOGIN), settings.value(STARTUP_MINIMIZED))
        except OSError as error:
            log.warning("start at login could not be changed: %s", error)
            self.window.show_toast("Start at login", f"The autostart entry could not be written: {error}")

    def _announce(self, release: Release) -> None:
        self.toast = self.window.show_toast(
            f"Amethyst {release.version} is available",
            release.notes.strip().splitlines()[0][:120] if release.notes.strip() else "",
            action_text="What's new",
            on_action=lambda: self.show_update(release),
            timeout_ms=20000,
        )

    def show_update(self, release: Release) -> None:
        from app.views.update_dialog import UpdateDialog

        folder = self.context.paths.folder("updates")
        self._keep(UpdateDialog(release, self.checker, self.context.tasks, folder, self.window))

    def show_about(self) -> None:
        from app.views.about_dialog import AboutDialog

        self._keep(AboutDialog(self.context.paths.data_dir, self.context.log_file, self.window))

    def _keep(self, dialog: Any) -> None:
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _result: self.dialogs.remove(dialog) if dialog in self.dialogs else None)
        dialog.open()
