"""The tray icon (Show/Hide, Quit) and where notifications appear: the tray, or a toast when there is none."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from app.services.notifications import Notifier
from app.views.main_window import MainWindow
from app.views.widgets.icons import icon


class TrayController(QObject):
    def __init__(self, window: MainWindow, notifier: Notifier, *, use_tray: bool | None = None) -> None:
        super().__init__(window)
        self.window = window
        self._pending: tuple[str, dict[str, Any]] = ("", {})  # where the last tray message leads
        self.tray: QSystemTrayIcon | None = None
        available = QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray
        if available:
            self.tray = QSystemTrayIcon(icon("amethyst"), self)
            self.tray.setToolTip("Amethyst")
            menu = QMenu()
            self.toggle_action = QAction("Hide Amethyst", menu)
            self.toggle_action.triggered.connect(self.toggle_window)
            menu.addAction(self.toggle_action)
            menu.addSeparator()
            quit_action = QAction("Quit Amethyst", menu)
            quit_action.triggered.connect(self.quit)
            menu.addAction(quit_action)
            menu.aboutToShow.connect(self._update_menu)
            self.menu = menu
            self.tray.setContextMenu(menu)
            self.tray.activated.connect(self._activated)
            self.tray.messageClicked.connect(self._message_clicked)
            self.tray.show()
        window.tray_available = self.tray is not None
        notifier.notified.connect(self.notify)

    def notify(self, title: str, body: str, place: str = "", payload: dict[str, Any] | None = None) -> None:
        """A tray message when the system has a tray; otherwise an in-app toast. Clicking either opens
        ``place`` with ``payload``."""
        payload = dict(payload or {})
        if self.tray is not None:
            self._pending = (place, payload)
            self.tray.showMessage(title, body, icon("amethyst"), 6000)
            return
        toast = self.window.show_toast(title, body, timeout_ms=6000)
        if place:
            toast.clicked.connect(lambda: self._open(place, payload))

    def toggle_window(self) -> None:
        if self.window.isVisible() and not self.window.isMinimized():
            self.window.hide()
        else:
            self.window.bring_to_front()

    def quit(self) -> None:
        self.window.save_state()
        self.window.quit_requested.emit()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def _update_menu(self) -> None:
        self.toggle_action.setText("Hide Amethyst" if self.window.isVisible() else "Show Amethyst")

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.toggle_window()

    def _message_clicked(self) -> None:
        self._open(*self._pending)

    def _open(self, place: str, payload: dict[str, Any] | None = None) -> None:
        self.window.bring_to_front()
        if place:
            self.window.open_place(place, payload or None)
