"""``GET /v1/images/{id}``, the request every desktop polls: one statement for the token and the job, the
same 401s and 404s as every other route, and on Postgres no more connections than the pool keeps."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event, update

from modal_app.api import create_app
from modal_app.settings import ServerSettings
from modal_app.store.models import ApiToken, utcnow
from tests.server.conftest import bearer, grant, running, sign_up

JOB = {"model": "flux-schnell", "prompt": "a lighthouse at dusk", "size": "1K"}
QUIET = {"sweep_interval": 3600.0}  # no housekeeping statements while the test counts


async def test_a_status_answer_is_one_statement(settings_factory: Callable[..., ServerSettings]) -> None:
    async with running(create_app(settings_factory(**QUIET))) as api:
        token = await sign_up(api)
        grant(api, "ada@example.com", 5)
        job_id = (await api.post("/v1/images", json=JOB, headers=bearer(token))).json()["id"]
        engine = api._transport.app.state.services.store.engine  # type: ignore[attr-defined]
        statements: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            answer = await api.get(f"/v1/images/{job_id}", headers=bearer(token))
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert answer.status_code == 200 and answer.json()["id"] == job_id
        assert len(statements) == 1, statements  # the token check and the job, together


async def test_status_refuses_bad_tokens_and_hides_other_accounts_jobs(
    settings_factory: Callable[..., ServerSettings],
) -> None:
    async with running(create_app(settings_factory(token_lifetime=7 * 86400.0, **QUIET))) as api:
        token = await sign_up(api)
        grant(api, "ada@example.com", 5)
        job_id = (await api.post("/v1/images", json=JOB, headers=bearer(token))).json()["id"]
        other = await sign_up(api, "bob@example.com")
        services = api._transport.app.state.services  # type: ignore[attr-defined]

        missing = await api.get(f"/v1/images/{job_id}")
        assert missing.status_code == 401 and missing.json()["detail"] == "sign in first"
        assert missing.headers["WWW-Authenticate"] == "Bearer"
        wrong = await api.get(f"/v1/images/{job_id}", headers=bearer("amt_not-a-token"))
        assert wrong.status_code == 401 and "not valid" in wrong.json()["detail"]
        # Bob's token is good, but the job is Ada's: as missing as a job that never was, waiting or not.
        for path in (f"/v1/images/{job_id}", f"/v1/images/{job_id}?wait=30", "/v1/images/no-such-job"):
            answer = await api.get(path, headers=bearer(other))
            assert answer.status_code == 404 and answer.json()["detail"] == "no such image job"
        assert (await api.get("/v1/images/no-such-job", headers=bearer("amt_not-a-token"))).status_code == 401

        # Unused for longer than the lifetime: refused here as on every route.
        services.accounts._uses.clear()  # as in a fresh worker process
        with services.store.writes.begin() as session:
            session.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(days=8)))
        expired = await api.get(f"/v1/images/{job_id}", headers=bearer(other))
        assert expired.status_code == 401 and "expired" in expired.json()["detail"]

        # Signed out: refused.
        with services.store.writes.begin() as session:
            session.execute(update(ApiToken).values(last_used_at=utcnow()))
        assert (await api.get(f"/v1/images/{job_id}", headers=bearer(token))).status_code == 200
        assert (await api.delete("/v1/sessions/current", headers=bearer(token))).status_code == 204
        assert (await api.get(f"/v1/images/{job_id}", headers=bearer(token))).status_code == 401


async def test_status_reads_stay_within_the_pool(settings_factory: Callable[..., ServerSettings]) -> None:
    """Postgres reads run on threads no more numerous than the pool's connections, so a burst of polls
    never opens (and closes) overflow connections; on SQLite they run on the loop, one at a time."""
    size = 2
    async with running(create_app(settings_factory(db_pool_size=size, db_pool_overflow=10, **QUIET))) as api:
        token = await sign_up(api)
        grant(api, "ada@example.com", 5)
        job_id = (await api.post("/v1/images", json=JOB, headers=bearer(token))).json()["id"]
        engine = api._transport.app.state.services.store.engine  # type: ignore[attr-defined]
        held: list[int] = []
        lock = threading.Lock()

        def checked_out(*_args: Any) -> None:
            with lock:
                held.append(engine.pool.checkedout())
            threading.Event().wait(0.005)  # a slower network: checkouts overlap if anything lets them

        event.listen(engine, "checkout", checked_out)
        try:
            answers = await asyncio.gather(*(api.get(f"/v1/images/{job_id}", headers=bearer(token)) for _ in range(40)))
        finally:
            event.remove(engine, "checkout", checked_out)
        assert all(answer.status_code == 200 for answer in answers)
        assert len(held) == 40 and max(held) <= size, held
