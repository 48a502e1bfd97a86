"""The Chat place: sessions on the left, the conversation in the middle, parameters on the right."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from app.context import AppContext
from app.services.chat.controller import SESSION_PAGE, ChatController, Notice, Totals
from app.services.chat.keys import KeyStatus
from app.services.chat.model_sources import ModelSources
from app.services.chat.service import ChatService
from app.services.chat.store import MessageInfo, SessionInfo
from app.services.heap import settle
from app.services.providers.registry import provider
from app.views.chat.composer import Composer
from app.views.chat.files import SessionFiles
from app.views.chat.links import follow_link
from app.views.chat.message_full import FullMessageDialog
from app.views.chat.message_html import cost_text
from app.views.chat.message_model import MessageListModel
from app.views.chat.message_render import MarkdownRenderer
from app.views.chat.message_view import MessageListView
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
    """Shows the chat controller's state and forwards what the person does to it; no flow lives here."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.service: ChatService = context.chat
        self.controller = ChatController(
            self.service,
            KeyStatus(context.secrets, context.workers),
            ModelSources(context.catalog, self.service.provider_factory),
            context.settings,
            context.navigator,
            context.tasks,
            parent=self,
        )
        self.model = MessageListModel(self, MarkdownRenderer(context.tasks, context.workers))
        self.files = SessionFiles(self.controller, self, lambda: context.paths.folder("exports"))
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
        stop.activated.connect(self.controller.stop)
        self.controller.open()

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
        controller = self.controller
        controller.sessions_listed.connect(self.sessions.show_sessions)
        controller.sessions_appended.connect(self.sessions.append_sessions)
        controller.session_listed.connect(self.sessions.upsert_session)
        controller.session_unlisted.connect(self.sessions.remove_session)
        controller.session_shown.connect(self.sessions.set_current)
        self.sessions.bind_pages(controller.more_sessions, SESSION_PAGE)
        controller.hits_found.connect(self.sessions.show_hits)
        controller.search_ended.connect(self.sessions.show_list)
        controller.session_shown.connect(self._show_session)
        controller.messages_loaded.connect(self._show_messages)
        controller.message_added.connect(self.model.append)
        controller.message_updated.connect(self.model.update)
        controller.message_delta.connect(self.model.append_delta)
        controller.waiting.connect(self.model.set_waiting)
        controller.reasoning_delta.connect(self.model.append_reasoning)
        controller.reply_phase.connect(self.model.set_phase)
        controller.remedy_phase.connect(self.model.set_phase)
        controller.streaming_changed.connect(self.composer.set_streaming)
        controller.totals_changed.connect(self._show_totals)
        controller.key_state_changed.connect(self._show_key_state)
        controller.models_offered.connect(self.params.add_models)
        controller.models_status.connect(self.params.status.setText)
        controller.local_server_found.connect(self.params.choose)
        controller.model_picked.connect(self.params.take_model)
        controller.notice.connect(self.show_notice)
        controller.send_accepted.connect(self.composer.finish_send)
        controller.edit_requested.connect(self.composer.begin_edit)
        controller.scroll_to_end.connect(self.view.scroll_to_end)
        controller.scroll_to_message.connect(self._scroll_to_message)
        self.model.rowsInserted.connect(self._update_empty)
        self.model.modelReset.connect(self._update_empty)
        self.sessions.new_requested.connect(self.new_chat)
        self.sessions.selected.connect(controller.select)
        self.sessions.hit_selected.connect(controller.open_hit)
        self.sessions.search_changed.connect(controller.search)
        self.sessions.rename_requested.connect(self.files.rename)
        self.sessions.delete_requested.connect(controller.delete)
        self.sessions.export_requested.connect(self.files.export)
        self.sessions.import_requested.connect(self.files.import_json)
        self.sessions.usage_requested.connect(self.files.show_usage)
        self.params.changed.connect(self._params_changed)
        self.params.add_key_requested.connect(controller.open_key_settings)
        self.params.custom_url_changed.connect(controller.set_custom_url)
        self.params.detect_requested.connect(controller.detect_local_servers)
        self.params.refresh_models_requested.connect(controller.list_models)
        self.params.provider.currentIndexChanged.connect(lambda _i: self._update_key_state())
        self.params_button.toggled.connect(self._toggle_params)
        self.clear_button.clicked.connect(self._clear)
        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(controller.stop)
        self.view.delegate.link_activated.connect(
            lambda row, href: follow_link(
                controller, self.show_notice, self.model.toggle_thinking, row, href, self.show_full_message
            )
        )

    # showing -----------------------------------------------------------------------------------------------
    @property
    def current(self) -> SessionInfo | None:
        """The open chat (the controller's)."""
        return self.controller.current

    def show_notice(self, notice: Notice | str) -> Toast:
        """One message at a time over the conversation; a new one replaces the last."""
        if isinstance(notice, str):
            notice = Notice(notice)
        if self._toast is not None:
            self._toast.dismiss()
        options: dict[str, Any] = {}
        if notice.action_text and notice.action is not None:
            options = {"action_text": notice.action_text, "on_action": notice.action}
        toast = Toast(self, notice.title, notice.body, **options)
        toast.closed.connect(lambda: setattr(self, "_toast", None) if self._toast is toast else None)
        self._toast = toast
        toast.show_toast()
        return toast

    def show_full_message(self, title: str, text: str) -> FullMessageDialog:
        """The whole text of a message too long for its bubble, in a viewer window."""
        dialog = FullMessageDialog(title, text, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def focus_search(self) -> None:
        self.sessions.focus_search()

    def shutdown(self) -> None:
        self.controller.shutdown()

    def _show_session(self, session: SessionInfo | None) -> None:
        self.composer.cancel_edit()
        self.clear_button.setVisible(session is not None)  # nothing to clear until a chat is open
        if session is None:
            self.title.setText("No chat open")
            self.totals.setText("")
            self.params.load_defaults(*self.controller.default_model())
        else:
            self.title.setText(session.title)
            self.params.load(session)
        self._update_key_state()
        self._update_empty()

    def _show_messages(self, messages: list[MessageInfo]) -> None:
        self.model.set_messages(messages)
        # The one place the collector is told about a conversation: a long one is thousands of long-lived
        # objects, and unfrozen they set off a full collection mid-stream that walks them all. Measured with
        # bench/chat_stream (1,000 messages, 2,000 tokens): without this, one full pass while streaming and a
        # longest UI-thread stall of 21–27 ms of CPU, over the 16 ms budget; with it, no full pass.
        settle("a conversation opened")

    def _update_empty(self, *_: Any) -> None:
        self.conversation.setCurrentWidget(self.view if self.model.rowCount() else self.empty)

    def _show_totals(self, session: SessionInfo, totals: Totals) -> None:
        self.title.setText(session.title)
        self.title.setToolTip(session.title)
        mark = "≈" if totals.estimated else ""
        parts = [f"{session.provider}/{session.model}"]
        if totals.tokens_in or totals.tokens_out:
            parts.append(f"{mark}{totals.tokens_in:,} in · {mark}{totals.tokens_out:,} out tokens")
            if totals.cost == 0 and _is_local(session.provider):
                parts.append("free ($0.00)")  # the person's own machine
            else:
                parts.append(f"{cost_text(totals.cost)} total" if totals.cost else "cost unknown")
        self.totals.setText("  ·  ".join(parts))
        how = (
            "“≈” marks counts estimated with tiktoken where the provider sent no usage."
            if totals.estimated
            else "From the providers' usage reports and the catalog's prices."
        )
        self.totals.setToolTip(f"{self.totals.text()}\n{how}")

    def _update_key_state(self) -> None:
        self.params.show_custom_url(self.controller.custom_base_url)
        self.controller.provider_selected(self.params.provider_id())

    def _show_key_state(self, provider_id: str, missing: bool) -> None:
        if provider_id != self.params.provider_id():
            return
        self.params.show_key_needed(missing, self.controller.keyring_available)
        name = provider(provider_id).name
        self.composer.set_hint(
            f"{name} needs an API key: use “Add key”, or pick a local server (Ollama, LM Studio, llama.cpp, vLLM), "
            "which needs none."
            if missing
            else ""
        )

    def _scroll_to_message(self, message_id: int) -> None:
        row = self.model.reveal(message_id)
        if row is not None:
            self.view._follow = False
            self.view.scrollTo(self.model.index(row))

    # input -------------------------------------------------------------------------------------------------
    def _params_changed(self, fields: dict[str, Any]) -> None:
        self._update_key_state()
        self.controller.set_params(fields)

    def new_chat(self) -> None:
        self.params.flush()
        self.controller.new_chat(self.params.fields())

    def send(self, text: str) -> None:
        """Sends the typed text (or resends the question being edited) with the panel's parameters."""
        self.params.flush()
        self.controller.send(text, self.params.fields(), self.composer.editing_message_id)

    def _clear(self) -> None:
        if self.current is not None and self.model.rowCount():
            self.files.confirm_clear(self.current.id)

    def activate(self, payload: dict[str, Any]) -> None:
        """``{"model_id": "openai/gpt-4o"}``, optionally with ``provider`` and ``model`` (or ``provider_model``),
        opens a new chat with that model."""
        self.params.flush()
        self.controller.activate(payload, self.params.fields())


def _is_local(provider_id: str) -> bool:
    try:
        return provider(provider_id).local
    except KeyError:
        return False
