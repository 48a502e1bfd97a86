"""Telling the person that long work ended. The tray (or an in-app toast) in the views listens."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Notifier(QObject):
    """``notify(title, body, place=…)``; ``place`` names where a click on the message leads."""

    notified = Signal(str, str, str)  # title, body, place key ("" for none)

    def notify(self, title: str, body: str, place: str = "") -> None:
        self.notified.emit(title, body, place)
