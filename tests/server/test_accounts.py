"""Accounts over HTTP: sign-up, sign-in, sign-out, tokens, /v1/me, and the local account."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from modal_app.local import LocalStudio
from modal_app.store.models import ApiToken
from tests.server.conftest import bearer, running, sign_up


@pytest.mark.sqlite_only("plain account rows; the unique email on Postgres is test_duplicate_email_and_bad_input")
async def test_sign_up_sign_in_and_me(api: httpx.AsyncClient) -> None:
    token = await sign_up(api, "Ada@Example.com")
    me = (await api.get("/v1/me", headers=bearer(token))).json()
    assert me["account"]["email"] == "ada@example.com"
    assert me["plan"]["id"] == "free" and me["plan"]["max_models"] == 1
    assert me["billing_enabled"] is True

    wrong = await api.post("/v1/sessions", json={"email": "ada@example.com", "password": "nope nope"})
    assert wrong.status_code == 401
    signed_in = await api.post("/v1/sessions", json={"email": "ADA@example.com", "password": "correct horse"})
    assert signed_in.status_code == 200
    assert signed_in.json()["token"] != token


async def test_duplicate_email_and_bad_input(api: httpx.AsyncClient) -> None:
    await sign_up(api)
    again = await api.post("/v1/accounts", json={"email": "ada@example.com", "password": "another one"})
    assert again.status_code == 409
    short = await api.post("/v1/accounts", json={"email": "bob@example.com", "password": "short"})
    assert short.status_code == 422 and short.json()["detail"][0]["loc"][-1] == "password"
    bad_email = await api.post("/v1/accounts", json={"email": "not-an-email", "password": "long enough"})
    assert bad_email.status_code == 422 and bad_email.json()["detail"][0]["loc"][-1] == "email"


@pytest.mark.sqlite_only("plain token rows; token uses on Postgres are in test_account_abuse")
async def test_tokens_are_stored_hashed_listed_revoked_and_sign_out(api: httpx.AsyncClient) -> None:
    first = await sign_up(api)
    second = (await api.post("/v1/sessions", json={"email": "ada@example.com", "password": "correct horse"})).json()[
        "token"
    ]
    services = api._transport.app.state.services  # type: ignore[attr-defined]
    with services.store.reads() as session:
        stored = [row.token_hash for row in session.query(ApiToken).all()]
    assert first not in stored and second not in stored and len(stored) == 2

    listing = (await api.get("/v1/tokens", headers=bearer(first))).json()["tokens"]
    assert len(listing) == 2 and sum(t["current"] for t in listing) == 1
    other = next(t for t in listing if not t["current"])
    assert (await api.delete(f"/v1/tokens/{other['id']}", headers=bearer(first))).status_code == 204
    assert (await api.get("/v1/me", headers=bearer(second))).status_code == 401
    assert (await api.delete(f"/v1/tokens/{other['id']}", headers=bearer(first))).status_code == 404

    assert (await api.delete("/v1/sessions/current", headers=bearer(first))).status_code == 204
    assert (await api.get("/v1/me", headers=bearer(first))).status_code == 401
    assert (await api.get("/v1/me")).status_code == 401


async def test_local_studio_has_one_local_account_with_billing_off(tmp_path: Path) -> None:
    studio = LocalStudio(tmp_path / "local", local_image_model=None)
    app, token = studio.start()
    async with running(app) as client:
        me = (await client.get("/v1/me", headers=bearer(token))).json()
        assert me["account"]["local"] is True and me["billing_enabled"] is False
        credits = (await client.get("/v1/credits", headers=bearer(token))).json()
        assert credits == {"balance": 0, "reserved": 0, "available": 0, "billing_enabled": False}
    assert (tmp_path / "local" / "local-token").read_text() == token
    assert (tmp_path / "local" / "local-token").stat().st_mode & 0o077 == 0

    # A second start reuses the account and its token.
    again_app, again_token = LocalStudio(tmp_path / "local").start()
    assert again_token == token
    async with running(again_app) as client:
        me_again = (await client.get("/v1/me", headers=bearer(token))).json()
        assert me_again["account"]["id"] == me["account"]["id"]


def test_local_studio_serves_on_loopback(tmp_path: Path) -> None:
    studio = LocalStudio(tmp_path / "local")
    base_url = studio.serve()
    try:
        token = studio.token
        assert token is not None
        with httpx.Client(base_url=base_url) as client:
            me = client.get("/v1/me", headers=bearer(token)).json()
        assert me["account"]["local"] is True and me["billing_enabled"] is False
    finally:
        studio.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/v1/health")
