"""``amethyst --smoke-test``: the packaged app checks itself and quits (used by CI after installing the .deb).

It checks that the window is shown, that the cache database is migrated to its head, that the embedded
Studio API answers ``/health`` (its own database migrated on the way) and that every place builds. One
line ``SMOKE {json}`` goes to stdout, then the app quits as from the tray; the exit code is 0 only when
every check passed.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

SMOKE_TIMEOUT_S = 60.0


async def run_smoke(window: Any, context: Any) -> None:
    """Runs the checks on the app's own loop; sets ``window.smoke_ok`` and asks the window to quit."""
    from sqlalchemy import text

    from app.services.studio.connection import ConnectionState
    from app.views.places import PLACES

    started = time.monotonic()
    report: dict[str, Any] = {"window_shown": window.isVisible()}
    try:

        def cache_revision() -> str:
            with context.engine.connect() as connection:
                return str(connection.execute(text("select version_num from alembic_version")).scalar())

        report["cache_db_revision"] = await context.workers.db(cache_revision)
        while context.studio.state != ConnectionState.CONNECTED:
            if context.studio.state == ConnectionState.ERROR or time.monotonic() - started > SMOKE_TIMEOUT_S:
                raise RuntimeError(f"Studio API: {context.studio.state} {context.studio.error_message}")
            await asyncio.sleep(0.05)
        report["studio_api"] = context.studio.server.url if context.studio.server else ""
        report["studio_api_health"] = await context.studio.client.health()
        for spec in PLACES:
            window.open_place(spec.key)
        report["places"] = window.built_places()
    except Exception as error:  # reported, not raised: the smoke run must end with a verdict
        report["error"] = f"{type(error).__name__}: {error}"
    report["seconds"] = round(time.monotonic() - started, 2)
    window.smoke_ok = bool(
        report.get("window_shown") and report.get("studio_api_health") and "error" not in report
    ) and len(report.get("places", [])) == len(PLACES)
    report["ok"] = window.smoke_ok
    print("SMOKE " + json.dumps(report), flush=True)
    window.quit_requested.emit()
