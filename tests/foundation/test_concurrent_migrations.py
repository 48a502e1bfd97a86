"""The cache database and the embedded Studio API migrate with alembic in one process, from worker threads.

Alembic keeps a running migration in module globals, so on a fresh data folder the two used to break each
other ("no such table", KeyError in alembic's proxies) when the Marketplace and the Studio opened at once.
"""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import inspect

from app.models.db import open_engine
from app.services.studio.embedded import default_local_app


def test_desktop_and_embedded_server_migrate_at_the_same_time(tmp_path: Path) -> None:
    for attempt in range(3):
        folder = tmp_path / f"run-{attempt}"
        with ThreadPoolExecutor(max_workers=2) as pool:
            engine_future = pool.submit(open_engine, folder / "amethyst.db")
            studio_future = pool.submit(default_local_app, folder / "studio-api")
            engine = engine_future.result(timeout=120)
            app, token = studio_future.result(timeout=120)
        assert {"app_meta", "chat_messages", "catalog_ratings"} <= set(inspect(engine).get_table_names())
        assert token and app is not None
        engine.dispose()
