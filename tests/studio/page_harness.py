"""Build a Studio page on a test context, with the embedded Studio API and a fake compute."""

from __future__ import annotations

from app.context import AppContext
from app.services.studio.connection import ConnectionState, StudioConnection
from app.views.studio.page import StudioPage
from tests.studio.embedded import EmbeddedApi


def use_api(context: AppContext, api: EmbeddedApi) -> None:
    """The context's Studio connection runs ``api`` as its Local server (set before the Studio is built)."""
    context.studio = StudioConnection(  # type: ignore[misc]
        context.settings,
        context.secrets,
        context.paths.folder("studio-api"),
        context.tasks,
        context.workers,
        local_app_factory=api,
    )


def open_studio(qtbot, context: AppContext, api: EmbeddedApi, connect: bool = True) -> StudioPage:  # type: ignore[no-untyped-def]
    """The page, then the app's one start of the Studio (``StudioController.start``), as at app start-up."""
    use_api(context, api)
    page = StudioPage(context)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    context.studio_controller.start()
    if connect:
        qtbot.waitUntil(lambda: context.studio.state == ConnectionState.CONNECTED, timeout=20000)
        qtbot.waitUntil(lambda: page.form.model.count() > 0)
    return page
