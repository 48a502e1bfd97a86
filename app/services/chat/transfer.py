"""The Chat controller's files: a chat exported to a file, and a file imported as a new chat (opened)."""

from __future__ import annotations

from pathlib import Path

from app.services.chat.exporting import ImportFailed
from app.services.chat.flow import Flow, Notice


class Transfer(Flow):
    """Export and import for ``ChatController`` (which forwards its public methods here)."""

    async def export(self, session_id: int, path: Path) -> None:
        written = await self.service.export(session_id, path)
        self.controller.notice.emit(Notice("Chat exported", str(written)))

    async def import_json(self, path: Path) -> None:
        """Imports ``path``; a file that is not a valid export, or cannot be read, is a notice."""
        try:
            session = await self.service.import_json(path)
        except (ImportFailed, OSError) as error:
            self.controller.notice.emit(Notice("Could not import this file", str(error)))
            return
        await self.controller.session_flows.select(session.id)
        self.controller.notice.emit(Notice("Chat imported", session.title))
