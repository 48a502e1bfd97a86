"""Places whose issue has not landed yet: an honest empty state saying what will be there."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.context import AppContext
from app.views.widgets.empty_state import EmptyState


class _Placeholder(QWidget):
    icon = ""
    title = ""
    body = ""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        layout = QVBoxLayout(self)
        self.empty_state = EmptyState(self.icon, self.title, self.body)
        layout.addWidget(self.empty_state)


class MarketplacePlaceholder(_Placeholder):
    icon = "marketplace"
    title = "The model catalog is on its way"
    body = "Here you will browse, search, compare and rate AI models from every major provider."


class ChatPlaceholder(_Placeholder):
    icon = "chat"
    title = "Chat is on its way"
    body = "Here you will talk to language models of any provider, with streaming, history and costs."


class StudioPlaceholder(_Placeholder):
    icon = "studio"
    title = "Studio is on its way"
    body = "Here you will turn prompts into images on remote GPUs and keep them in a gallery."


class BillingPlaceholder(_Placeholder):
    icon = "billing"
    title = "Billing is not set up yet"
    body = (
        "Here you will see your credits, plan and history, and buy credit packs or a plan through Stripe "
        "Checkout. On the Local connection, generating on your own computer costs nothing."
    )
