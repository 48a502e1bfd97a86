"""Connects the window header to the Studio connection: the credits badge and the connection status.

The main window calls ``link_header(self.header, context)`` once after it is shown; the header then
follows the live balance ("Local · free" on the Local connection) and the connection state.
"""

from __future__ import annotations

from typing import Protocol

from app.context import AppContext
from app.services.studio.connection import ConnectionState
from app.views.studio import background
from app.views.theme import PALETTE

STATE_COLOURS = {
    ConnectionState.DISCONNECTED: PALETTE.muted,
    ConnectionState.CONNECTING: PALETTE.warning,
    ConnectionState.CONNECTED: PALETTE.success,
    ConnectionState.AUTH_NEEDED: PALETTE.warning,
    ConnectionState.ERROR: PALETTE.danger,
}


class HeaderLike(Protocol):
    def set_credits(self, text: str, tooltip: str = "") -> None: ...
    def set_connection(self, text: str, color: str) -> None: ...


def connection_text(context: AppContext) -> str:
    connection = context.studio
    place = "Local" if connection.kind == "local" else "Cloud"
    state = connection.state
    return place if state == ConnectionState.CONNECTED else f"{place} · {state.label}"


def link_header(header: HeaderLike, context: AppContext, connect: bool = True) -> None:
    """Keep ``header`` current; with ``connect`` the Studio connection starts now (not when Studio opens)."""
    connection = context.studio

    def show_state(_state: str = "") -> None:
        header.set_connection(connection_text(context), STATE_COLOURS[connection.state])
        tooltip = connection.error_message or "Credits: the balance of your Studio account"
        header.set_credits(connection.badge_text(), tooltip)

    connection.state_changed.connect(show_state)
    connection.credits_changed.connect(
        lambda text: header.set_credits(text, connection.error_message or "Credits: your Studio balance")
    )
    show_state()
    if connect and connection.state == ConnectionState.DISCONNECTED:
        background.start(context.tasks, "studio-connect", connection.reconnect())
