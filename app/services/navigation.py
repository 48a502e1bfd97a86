"""Requests to switch place, with what to open there ("Use in Chat" with a model selected, …)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal


class Navigator(QObject):
    """Any part of the app asks to open a place; the main window listens and switches.

    The payload is handed to the place's ``activate(payload)`` when it has one, e.g.
    ``navigator.open("chat", {"model_id": "openai/gpt-4o"})``.
    """

    requested = Signal(str, dict)

    def open(self, place: str, payload: dict[str, Any] | None = None) -> None:
        self.requested.emit(place, dict(payload or {}))
