"""The Chat controller's sessions: the list (paged, kept current one row at a time), search, the open
session (opening, new chats, switching, the parameters and totals), rename, delete with Undo, and the
service's news filtered down to the open session."""

from __future__ import annotations

from typing import Any

from app.services.chat.flow import Fields, Flow, Notice, Totals
from app.services.chat.store import MessageInfo, SessionInfo

SESSION_PAGE = 200  # sessions per page of the list: the list view asks for the next page as it scrolls


class ChatSessions(Flow):
    """Session management for ``ChatController`` (which forwards its public methods here)."""

    # the place and the open session -------------------------------------------------------------------------
    async def open_place(self) -> None:
        """Housekeeping, the first page listed, the newest chat opened, the catalog's models offered."""
        interrupted = await self.service.open()
        sessions = await self.service.session_page(None, SESSION_PAGE)
        self._list(sessions)
        if sessions:
            await self.select(sessions[0].id)
        else:
            self._show(None)
        await self.controller.model_choice.offer_catalog()
        if interrupted:
            self.controller.notice.emit(
                Notice(
                    f"{interrupted} reply was cut off when Amethyst last closed",
                    "It is kept, marked interrupted, with Continue and Regenerate.",
                )
            )

    def new_chat_fields(self, panel: Fields) -> Fields:
        """What a new chat starts with: the open chat's parameters (its failover is not carried over), or
        the settings' default model when no chat is open."""
        if self.controller.current is None:
            provider_id, model = self.controller.model_choice.default_model()
            return {"provider": provider_id, "model": model}
        return {key: value for key, value in panel.items() if not key.startswith("failover")}

    async def new_chat(self, panel: Fields, **fields: Any) -> SessionInfo:
        """Creates a chat (``fields`` over the defaults of ``new_chat_fields``) and opens it."""
        session = await self.service.create_session(**{**self.new_chat_fields(panel), **fields})
        await self.select(session.id)
        return session

    async def select(self, session_id: int) -> None:
        """Opens a chat: ``session_shown``, its messages, whether it streams, its totals."""
        session = await self.service.session(session_id)
        messages = await self.service.messages(session_id)
        self._show(session)
        self.controller.messages_loaded.emit(messages)
        self.controller.streaming_changed.emit(self.service.is_streaming(session_id))
        await self.refresh_totals()

    async def open_hit(self, session_id: int, message_id: int) -> None:
        await self.select(session_id)
        self.controller.scroll_to_message.emit(message_id)

    def _show(self, session: SessionInfo | None) -> None:
        self.controller.current = session
        self.controller.session_shown.emit(session)
        if session is None:
            self.controller.messages_loaded.emit([])

    def activate(self, payload: dict[str, Any], panel: Fields) -> None:
        """``{"model_id": "openai/gpt-4o"}``, optionally with ``provider`` and ``model`` (or
        ``provider_model``, what the Marketplace sends), opens a new chat with that model."""
        provider_id = payload.get("provider")
        model = payload.get("model") or payload.get("provider_model")
        model_id = str(payload.get("model_id") or "")
        if not (provider_id and model) and model_id:
            provider_id, model = self.controller.sources.serving(model_id)
        if provider_id and model:
            self.controller.new_chat(panel, provider=str(provider_id), model=str(model))

    # the list ----------------------------------------------------------------------------------------------
    def _list(self, sessions: list[SessionInfo]) -> None:
        current = self.controller.current
        self.controller.sessions = {session.id: session for session in sessions}
        self.controller.sessions_listed.emit(sessions, current.id if current else None)

    def title_of(self, session_id: int) -> str:
        """The listed title of a session ("" when it is not listed)."""
        session = self.controller.sessions.get(session_id)
        current = self.controller.current
        if session is None and current is not None and current.id == session_id:
            session = current
        return session.title if session is not None else ""

    async def more_sessions(self, after: SessionInfo) -> None:
        page = await self.service.session_page(after, SESSION_PAGE)
        for session in page:
            self.controller.sessions[session.id] = session
        self.controller.sessions_appended.emit(page)

    def session_saved(self, session: SessionInfo) -> None:
        # One row changes in place: renaming one chat of 20,000 never re-reads or rebuilds the list.
        if self._is_open(session.id):
            self.controller.current = session
        self.controller.sessions[session.id] = session
        self.controller.session_listed.emit(session)

    def session_removed(self, session_id: int) -> None:
        self.controller.sessions.pop(session_id, None)
        self.controller.session_unlisted.emit(session_id)
        if self._is_open(session_id):
            self.controller.start("chat-select", self._select_newest())

    async def _select_newest(self) -> None:
        newest = await self.service.session_page(None, 1)
        if newest:
            await self.select(newest[0].id)
        else:
            self._show(None)

    async def search(self, text: str) -> None:
        if not text:
            self.controller.search_ended.emit()  # the list was kept current while hits showed: nothing to reload
            return
        self.controller.hits_found.emit(await self.service.search(text))

    async def delete(self, session_id: int) -> None:
        session = await self.service.session(session_id)
        await self.service.delete_session(session_id)
        self.controller.notice.emit(
            Notice(
                f"Deleted “{session.title}”",
                action_text="Undo",
                action=lambda: self.controller.start("chat-undo", self._undo_delete(session_id)),
            )
        )

    async def _undo_delete(self, session_id: int) -> None:
        await self.service.restore_session(session_id)
        if self.controller.current is None:  # the last chat was deleted: open the restored one again
            await self.select(session_id)

    # the open session's parameters, totals and news ---------------------------------------------------------
    def set_params(self, fields: Fields) -> None:
        current = self.controller.current
        if current is not None:
            self.controller.start(f"chat-params-{current.id}", self.service.update_session(current.id, **fields))

    def session_changed(self, session_id: int) -> None:
        if self._is_open(session_id):
            self.controller.start("chat-totals", self.refresh_totals())

    async def refresh_totals(self) -> None:
        """Re-reads the open session and its totals (``totals_changed``), unless another chat opened meanwhile."""
        if self.controller.current is None:
            return
        session_id = self.controller.current.id
        session = await self.service.session(session_id)
        totals = Totals(*await self.service.totals(session_id))
        if not self._is_open(session_id):
            return  # another chat was opened meanwhile
        self.controller.current = session
        self.controller.totals_changed.emit(session, totals)

    def messages_reset(self, session_id: int) -> None:
        if self._is_open(session_id):
            self.controller.start("chat-reload", self._reload_messages(session_id))

    async def _reload_messages(self, session_id: int) -> None:
        messages = await self.service.messages(session_id)
        if self._is_open(session_id):
            self.controller.messages_loaded.emit(messages)

    def message_added(self, info: MessageInfo) -> None:
        if self._is_open(info.session_id):
            self.controller.message_added.emit(info)

    def message_updated(self, info: MessageInfo) -> None:
        if self._is_open(info.session_id):
            self.controller.message_updated.emit(info)

    def streaming_changed(self, session_id: int, streaming: bool) -> None:
        if self._is_open(session_id):
            self.controller.streaming_changed.emit(streaming)

    def _is_open(self, session_id: int) -> bool:
        current = self.controller.current
        return current is not None and current.id == session_id
