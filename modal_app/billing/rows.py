"""One webhook's write transaction in SQLAlchemy Core: the rows it reads, changes and writes back once.

The ORM's unit of work cost about 7 ms of CPU per webhook (identity map, autoflush before every query,
one flush per ``session.get`` miss); a webhook touches at most one account, its billing row and one
payment, so this module reads each of them with one statement, lets the handlers change plain
dataclasses, and writes only the columns that changed when the event is done (``EventTransaction.finish``).

Exactly-once rests on unique keys, written with ``INSERT … ON CONFLICT DO NOTHING RETURNING key`` (SQLite ≥
3.35 and Postgres): a row that exists already inserts nothing and returns no row, without an error, so
the transaction goes on instead of being aborted (Postgres) by an IntegrityError. On Postgres a concurrent
insert of the same key waits for the other transaction and then inserts nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from modal_app.billing.tables import BillingAccount, Payment, StripeEvent
from modal_app.ledger import summary_in
from modal_app.store.models import Account, LedgerEntry, utcnow

ACCOUNTS: Table = Account.__table__  # type: ignore[assignment]
BILLING: Table = BillingAccount.__table__  # type: ignore[assignment]
PAYMENTS: Table = Payment.__table__  # type: ignore[assignment]
EVENTS: Table = StripeEvent.__table__  # type: ignore[assignment]
LEDGER: Table = LedgerEntry.__table__  # type: ignore[assignment]

_BY_CUSTOMER = select(BILLING.c.account_id).where(BILLING.c.customer_id == bindparam("customer"))
_PAYMENT = select(PAYMENTS).where(PAYMENTS.c.payment_intent == bindparam("intent")).with_for_update()
_PAYMENT_ACCOUNT = select(PAYMENTS.c.account_id).where(PAYMENTS.c.payment_intent == bindparam("intent"))


@dataclass
class BillingRow:
    """An account's plan and billing row as read under the account's lock; handlers change the fields."""

    account_id: str
    plan: str
    customer_id: str | None = None
    subscription_id: str | None = None
    status: str = "active"
    renews_at: datetime | None = None
    subscription_order: int = 0
    debt: int = 0
    last_payment_failed: bool = False
    stored: dict[str, Any] | None = field(default=None, repr=False)  # the columns as read; None: no row yet
    stored_plan: str = field(default="", repr=False)


_BILLING_COLUMNS = tuple(
    f.name for f in fields(BillingRow) if f.name not in {"account_id", "plan", "stored", "stored_plan"}
)
# The account row locked (Postgres ``FOR NO KEY UPDATE``: inserts that only reference the account, like ledger
# entries, are not blocked), then its billing row in a statement of its own: under READ COMMITTED a statement
# that waited for the lock still reads the other tables as of its start, so a billing row that the lock
# holder inserted would be missed (and inserted twice). SQLite has no row locks; its writes run in a
# ``BEGIN IMMEDIATE`` transaction, serialized already.
_LOCK_ACCOUNT = select(ACCOUNTS.c.plan).where(ACCOUNTS.c.id == bindparam("account_id")).with_for_update(key_share=True)
_BILLING_ROW = select(*(BILLING.c[c] for c in _BILLING_COLUMNS)).where(BILLING.c.account_id == bindparam("account_id"))


@dataclass
class PaymentRow:
    """A pack payment by PaymentIntent (see ``tables.Payment``); ``stored`` None: not in the database yet."""

    payment_intent: str
    account_id: str | None = None
    session_id: str | None = None
    credits: int = 0
    amount_cents: int = 0
    refunded_cents: int = 0
    credits_taken_back: int = 0
    state: str = "pending"
    stored: dict[str, Any] | None = field(default=None, repr=False)  # the columns as read under the lock


_PAYMENT_COLUMNS = tuple(f.name for f in fields(PaymentRow) if f.name != "stored")
_NEW_PAYMENT = {name: getattr(PaymentRow(payment_intent=""), name) for name in _PAYMENT_COLUMNS}


class EventTransaction:
    """The rows one event reads and writes, inside the caller's write transaction (``session``)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.connection: Connection = session.connection()
        self._accounts: dict[str, BillingRow | None] = {}
        self._payments: dict[str, PaymentRow] = {}

    # --- guards ------------------------------------------------------------------------------------
    def insert_new(self, table: Table, key: str, values: dict[str, Any]) -> bool:
        """Insert the row unless one with the same unique ``key`` column exists; True if inserted."""
        statement = _insert_new(self.connection.dialect.name, table, key)
        return self.connection.execute(statement, values).first() is not None

    def record_event(self, event_id: str, event_type: str, created: int) -> bool:
        """The event-id guard: True for the first delivery of ``event_id``, False for a repeat."""
        values = {"id": event_id, "type": event_type, "created": created, "applied_at": utcnow()}
        return self.insert_new(EVENTS, "id", values)

    def add_entry(self, account_id: str, amount: int, reason: str, reference: str | None, key: str) -> bool:
        """A ledger entry unless one with this idempotency key exists; True if added."""
        values = {
            "account_id": account_id,
            "amount": amount,
            "reason": reason,
            "reference": reference,
            "idempotency_key": key,
            "created_at": utcnow(),
        }
        return self.insert_new(LEDGER, "idempotency_key", values)

    # --- reads -------------------------------------------------------------------------------------
    def account(self, account_id: str) -> BillingRow | None:
        """The account locked for this transaction with its billing row; None when there is no such account."""
        if account_id not in self._accounts:
            plan = self.connection.scalar(_LOCK_ACCOUNT, {"account_id": account_id})
            row: BillingRow | None = None
            if plan is not None:
                row = BillingRow(account_id=account_id, plan=plan, stored_plan=plan)
                found = self.connection.execute(_BILLING_ROW, {"account_id": account_id}).first()
                if found is not None:
                    row.stored = {name: getattr(found, name) for name in _BILLING_COLUMNS}
                    for name, value in row.stored.items():
                        setattr(row, name, value)
            self._accounts[account_id] = row
        return self._accounts[account_id]

    def account_of_customer(self, customer: str) -> str | None:
        found = self.connection.scalar(_BY_CUSTOMER, {"customer": customer})
        return None if found is None else str(found)

    def available(self, account_id: str) -> int:
        """Balance minus held credits (``ledger.summary_in``: one statement, one snapshot)."""
        return summary_in(self.session, account_id).available

    def payer_of(self, intent: str) -> str | None:
        """The account a payment was made by, read without a lock: who to lock before the payment."""
        found = self.connection.scalar(_PAYMENT_ACCOUNT, {"intent": intent})
        return None if found is None else str(found)

    def payment(self, intent: str) -> PaymentRow:
        """The payment of this PaymentIntent, locked; a pending one is inserted first when there is none, so
        a checkout and a refund of one payment delivered at once take turns on its row instead of both
        inserting it. Lock order: the account (when known), then the payment."""
        if intent not in self._payments:
            self.insert_new(PAYMENTS, "payment_intent", {**_NEW_PAYMENT, "payment_intent": intent})
            found = self.connection.execute(_PAYMENT, {"intent": intent}).mappings().one()
            stored = {name: found[name] for name in _PAYMENT_COLUMNS}
            self._payments[intent] = PaymentRow(**stored, stored=stored)
        return self._payments[intent]

    # --- writes ------------------------------------------------------------------------------------
    def finish(self, event_id: str, account_id: str | None) -> None:
        """Write back what the handlers changed: payments, billing rows, plans, and the event's account."""
        for payment in self._payments.values():
            values = {name: getattr(payment, name) for name in _PAYMENT_COLUMNS}
            if changed := _changed(payment.stored or {}, values):
                self.connection.execute(
                    update(PAYMENTS).where(PAYMENTS.c.payment_intent == payment.payment_intent).values(**changed)
                )
        for row in self._accounts.values():
            if row is not None:
                self._write_account(row)
        if account_id is not None:
            self.connection.execute(update(EVENTS).where(EVENTS.c.id == event_id).values(account_id=account_id))

    def _write_account(self, row: BillingRow) -> None:
        values = {name: getattr(row, name) for name in _BILLING_COLUMNS}
        if row.stored is None:
            self.connection.execute(insert(BILLING), {"account_id": row.account_id, **values})
        elif changed := _changed(row.stored, values):
            self.connection.execute(update(BILLING).where(BILLING.c.account_id == row.account_id).values(**changed))
        if row.plan != row.stored_plan:
            self.connection.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == row.account_id).values(plan=row.plan))


@functools.cache
def _insert_new(dialect: str, table: Table, key: str) -> Any:
    """``INSERT … ON CONFLICT (key) DO NOTHING`` for the dialect, built once (values come as parameters)."""
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING, not rowcount: with psycopg the rowcount of an ON CONFLICT insert that did insert was not 1.
    return insert_for(table).on_conflict_do_nothing(index_elements=[key]).returning(table.c[key])


def _changed(stored: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if stored.get(name) != value}
