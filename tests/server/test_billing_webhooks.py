"""Stripe webhooks with real signatures: every event type, rejection of forged or stale deliveries, exactly
once under duplicates and reordering, refunds with debt."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from typing import Any

import httpx

from modal_app.api import create_app
from modal_app.ledger import reserve_in
from modal_app.settings import ServerSettings
from tests.billing.support import billing_api_fixture, deliver, fake_stripe_fixture, stripe_settings  # noqa: F401
from tests.fakes.stripe_fake import FakeStripe, event, signed
from tests.server.conftest import bearer, live_server, sign_up


async def checkout(client: httpx.AsyncClient, token: str, body: dict[str, str], key: str = "k-0000001") -> str:
    response = await client.post("/v1/checkout", json=body, headers={**bearer(token), "Idempotency-Key": key})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def credits(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    return dict((await client.get("/v1/credits", headers=bearer(token))).json())


async def billing(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    return dict((await client.get("/v1/billing", headers=bearer(token))).json())


async def history(client: httpx.AsyncClient, token: str) -> list[tuple[int, str]]:
    entries = (await client.get("/v1/credits/history", headers=bearer(token))).json()["entries"]
    return [(e["amount"], e["reason"]) for e in reversed(entries)]


async def test_a_paid_pack_is_granted_once_whatever_arrives_twice(
    billing_api: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    token = await sign_up(billing_api)
    session = fake_stripe.complete(await checkout(billing_api, token, {"pack": "pack-50"}))
    completed = event("checkout.session.completed", session)
    first = await deliver(billing_api, completed)
    assert first.status_code == 200 and first.json()["outcome"] == "applied"
    assert (await deliver(billing_api, completed)).json()["outcome"] == "duplicate"
    # Stripe sends async_payment_succeeded only for delayed methods, but a session granted twice must not be.
    assert (await deliver(billing_api, event("checkout.session.async_payment_succeeded", session))).status_code == 200
    assert (await credits(billing_api, token))["balance"] == 50
    assert await history(billing_api, token) == [(50, "pack")]


async def test_an_asynchronous_payment_grants_only_when_it_succeeds(
    billing_api: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    token = await sign_up(billing_api)
    failing = fake_stripe.complete(await checkout(billing_api, token, {"pack": "pack-25"}, "k-fail-001"), paid=False)
    await deliver(billing_api, event("checkout.session.completed", failing))
    assert (await credits(billing_api, token))["balance"] == 0
    await deliver(billing_api, event("checkout.session.async_payment_failed", failing))
    assert (await billing(billing_api, token))["last_payment_failed"] is True
    assert (await credits(billing_api, token))["balance"] == 0

    paying = fake_stripe.complete(await checkout(billing_api, token, {"pack": "pack-25"}, "k-pay-0001"), paid=False)
    await deliver(billing_api, event("checkout.session.completed", paying))
    await deliver(billing_api, event("checkout.session.async_payment_succeeded", {**paying, "payment_status": "paid"}))
    assert (await credits(billing_api, token))["balance"] == 25
    assert (await billing(billing_api, token))["last_payment_failed"] is False


async def test_subscription_events_set_plan_status_and_renewal_and_invoices_grant_monthly_credits(
    billing_api: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    token = await sign_up(billing_api)
    session_id = await checkout(billing_api, token, {"plan": "pro"})
    fake_stripe.complete(session_id)
    end = int(time.time()) + 30 * 86400
    now = int(time.time())
    await deliver(
        billing_api, event("customer.subscription.created", fake_stripe.subscription(session_id, period_end=end), now)
    )
    state = await billing(billing_api, token)
    assert state["plan"]["id"] == "pro" and state["status"] == "active"
    assert state["renews_at"].startswith(time.strftime("%Y-%m-%d", time.gmtime(end)))
    me = (await billing_api.get("/v1/me", headers=bearer(token))).json()
    assert me["plan"]["id"] == "pro"

    invoice = fake_stripe.invoice(session_id)
    await deliver(billing_api, event("invoice.paid", invoice, now))
    await deliver(billing_api, event("invoice.paid", invoice, now))  # the same invoice in a second event
    await deliver(billing_api, event("invoice.paid", fake_stripe.invoice(session_id, number=2), now + 1))
    assert (await credits(billing_api, token))["balance"] == 2 * 150

    past_due = fake_stripe.subscription(session_id, status="past_due")
    await deliver(billing_api, event("customer.subscription.updated", past_due, now + 2))
    assert (await billing(billing_api, token))["status"] == "past_due"
    await deliver(billing_api, event("customer.subscription.deleted", {**past_due, "status": "canceled"}, now + 3))
    state = await billing(billing_api, token)
    assert (state["plan"]["id"], state["status"], state["renews_at"]) == ("free", "cancelled", None)


async def test_subscription_events_out_of_order_end_in_the_right_state(
    billing_api: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    token = await sign_up(billing_api)
    session_id = await checkout(billing_api, token, {"plan": "enterprise"})
    fake_stripe.complete(session_id)
    now = int(time.time())
    updated = event("customer.subscription.updated", fake_stripe.subscription(session_id, status="past_due"), now + 5)
    created = event("customer.subscription.created", fake_stripe.subscription(session_id, status="active"), now)
    await deliver(billing_api, updated)  # the update overtakes its create
    await deliver(billing_api, created)
    state = await billing(billing_api, token)
    assert (state["plan"]["id"], state["status"]) == ("enterprise", "past_due")

    deleted = event("customer.subscription.deleted", fake_stripe.subscription(session_id, status="canceled"), now + 9)
    late_update = event("customer.subscription.updated", fake_stripe.subscription(session_id), now + 9)
    await deliver(billing_api, deleted)
    await deliver(billing_api, late_update)  # same second, delivered after the delete: the delete stands
    state = await billing(billing_api, token)
    assert (state["plan"]["id"], state["status"]) == ("free", "cancelled")


async def test_refunds_take_credits_back_down_to_what_is_reserved_and_the_rest_is_debt(
    billing_api: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    token = await sign_up(billing_api)
    services = billing_api._transport.app.state.services  # type: ignore[attr-defined]
    account_id = services.accounts.find_by_email("ada@example.com").id
    first_id = await checkout(billing_api, token, {"pack": "pack-50"}, "k-refund-1")
    first = fake_stripe.complete(first_id)
    await deliver(billing_api, event("checkout.session.completed", first))
    with services.store.writes.begin() as session:
        reserve_in(session, account_id, "job-in-flight", 40)  # a job holds 40 of the 50

    await deliver(billing_api, event("charge.refunded", fake_stripe.charge_refunded(first_id, 1000)))  # half: 25
    summary = await credits(billing_api, token)
    assert (summary["balance"], summary["reserved"], summary["available"]) == (40, 40, 0)
    assert (await billing(billing_api, token))["debt"] == 15

    await deliver(billing_api, event("charge.refunded", fake_stripe.charge_refunded(first_id, 1000)))  # no change
    await deliver(billing_api, event("charge.refunded", fake_stripe.charge_refunded(first_id, 2000)))  # the rest
    assert (await credits(billing_api, token))["balance"] == 40 and (await billing(billing_api, token))["debt"] == 40

    second = fake_stripe.complete(await checkout(billing_api, token, {"pack": "pack-100"}, "k-refund-2"))
    await deliver(billing_api, event("checkout.session.completed", second))
    summary = await credits(billing_api, token)
    assert (summary["balance"], summary["available"]) == (100, 60)  # 40 + 100 − 40 of debt repaid
    assert (await billing(billing_api, token))["debt"] == 0
    assert await history(billing_api, token) == [
        (50, "pack"),
        (-10, "refund"),
        (0, "refund"),
        (100, "pack"),
        (-40, "debt repaid"),
    ]


async def test_a_refund_before_its_payment_is_applied_when_the_payment_arrives(
    billing_api: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    token = await sign_up(billing_api)
    session_id = await checkout(billing_api, token, {"pack": "pack-10"})
    session = fake_stripe.complete(session_id)
    await deliver(billing_api, event("charge.refunded", fake_stripe.charge_refunded(session_id, 500)))
    await deliver(billing_api, event("checkout.session.completed", session))
    assert (await credits(billing_api, token))["balance"] == 0
    assert (await billing(billing_api, token))["debt"] == 0


async def test_forged_stale_tampered_or_unsigned_deliveries_are_400_and_change_nothing(
    billing_api: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    token = await sign_up(billing_api)
    session = fake_stripe.complete(await checkout(billing_api, token, {"pack": "pack-50"}))
    genuine = event("checkout.session.completed", session)
    wrong_secret = await deliver(billing_api, genuine, secret="whsec_someone_else")
    stale = await deliver(billing_api, genuine, timestamp=int(time.time()) - 3600)
    body, header = signed(genuine)
    tampered_body = body.replace(b'"pack-50"', b'"pack-250"')
    tampered = await billing_api.post("/v1/stripe/webhook", content=tampered_body, headers={"Stripe-Signature": header})
    unsigned = await billing_api.post("/v1/stripe/webhook", content=body)
    garbage_body = b"not json"
    _, garbage_header = signed({"id": "x"})
    garbage = await billing_api.post(
        "/v1/stripe/webhook",
        content=garbage_body,
        headers={"Stripe-Signature": garbage_header.replace(garbage_header.split("v1=")[1], "0" * 64)},
    )
    for response in (wrong_secret, stale, tampered, unsigned, garbage):
        assert response.status_code == 400, response.text
        assert "signature" in response.json()["detail"] or "not a Stripe event" in response.json()["detail"]
    assert (await credits(billing_api, token))["balance"] == 0
    assert (await deliver(billing_api, genuine)).json()["outcome"] == "applied"  # the real one still applies
    assert (await credits(billing_api, token))["balance"] == 50


async def test_unknown_event_types_are_acknowledged_and_ignored(billing_api: httpx.AsyncClient) -> None:
    response = await deliver(billing_api, event("customer.created", {"id": "cus_x", "object": "customer"}))
    assert response.status_code == 200 and response.json()["outcome"] == "ignored"


async def test_no_webhook_secret_is_503_so_stripe_retries(
    settings_factory: Callable[..., ServerSettings], fake_stripe: FakeStripe
) -> None:
    from tests.server.conftest import running

    settings = settings_factory(**{**stripe_settings(fake_stripe), "stripe_webhook_secret": None})
    async with running(create_app(settings)) as client:
        response = await deliver(client, event("customer.created", {"id": "cus_x"}))
        assert response.status_code == 503


async def test_a_hundred_concurrent_deliveries_with_duplicates_and_reordering_apply_each_event_once(
    settings_factory: Callable[..., ServerSettings], fake_stripe: FakeStripe
) -> None:
    app = create_app(settings_factory(**stripe_settings(fake_stripe)))
    with live_server(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            token = await sign_up(client)
            sizes = {"pack-10": 10, "pack-25": 25, "pack-50": 50, "pack-100": 100, "pack-250": 250}
            events: list[dict[str, Any]] = []
            for n in range(30):
                pack = list(sizes)[n % len(sizes)]
                session = fake_stripe.complete(await checkout(client, token, {"pack": pack}, f"k-load-{n:04d}"))
                events.append(event("checkout.session.completed", session))
            sub_id = await checkout(client, token, {"plan": "pro"}, "k-load-plan")
            fake_stripe.complete(sub_id)
            now = int(time.time())
            events.append(event("customer.subscription.created", fake_stripe.subscription(sub_id), now))
            events.append(event("customer.subscription.updated", fake_stripe.subscription(sub_id), now + 1))
            events += [event("invoice.paid", fake_stripe.invoice(sub_id, number=k), now + k) for k in (1, 2)]
            expected = sum(sizes[e["data"]["object"]["metadata"]["pack"]] for e in events[:30]) + 2 * 150

            rng = random.Random(13)
            deliveries = list(events) + [rng.choice(events) for _ in range(100 - len(events))]
            rng.shuffle(deliveries)
            bodies = [signed(e) for e in deliveries]

            async def send(body: bytes, header: str) -> str:
                response = await client.post("/v1/stripe/webhook", content=body, headers={"Stripe-Signature": header})
                assert response.status_code == 200, response.text
                return str(response.json()["outcome"])

            outcomes = await asyncio.gather(*(send(body, header) for body, header in bodies))
            assert outcomes.count("applied") == len(events)
            assert outcomes.count("duplicate") == 100 - len(events)
            assert (await credits(client, token))["balance"] == expected
            state = await billing(client, token)
            assert (state["plan"]["id"], state["status"]) == ("pro", "active")
            entries = (await client.get("/v1/credits/history?limit=200", headers=bearer(token))).json()["entries"]
            assert len(entries) == 32 and len({e["reference"] for e in entries}) == 32
    app.state.services.close()


async def test_payments_and_their_refunds_delivered_at_once_end_refunded(
    settings_factory: Callable[..., ServerSettings], fake_stripe: FakeStripe
) -> None:
    """Each pack's payment and its full refund arrive together (twice each, shuffled): on Postgres both
    transactions reach the payment's row at once; every pack ends credited and taken back, no 500."""
    app = create_app(settings_factory(**stripe_settings(fake_stripe)))
    with live_server(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            token = await sign_up(client)
            events: list[dict[str, Any]] = []
            for n in range(12):
                session_id = await checkout(client, token, {"pack": "pack-10"}, f"k-refund-{n:04d}")
                session = fake_stripe.complete(session_id)
                events.append(event("checkout.session.completed", session))
                events.append(event("charge.refunded", fake_stripe.charge_refunded(session_id, 500)))
            deliveries = events + events
            random.Random(7).shuffle(deliveries)

            async def send(body: bytes, header: str) -> str:
                response = await client.post("/v1/stripe/webhook", content=body, headers={"Stripe-Signature": header})
                assert response.status_code == 200, response.text
                return str(response.json()["outcome"])

            outcomes = await asyncio.gather(*(send(*signed(e)) for e in deliveries))
            assert sorted(set(outcomes)) == ["applied", "duplicate"] and outcomes.count("applied") == len(events)
            assert (await credits(client, token))["balance"] == 0
            assert (await billing(client, token))["debt"] == 0
            entries = (await client.get("/v1/credits/history?limit=200", headers=bearer(token))).json()["entries"]
            assert sorted(e["amount"] for e in entries) == [-10] * 12 + [10] * 12
    app.state.services.close()


def test_event_json_round_trips_through_the_sdk() -> None:
    body, header = signed(event("invoice.paid", {"id": "in_1", "lines": {"data": []}}))
    from modal_app.billing.webhooks import verify

    values = verify(body, header, "whsec_test_amethyst", 300)
    assert values["data"]["object"]["id"] == "in_1" and json.loads(body)["type"] == values["type"]
