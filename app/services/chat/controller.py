"""The Chat place's state and flows, without widgets: the open session, new-chat defaults, sending (after the
keyring says whether the provider has a key), regenerate, edit and resend, continue, stop, switching chats.

``ChatPage`` binds to this controller: it forwards what the person does (a method call each) and shows what
the controller emits. Every piece of background work starts through the app's ``TaskRunner`` under a
``chat-`` name; a ``ValueError`` from a flow (bad input) becomes a ``notice``, anything else goes to the
one error reporter. A session's reply runs as the task ``chat-reply-<session id>``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.config import CHAT_CUSTOM_BASE_URL, CHAT_DEFAULT_MODEL, CHAT_DEFAULT_PROVIDER, Settings
from app.services.chat.exporting import ImportFailed
from app.services.chat.keys import KeyStatus
from app.services.chat.model_sources import ModelSources
from app.services.chat.service import ChatService, reply_task
from app.services.chat.store import MessageInfo, SessionInfo
from app.services.navigation import Navigator
from app.services.providers.base import ProviderError
from app.services.providers.registry import provider
from app.tasks import TaskRunner

log = logging.getLogger(__name__)

TASK_PREFIX = "chat-"
SESSION_PAGE = 200  # sessions per page of the list: the list view asks for the next page as it scrolls
Fields = dict[str, Any]  # a session's settable fields, as the parameters panel holds them


@dataclass(frozen=True)
class Notice:
    """A short message for the person, optionally with one action (e.g. "Undo", "Add key")."""

    title: str
    body: str = ""
    action_text: str | None = None
    action: Callable[[], None] | None = None


@dataclass(frozen=True)
class Totals:
    """A session's token counts and cost (USD); ``estimated`` when any count came from tiktoken."""

    tokens_in: int
    tokens_out: int
    cost: float
    estimated: bool


NO_LOCAL_SERVER = (
    "No local server answered on ports 11434 (Ollama), 1234 (LM Studio), 8080 (llama.cpp) or 8000 (vLLM). "
    "Install one (ollama.com or lmstudio.ai), start it (e.g. “ollama serve”, then “ollama pull llama3.2”; "
    "in LM Studio: Developer → Start Server) and look again."
)


def count_text(count: int, noun: str) -> str:
    """ "1 model", "3 models" (English plurals with an added s)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def model_after_listing(current: str, models: list[str]) -> str:
    """The model to use after a listing returned ``models``: ``current`` (stripped) when it is among them
    or nothing was listed, else the first one listed."""
    current = current.strip()
    return current if not models or current in models else models[0]


def _short(name: str) -> str:
    return name.removesuffix(" (local)")


class ChatController(QObject):
    sessions_listed = Signal(list, object)  # [SessionInfo] first page (a fresh list), the open session's id or None
    sessions_appended = Signal(list)  # [SessionInfo]: the next page, after the rows listed so far
    session_listed = Signal(object)  # SessionInfo created, renamed or restored: list it in its place
    session_unlisted = Signal(int)  # session id deleted
    hits_found = Signal(list)  # [SearchHit] for the search text
    search_ended = Signal()  # the search text was cleared: the session list shows again (kept up to date)
    session_shown = Signal(object)  # SessionInfo now open, or None: no chat is open
    messages_loaded = Signal(list)  # [MessageInfo]: the open session's messages, wholesale
    message_added = Signal(object)  # MessageInfo of the open session
    message_updated = Signal(object)  # MessageInfo of the open session
    message_delta = Signal(int, str)  # message id, text appended (any session; ids are unique)
    waiting = Signal(int, int)  # message id, seconds left before a retry after a rate limit
    reasoning_delta = Signal(int, str)  # message id, reasoning appended (the live "Thinking" part)
    reply_phase = Signal(int, str)  # message id, what a silent reply waits for ("Loading the model…"; "": none)
    streaming_changed = Signal(bool)  # the open session's reply started or ended
    totals_changed = Signal(object, object)  # SessionInfo (re-read), Totals
    key_state_changed = Signal(str, bool)  # provider id, whether its key is missing
    models_offered = Signal(str, list)  # provider id, model names to offer in the picker
    models_status = Signal(str)  # progress or result of listing / detecting models
    # A local server was found: select it (provider id) with this model, or "" to ask which of its models.
    local_server_found = Signal(str, str)
    # A listing left the model field empty or naming a model the provider does not serve: take this one.
    model_picked = Signal(str, str)  # provider id, model
    notice = Signal(object)  # Notice
    send_accepted = Signal()  # the typed text is on its way: the input box may be cleared
    edit_requested = Signal(int, str)  # message id, its text: put it in the input box for editing
    scroll_to_end = Signal()
    scroll_to_message = Signal(int)  # message id
    remedy_phase = Signal(int, str)  # message id, what a remedy on it is doing ("Summarising…"; "": done)

    def __init__(
        self,
        service: ChatService,
        keys: KeyStatus,
        sources: ModelSources,
        settings: Settings,
        navigator: Navigator,
        tasks: TaskRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.keys = keys
        self.sources = sources
        self.settings = settings
        self.navigator = navigator
        self.tasks = tasks
        self.current: SessionInfo | None = None
        self.sessions: dict[int, SessionInfo] = {}  # the listed (paged-in) sessions by id
        self._search_text = ""
        self._provider_id = ""
        service.session_saved.connect(self._session_saved)
        service.session_removed.connect(self._session_removed)
        service.session_changed.connect(self._session_changed)
        service.messages_reset.connect(self._messages_reset)
        service.message_added.connect(self._message_added)
        service.message_updated.connect(self._message_updated)
        service.message_delta.connect(self.message_delta)  # the hot path: signal to signal, no Python slot
        service.waiting.connect(self.waiting)
        service.reasoning_delta.connect(self.reasoning_delta)
        service.reply_phase.connect(self.reply_phase)
        service.streaming_changed.connect(self._streaming_changed)
        keys.changed.connect(self._key_changed)

    # tasks -------------------------------------------------------------------------------------------------
    def start(self, name: str, coroutine: Coroutine[Any, Any, Any], *, replace: bool = True) -> None:
        """Runs ``coroutine`` as the named task (``replace=False``: not when one of that name runs)."""
        if not replace and self.tasks.running(name):
            coroutine.close()  # the same work is already under way
            return
        task = self.tasks.start(name, self._reporting(coroutine))
        # A task replaced before its first step never starts ``coroutine``; closing it then is quiet (no
        # "never awaited" warning), and a no-op for one that ran.
        task.add_done_callback(lambda _task: coroutine.close())

    async def _reporting(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        try:
            await coroutine
        except ValueError as error:  # bad input: say so, lose nothing
            self.notice.emit(Notice(str(error)))

    def shutdown(self) -> None:
        """Stops this place's work (replies end "interrupted") and lets go of the keyring listener."""
        self.tasks.cancel_prefix(TASK_PREFIX)
        self.keys.close()

    # sessions ----------------------------------------------------------------------------------------------
    def open(self) -> None:
        """Start of the place: housekeeping, the newest chat opened, the catalog's models offered."""
        self.start("chat-open", self._open())

    async def _open(self) -> None:
        interrupted = await self.service.open()
        sessions = await self.service.session_page(None, SESSION_PAGE)
        self._list(sessions)
        if sessions:
            await self._select(sessions[0].id)
        else:
            self._show(None)
        for provider_id, models in (await self.sources.catalog_models()).items():
            self.models_offered.emit(provider_id, models)
        if interrupted:
            self.notice.emit(
                Notice(
                    f"{interrupted} reply was cut off when Amethyst last closed",
                    "It is kept, marked interrupted, with Continue and Regenerate.",
                )
            )

    def default_model(self) -> tuple[str, str]:
        """(provider, model) a new chat starts with while no chat is open: the settings' defaults."""
        return self.settings.value(CHAT_DEFAULT_PROVIDER), self.settings.value(CHAT_DEFAULT_MODEL)

    def new_chat_fields(self, panel: Fields) -> Fields:
        """What a new chat starts with: the open chat's parameters (its failover is not carried over), or
        the settings' default model when no chat is open."""
        if self.current is None:
            provider_id, model = self.default_model()
            return {"provider": provider_id, "model": model}
        return {key: value for key, value in panel.items() if not key.startswith("failover")}

    def new_chat(self, panel: Fields, **fields: Any) -> None:
        """Creates and opens a chat; ``fields`` (e.g. provider and model) override the defaults."""
        self.start("chat-new", self._new_chat(panel, **fields))

    async def _new_chat(self, panel: Fields, **fields: Any) -> SessionInfo:
        session = await self.service.create_session(**{**self.new_chat_fields(panel), **fields})
        await self._select(session.id)
        return session

    def select(self, session_id: int) -> None:
        self.start("chat-select", self._select(session_id))

    async def _select(self, session_id: int) -> None:
        session = await self.service.session(session_id)
        messages = await self.service.messages(session_id)
        self._show(session)
        self.messages_loaded.emit(messages)
        self.streaming_changed.emit(self.service.is_streaming(session_id))
        await self._refresh_totals()

    def open_hit(self, session_id: int, message_id: int) -> None:
        """Opens the chat of a search hit and scrolls to the message."""

        async def go() -> None:
            await self._select(session_id)
            self.scroll_to_message.emit(message_id)

        self.start("chat-select", go())

    def _show(self, session: SessionInfo | None) -> None:
        self.current = session
        self.session_shown.emit(session)
        if session is None:
            self.messages_loaded.emit([])

    def _list(self, sessions: list[SessionInfo]) -> None:
        self.sessions = {session.id: session for session in sessions}
        self.sessions_listed.emit(sessions, self.current.id if self.current else None)

    def title_of(self, session_id: int) -> str:
        """The listed title of a session ("" when it is not listed)."""
        session = self.sessions.get(session_id)
        if session is None and self.current is not None and self.current.id == session_id:
            session = self.current
        return session.title if session is not None else ""

    def more_sessions(self, after: SessionInfo) -> None:
        """Lists the page of sessions that follows ``after`` (the list's last row) with ``sessions_appended``."""
        self.start("chat-sessions-more", self._more_sessions(after), replace=False)

    async def _more_sessions(self, after: SessionInfo) -> None:
        page = await self.service.session_page(after, SESSION_PAGE)
        for session in page:
            self.sessions[session.id] = session
        self.sessions_appended.emit(page)

    def _session_saved(self, session: SessionInfo) -> None:
        # One row changes in place: renaming one chat of 20,000 never re-reads or rebuilds the list.
        if self.current is not None and self.current.id == session.id:
            self.current = session
        self.sessions[session.id] = session
        self.session_listed.emit(session)

    def _session_removed(self, session_id: int) -> None:
        self.sessions.pop(session_id, None)
        self.session_unlisted.emit(session_id)
        if self.current is not None and self.current.id == session_id:
            self.start("chat-select", self._select_newest())

    async def _select_newest(self) -> None:
        newest = await self.service.session_page(None, 1)
        if newest:
            await self._select(newest[0].id)
        else:
            self._show(None)

    def search(self, text: str) -> None:
        """Searches every chat's messages; an empty text lists the chats again."""
        self._search_text = text.strip()
        self.start("chat-search", self._search(self._search_text))

    async def _search(self, text: str) -> None:
        if not text:
            self.search_ended.emit()  # the list was kept current while hits showed: nothing to reload
            return
        self.hits_found.emit(await self.service.search(text))

    def rename(self, session_id: int, title: str) -> None:
        self.start("chat-rename", self.service.rename(session_id, title))

    def delete(self, session_id: int) -> None:
        """Deletes a chat; the notice offers Undo."""
        self.start("chat-delete", self._delete(session_id))

    async def _delete(self, session_id: int) -> None:
        session = await self.service.session(session_id)
        await self.service.delete_session(session_id)
        self.notice.emit(
            Notice(
                f"Deleted “{session.title}”",
                action_text="Undo",
                action=lambda: self.start("chat-undo", self._undo_delete(session_id)),
            )
        )

    async def _undo_delete(self, session_id: int) -> None:
        await self.service.restore_session(session_id)
        if self.current is None:  # the last chat was deleted: open the restored one again
            await self._select(session_id)

    def clear(self, session_id: int) -> None:
        self.start("chat-clear", self.service.clear(session_id))

    def export(self, session_id: int, path: Path) -> None:
        async def run() -> None:
            written = await self.service.export(session_id, path)
            self.notice.emit(Notice("Chat exported", str(written)))

        self.start("chat-export", run())

    def import_json(self, path: Path) -> None:
        async def run() -> None:
            try:
                session = await self.service.import_json(path)
            except (ImportFailed, OSError) as error:
                self.notice.emit(Notice("Could not import this file", str(error)))
                return
            await self._select(session.id)
            self.notice.emit(Notice("Chat imported", session.title))

        self.start("chat-import", run())

    def activate(self, payload: dict[str, Any], panel: Fields) -> None:
        """``{"model_id": "openai/gpt-4o"}``, optionally with ``provider`` and ``model`` (or
        ``provider_model``, what the Marketplace sends), opens a new chat with that model."""
        provider_id = payload.get("provider")
        model = payload.get("model") or payload.get("provider_model")
        model_id = str(payload.get("model_id") or "")
        if not (provider_id and model) and model_id:
            provider_id, model = self.sources.serving(model_id)
        if provider_id and model:
            self.new_chat(panel, provider=str(provider_id), model=str(model))

    # the open session's parameters and totals --------------------------------------------------------------
    def set_params(self, fields: Fields) -> None:
        """Stores the parameters panel's fields on the open chat."""
        if self.current is not None:
            session_id = self.current.id
            self.start(f"chat-params-{session_id}", self.service.update_session(session_id, **fields))

    def _session_changed(self, session_id: int) -> None:
        if self.current is not None and session_id == self.current.id:
            self.start("chat-totals", self._refresh_totals())

    async def _refresh_totals(self) -> None:
        if self.current is None:
            return
        session_id = self.current.id
        session = await self.service.session(session_id)
        totals = Totals(*await self.service.totals(session_id))
        if self.current is None or self.current.id != session_id:
            return  # another chat was opened meanwhile
        self.current = session
        self.totals_changed.emit(session, totals)

    # keys, providers and models ----------------------------------------------------------------------------
    def provider_selected(self, provider_id: str) -> None:
        """The picker shows ``provider_id``: its client is prepared off the UI thread, its key looked up
        (``key_state_changed`` now, and again when the keyring answers or the key changes)."""
        self._provider_id = provider_id
        if not self.service.is_warm(provider_id):
            self.tasks.start(f"chat-warm-{provider_id}", self.service.warm_up(provider_id), replace=False)
        known = self.keys.known(provider_id)
        if known is None:
            self.keys.check(provider_id)  # read off the UI thread; ``keys.changed`` brings us back here
        self.key_state_changed.emit(provider_id, known is False)

    def _key_changed(self, provider_id: str) -> None:
        if provider_id == self._provider_id:
            self.provider_selected(provider_id)

    @property
    def custom_base_url(self) -> str:
        return self.settings.value(CHAT_CUSTOM_BASE_URL)

    def set_custom_url(self, url: str) -> None:
        if url and not url.startswith(("http://", "https://")):
            self.notice.emit(Notice("The server URL must start with http:// or https://"))
            return
        self.settings.put(CHAT_CUSTOM_BASE_URL, url)

    @property
    def keyring_available(self) -> bool:
        """False once a keyring read has shown there is no usable system keyring (keys then last a session)."""
        return self.keys.keyring_available is not False

    def open_key_settings(self, provider_id: str = "") -> None:
        """Opens Settings → Keys at ``provider_id`` (the picker's provider when empty)."""
        self.navigator.open("settings", {"section": "keys", "provider": provider_id or self._provider_id})

    def detect_local_servers(self) -> None:
        """Look for local servers; the first one found is selected with its model (``local_server_found``;
        the model is "" when it serves several, so the person picks one), and ``models_status`` says what was
        found, or how to install and start one when none answered."""

        async def run() -> None:
            self.models_status.emit("Looking for local servers…")
            servers = await self.sources.local_servers()
            for server in servers:
                self.models_offered.emit(server.provider_id, list(server.models))
            if not servers:
                self.models_status.emit(NO_LOCAL_SERVER)
                return
            first = servers[0]
            models = list(first.models)
            self.local_server_found.emit(first.provider_id, models[0] if len(models) == 1 else "")
            found = ", ".join(f"{_short(s.name)} ({count_text(len(s.models), 'model')})" for s in servers)
            ask = f" Pick one of {_short(first.name)}'s models." if len(models) > 1 else ""
            if not models:
                ask = f" {_short(first.name)} serves no model yet: load or pull one there."
            self.models_status.emit(f"Found {found}.{ask}")

        self.start("chat-detect", run())

    def list_models(self, provider_id: str, current_model: str = "") -> None:
        """List ``provider_id``'s models (``models_offered``); when ``current_model`` is empty or not among
        them, the first one listed is picked (``model_picked``) so Send works without another step."""

        async def run() -> None:
            self.models_status.emit("Listing models…")
            try:
                models = await self.sources.provider_models(provider_id)
            except ProviderError as error:
                self.models_status.emit(error.message)
                return
            self.models_offered.emit(provider_id, models)
            picked = model_after_listing(current_model, models)
            listed = f"{count_text(len(models), 'model')} listed."
            if picked != current_model.strip():
                self.model_picked.emit(provider_id, picked)
                listed += f" Picked {picked}." if len(models) > 1 else f" Picked {picked}, the only one."
            self.models_status.emit(listed)

        self.start("chat-models", run())

    # sending and replies -----------------------------------------------------------------------------------
    def send(self, text: str, panel: Fields, editing: int | None = None) -> None:
        """Sends ``text`` with the panel's parameters (a new chat when none is open), or resends the edited
        question ``editing``. Refused with a notice, the text kept, without a key or a model; when the
        keyring has not answered yet it is asked off the UI thread first."""
        if not text.strip():
            return
        info = provider(str(panel.get("provider") or "openai"))
        known = self.keys.known(info.id)
        if known is None:
            self._provider_id = info.id
            self.start("chat-key-check", self._send_when_key_known(info.id, text, panel, editing))
            return
        if not known:
            self.notice.emit(
                Notice(
                    f"{info.name} needs an API key",
                    action_text="Add key",
                    action=lambda: self.open_key_settings(info.id),
                )
            )
            return
        if not panel.get("model"):
            self.notice.emit(Notice("Pick a model first", "Type a model name or list the provider's models."))
            return
        self.send_accepted.emit()
        self.start("chat-send", self._send(text, panel, editing))

    async def _send_when_key_known(self, provider_id: str, text: str, panel: Fields, editing: int | None) -> None:
        await self.keys.present(provider_id)
        if self._provider_id == provider_id:  # not when the person picked another provider meanwhile
            self.send(text, panel, editing)

    async def _send(self, text: str, panel: Fields, editing: int | None) -> None:
        if self.current is None:
            await self._new_chat(panel, **panel)
        assert self.current is not None
        session_id = self.current.id
        await self.service.update_session(session_id, **panel)
        self.scroll_to_end.emit()
        if editing is not None:
            self._reply(session_id, self.service.edit_and_resend(editing, text))
        else:
            self._reply(session_id, self.service.send(session_id, text))

    def _reply(self, session_id: int, coroutine: Coroutine[Any, Any, MessageInfo]) -> None:
        self.start(reply_task(session_id), coroutine)

    def regenerate(self, session_id: int) -> None:
        """Replaces the last reply of a chat (also "Retry" on a failed one)."""
        self._reply(session_id, self.service.regenerate(session_id))

    def retry_trimmed(self, session_id: int) -> None:
        """After a context overflow: a new reply sent only the newer half of the chat (all messages stay)."""
        from app.services.chat import remedies

        self._reply(session_id, remedies.retry_without_oldest(self.service, session_id))

    def new_chat_with_summary(self, session_id: int, message_id: int) -> None:
        """After a context overflow: the chat's model summarises it, then a new chat seeded with the summary
        (in its system prompt) opens. ``remedy_phase`` shows the progress on the failed reply
        ``message_id``; a failure is a notice, and nothing is changed."""
        self.start(f"chat-summary-{session_id}", self._new_chat_with_summary(session_id, message_id), replace=False)

    async def _new_chat_with_summary(self, session_id: int, message_id: int) -> None:
        from app.services.chat import remedies

        session = await self.service.session(session_id)
        self.remedy_phase.emit(message_id, f"Summarising this chat with {session.model}…")
        try:
            fresh = await remedies.new_chat_with_summary(self.service, session_id)
        except ProviderError as error:
            self.notice.emit(Notice("Could not summarise this chat", error.message))
            return
        finally:
            self.remedy_phase.emit(message_id, "")
        await self._select(fresh.id)
        said = f"The summary of “{session.title}” is its system prompt."
        self.notice.emit(Notice("New chat started from a summary", said))

    def continue_reply(self, session_id: int, message_id: int) -> None:
        """Asks the model to carry on an interrupted reply."""
        self._reply(session_id, self.service.continue_reply(message_id))

    def begin_edit(self, message_id: int, text: str) -> None:
        """Puts one of the person's earlier questions back in the input box; sending it resends it."""
        self.edit_requested.emit(message_id, text)

    def stop(self) -> None:
        """Stops the open chat's reply; what arrived is kept, marked interrupted."""
        if self.current is not None:
            self.service.stop(self.current.id)

    # the service's news, for the open session --------------------------------------------------------------
    def _messages_reset(self, session_id: int) -> None:
        if self.current is not None and session_id == self.current.id:
            self.start("chat-reload", self._reload_messages(session_id))

    async def _reload_messages(self, session_id: int) -> None:
        messages = await self.service.messages(session_id)
        if self.current is not None and self.current.id == session_id:
            self.messages_loaded.emit(messages)

    def _message_added(self, info: MessageInfo) -> None:
        if self.current is not None and info.session_id == self.current.id:
            self.message_added.emit(info)

    def _message_updated(self, info: MessageInfo) -> None:
        if self.current is not None and info.session_id == self.current.id:
            self.message_updated.emit(info)

    def _streaming_changed(self, session_id: int, streaming: bool) -> None:
        if self.current is not None and session_id == self.current.id:
            self.streaming_changed.emit(streaming)
