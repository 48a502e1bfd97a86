"""The Chat controller's sending and replies: send (after the keyring says whether the provider has a
key), edit and resend, regenerate, continue, the context-overflow remedies, and stop. A session's reply
runs as the task ``chat-reply-<session id>``."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from app.services.chat import remedies
from app.services.chat.flow import Fields, Flow, Notice
from app.services.chat.service import reply_task
from app.services.chat.store import MessageInfo
from app.services.providers.base import ProviderError
from app.services.providers.registry import provider


class Sending(Flow):
    """Sending and replies for ``ChatController`` (which forwards its public methods here)."""

    def send(self, text: str, panel: Fields, editing: int | None = None) -> None:
        """Sends ``text`` with the panel's parameters (a new chat when none is open), or resends the edited
        question ``editing``. Refused with a notice, the text kept, without a key or a model; when the
        keyring has not answered yet it is asked off the UI thread first."""
        if not text.strip():
            return
        controller = self.controller
        info = provider(str(panel.get("provider") or "openai"))
        known = controller.keys.known(info.id)
        if known is None:
            controller.model_choice.provider_id = info.id
            controller.start("chat-key-check", self._send_when_key_known(info.id, text, panel, editing))
            return
        if not known:
            controller.notice.emit(
                Notice(
                    f"{info.name} needs an API key",
                    action_text="Add key",
                    action=lambda: controller.open_key_settings(info.id),
                )
            )
            return
        if not panel.get("model"):
            controller.notice.emit(Notice("Pick a model first", "Type a model name or list the provider's models."))
            return
        controller.send_accepted.emit()
        controller.start("chat-send", self._send(text, panel, editing))

    async def _send_when_key_known(self, provider_id: str, text: str, panel: Fields, editing: int | None) -> None:
        await self.controller.keys.present(provider_id)
        if self.controller.model_choice.provider_id == provider_id:  # not when another provider was picked meanwhile
            self.send(text, panel, editing)

    async def _send(self, text: str, panel: Fields, editing: int | None) -> None:
        controller = self.controller
        if controller.current is None:
            await controller.session_flows.new_chat(panel, **panel)
        assert controller.current is not None
        session_id = controller.current.id
        await self.service.update_session(session_id, **panel)
        controller.scroll_to_end.emit()
        if editing is not None:
            self._reply(session_id, self.service.edit_and_resend(editing, text))
        else:
            self._reply(session_id, self.service.send(session_id, text))

    def _reply(self, session_id: int, coroutine: Coroutine[Any, Any, MessageInfo]) -> None:
        self.controller.start(reply_task(session_id), coroutine)

    def regenerate(self, session_id: int) -> None:
        self._reply(session_id, self.service.regenerate(session_id))

    def retry_trimmed(self, session_id: int) -> None:
        self._reply(session_id, remedies.retry_without_oldest(self.service, session_id))

    def continue_reply(self, session_id: int, message_id: int) -> None:
        self._reply(session_id, self.service.continue_reply(message_id))

    async def new_chat_with_summary(self, session_id: int, message_id: int) -> None:
        """The chat's model summarises it, then a new chat seeded with the summary opens; ``remedy_phase``
        shows the progress on ``message_id``, a failure is a notice and changes nothing."""
        controller = self.controller
        session = await self.service.session(session_id)
        controller.remedy_phase.emit(message_id, f"Summarising this chat with {session.model}…")
        try:
            fresh = await remedies.new_chat_with_summary(self.service, session_id)
        except ProviderError as error:
            controller.notice.emit(Notice("Could not summarise this chat", error.message))
            return
        finally:
            controller.remedy_phase.emit(message_id, "")
        await controller.session_flows.select(fresh.id)
        said = f"The summary of “{session.title}” is its system prompt."
        controller.notice.emit(Notice("New chat started from a summary", said))

    def stop(self) -> None:
        if self.controller.current is not None:
            self.service.stop(self.controller.current.id)
