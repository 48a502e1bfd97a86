"""What a streamed reply (``ReplyRun``, ``ReplyWriter``) needs from the service that owns it.

A Protocol, so ``replies`` and ``streaming`` never import ``ChatService`` (which imports them): the import
circle is gone, and a test can drive a reply with any object of this shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from app.services.chat.pricing import PriceLookup
    from app.services.chat.store import ChatStore
    from app.services.chat.tokens import TokenEstimator
    from app.services.providers.base import ChatProvider
    from app.tasks import TaskRunner, Workers


class ReplyHost(Protocol):
    """The store, providers, prices and runners a reply uses, and the signals it reports through.

    ``flush_interval`` and ``frame_interval`` are seconds: how often the growing text is written to the
    database, and how often it is handed to the view. Database work goes through ``workers.db`` (one
    thread, in order); background steps start through ``tasks``.
    """

    store: ChatStore
    provider_factory: Callable[[str], ChatProvider]
    prices: PriceLookup
    estimator: TokenEstimator
    flush_interval: float
    frame_interval: float
    tasks: TaskRunner
    workers: Workers

    @property
    def message_delta(self) -> SignalInstance: ...  # (message id, text appended)

    @property
    def reasoning_delta(self) -> SignalInstance: ...  # (message id, reasoning text appended)

    @property
    def reply_phase(self) -> SignalInstance: ...  # (message id, phase text such as "Loading the model…"; "": none)

    @property
    def message_updated(self) -> SignalInstance: ...  # (MessageInfo)

    @property
    def waiting(self) -> SignalInstance: ...  # (message id, seconds left before a retry; 0: done)

    @property
    def streaming_changed(self) -> SignalInstance: ...  # (session id, streaming)

    @property
    def session_changed(self) -> SignalInstance: ...  # (session id)
