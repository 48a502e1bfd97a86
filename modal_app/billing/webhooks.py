"""Stripe webhooks: verify the signature, then apply each event id exactly once.

``verify`` is ``stripe.WebhookSignature.verify_header`` (the check ``construct_event`` makes: HMAC-SHA256
over ``"{t}.{body}"``, timestamp within the tolerance; source: stripe-python 16 ``stripe/_webhook.py``).
``WebhookProcessor.apply`` inserts the event's id into ``stripe_events`` first (``INSERT … ON CONFLICT DO
NOTHING``) and applies its effect in the same write transaction: a duplicate delivery inserts nothing
there and changes nothing, a failure applies nothing (Stripe delivers again). The transaction is
SQLAlchemy Core on the few rows an event touches (``billing.rows``), not the ORM.

Events handled (object shapes from Stripe's API reference, API version 2025-03-31 and later):

- ``checkout.session.completed`` with ``payment_status == "paid"`` and
  ``checkout.session.async_payment_succeeded`` grant the pack's credits (key ``pack:<session id>``, so both
  arriving for one session grant once); ``checkout.session.async_payment_failed`` is recorded.
- ``customer.subscription.created/updated/deleted`` set the plan, status and renewal date; an event older
  than the one last applied (by ``created``, then created < updated < deleted) changes nothing.
- ``invoice.paid`` grants the plan's monthly credits once per invoice (key ``invoice:<invoice id>``).
- ``charge.refunded`` takes back the refunded share of a pack's credits, never below what is reserved; the
  rest becomes debt, repaid from the next credits granted. A refund that arrives before its payment is kept
  and applied when the payment is.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from modal_app.billing.rows import BillingRow, EventTransaction, PaymentRow
from modal_app.plans import DEFAULT_PLAN, find_pack, known_plan
from modal_app.store.db import Store

log = logging.getLogger(__name__)

APPLIED, DUPLICATE, IGNORED = "applied", "duplicate", "ignored"
SUBSCRIPTION_RANK = {
    "customer.subscription.created": 0,
    "customer.subscription.updated": 1,
    "customer.subscription.deleted": 2,
}
# Stripe subscription statuses → ours; None: leave the plan as it is (payment not settled yet).
STATUS = {
    "active": "active",
    "trialing": "active",
    "past_due": "past_due",
    "unpaid": "past_due",
    "paused": "past_due",
    "canceled": "cancelled",
    "incomplete_expired": "cancelled",
    "incomplete": None,
}


class WebhookRejected(Exception):
    """The body is not a genuine, fresh Stripe event (answered 400; nothing is applied)."""


def verify(payload: bytes, signature: str | None, secret: str, tolerance: int) -> dict[str, Any]:
    """The event as plain JSON values, after the stripe SDK checked its signature and age; raises
    ``WebhookRejected`` for a missing, wrong or stale signature, a tampered body or one that is not JSON."""
    import stripe  # the server extra; the desktop's embedded API (billing off) never gets here

    # ``construct_event`` is this check followed by json.loads and building a StripeObject that we would
    # only turn back into plain values (a third of a webhook's CPU time): the check alone, then the JSON.
    try:
        stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature, secret, tolerance=tolerance)
        values = json.loads(payload)
    except stripe.SignatureVerificationError as error:
        raise WebhookRejected(f"signature check failed: {error.user_message or error}") from error
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise WebhookRejected(f"not a Stripe event: {error}") from error
    if not isinstance(values, dict):
        raise WebhookRejected("not a Stripe event: not a JSON object")
    if not isinstance(values.get("id"), str) or not isinstance(values.get("type"), str):
        raise WebhookRejected("not a Stripe event: no id or type")
    return values


JSON = dict[str, Any]
Handler = Callable[["WebhookProcessor", EventTransaction, JSON, JSON], str | None]


class WebhookProcessor:
    """Applies verified events; ``prices`` maps our item ids ("pack-10", "pro") to Stripe Price ids."""

    def __init__(self, store: Store, prices: Mapping[str, str]) -> None:
        self._store = store
        self._items_by_price = {price: item for item, price in prices.items()}

    def apply(self, event: Mapping[str, Any]) -> tuple[str, str | None]:
        """(outcome, account id changed or None): ``applied``, ``duplicate`` (this id was applied before) or
        ``ignored`` (a type we do not use)."""
        handler = HANDLERS.get(str(event["type"]))
        if handler is None:
            return IGNORED, None
        obj = dict(event.get("data", {}).get("object") or {})
        with self._store.writes.begin() as session:
            tx = EventTransaction(session)
            if not tx.record_event(str(event["id"]), str(event["type"]), int(event.get("created") or 0)):
                return DUPLICATE, None  # nothing else was written; the transaction ends empty
            account_id = handler(self, tx, obj, dict(event))
            tx.finish(str(event["id"]), account_id)
        return APPLIED, account_id

    # --- finding the account -----------------------------------------------------------------------
    def account_of(
        self, tx: EventTransaction, obj: JSON, metadata: Mapping[str, Any] | None = None
    ) -> BillingRow | None:
        """Our account, locked: from our metadata, then ``client_reference_id``, then the Stripe customer."""
        metadata = metadata if metadata is not None else (obj.get("metadata") or {})
        for candidate in dict.fromkeys((metadata.get("account_id"), obj.get("client_reference_id"))):
            if candidate and (row := tx.account(str(candidate))) is not None:
                return row
        customer = _id(obj.get("customer"))
        found = tx.account_of_customer(customer) if customer else None
        return tx.account(found) if found else None

    def item_of_price(self, price: str | None) -> str | None:
        return self._items_by_price.get(price or "")


def _link_customer(row: BillingRow, customer: str | None) -> None:
    if customer and row.customer_id is None:
        row.customer_id = customer


def _id(value: Any) -> str | None:
    """A Stripe reference is an id, or the object itself when expanded."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return str(value) if value else None


# --- credits ---------------------------------------------------------------------------------------


def credit(tx: EventTransaction, row: BillingRow, amount: int, reason: str, reference: str, key: str) -> None:
    """Grant ``amount`` once per ``key``; debt left by refunds is repaid from it first."""
    if not tx.add_entry(row.account_id, amount, reason, reference, key):
        return
    if row.debt > 0:
        repay = min(row.debt, max(tx.available(row.account_id), 0))
        if repay:
            tx.add_entry(row.account_id, -repay, "debt repaid", reference, f"debt:{key}")
            row.debt -= repay


def take_back(tx: EventTransaction, row: BillingRow, amount: int, reference: str, key: str) -> None:
    """Take ``amount`` credits back, but only down to what is reserved; the rest is recorded as debt."""
    taken = min(amount, max(tx.available(row.account_id), 0))
    if not tx.add_entry(row.account_id, -taken, "refund", reference, key):
        return
    row.debt += amount - taken


# --- handlers --------------------------------------------------------------------------------------


def _checkout(processor: WebhookProcessor, tx: EventTransaction, obj: JSON, event: JSON) -> str | None:
    row = processor.account_of(tx, obj)
    if row is None:
        log.warning("Checkout Session %s names no known account; ignored", obj.get("id"))
        return None
    _link_customer(row, _id(obj.get("customer")))
    metadata = obj.get("metadata") or {}
    paid = obj.get("payment_status") in {"paid", "no_payment_required"} or event["type"].endswith("succeeded")
    if obj.get("mode") == "subscription":
        row.subscription_id = row.subscription_id or _id(obj.get("subscription"))
        plan = known_plan(str(metadata.get("plan", "")))
        if paid and plan is not None and row.subscription_order == 0:  # no subscription event yet: show it now
            row.plan = plan.id
        return row.account_id
    pack = find_pack(str(metadata.get("pack", "")))
    if pack is None:
        log.warning("Checkout Session %s names no known pack; ignored", obj.get("id"))
        return row.account_id
    payment = tx.payment(_id(obj.get("payment_intent")) or f"session:{obj['id']}")
    payment.account_id, payment.session_id, payment.credits = row.account_id, str(obj["id"]), pack.credits
    payment.amount_cents = int(obj.get("amount_total") or pack.price_usd_cents)
    if event["type"] == "checkout.session.async_payment_failed":
        if payment.state != "paid":
            payment.state = "failed"
            row.last_payment_failed = True
        return row.account_id
    if paid and payment.state != "paid":
        payment.state = "paid"
        row.last_payment_failed = False
        credit(tx, row, pack.credits, "pack", str(obj["id"]), f"pack:{obj['id']}")
        _refund_due(tx, payment)
    return row.account_id


def _subscription(processor: WebhookProcessor, tx: EventTransaction, obj: JSON, event: JSON) -> str | None:
    row = processor.account_of(tx, obj)
    if row is None:
        log.warning("subscription %s names no known account; ignored", obj.get("id"))
        return None
    _link_customer(row, _id(obj.get("customer")))
    order = int(event.get("created") or 0) * 4 + SUBSCRIPTION_RANK[event["type"]]
    deleted = event["type"] == "customer.subscription.deleted"
    if order < row.subscription_order or (deleted and row.subscription_id not in (None, obj.get("id"))):
        return row.account_id  # older than what we know, or the end of a subscription already replaced
    status = "cancelled" if deleted else STATUS.get(str(obj.get("status")), "past_due")
    if status is None:
        return row.account_id
    items = (obj.get("items") or {}).get("data") or [{}]
    row.subscription_order, row.subscription_id, row.status = order, str(obj.get("id")), status
    if status == "cancelled":
        row.plan, row.renews_at = DEFAULT_PLAN, None
        return row.account_id
    price = _id((items[0] or {}).get("price"))
    plan = known_plan(str((obj.get("metadata") or {}).get("plan", ""))) or known_plan(
        processor.item_of_price(price) or ""
    )
    if plan is not None:
        row.plan = plan.id
    period_end = (items[0] or {}).get("current_period_end") or obj.get("current_period_end")
    row.renews_at = datetime.fromtimestamp(int(period_end), UTC).replace(tzinfo=None) if period_end else None
    return row.account_id


def _invoice_paid(processor: WebhookProcessor, tx: EventTransaction, obj: JSON, event: JSON) -> str | None:
    details = ((obj.get("parent") or {}).get("subscription_details")) or {}
    metadata = details.get("metadata") or obj.get("subscription_details", {}).get("metadata") or {}
    row = processor.account_of(tx, obj, metadata)
    if row is None:
        log.warning("invoice %s names no known account; ignored", obj.get("id"))
        return None
    plan = known_plan(str(metadata.get("plan", "")))
    for line in (obj.get("lines") or {}).get("data") or []:
        pricing = (line.get("pricing") or {}).get("price_details") or {}
        plan = plan or known_plan(processor.item_of_price(_id(pricing.get("price")) or _id(line.get("price"))) or "")
    plan = plan or known_plan(row.plan)
    _link_customer(row, _id(obj.get("customer")))
    row.last_payment_failed = False
    if plan is not None and plan.monthly_credits:
        credit(tx, row, plan.monthly_credits, "plan", str(obj["id"]), f"invoice:{obj['id']}")
    return row.account_id


def _charge_refunded(processor: WebhookProcessor, tx: EventTransaction, obj: JSON, event: JSON) -> str | None:
    intent = _id(obj.get("payment_intent"))
    if intent is None:
        return None
    payer = tx.payer_of(intent)
    if payer is not None:
        tx.account(payer)  # locked before the payment, in the order a checkout takes them
    payment = tx.payment(intent)
    payment.refunded_cents = max(payment.refunded_cents, int(obj.get("amount_refunded") or 0))
    if not payment.amount_cents:
        payment.amount_cents = int(obj.get("amount") or 0)
    _refund_due(tx, payment)
    return payment.account_id


def _refund_due(tx: EventTransaction, payment: PaymentRow) -> None:
    """Take back the refunded share of a paid pack (rounded down, in the buyer's favour) not taken yet."""
    if payment.state != "paid" or not payment.account_id or not payment.credits or not payment.amount_cents:
        return
    refunded = min(payment.refunded_cents, payment.amount_cents)
    due = payment.credits * refunded // payment.amount_cents
    row = tx.account(payment.account_id)
    if due > payment.credits_taken_back and row is not None:
        key = f"refund:{payment.payment_intent}:{due}"
        take_back(tx, row, due - payment.credits_taken_back, payment.payment_intent, key)
        payment.credits_taken_back = due


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _checkout,
    "checkout.session.async_payment_succeeded": _checkout,
    "checkout.session.async_payment_failed": _checkout,
    "customer.subscription.created": _subscription,
    "customer.subscription.updated": _subscription,
    "customer.subscription.deleted": _subscription,
    "invoice.paid": _invoice_paid,
    "charge.refunded": _charge_refunded,
}
