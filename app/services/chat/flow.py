"""What the Chat controller and its collaborators share: the ``Notice`` and ``Totals`` it emits, the
parameters panel's fields, and ``Flow``, the base of the collaborators (``sessions.ChatSessions``,
``model_choice.ModelChoice``, ``sending.Sending``, ``transfer.Transfer``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the controller builds the collaborators: only their annotations name it
    from app.services.chat.controller import ChatController
    from app.services.chat.service import ChatService

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


class Flow:
    """Base of the controller's collaborators. Each runs one group of the place's flows for ``controller``:
    it reads and sets the controller's state (the open session), emits the controller's signals, and starts
    background work with ``controller.start`` (``chat-`` tasks, a ``ValueError`` shown as a notice)."""

    def __init__(self, controller: ChatController) -> None:
        self.controller = controller

    @property
    def service(self) -> ChatService:
        return self.controller.service
