"""Dialogs of the Chat place: rename, export, import, clear, usage.

Modal dialogs run from plain slots, never inside a coroutine (a nested event loop inside an asyncio task
would let other tasks step re-entrantly); the work after the dialog goes to the service as a task.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from app.services.chat.exporting import ImportFailed, safe_filename
from app.views.chat.usage_dialog import UsageDialog

if TYPE_CHECKING:
    from app.views.chat.page import ChatPage


class SessionFiles:
    def __init__(self, page: ChatPage) -> None:
        self.page = page

    def rename(self, session_id: int) -> None:
        page = self.page
        current = page.sessions.title_of(session_id)
        title, accepted = QInputDialog.getText(page, "Rename chat", "Name", text=current)
        if accepted and title.strip():
            page.spawn("chat-rename", page.service.rename(session_id, title))

    def export(self, session_id: int, kind: str) -> None:
        page = self.page
        folder = page.context.paths.folder("exports")
        suffix = ".md" if kind == "md" else ".json"
        filters = "Markdown (*.md)" if kind == "md" else "JSON (*.json)"
        default = folder / safe_filename(page.sessions.title_of(session_id) or "chat", suffix)
        chosen, _ = QFileDialog.getSaveFileName(page, "Export chat", str(default), filters)
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)

        async def run() -> None:
            written = await page.service.export(session_id, path)
            page.toast("Chat exported", str(written))

        page.spawn("chat-export", run())

    def import_json(self) -> None:
        page = self.page
        chosen, _ = QFileDialog.getOpenFileName(
            page, "Import chat", str(page.context.paths.folder("exports")), "Amethyst chat (*.json)"
        )
        if not chosen:
            return

        async def run() -> None:
            try:
                session = await page.service.import_json(Path(chosen))
            except (ImportFailed, OSError) as error:
                page.toast("Could not import this file", str(error))
                return
            await page.select_session(session.id)
            page.toast("Chat imported", session.title)

        page.spawn("chat-import", run())

    def confirm_clear(self, session_id: int) -> None:
        answer = QMessageBox.question(
            self.page, "Clear conversation", "Remove every message of this chat? This cannot be undone."
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.page.spawn("chat-clear", self.page.service.clear(session_id))

    def show_usage(self) -> None:
        page = self.page

        async def run() -> None:
            dialog = UsageDialog(await page.service.usage_summary(), page)
            dialog.open()  # not exec(): no nested event loop inside a task

        page.spawn("chat-usage", run())
