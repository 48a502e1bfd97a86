"""What the billing routes need, built once per app: the Stripe gateway, the webhook processor, and reads of
an account's billing state and spend.

``usage_counters`` maps a usage name ("models"; "api_tokens", the personal API tokens) to a function
counting what an account uses now, inside a read session; a part of the server that owns such a thing (the
Builder's kept models) registers one with ``count_usage``, and ``GET /v1/billing`` reports it next to the
plan's limit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from modal_app.accounts import PERSONAL_TOKEN
from modal_app.billing.changes import BillingChanges
from modal_app.billing.gateway import StripeGateway
from modal_app.billing.tables import BillingAccount
from modal_app.billing.webhooks import WebhookProcessor
from modal_app.plans import Plan, find_plan
from modal_app.settings import ServerSettings
from modal_app.store.db import Store
from modal_app.store.models import Account, ApiToken, ImageJob, LedgerEntry, utcnow

_LAST_ENTRY = select(func.max(LedgerEntry.id)).where(LedgerEntry.account_id == bindparam("account_id"))
UsageCounter = Callable[[Session, str], int]
Count = tuple[str, int]  # (a day or a model, credits)


def personal_tokens(session: Session, account_id: str) -> int:
    """The account's personal API tokens not revoked (the "api_tokens" usage of the API access limit)."""
    query = select(func.count()).where(
        ApiToken.account_id == account_id, ApiToken.kind == PERSONAL_TOKEN, ApiToken.revoked_at.is_(None)
    )
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class BillingState:
    plan: Plan
    status: str
    renews_at: datetime | None
    customer_id: str | None
    debt: int
    usage: dict[str, int]
    last_payment_failed: bool
    last_entry: int  # the id of the account's newest ledger entry (0: none)

    @property
    def version(self) -> str:
        """Changes whenever the balance (a new ledger entry) or anything else shown here changes; opaque."""
        parts = (
            self.last_entry,
            self.plan.id,
            self.status,
            self.renews_at.isoformat() if self.renews_at else "",
            self.customer_id or "",
            self.debt,
            int(self.last_payment_failed),
            sorted(self.usage.items()),
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


class BillingService:
    def __init__(self, store: Store, settings: ServerSettings, gateway: StripeGateway | None = None) -> None:
        self.store = store
        self.settings = settings
        self.gateway = gateway or StripeGateway(
            settings.stripe_secret_key, settings.stripe_prices, api_base=settings.stripe_api_base
        )
        self.webhooks = WebhookProcessor(store, settings.stripe_prices)
        self.changes = BillingChanges()
        self.usage_counters: dict[str, UsageCounter] = {"api_tokens": personal_tokens}

    def count_usage(self, limit: str, counter: UsageCounter) -> None:
        """Report ``counter(session, account_id)`` as the account's use of ``limit`` in its billing state."""
        self.usage_counters[limit] = counter

    def state(self, account_id: str) -> BillingState:
        """The account's plan, subscription state, Stripe customer, debt and usage. KeyError: no account."""
        with self.store.reads() as session:
            account = session.get(Account, account_id)
            if account is None:
                raise KeyError(account_id)
            row = session.get(BillingAccount, account_id)
            usage = {limit: count(session, account_id) for limit, count in self.usage_counters.items()}
            return BillingState(
                plan=find_plan(account.plan),
                status=row.status if row else "active",
                renews_at=row.renews_at if row else None,
                customer_id=row.customer_id if row else None,
                debt=row.debt if row else 0,
                usage=usage,
                last_payment_failed=bool(row and row.last_payment_failed),
                last_entry=int(session.scalar(_LAST_ENTRY, {"account_id": account_id}) or 0),
            )

    def email(self, account_id: str) -> str:
        with self.store.reads() as session:
            account = session.get(Account, account_id)
            if account is None:
                raise KeyError(account_id)
            return account.email

    def spend(self, account_id: str, days: int, today: date | None = None) -> tuple[list[Count], list[Count]]:
        """Credits charged for images per day (each of the last ``days`` days, oldest first, zeros kept) and per
        model (most first) — from the ledger's image charges and their jobs."""
        today = today or datetime.now(UTC).date()
        first = today - timedelta(days=days - 1)
        since = datetime.combine(first, datetime.min.time())
        query = (
            select(LedgerEntry.amount, LedgerEntry.created_at, ImageJob.model)
            .outerjoin(ImageJob, ImageJob.id == LedgerEntry.reference)
            .where(
                LedgerEntry.account_id == account_id,
                LedgerEntry.reason == "image",
                LedgerEntry.created_at >= since,
                LedgerEntry.created_at <= utcnow(),
            )
        )
        per_day = {(first + timedelta(days=n)).isoformat(): 0 for n in range(days)}
        per_model: dict[str, int] = {}
        with self.store.reads() as session:
            for amount, created_at, model in session.execute(query):
                spent = -int(amount)
                day = created_at.date().isoformat()
                if day in per_day:
                    per_day[day] += spent
                name = model or "other"
                per_model[name] = per_model.get(name, 0) + spent
        models = sorted(per_model.items(), key=lambda item: (-item[1], item[0]))
        return list(per_day.items()), models
