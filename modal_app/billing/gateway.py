"""Stripe Checkout and Customer Portal sessions through the official SDK (``stripe.StripeClient``).

Vendor facts (stripe-python 16, Stripe API reference "Create a Checkout Session" / "Create a portal session"):
``client.v1.checkout.sessions.create(params=…, options={"idempotency_key": …})`` answers a ``Session`` with
``id`` (``cs_…``) and ``url``; ``mode="payment"`` for one-off prices, ``"subscription"`` for recurring ones;
``client_reference_id`` and ``metadata`` come back on the webhook's session object, and
``subscription_data.metadata`` is copied onto the subscription and its invoices
(``invoice.parent.subscription_details.metadata``). A payment-mode session creates a Customer only with
``customer_creation="always"``. ``client.v1.billing_portal.sessions.create`` needs ``customer`` and answers
``url``. The SDK's calls are blocking; the API runs them on a thread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import stripe


class PaymentsNotConfigured(Exception):
    """The server has no Stripe key, or no Price id for this item (answered 503)."""


class StripeFailed(Exception):
    """Stripe refused or could not be reached (answered 502 with Stripe's message)."""


@dataclass(frozen=True)
class CheckoutItem:
    kind: str  # "pack" or "plan"
    id: str
    credits: int  # a pack's credits (0 for a plan)


def idempotency_key(account_id: str, item: CheckoutItem, client_key: str) -> str:
    """The same account, item and client request key always give the same Stripe idempotency key, so a
    retried request gets the same Checkout Session back instead of a second one."""
    digest = hashlib.sha256(f"{account_id}\x00{item.kind}\x00{item.id}\x00{client_key}".encode()).hexdigest()
    return f"amethyst-checkout-{digest[:40]}"


class StripeGateway:
    """The two Stripe calls the server makes. ``prices`` maps our item ids to Stripe Price ids."""

    def __init__(
        self, secret_key: str | None, prices: Mapping[str, str], api_base: str | None = None, retries: int = 2
    ) -> None:
        self._prices = dict(prices)
        self._client: stripe.StripeClient | None = None
        if secret_key:
            addresses: Any = {"api": api_base.rstrip("/")} if api_base else None
            import stripe  # the server extra: only a server with a Stripe key builds a client

            self._client = stripe.StripeClient(secret_key, base_addresses=addresses, max_network_retries=retries)

    def _ready(self, item_id: str | None = None) -> stripe.StripeClient:
        if self._client is None:
            raise PaymentsNotConfigured("payments are not set up on this server (no Stripe key)")
        if item_id is not None and not self._prices.get(item_id):
            raise PaymentsNotConfigured(f"{item_id} cannot be bought on this server yet (no Stripe price set)")
        return self._client

    def checkout(
        self,
        *,
        account_id: str,
        email: str,
        customer_id: str | None,
        item: CheckoutItem,
        success_url: str,
        cancel_url: str,
        client_key: str,
    ) -> tuple[str, str]:
        """Create the Checkout Session; returns (id, url). Raises PaymentsNotConfigured or StripeFailed."""
        import stripe  # the server extra

        client = self._ready(item.id)
        metadata = {"account_id": account_id, item.kind: item.id}
        params: Any = {  # stripe.checkout.SessionCreateParams (a TypedDict)
            "mode": "payment" if item.kind == "pack" else "subscription",
            "line_items": [{"price": self._prices[item.id], "quantity": 1}],
            "client_reference_id": account_id,
            "metadata": metadata,
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        if customer_id:
            params["customer"] = customer_id
        else:
            params["customer_email"] = email
        if item.kind == "pack":
            params["metadata"] = {**metadata, "credits": str(item.credits)}
            params["payment_intent_data"] = {"metadata": metadata}
            if not customer_id:
                params["customer_creation"] = "always"  # so the portal has a customer afterwards
        else:
            params["subscription_data"] = {"metadata": metadata}
        options: Any = {"idempotency_key": idempotency_key(account_id, item, client_key)}
        try:
            session = client.v1.checkout.sessions.create(params=params, options=options)
        except stripe.StripeError as error:
            raise StripeFailed(error.user_message or str(error)) from error
        if not session.url:
            raise StripeFailed("Stripe answered a Checkout Session without a URL")
        return session.id, session.url

    def portal(self, customer_id: str, return_url: str) -> str:
        """A Customer Portal URL for this customer. Raises PaymentsNotConfigured or StripeFailed."""
        import stripe

        client = self._ready()
        try:
            session = client.v1.billing_portal.sessions.create(
                params={"customer": customer_id, "return_url": return_url}
            )
        except stripe.StripeError as error:
            raise StripeFailed(error.user_message or str(error)) from error
        return session.url
