"""The Chat place: sessions on the left, the conversation in the middle, parameters on the right."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from app.context import AppContext
from app.services.chat.service import ChatService
from app.services.chat.store import MessageInfo, SessionInfo
from app.services.providers.registry import provider
from app.views.chat.composer import Composer
from app.views.chat.files import SessionFiles
from app.views.chat.key_status import KeyStatus
from app.views.chat.links import follow_link
from app.views.chat.message_html import cost_text
from app.views.chat.message_model import MessageListModel
from app.views.chat.message_view import MessageListView
from app.views.chat.model_sources import ModelSources
from app.views.chat.params_panel import ParamsPanel
from app.views.chat.session_list import SessionList
from app.views.widgets.elided_label import ElidedLabel
from app.views.widgets.empty_state import EmptyState
from app.views.widgets.toast import Toast

log = logging.getLogger(__name__)

SPLITTER_KEY = "chat.splitter"
PARAMS_VISIBLE_KEY = "chat.params_visible"
MIDDLE_MINIMUM = 300


class ChatPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.service: ChatService = context.chat
        self.current: SessionInfo | None = None
        self.model = MessageListModel(self)
        self.files = SessionFiles(self)
        self.sources = ModelSources(self)
        self.keys = KeyStatus(context.secrets, self)
        self._toast: Toast | None = None

        self.sessions = SessionList()
        self.params = ParamsPanel()
        self.title = ElidedLabel("")
        self.title.setProperty("role", "subtitle")
        self.totals = QLabel("")
        self.totals.setProperty("role", "muted")
        self.totals.setWordWrap(True)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setProperty("kind", "ghost")
        self.clear_button.setToolTip("Remove every message of this chat")
        self.params_button = QPushButton("Parameters")
        self.params_button.setProperty("kind", "ghost")
        self.params_button.setCheckable(True)
        self.params_button.setToolTip("Show or hide the parameters of this chat")
        self.params_button.setChecked(bool(context.ui_state.get(PARAMS_VISIBLE_KEY, True)))
        self.params.setVisible(self.params_button.isChecked())
        self.view = MessageListView(self.model)
        self.empty = EmptyState(
            "chat", "Start the conversation", "Pick a model under Parameters, type below and press Ctrl+Enter."
        )
        self.composer = Composer()
        self._build_layout()
        self._connect()
        # Esc stops the reply wherever the focus is in this place (the input box handles it too).
        stop = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        stop.activated.connect(self.stop)
        self.spawn("chat-open", self._open())

    # layout ------------------------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.title, 1)
        bar.addWidget(self.clear_button)
        bar.addWidget(self.params_button)
        header = QVBoxLayout()
        header.setContentsMargins(18, 8, 18, 6)
        header.setSpacing(0)
        header.addLayout(bar)
        header.addWidget(self.totals)  # its own line: the totals get the column's full width
        self.conversation = QStackedWidget()
        self.conversation.addWidget(self.view)
        self.conversation.addWidget(self.empty)
        middle = QWidget()
        middle.setMinimumWidth(MIDDLE_MINIMUM)  # the side columns give way before the conversation does
        column = QVBoxLayout(middle)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addLayout(header)
        column.addWidget(self.conversation, 1)
        column.addWidget(self.composer)
        splitter = self.splitter = QSplitter()
        splitter.addWidget(self.sessions)
        splitter.addWidget(middle)
        splitter.addWidget(self.params)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        # The conversation gets the room; the side columns keep what the person dragged them to.
        saved = self.context.ui_state.get(SPLITTER_KEY)
        self._sized = isinstance(saved, list) and len(saved) == 3
        if self._sized:
            splitter.setSizes([int(size) for size in saved])
        splitter.setChildrenCollapsible(False)
        splitter.setHandleWidth(1)
        splitter.splitterMoved.connect(lambda *_: self._save_splitter())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:  # first run: side columns sized for the window, the conversation gets the rest
            self._sized = True
            width = self.splitter.width()
            sessions, params = (210, 290) if width >= 1000 else (170, 262)
            self.splitter.setSizes([sessions, max(MIDDLE_MINIMUM, width - sessions - params), params])

    def _save_splitter(self) -> None:
        sizes = self.splitter.sizes()
        if self.params.isHidden():  # keep the panel's last width for when it is shown again
            saved = self.context.ui_state.get(SPLITTER_KEY)
            sizes[2] = int(saved[2]) if isinstance(saved, list) and len(saved) == 3 else 280
        self.context.ui_state.set(SPLITTER_KEY, sizes)

    def _toggle_params(self, visible: bool) -> None:
        self.params.setVisible(visible)
        self.context.ui_state.set(PARAMS_VISIBLE_KEY, visible)

    def _connect(self) -> None:
        service = self.service
        service.sessions_changed.connect(lambda: self.spawn("chat-sessions", self._reload_sessions()))
        service.session_changed.connect(self._session_changed)
        service.messages_reset.connect(self._messages_reset)
        service.message_added.connect(self._message_added)
        service.message_updated.connect(self._message_updated)
        service.message_delta.connect(self.model.append_delta)
        service.waiting.connect(self.model.set_waiting)
        service.reasoning_delta.connect(self.model.append_reasoning)  # issue 10: the live "Thinking" part
        service.reply_phase.connect(self.model.set_phase)  # issue 10: "Loading the model…"
        service.streaming_changed.connect(self._streaming_changed)
        self.model.rowsInserted.connect(self._update_empty)
        self.model.modelReset.connect(self._update_empty)
        self.sessions.new_requested.connect(lambda: self.spawn("chat-new", self.new_session()))
        self.sessions.selected.connect(lambda sid: self.spawn("chat-select", self.select_session(sid)))
        self.sessions.hit_selected.connect(self._open_hit)
        self.sessions.search_changed.connect(lambda text: self.spawn("chat-search", self._search(text)))
        self.sessions.rename_requested.connect(self.files.rename)
        self.sessions.delete_requested.connect(lambda sid: self.spawn("chat-delete", self.delete_session(sid)))
        self.sessions.export_requested.connect(self.files.export)
        self.sessions.import_requested.connect(self.files.import_json)
        self.sessions.usage_requested.connect(self.files.show_usage)
        self.params.changed.connect(self._params_changed)
        self.params.add_key_requested.connect(self.open_key_settings)
        self.params.custom_url_changed.connect(self._custom_url_changed)
        self.params.detect_requested.connect(lambda: self.spawn("chat-detect", self.sources.detect()))
        self.params.refresh_models_requested.connect(
            lambda pid: self.spawn("chat-models", self.sources.list_models(pid))
        )
        self.params.provider.currentIndexChanged.connect(lambda _i: self._update_key_state())
        self.params_button.toggled.connect(self._toggle_params)
        self.keys.changed.connect(
            lambda provider_id: self._update_key_state() if provider_id == self.params.provider_id() else None
        )
        self.clear_button.clicked.connect(self._clear)
        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.stop)
        self.view.delegate.link_activated.connect(lambda row, href: follow_link(self, row, href))

    # plumbing ----------------------------------------------------------------------------------------------
    def spawn(self, name: str, coroutine: Coroutine[Any, Any, Any], *, replace: bool = True) -> None:
        try:
            asyncio.get_running_loop()  # qasync's loop, running while Qt runs
        except RuntimeError:
            log.warning("no asyncio loop is running; %s was not started", name)
            coroutine.close()
            return
        if not replace and self.context.tasks.running(name):
            coroutine.close()  # the same work is already under way
            return
        task = self.context.tasks.start(name, self._reporting(coroutine))
        # A task replaced before its first step never starts ``coroutine``; closing it then is quiet (no
        # "never awaited" warning), and a no-op for one that ran.
        task.add_done_callback(lambda _task: coroutine.close())

    async def _reporting(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        try:
            await coroutine
        except ValueError as error:  # bad input: say so, lose nothing
            self.toast(str(error))

    def toast(self, title: str, body: str = "", **options: Any) -> Toast:
        """One message at a time over the conversation; a new one replaces the last."""
        if self._toast is not None:
            self._toast.dismiss()
        toast = Toast(self, title, body, **options)
        toast.closed.connect(lambda: setattr(self, "_toast", None) if self._toast is toast else None)
        self._toast = toast
        toast.show_toast()
        return toast

    def focus_search(self) -> None:
        self.sessions.focus_search()

    def shutdown(self) -> None:
        self.service.shutdown()

    # sessions ----------------------------------------------------------------------------------------------
    async def _open(self) -> None:
        interrupted = await self.service.open()
        sessions = await self.service.list_sessions()
        if sessions:
            await self.select_session(sessions[0].id)
        else:
            self.sessions.show_sessions([], None)
            self._show_session(None)
        await self.sources.load_catalog_models()
        if interrupted:
            self.toast(
                f"{interrupted} reply was cut off when Amethyst last closed",
                "It is kept, marked interrupted, with Continue and Regenerate.",
            )

    async def _reload_sessions(self) -> None:
        if self.sessions.search.text().strip():
            return
        sessions = await self.service.list_sessions()
        self.sessions.show_sessions(sessions, self.current.id if self.current else None)
        if self.current is None or all(s.id != self.current.id for s in sessions):
            if sessions:
                await self.select_session(sessions[0].id)
            elif self.current is not None:
                self._show_session(None)

    async def new_session(self, **fields: Any) -> SessionInfo:
        self.params.flush()
        defaults = {
            "provider": self.context.settings.get("chat.default_provider"),
            "model": self.context.settings.get("chat.default_model"),
        }
        if self.current is not None:
            defaults = {k: v for k, v in self.params.fields().items() if not k.startswith("failover")}
        session = await self.service.create_session(**{**defaults, **fields})
        await self.select_session(session.id)
        return session

    async def select_session(self, session_id: int) -> None:
        session = await self.service.session(session_id)
        messages = await self.service.messages(session_id)
        self._show_session(session)
        self.model.set_messages(messages)
        # A long conversation is thousands of long-lived objects; keep the cyclic garbage collector from
        # walking them on every full collection (50-150 ms pauses mid-stream otherwise).
        gc.freeze()
        self.sessions.show_sessions(await self.service.list_sessions(), session_id)
        self.composer.set_streaming(self.service.is_streaming(session_id))
        await self._refresh_totals()

    def _show_session(self, session: SessionInfo | None) -> None:
        self.current = session
        self.composer.cancel_edit()
        self.clear_button.setVisible(session is not None)  # nothing to clear until a chat is open
        if session is None:
            self.model.set_messages([])
            self.title.setText("No chat open")
            self.totals.setText("")
            settings = self.context.settings
            self.params.load_defaults(settings.get("chat.default_provider"), settings.get("chat.default_model"))
        else:
            self.title.setText(session.title)
            self.params.load(session)
        self._update_key_state()
        self._update_empty()

    def _update_empty(self, *_: Any) -> None:
        self.conversation.setCurrentWidget(self.view if self.model.rowCount() else self.empty)

    async def delete_session(self, session_id: int) -> None:
        session = await self.service.session(session_id)
        await self.service.delete_session(session_id)
        self.toast(
            f"Deleted “{session.title}”",
            action_text="Undo",
            on_action=lambda: self.spawn("chat-undo", self.service.restore_session(session_id)),
        )

    def _session_changed(self, session_id: int) -> None:
        if self.current is not None and session_id == self.current.id:
            self.spawn("chat-totals", self._refresh_totals())

    async def _refresh_totals(self) -> None:
        if self.current is None:
            return
        session = await self.service.session(self.current.id)
        self.current = session
        self.title.setText(session.title)
        self.title.setToolTip(session.title)
        tokens_in, tokens_out, cost, estimated = await self.service.totals(session.id)
        mark = "≈" if estimated else ""
        parts = [f"{session.provider}/{session.model}"]
        if tokens_in or tokens_out:
            parts.append(f"{mark}{tokens_in:,} in · {mark}{tokens_out:,} out tokens")
            parts.append(f"{cost_text(cost)} total" if cost else "cost unknown")
        self.totals.setText("  ·  ".join(parts))
        how = (
            "“≈” marks counts estimated with tiktoken where the provider sent no usage."
            if estimated
            else "From the providers' usage reports and the catalog's prices."
        )
        self.totals.setToolTip(f"{self.totals.text()}\n{how}")

    def _params_changed(self, fields: dict[str, Any]) -> None:
        self._update_key_state()
        if self.current is not None:
            self.spawn(f"chat-params-{self.current.id}", self.service.update_session(self.current.id, **fields))

    def _custom_url_changed(self, url: str) -> None:
        if url and not url.startswith(("http://", "https://")):
            self.toast("The server URL must start with http:// or https://")
            return
        self.context.settings.set("chat.custom_base_url", url)

    def _update_key_state(self) -> None:
        info = provider(self.params.provider_id())
        self.params.show_custom_url(str(self.context.settings.get("chat.custom_base_url")))
        with contextlib.suppress(RuntimeError):  # no event loop (widget tests without one)
            self.service.warm_up(info.id)
        known = self.keys.known(info.id)
        if known is None:
            self.keys.check(info.id)  # read off the UI thread; ``keys.changed`` calls us again
        missing = known is False
        self.params.show_key_needed(missing)
        self.composer.set_hint(f"{info.name} needs an API key: use “Add key”." if missing else "")

    def open_key_settings(self, provider_id: str | None = None) -> None:
        self.context.navigator.open(
            "settings", {"section": "keys", "provider": provider_id or self.params.provider_id()}
        )

    # messages ----------------------------------------------------------------------------------------------
    def _messages_reset(self, session_id: int) -> None:
        if self.current is not None and session_id == self.current.id:
            self.spawn("chat-reload", self._reload_messages(session_id))

    async def _reload_messages(self, session_id: int) -> None:
        messages = await self.service.messages(session_id)
        if self.current is not None and self.current.id == session_id:
            self.model.set_messages(messages)

    def _message_added(self, info: MessageInfo) -> None:
        if self.current is not None and info.session_id == self.current.id:
            self.model.append(info)

    def _message_updated(self, info: MessageInfo) -> None:
        if self.current is not None and info.session_id == self.current.id:
            self.model.update(info)

    def _streaming_changed(self, session_id: int, streaming: bool) -> None:
        if self.current is not None and session_id == self.current.id:
            self.composer.set_streaming(streaming)

    def send(self, text: str) -> None:
        self.params.flush()
        if not text.strip():
            return
        info = provider(self.params.provider_id())
        known = self.keys.known(info.id)
        if known is None:  # the keyring has not answered yet: ask it off the UI thread, then send
            self.spawn("chat-key-check", self._send_when_key_known(info.id, text))
            return
        if not known:
            self.toast(
                f"{info.name} needs an API key",
                action_text="Add key",
                on_action=lambda: self.open_key_settings(info.id),
            )
            return
        if not self.params.model_id():
            self.toast("Pick a model first", "Type a model name or list the provider's models.")
            return
        editing = self.composer.editing_message_id
        self.composer.finish_send()
        self.spawn("chat-send", self._send(text, editing))

    async def _send_when_key_known(self, provider_id: str, text: str) -> None:
        await self.keys.present(provider_id)
        if self.params.provider_id() == provider_id:
            self.send(text)

    async def _send(self, text: str, editing: int | None) -> None:
        if self.current is None:
            await self.new_session(**self.params.fields())
        assert self.current is not None
        session_id = self.current.id
        await self.service.update_session(session_id, **self.params.fields())
        self.view.scroll_to_end()
        if editing is not None:
            self.service.run(session_id, self.service.edit_and_resend(editing, text))
        else:
            self.service.run(session_id, self.service.send(session_id, text))

    def stop(self) -> None:
        if self.current is not None:
            self.service.stop(self.current.id)

    def _clear(self) -> None:
        if self.current is not None and self.model.rowCount():
            self.files.confirm_clear(self.current.id)

    # search, models and navigation -------------------------------------------------------------------------
    async def _search(self, text: str) -> None:
        if not text:
            await self._reload_sessions()
            return
        self.sessions.show_hits(await self.service.search(text))

    def _open_hit(self, session_id: int, message_id: int) -> None:
        async def go() -> None:
            await self.select_session(session_id)
            row = self.model.row_of(message_id)
            if row is not None:
                self.view._follow = False
                self.view.scrollTo(self.model.index(row))

        self.spawn("chat-select", go())

    def activate(self, payload: dict[str, Any]) -> None:
        """``{"model_id": "openai/gpt-4o"}``, optionally with ``provider`` and ``model`` (or ``provider_model``),
        opens a new chat with that model."""
        # The Marketplace sends the catalog id plus the first provider serving it (``provider_model``).
        provider_id = payload.get("provider")
        model = payload.get("model") or payload.get("provider_model")
        model_id = str(payload.get("model_id") or "")
        if not (provider_id and model) and model_id:
            provider_id, model = self.sources.serving(model_id)
        if provider_id and model:
            self.spawn("chat-new", self.new_session(provider=str(provider_id), model=str(model)))
