"""The six places of the window, in sidebar order. Each module is imported only when its place opens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.context import AppContext


@dataclass(frozen=True)
class PlaceSpec:
    key: str
    title: str
    icon: str  # file name in resources/icons
    module: str  # module holding the place's widget class
    widget: str  # the class name; its __init__ takes (context: AppContext, parent: QWidget | None)
    subtitle: str = ""

    def build(self, context: AppContext) -> QWidget:
        from app.views.widgets.wheel_guard import guard_wheel

        factory: Callable[..., QWidget] = getattr(import_module(self.module), self.widget)
        page = factory(context)
        guard_wheel(page)  # the wheel scrolls the page, not a combo or spin box the pointer passes over
        return page


PLACES: tuple[PlaceSpec, ...] = (
    PlaceSpec(
        "marketplace",
        "Marketplace",
        "marketplace.svg",
        "app.views.marketplace.page",
        "MarketplacePage",
        "Find and compare AI models",
    ),
    PlaceSpec("chat", "Chat", "chat.svg", "app.views.chat.page", "ChatPage", "Talk to language models"),
    PlaceSpec(
        "studio",
        "Studio",
        "studio.svg",
        "app.views.studio.page",
        "StudioPage",
        "Turn prompts into images",
    ),
    PlaceSpec(
        "builder",
        "Builder",
        "builder.svg",
        "app.views.builder.page",
        "BuilderPage",
        "Generate, train and serve small models",
    ),
    PlaceSpec(
        "billing",
        "Billing",
        "billing.svg",
        "app.views.billing.page",
        "BillingPage",
        "Credits, plans and history",
    ),
    PlaceSpec(
        "settings",
        "Settings",
        "settings.svg",
        "app.views.settings.page",
        "SettingsPage",
        "Keys, connection, appearance and logs",
    ),
)


def place(key: str) -> PlaceSpec:
    return next(spec for spec in PLACES if spec.key == key)
