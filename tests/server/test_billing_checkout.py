"""Checkout and the Customer Portal through the real ``stripe`` SDK against a loopback Stripe fake; the price
table; billing off answers 404 everywhere; plan limits answer 403 naming the plan, limit and upgrade."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from modal_app.api import create_app
from modal_app.plans import PlanLimitExceeded, check_limit, plan_limit
from modal_app.settings import ServerSettings, parse_prices
from tests.billing.support import billing_api_fixture, deliver, fake_stripe_fixture, stripe_settings  # noqa: F401
from tests.fakes.stripe_fake import FakeStripe, event
from tests.server.conftest import bearer, running, sign_up

KEY = {"Idempotency-Key": "buy-0001-abcdef"}


async def test_packs_and_plans_carry_prices_discounts_limits_and_allowances(billing_api: httpx.AsyncClient) -> None:
    packs = (await billing_api.get("/v1/packs")).json()["packs"]
    assert [(p["id"], p["credits"], p["price_usd_cents"]) for p in packs] == [
        ("pack-10", 10, 500),
        ("pack-25", 25, 1000),
        ("pack-50", 50, 2000),
        ("pack-100", 100, 3500),
        ("pack-250", 250, 8000),
    ]
    assert [p["discount_percent"] for p in packs] == [0, 20, 20, 30, 36]
    assert packs[3]["cents_per_credit"] == 35.0
    plans = {p["id"]: p for p in (await billing_api.get("/v1/plans")).json()["plans"]}
    assert (plans["free"]["max_models"], plans["pro"]["max_models"], plans["enterprise"]["max_models"]) == (1, 10, 30)
    assert plans["pro"]["price_usd_month"] == 50 and plans["enterprise"]["api_access"] is True
    assert plans["pro"]["monthly_credits"] > 0 and plans["free"]["monthly_credits"] == 0


async def test_pack_checkout_goes_through_the_sdk_with_a_deterministic_idempotency_key(
    billing_api: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    token = await sign_up(billing_api)
    response = await billing_api.post("/v1/checkout", json={"pack": "pack-50"}, headers={**bearer(token), **KEY})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["id"].startswith("cs_test_") and answer["url"].startswith("https://checkout.stripe.com/")
    sent = fake_stripe.requests[-1]
    assert sent.path == "/v1/checkout/sessions"
    account_id = (await billing_api.get("/v1/me", headers=bearer(token))).json()["account"]["id"]
    assert sent.params["mode"] == "payment"
    assert sent.params["line_items"] == [{"price": "price_pack50", "quantity": "1"}]
    assert sent.params["client_reference_id"] == account_id
    assert sent.params["metadata"] == {"account_id": account_id, "pack": "pack-50", "credits": "50"}
    assert sent.params["customer_creation"] == "always" and sent.params["customer_email"] == "ada@example.com"
    assert sent.params["success_url"].startswith("https://studio.example.com/v1/billing/return?result=success")
    assert "{CHECKOUT_SESSION_ID}" in sent.params["success_url"]
    assert sent.headers["idempotency-key"].startswith("amethyst-checkout-")

    again = await billing_api.post("/v1/checkout", json={"pack": "pack-50"}, headers={**bearer(token), **KEY})
    assert again.json() == answer  # the same key: Stripe replays the same session
    assert fake_stripe.requests[-1].headers["idempotency-key"] == sent.headers["idempotency-key"]
    other = await billing_api.post(
        "/v1/checkout", json={"pack": "pack-50"}, headers={**bearer(token), "Idempotency-Key": "buy-0002-abcdef"}
    )
    assert other.json()["id"] != answer["id"]


async def test_plan_checkout_is_a_subscription_and_the_portal_needs_a_customer(
    billing_api: httpx.AsyncClient, fake_stripe: FakeStripe
) -> None:
    token = await sign_up(billing_api)
    refused = await billing_api.post("/v1/billing/portal", headers=bearer(token))
    assert refused.status_code == 409 and "buy a pack or a plan first" in refused.json()["detail"]

    answer = (await billing_api.post("/v1/checkout", json={"plan": "pro"}, headers={**bearer(token), **KEY})).json()
    sent = fake_stripe.requests[-1].params
    assert sent["mode"] == "subscription" and sent["line_items"][0]["price"] == "price_pro"
    assert sent["subscription_data"]["metadata"]["plan"] == "pro"
    session = fake_stripe.complete(answer["id"])
    assert (await deliver(billing_api, event("checkout.session.completed", session))).status_code == 200

    portal = await billing_api.post("/v1/billing/portal", headers=bearer(token))
    assert portal.status_code == 200, portal.text
    assert portal.json()["url"].startswith("https://billing.stripe.com/p/session/")
    assert fake_stripe.requests[-1].params["customer"] == session["customer"]
    assert fake_stripe.requests[-1].params["return_url"].endswith("/v1/billing/return?result=portal")
    billing = (await billing_api.get("/v1/billing", headers=bearer(token))).json()
    assert billing["customer"] is True and billing["plan"]["id"] == "pro"


@pytest.mark.parametrize(
    ("body", "status"),
    [({"pack": "pack-11"}, 422), ({"plan": "free"}, 422), ({"plan": "gold"}, 422), ({}, 422)],
)
async def test_checkout_refuses_unknown_items(billing_api: httpx.AsyncClient, body: dict[str, str], status: int):
    token = await sign_up(billing_api)
    response = await billing_api.post("/v1/checkout", json=body, headers={**bearer(token), **KEY})
    assert response.status_code == status, response.text


async def test_checkout_needs_an_idempotency_key_and_a_sign_in(billing_api: httpx.AsyncClient) -> None:
    assert (await billing_api.post("/v1/checkout", json={"pack": "pack-10"}, headers=KEY)).status_code == 401
    token = await sign_up(billing_api)
    assert (await billing_api.post("/v1/checkout", json={"pack": "pack-10"}, headers=bearer(token))).status_code == 422


async def test_stripe_refusals_and_missing_configuration_are_clear(
    settings_factory: Callable[..., ServerSettings], fake_stripe: FakeStripe
) -> None:
    wrong_key = {**stripe_settings(fake_stripe), "stripe_secret_key": "sk_test_wrong"}
    async with running(create_app(settings_factory(**wrong_key))) as client:
        token = await sign_up(client)
        response = await client.post("/v1/checkout", json={"pack": "pack-10"}, headers={**bearer(token), **KEY})
        assert response.status_code == 502 and "Invalid API Key" in response.json()["detail"]


async def test_no_stripe_key_is_503(settings_factory: Callable[..., ServerSettings]) -> None:
    async with running(create_app(settings_factory())) as client:
        token = await sign_up(client)
        response = await client.post("/v1/checkout", json={"pack": "pack-10"}, headers={**bearer(token), **KEY})
        assert response.status_code == 503 and "no Stripe key" in response.json()["detail"]


async def test_every_billing_route_is_404_with_a_message_when_billing_is_off(
    settings_factory: Callable[..., ServerSettings], fake_stripe: FakeStripe
) -> None:
    settings = settings_factory(billing_enabled=False, local_account=True, **stripe_settings(fake_stripe))
    async with running(create_app(settings)) as client:
        token = client._transport.app.state.services.local_token  # type: ignore[attr-defined]
        calls = [
            ("GET", "/v1/packs"),
            ("POST", "/v1/checkout"),
            ("POST", "/v1/billing/portal"),
            ("GET", "/v1/billing"),
            ("GET", "/v1/billing/spend"),
            ("GET", "/v1/billing/return"),
            ("POST", "/v1/stripe/webhook"),
        ]
        for method, path in calls:
            response = await client.request(method, path, headers={**bearer(token), **KEY}, json={"pack": "pack-10"})
            assert response.status_code == 404, path
            assert "Billing is off" in response.json()["detail"], path
        assert not fake_stripe.requests


def test_plan_limits_name_the_plan_the_limit_and_the_upgrade() -> None:
    assert plan_limit("free", "models") == 1 and plan_limit("pro", "models") == 10
    check_limit("pro", "models", 9)
    with pytest.raises(PlanLimitExceeded) as refused:
        check_limit("free", "models", 1)
    assert refused.value.body() == {
        "message": "The Free plan keeps 1 model; upgrade to Pro.",
        "plan": "free",
        "limit": "models",
        "allowed": 1,
        "used": 1,
        "upgrade": "pro",
    }
    with pytest.raises(PlanLimitExceeded) as no_api:
        check_limit("pro", "api_access", 0)
    assert no_api.value.body()["upgrade"] == "enterprise"
    with pytest.raises(PlanLimitExceeded) as top:
        check_limit("enterprise", "models", 30)
    assert top.value.body()["upgrade"] is None and "remove one first" in str(top.value)


async def test_a_plan_limit_is_a_403_naming_plan_limit_and_upgrade(billing_api: httpx.AsyncClient) -> None:
    app = billing_api._transport.app  # type: ignore[attr-defined]

    @app.get("/v1/test-limit")
    async def limited() -> None:
        check_limit("free", "models", 1)

    response = await billing_api.get("/v1/test-limit")
    assert response.status_code == 403
    assert response.json()["detail"]["plan"] == "free" and response.json()["detail"]["upgrade"] == "pro"


def test_prices_come_from_the_environment() -> None:
    assert parse_prices(" pack-10=price_a , pro=price_b,") == {"pack-10": "price_a", "pro": "price_b"}
    with pytest.raises(ValueError, match="item=price_id"):
        parse_prices("pack-10")
    settings = ServerSettings.from_env({"STRIPE_PRICES": "pro=price_x", "AMETHYST_COMPUTE": "modal"})
    assert settings.stripe_prices == {"pro": "price_x"} and settings.billing_enabled
