"""The Chat place's state and flows, without widgets: the open session, new-chat defaults, sending (after the
keyring says whether the provider has a key), regenerate, edit and resend, continue, stop, switching chats.

``ChatPage`` binds to this controller: it forwards what the person does (a method call each) and shows what
the controller emits. The controller holds the state (the open session, the listed sessions), the signals
and the task plumbing, and hands each flow to one collaborator: ``sessions.ChatSessions`` (list, search,
the open session), ``model_choice.ModelChoice`` (provider, key state, models), ``sending.Sending`` (send
and replies) and ``transfer.Transfer`` (export, import). Every piece of background work starts through
the app's ``TaskRunner`` under a ``chat-`` name; a ``ValueError`` from a flow (bad input) becomes a
``notice``, anything else goes to the one error reporter. A session's reply runs as the task
``chat-reply-<session id>``.
"""

from __future__ import annotations

from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.config import Settings
from app.services.chat.flow import Fields, Notice, Totals
from app.services.chat.keys import KeyStatus
from app.services.chat.model_choice import NO_LOCAL_SERVER, ModelChoice
from app.services.chat.model_sources import ModelSources
from app.services.chat.sending import Sending
from app.services.chat.service import ChatService
from app.services.chat.sessions import SESSION_PAGE, ChatSessions
from app.services.chat.store import SessionInfo
from app.services.chat.transfer import Transfer
from app.services.navigation import Navigator
from app.tasks import TaskRunner

# Names the views and tests import from here, whichever collaborator defines them.
__all__ = ["NO_LOCAL_SERVER", "SESSION_PAGE", "TASK_PREFIX", "ChatController", "Fields", "Notice", "Totals"]

TASK_PREFIX = "chat-"


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
        self.session_flows = ChatSessions(self)
        self.model_choice = ModelChoice(self)
        self.sending = Sending(self)
        self.transfer = Transfer(self)
        flows = self.session_flows
        service.session_saved.connect(flows.session_saved)
        service.session_removed.connect(flows.session_removed)
        service.session_changed.connect(flows.session_changed)
        service.messages_reset.connect(flows.messages_reset)
        service.message_added.connect(flows.message_added)
        service.message_updated.connect(flows.message_updated)
        service.message_delta.connect(self.message_delta)  # the hot path: signal to signal, no Python slot
        service.waiting.connect(self.waiting)
        service.reasoning_delta.connect(self.reasoning_delta)
        service.reply_phase.connect(self.reply_phase)
        service.streaming_changed.connect(flows.streaming_changed)
        keys.changed.connect(self.model_choice.key_changed)

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

    # sessions (``ChatSessions``) ---------------------------------------------------------------------------
    def open(self) -> None:
        """Start of the place: housekeeping, the newest chat opened, the catalog's models offered."""
        self.start("chat-open", self.session_flows.open_place())

    def default_model(self) -> tuple[str, str]:
        """(provider, model) a new chat starts with while no chat is open: the settings' defaults."""
        return self.model_choice.default_model()

    def new_chat_fields(self, panel: Fields) -> Fields:
        """What a new chat starts with: the open chat's parameters (its failover is not carried over), or
        the settings' default model when no chat is open."""
        return self.session_flows.new_chat_fields(panel)

    def new_chat(self, panel: Fields, **fields: Any) -> None:
        """Creates and opens a chat; ``fields`` (e.g. provider and model) override the defaults."""
        self.start("chat-new", self.session_flows.new_chat(panel, **fields))

    def select(self, session_id: int) -> None:
        self.start("chat-select", self.session_flows.select(session_id))

    def open_hit(self, session_id: int, message_id: int) -> None:
        """Opens the chat of a search hit and scrolls to the message."""
        self.start("chat-select", self.session_flows.open_hit(session_id, message_id))

    def title_of(self, session_id: int) -> str:
        """The listed title of a session ("" when it is not listed)."""
        return self.session_flows.title_of(session_id)

    def more_sessions(self, after: SessionInfo) -> None:
        """Lists the page of sessions that follows ``after`` (the list's last row) with ``sessions_appended``."""
        self.start("chat-sessions-more", self.session_flows.more_sessions(after), replace=False)

    def search(self, text: str) -> None:
        """Searches every chat's messages; an empty text lists the chats again."""
        self.start("chat-search", self.session_flows.search(text.strip()))

    def rename(self, session_id: int, title: str) -> None:
        self.start("chat-rename", self.service.rename(session_id, title))

    def delete(self, session_id: int) -> None:
        """Deletes a chat; the notice offers Undo."""
        self.start("chat-delete", self.session_flows.delete(session_id))

    def clear(self, session_id: int) -> None:
        self.start("chat-clear", self.service.clear(session_id))

    def activate(self, payload: dict[str, Any], panel: Fields) -> None:
        """``{"model_id": "openai/gpt-4o"}``, optionally with ``provider`` and ``model`` (or
        ``provider_model``, what the Marketplace sends), opens a new chat with that model."""
        self.session_flows.activate(payload, panel)

    def set_params(self, fields: Fields) -> None:
        """Stores the parameters panel's fields on the open chat."""
        self.session_flows.set_params(fields)

    # files (``Transfer``) ----------------------------------------------------------------------------------
    def export(self, session_id: int, path: Path) -> None:
        self.start("chat-export", self.transfer.export(session_id, path))

    def import_json(self, path: Path) -> None:
        self.start("chat-import", self.transfer.import_json(path))

    # keys, providers and models (``ModelChoice``) ----------------------------------------------------------
    def provider_selected(self, provider_id: str) -> None:
        """The picker shows ``provider_id``: its client is prepared off the UI thread, its key looked up
        (``key_state_changed`` now, and again when the keyring answers or the key changes)."""
        self.model_choice.provider_selected(provider_id)

    @property
    def custom_base_url(self) -> str:
        return self.model_choice.custom_base_url

    def set_custom_url(self, url: str) -> None:
        self.model_choice.set_custom_url(url)

    @property
    def keyring_available(self) -> bool:
        """False once a keyring read has shown there is no usable system keyring (keys then last a session)."""
        return self.keys.keyring_available is not False

    def open_key_settings(self, provider_id: str = "") -> None:
        """Opens Settings → Keys at ``provider_id`` (the picker's provider when empty)."""
        self.model_choice.open_key_settings(provider_id)

    def detect_local_servers(self) -> None:
        """Look for local servers; the first one found is selected with its model (``local_server_found``;
        the model is "" when it serves several, so the person picks one), and ``models_status`` says what was
        found, or how to install and start one when none answered."""
        self.start("chat-detect", self.model_choice.detect_local_servers())

    def list_models(self, provider_id: str, current_model: str = "") -> None:
        """List ``provider_id``'s models (``models_offered``); when ``current_model`` is empty or not among
        them, the first one listed is picked (``model_picked``) so Send works without another step."""
        self.start("chat-models", self.model_choice.list_models(provider_id, current_model))

    # sending and replies (``Sending``) ---------------------------------------------------------------------
    def send(self, text: str, panel: Fields, editing: int | None = None) -> None:
        """Sends ``text`` with the panel's parameters (a new chat when none is open), or resends the edited
        question ``editing``. Refused with a notice, the text kept, without a key or a model; when the
        keyring has not answered yet it is asked off the UI thread first."""
        self.sending.send(text, panel, editing)

    def regenerate(self, session_id: int) -> None:
        """Replaces the last reply of a chat (also "Retry" on a failed one)."""
        self.sending.regenerate(session_id)

    def retry_trimmed(self, session_id: int) -> None:
        """After a context overflow: a new reply sent only the newer half of the chat (all messages stay)."""
        self.sending.retry_trimmed(session_id)

    def new_chat_with_summary(self, session_id: int, message_id: int) -> None:
        """After a context overflow: the chat's model summarises it, then a new chat seeded with the summary
        (in its system prompt) opens. ``remedy_phase`` shows the progress on the failed reply
        ``message_id``; a failure is a notice, and nothing is changed."""
        flow = self.sending.new_chat_with_summary(session_id, message_id)
        self.start(f"chat-summary-{session_id}", flow, replace=False)

    def continue_reply(self, session_id: int, message_id: int) -> None:
        """Asks the model to carry on an interrupted reply."""
        self.sending.continue_reply(session_id, message_id)

    def begin_edit(self, message_id: int, text: str) -> None:
        """Puts one of the person's earlier questions back in the input box; sending it resends it."""
        self.edit_requested.emit(message_id, text)

    def stop(self) -> None:
        """Stops the open chat's reply; what arrived is kept, marked interrupted."""
        self.sending.stop()
