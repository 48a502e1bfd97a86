"""Connects the window header to the Studio connection: the credits badge and the connection status.

The app calls ``link_header(window.header, context.studio)`` once after the window is shown; the header
then follows the live balance ("Local · free" on the Local connection) and the connection state. Linking
starts nothing: ``StudioController.start`` connects.
"""

from __future__ import annotations

from typing import Protocol

from app.services.studio.connection import ConnectionState, StudioConnection
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


def connection_text(connection: StudioConnection) -> str:
    place = "Local" if connection.kind == "local" else "Cloud"
    state = connection.state
    if state != ConnectionState.CONNECTED:
        return f"{place} · {state.label}"
    return place if connection.billing_enabled else f"{place} · free"


def badge_text(connection: StudioConnection) -> str:
    """The credits badge: the balance where credits count; empty (hidden) otherwise, since the connection
    status beside it already says "Local · free" or what is wrong: the header says each thing once."""
    if connection.state == ConnectionState.CONNECTED and connection.billing_enabled:
        return connection.badge_text()
    return ""


def link_header(header: HeaderLike, connection: StudioConnection) -> None:
    """Keep ``header`` current with ``connection`` from now on."""

    def show_state(_state: str = "") -> None:
        header.set_connection(connection_text(connection), STATE_COLOURS[connection.state])
        tooltip = connection.error_message or "Credits: the balance of your Studio account"
        header.set_credits(badge_text(connection), tooltip)

    connection.state_changed.connect(show_state)
    connection.credits_changed.connect(
        lambda _text: header.set_credits(
            badge_text(connection), connection.error_message or "Credits: your Studio balance"
        )
    )
    show_state()
