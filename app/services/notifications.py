"""Telling the person that long work ended. The tray (or an in-app toast) in the views listens."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal


class Notifier(QObject):
    """``notify(title, body, place=…, payload=…)``: a click on the message opens ``place`` and hands it
    ``payload`` (the place widget's ``activate(payload)``), e.g. ``{"job": id}`` to show one result."""

    notified = Signal(str, str, str, dict)  # title, body, place key ("" for none), payload ({} for none)

    def notify(self, title: str, body: str, place: str = "", payload: dict[str, Any] | None = None) -> None:
        self.notified.emit(title, body, place, dict(payload or {}))
