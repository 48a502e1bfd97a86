"""``GET /v1/billing?wait=…&since=…``: the answer comes when a webhook credits or changes the account (woken
in this process), when another writer changed it (seen by the re-read), or after ``wait`` unchanged."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from modal_app.billing.service import BillingService
from tests.billing.support import billing_api_fixture, deliver, fake_stripe_fixture  # noqa: F401
from tests.fakes.stripe_fake import FakeStripe, event
from tests.server.conftest import bearer, grant, sign_up


async def status(client: httpx.AsyncClient, token: str, **params: Any) -> dict[str, Any]:
    response = await client.get("/v1/billing", headers=bearer(token), params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def until_waiting(client: httpx.AsyncClient, token: str) -> None:
    """Until the server holds one long poll of this account (a condition on the server, not a delay)."""
    service: BillingService = client._transport.app.state.billing  # type: ignore[attr-defined]
    account_id = (await client.get("/v1/me", headers=bearer(token))).json()["account"]["id"]
    for _ in range(10_000):
        if service.changes.waiting(account_id) == 1:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the long poll never started waiting")


async def test_a_paid_checkout_answers_the_waiting_long_poll(
    billing_api: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    token = await sign_up(billing_api)
    before = await status(billing_api, token)
    answer = await billing_api.post(
        "/v1/checkout", json={"pack": "pack-25"}, headers={**bearer(token), "Idempotency-Key": "k-long-poll"}
    )
    session = fake_stripe.complete(answer.json()["id"])
    poll = asyncio.create_task(status(billing_api, token, wait=25, since=before["version"]))
    await until_waiting(billing_api, token)
    assert not poll.done()
    assert (await deliver(billing_api, event("checkout.session.completed", session))).json()["outcome"] == "applied"
    after = await poll
    assert after["version"] != before["version"] and after["customer"] is True
    assert (await billing_api.get("/v1/credits", headers=bearer(token))).json()["balance"] == 25
    # Nothing changed since: the same version comes back once ``wait`` is over.
    again = await status(billing_api, token, wait=0.2, since=after["version"])
    assert again["version"] == after["version"]


async def test_a_change_the_webhook_did_not_announce_is_seen_by_the_re_read(billing_api: httpx.AsyncClient) -> None:
    token = await sign_up(billing_api, "grace@example.com")
    before = await status(billing_api, token)
    poll = asyncio.create_task(status(billing_api, token, wait=25, since=before["version"]))
    await until_waiting(billing_api, token)
    # As if another server process applied it: a ledger entry with no wake-up in this process.
    await asyncio.to_thread(grant, billing_api, "grace@example.com", 7)
    after = await poll
    assert after["version"] != before["version"]


async def test_a_stale_since_answers_at_once_and_wait_is_bounded(billing_api: httpx.AsyncClient) -> None:
    token = await sign_up(billing_api)
    current = await status(billing_api, token)
    assert (await status(billing_api, token, wait=25, since="not-the-version"))["version"] == current["version"]
    assert (await status(billing_api, token, wait=0, since=current["version"]))["version"] == current["version"]
    for wait in ("26", "-1", "soon"):
        response = await billing_api.get("/v1/billing", headers=bearer(token), params={"wait": wait, "since": "x"})
        assert response.status_code == 422, response.text
