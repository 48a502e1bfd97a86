"""Billing (issue 13): credits, packs, checkout, the customer portal, billing status, the ledger, spend."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, model_validator

from modal_app.contract.accounts import Plan
from modal_app.contract.base import Answer, RequestBody


class Credits(Answer):
    """``GET /v1/credits``: integers; available = balance − reserved."""

    balance: int
    reserved: int
    available: int
    billing_enabled: bool


class Pack(Answer):
    """A credit pack of ``GET /v1/packs``: price in US cents, its price per credit, and the percent saved
    per credit against the smallest pack."""

    id: str
    credits: int
    price_usd_cents: int
    cents_per_credit: float
    discount_percent: int


class PackList(Answer):
    packs: tuple[Pack, ...]


class CheckoutRequest(RequestBody):
    """``POST /v1/checkout``: exactly one of ``pack`` (a pack id) or ``plan`` (a paid plan id)."""

    pack: str | None = Field(default=None, min_length=1, max_length=32)
    plan: str | None = Field(default=None, min_length=1, max_length=32)

    @model_validator(mode="after")
    def _one(self) -> CheckoutRequest:
        if (self.pack is None) == (self.plan is None):
            raise ValueError("name either a pack or a plan")
        return self


class CheckoutSession(Answer):
    """A Stripe Checkout Session to open in the browser: its id (``cs_…``) and hosted URL."""

    id: str
    url: str


class PortalSession(Answer):
    """A Stripe Customer Portal session URL (manage or cancel the subscription, invoices, card)."""

    url: str


class BillingStatus(Answer):
    """``GET /v1/billing``: the plan and its state, usage against its limits, and what Stripe knows.

    ``status``: "active", "past_due" or "cancelled" (Free is "active"); ``renews_at``: the end of the paid
    period (null on Free); ``debt``: refunded credits that could not be taken back yet (they are taken
    from the next credits granted); ``last_payment_failed``: an asynchronous payment that failed."""

    plan: Plan
    status: str
    renews_at: datetime | None
    customer: bool
    debt: int
    usage: dict[str, int]  # what counts against the plan's limits now, by limit name ("models": kept)
    last_payment_failed: bool


class LedgerItem(Answer):
    """One ledger entry: positive amounts add credits, negative take them."""

    id: int
    amount: int
    reason: str
    reference: str | None
    created_at: datetime


class LedgerHistory(Answer):
    """``GET /v1/credits/history``: entries newest first; ``next_cursor`` for the older page, null at the end."""

    entries: tuple[LedgerItem, ...]
    next_cursor: int | None


class SpendDay(Answer):
    day: str  # ISO date (UTC)
    credits: int


class SpendModel(Answer):
    model: str
    credits: int


class SpendReport(Answer):
    """``GET /v1/billing/spend``: credits charged per day (every day of the window, oldest first) and per
    image model (most first) over the last ``days`` days."""

    days: tuple[SpendDay, ...]
    models: tuple[SpendModel, ...]
