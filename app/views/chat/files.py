"""Dialogs of the Chat place: rename, export, import, clear, usage.

Modal dialogs run from plain slots, never inside a coroutine (a nested event loop inside an asyncio task
would let other tasks step re-entrantly); the work after the dialog goes to the chat controller, which runs
it as a task and reports the outcome as a notice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from app.services.chat.controller import ChatController
from app.services.chat.exporting import safe_filename
from app.views.chat.usage_dialog import UsageDialog


class SessionFiles:
    """``parent`` owns the dialogs; ``exports_folder`` gives the folder export and import start in."""

    def __init__(self, controller: ChatController, parent: QWidget, exports_folder: Callable[[], Path]) -> None:
        self.controller = controller
        self.parent = parent
        self.exports_folder = exports_folder

    def rename(self, session_id: int) -> None:
        current = self.controller.title_of(session_id)
        title, accepted = QInputDialog.getText(self.parent, "Rename chat", "Name", text=current)
        if accepted and title.strip():
            self.controller.rename(session_id, title)

    def export(self, session_id: int, kind: str) -> None:
        suffix = ".md" if kind == "md" else ".json"
        filters = "Markdown (*.md)" if kind == "md" else "JSON (*.json)"
        default = self.exports_folder() / safe_filename(self.controller.title_of(session_id) or "chat", suffix)
        chosen, _ = QFileDialog.getSaveFileName(self.parent, "Export chat", str(default), filters)
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        self.controller.export(session_id, path)

    def import_json(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self.parent, "Import chat", str(self.exports_folder()), "Amethyst chat (*.json)"
        )
        if chosen:
            self.controller.import_json(Path(chosen))

    def confirm_clear(self, session_id: int) -> None:
        answer = QMessageBox.question(
            self.parent, "Clear conversation", "Remove every message of this chat? This cannot be undone."
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.controller.clear(session_id)

    def show_usage(self) -> None:
        controller, parent = self.controller, self.parent

        async def run() -> None:
            dialog = UsageDialog(await controller.service.usage_summary(), parent)
            dialog.open()  # not exec(): no nested event loop inside a task

        controller.start("chat-usage", run())
