"""The header's credits badge and connection status follow the Studio connection."""

from __future__ import annotations

from app.context import AppContext
from app.services.studio.connection import ConnectionState
from app.views.header import Header
from app.views.studio.header_link import link_header
from tests.fakes.image_compute import FakeImageCompute
from tests.studio.embedded import EmbeddedApi
from tests.studio.page_harness import use_api


def test_badge_reads_local_free_then_follows_billing(qtbot, qloop, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    use_api(context, EmbeddedApi(FakeImageCompute()))
    header = Header()
    qtbot.addWidget(header)
    link_header(header, context.studio)
    assert context.studio.state == ConnectionState.DISCONNECTED  # linking starts nothing
    context.studio_controller.start()
    qtbot.waitUntil(lambda: context.studio.state == ConnectionState.CONNECTED, timeout=15000)
    # Said once: the status reads "● Local · free" and no badge repeats it (issue 12).
    assert "Local · free" in header.connection.text() and "Connecting" not in header.connection.text()
    assert header.credits.text() == "" and not header.credits.isVisibleTo(header)


def test_badge_shows_credits_with_billing_on(qtbot, qloop, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    use_api(context, EmbeddedApi(FakeImageCompute(), billing=True, credits=42))
    header = Header()
    qtbot.addWidget(header)
    link_header(header, context.studio)
    context.studio_controller.start()
    qtbot.waitUntil(lambda: header.credits.text() == "42 credits", timeout=15000)
    assert header.credits.isVisibleTo(header) and "free" not in header.connection.text()
