"""Shared parts of the billing tests: the loopback Stripe fake, a billing-on Studio API wired to it, and
webhook delivery with real signatures. Import the ``*_fixture`` names to use the fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from modal_app.api import create_app
from modal_app.settings import ServerSettings
from tests.fakes.stripe_fake import SECRET_KEY, SERVER_PRICES, WEBHOOK_SECRET, FakeStripe, signed
from tests.server.conftest import running


@pytest.fixture(name="fake_stripe")
def fake_stripe_fixture() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    fake.start()
    yield fake
    fake.stop()


def stripe_settings(fake: FakeStripe) -> dict[str, Any]:
    """The server settings that point the real SDK at the fake and name its prices and webhook secret."""
    return {
        "stripe_secret_key": SECRET_KEY,
        "stripe_api_base": fake.url,
        "stripe_prices": dict(SERVER_PRICES),
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "public_url": "https://studio.example.com",
    }


@pytest.fixture(name="billing_api")
async def billing_api_fixture(
    settings_factory: Callable[..., ServerSettings], fake_stripe: FakeStripe
) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings_factory(**stripe_settings(fake_stripe)))) as client:
        yield client


async def deliver(
    client: httpx.AsyncClient, evt: dict[str, Any], secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> httpx.Response:
    """POST the event to the webhook as Stripe does: raw JSON body, ``Stripe-Signature`` header."""
    body, header = signed(evt, secret, timestamp)
    return await client.post(
        "/v1/stripe/webhook", content=body, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
    )
