"""Accounts under abuse: the reserved local address, weak credentials, guessing, old tokens, hash load."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update

from modal_app.accounts import LOCAL_EMAIL
from modal_app.api import create_app
from modal_app.local import LocalStudio
from modal_app.ratelimit import SignInLimiter
from modal_app.settings import ServerSettings
from modal_app.store.db import _alembic_config, create_server_engine
from modal_app.store.models import ApiToken, utcnow
from tests.server.conftest import bearer, live_server, running, sign_up, wait_until

JOB = {"model": "flux-schnell", "prompt": "while others sign in"}


@pytest.mark.parametrize("email", [LOCAL_EMAIL, "LOCAL@Amethyst.Local", "other@amethyst.local", "x@a.amethyst.local"])
@pytest.mark.sqlite_only("refused by validation before any database statement")
async def test_reserved_local_addresses_are_refused_at_sign_up(api: httpx.AsyncClient, email: str) -> None:
    answer = await api.post("/v1/accounts", json={"email": email, "password": "a long passphrase"})
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"][0]
    assert detail["loc"][-1] == "email" and "reserved" in detail["msg"]


async def test_a_squatter_on_the_local_email_never_gets_the_local_token(tmp_path: Path) -> None:
    """An older server let someone sign up as local@amethyst.local and handed it the desktop's token."""
    folder = tmp_path / "local"
    folder.mkdir()
    url = f"sqlite:///{folder / 'studio.db'}"
    old = create_server_engine(url)
    from alembic import command

    command.upgrade(_alembic_config(old), "0002_negative_prompt")
    # What the old ensure_local_token did: the desktop's token issued to the squatter's account.
    old_token = "amt_the-desktops-old-token"
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (id, email, password_hash, plan, local, created_at)"
                " VALUES ('squat', :email, 'x', 'free', 0, '2026-01-01')"
            ),
            {"email": LOCAL_EMAIL},
        )
        connection.execute(
            text(
                "INSERT INTO api_tokens (id, account_id, token_hash, label, created_at)"
                " VALUES ('t', 'squat', :digest, 'local desktop', '2026-01-01')"
            ),
            {"digest": hmac.new(b"", old_token.encode(), hashlib.sha256).hexdigest()},
        )
    old.dispose()
    (folder / "local-token").write_text(old_token)

    app, token = LocalStudio(folder).start()
    assert token != old_token
    async with running(app) as client:
        me = (await client.get("/v1/me", headers=bearer(token))).json()
        assert me["account"]["local"] is True and me["account"]["id"] != "squat"
        assert (await client.get("/v1/me", headers=bearer(old_token))).status_code == 401  # revoked by 0003
        job = await client.post("/v1/images", json=JOB, headers=bearer(token))
        assert job.status_code == 201
        services = app.state.services
        squatter = services.jobs.list_jobs("squat")[0]
        assert squatter == []


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("        ", "only spaces"),
        ("12345678", "most common"),
        ("Password1", "most common"),
        ("aaaaaaaaaaaa", "different characters"),
        ("ada@example.com", "email address"),
        ("my ada@example.com!", "email address"),
        ("xx-adalovelace-99", "name part"),
        ("short", "at least 8"),
    ],
)
@pytest.mark.sqlite_only("refused by validation before any database statement")
async def test_weak_passwords_are_refused_with_the_reason(api: httpx.AsyncClient, password: str, reason: str) -> None:
    email = "adalovelace@example.com" if "adalovelace" in password else "ada@example.com"
    answer = await api.post("/v1/accounts", json={"email": email, "password": password})
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"][0]
    assert detail["loc"][-1] == "password" and reason in detail["msg"]


@pytest.mark.parametrize("email", ["a@.c", "x@y.", "a\x00b@example.com", "ada@example", "two@@example.com"])
@pytest.mark.sqlite_only("refused by validation before any database statement")
async def test_invalid_emails_are_refused(api: httpx.AsyncClient, email: str) -> None:
    answer = await api.post("/v1/accounts", json={"email": email, "password": "a long passphrase"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"][-1] == "email"


@pytest.mark.sqlite_only("the sign-in limiter lives in the process's memory")
def test_sign_in_is_limited_per_account_and_per_address_over_loopback(
    settings_factory: Callable[..., ServerSettings],
) -> None:
    app = create_app(settings_factory(signin_per_account=3, signin_per_address=5))
    with live_server(app) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        for email in ("ada@example.com", "bob@example.com"):
            made = client.post("/v1/accounts", json={"email": email, "password": "correct horse"})
            assert made.status_code == 201
        wrong = {"email": "ada@example.com", "password": "not the one"}
        assert [client.post("/v1/sessions", json=wrong).status_code for _ in range(3)] == [401] * 3
        limited = client.post("/v1/sessions", json=wrong)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0 and "try again" in limited.json()["detail"]
        # The right password waits too: the account is locked for the window, not only wrong guesses.
        right = {"email": "ada@example.com", "password": "correct horse"}
        assert client.post("/v1/sessions", json=right).status_code == 429
        # Another account from the same address: two more failures fill the address's five.
        bob_wrong = {"email": "bob@example.com", "password": "not the one"}
        assert [client.post("/v1/sessions", json=bob_wrong).status_code for _ in range(2)] == [401, 401]
        assert (
            client.post("/v1/sessions", json={"email": "bob@example.com", "password": "correct horse"}).status_code
            == 429
        )
    app.state.services.close()


def test_the_limiter_window_slides_and_a_success_clears_the_account() -> None:
    now = [1000.0]
    limiter = SignInLimiter(per_account=2, per_address=100, window_s=60, clock=lambda: now[0])
    assert limiter.attempt("a", "1.2.3.4") == 0
    now[0] += 10
    assert limiter.attempt("a", "1.2.3.4") == 0
    assert limiter.attempt("a", "1.2.3.4") == 50  # the first failure leaves the window in 50 s
    now[0] += 50
    assert limiter.attempt("a", "1.2.3.4") == 0
    limiter.succeeded("a", "1.2.3.4")
    assert limiter.attempt("a", "1.2.3.4") == 0 and limiter.attempt("a", "1.2.3.4") == 0


async def test_tokens_slide_expire_and_list_their_last_use(settings_factory: Callable[..., ServerSettings]) -> None:
    lifetime = 7 * 86400.0
    async with running(create_app(settings_factory(token_lifetime=lifetime))) as api:
        token = await sign_up(api)
        services = api._transport.app.state.services  # type: ignore[attr-defined]
        listing = (await api.get("/v1/tokens", headers=bearer(token))).json()["tokens"]
        assert listing[0]["last_used_at"] is not None and listing[0]["expires_at"] is not None
        assert services.accounts.flush_token_use() >= 1

        # Made long ago but used yesterday: still good (sliding), and the use moves the expiry on.
        with services.store.writes.begin() as session:
            session.execute(
                update(ApiToken).values(
                    created_at=utcnow() - timedelta(days=60), last_used_at=utcnow() - timedelta(days=1)
                )
            )
        services.accounts._uses.clear()  # as in a fresh worker process
        assert (await api.get("/v1/me", headers=bearer(token))).status_code == 200

        # Unused for longer than the lifetime: refused, then revoked by the server's own sweep.
        services.accounts._uses.clear()
        with services.store.writes.begin() as session:
            session.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(days=8)))
        refused = await api.get("/v1/me", headers=bearer(token))
        assert refused.status_code == 401 and "expired" in refused.json()["detail"]
        assert services.accounts.expire_tokens() == 1
        with services.store.reads() as session:
            assert session.query(ApiToken).filter(ApiToken.revoked_at.is_(None)).count() == 0


class BlockingHasher:
    """argon2's PasswordHasher surface (hash, verify), held until ``release`` so the pool stays full."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.release = threading.Event()

    def hash(self, password: str) -> str:
        self.release.wait(60)
        return str(self._real.hash(password))

    def verify(self, hashed: str, password: str) -> bool:
        self.release.wait(60)
        return bool(self._real.verify(hashed, password))


@pytest.mark.sqlite_only("the password-hashing pool is under test; Postgres writes run on threads anyway")
async def test_twelve_signins_in_flight_do_not_hold_up_database_writes(api: httpx.AsyncClient) -> None:
    token = await sign_up(api)
    services = api._transport.app.state.services  # type: ignore[attr-defined]
    blocking = BlockingHasher(services.accounts.hashing.hasher)
    services.accounts.hashing.hasher = blocking
    services.signins.per_address = services.signins.per_account = 100
    body = {"email": "ada@example.com", "password": "correct horse"}
    signins = [asyncio.create_task(api.post("/v1/sessions", json=body)) for _ in range(12)]
    try:
        await wait_until(lambda: services.accounts.hashing.pending == 12, "twelve sign-ins are hashing")
        # A submit writes on the default executor; with hashing there it would wait for the sign-ins.
        submitted = await asyncio.wait_for(api.post("/v1/images", json=JOB, headers=bearer(token)), 30)
        assert submitted.status_code in (201, 402)
        assert not any(task.done() for task in signins)
    finally:
        blocking.release.set()
    assert [answer.status_code for answer in await asyncio.gather(*signins)] == [200] * 12
