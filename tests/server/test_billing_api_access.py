"""API access, a plan limit: personal API tokens are made and accepted only on a plan with API access; the
desktop's sign-in tokens are never refused for it; billing off (Local) has no plans."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from modal_app.api import create_app
from modal_app.settings import ServerSettings
from tests.billing.support import billing_api_fixture, deliver, fake_stripe_fixture  # noqa: F401
from tests.fakes.stripe_fake import FakeStripe, event
from tests.server.conftest import bearer, running, sign_up


async def make_token(client: httpx.AsyncClient, token: str, label: str = "nightly script") -> httpx.Response:
    return await client.post("/v1/tokens", json={"label": label}, headers=bearer(token))


def refused_for_api_access(response: httpx.Response, plan: str) -> dict[str, Any]:
    assert response.status_code == 403, response.text
    detail = dict(response.json()["detail"])
    assert (detail["plan"], detail["limit"], detail["allowed"], detail["upgrade"]) == (
        plan,
        "api_access",
        0,
        "enterprise",
    )
    assert "no API access" in detail["message"] and "Enterprise" in detail["message"]
    return detail


async def subscribe(client: httpx.AsyncClient, fake: FakeStripe, token: str, plan: str, created: int) -> str:
    answer = await client.post(
        "/v1/checkout", json={"plan": plan}, headers={**bearer(token), "Idempotency-Key": f"k-{plan}-0001"}
    )
    assert answer.status_code == 200, answer.text
    session_id = str(answer.json()["id"])
    fake.complete(session_id)
    sent = await deliver(client, event("customer.subscription.created", fake.subscription(session_id), created))
    assert sent.json()["outcome"] == "applied"
    return session_id


async def test_free_and_pro_plans_cannot_make_a_personal_token(
    billing_api: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    token = await sign_up(billing_api)
    refused_for_api_access(await make_token(billing_api, token), "free")
    await subscribe(billing_api, fake_stripe, token, "pro", int(time.time()))
    refused_for_api_access(await make_token(billing_api, token), "pro")
    listed = (await billing_api.get("/v1/tokens", headers=bearer(token))).json()["tokens"]
    assert len(listed) == 1 and listed[0]["current"]  # only the sign-up's own token: nothing was made


async def test_enterprise_makes_personal_tokens_and_a_downgrade_stops_them_but_not_the_desktop(
    billing_api: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    desktop = await sign_up(billing_api)
    now = int(time.time())
    session_id = await subscribe(billing_api, fake_stripe, desktop, "enterprise", now)

    made = await make_token(billing_api, desktop, "  CI uploads  ")
    assert made.status_code == 201, made.text
    personal = made.json()["token"]
    assert made.json()["label"] == "CI uploads" and personal.startswith("amt_")
    assert (await billing_api.get("/v1/credits", headers=bearer(personal))).status_code == 200
    assert (await billing_api.get("/v1/images/no-such-job", headers=bearer(personal))).status_code == 404
    listed = (await billing_api.get("/v1/tokens", headers=bearer(desktop))).json()["tokens"]
    assert {t["id"] for t in listed} >= {made.json()["id"]}
    state = (await billing_api.get("/v1/billing", headers=bearer(desktop))).json()
    assert state["usage"]["api_tokens"] == 1

    cancelled = fake_stripe.subscription(session_id, status="canceled")
    await deliver(billing_api, event("customer.subscription.deleted", cancelled, now + 1))
    refused_for_api_access(await billing_api.get("/v1/credits", headers=bearer(personal)), "free")
    refused_for_api_access(await make_token(billing_api, personal), "free")
    # Every route, the job-status poll too (it reads the token and the job in one statement of its own).
    for wait in ("", "?wait=1"):
        status = await billing_api.get(f"/v1/images/no-such-job{wait}", headers=bearer(personal))
        refused_for_api_access(status, "free")
    # The desktop's sign-in token is not an API token: it goes on working on the Free plan.
    assert (await billing_api.get("/v1/credits", headers=bearer(desktop))).status_code == 200
    assert (await billing_api.get("/v1/billing", headers=bearer(desktop))).json()["plan"]["id"] == "free"
    assert (await make_token(billing_api, desktop)).status_code == 403

    # Renewing restores the same token; revoking it (with the desktop) ends it for good.
    await deliver(billing_api, event("customer.subscription.updated", fake_stripe.subscription(session_id), now + 2))
    assert (await billing_api.get("/v1/credits", headers=bearer(personal))).status_code == 200
    revoked = await billing_api.delete(f"/v1/tokens/{made.json()['id']}", headers=bearer(desktop))
    assert revoked.status_code == 204
    assert (await billing_api.get("/v1/credits", headers=bearer(personal))).status_code == 401


async def test_personal_token_bodies_are_checked(billing_api: httpx.AsyncClient) -> None:
    token = await sign_up(billing_api)
    for body in ({}, {"label": ""}, {"label": "x" * 101}, {"label": 5}, {"label": "ok", "plan": "enterprise"}):
        response = await billing_api.post("/v1/tokens", json=body, headers=bearer(token))
        assert response.status_code == 422, (body, response.text)
    assert (await billing_api.post("/v1/tokens", json={"label": "ok"})).status_code == 401


async def test_with_billing_off_plans_do_not_apply_to_personal_tokens(
    settings_factory: Callable[..., ServerSettings],
) -> None:
    async with running(create_app(settings_factory(billing_enabled=False))) as client:
        token = await sign_up(client)
        made = await make_token(client, token)
        assert made.status_code == 201, made.text
        assert (await client.get("/v1/credits", headers=bearer(made.json()["token"]))).status_code == 200
