"""The credits ledger: append-only entries, a derived balance, and reservations for jobs in flight.

Exactly-once settlement rests on the database, not on timing: a reservation leaves ``held`` with a guarded
UPDATE (only one writer can see rowcount 1) and the charge entry has a unique idempotency key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modal_app.store.db import Store
from modal_app.store.models import Account, LedgerEntry, Reservation, utcnow

HELD, CHARGED, RELEASED = "held", "charged", "released"
# The most credits one entry may add or take: ``ledger_entries.amount`` is an INTEGER column (32-bit on
# Postgres), and a larger amount would be a database error instead of a clear refusal.
MAX_AMOUNT = 2**31 - 1


class InsufficientCredits(Exception):
    def __init__(self, needed: int, available: int) -> None:
        super().__init__(f"not enough credits: {needed} needed, {available} available")
        self.needed = needed
        self.available = available


@dataclass(frozen=True)
class CreditSummary:
    balance: int
    reserved: int

    @property
    def available(self) -> int:
        return self.balance - self.reserved


@dataclass(frozen=True)
class Entry:
    id: int
    amount: int
    reason: str
    reference: str | None
    created_at: datetime


class Ledger:
    def __init__(self, store: Store) -> None:
        self._store = store

    def grant(
        self,
        account_id: str,
        amount: int,
        reason: str,
        reference: str | None = None,
        idempotency_key: str | None = None,
    ) -> Entry:
        """Add credits (or take them, with a negative amount). Repeating a key returns the first entry.
        Raises ValueError for an amount beyond ±MAX_AMOUNT, KeyError for an unknown account."""
        if not -MAX_AMOUNT <= amount <= MAX_AMOUNT:
            raise ValueError(f"one grant adds or takes at most {MAX_AMOUNT} credits, not {amount}")
        key = idempotency_key or f"grant:{uuid.uuid4().hex}"
        try:
            with self._store.writes.begin() as session:
                lock_account(session, account_id)  # a grant that takes credits must see the reservations
                existing = session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == key))
                if existing is None:
                    if session.get(Account, account_id) is None:
                        raise KeyError(f"no account {account_id}")
                    existing = LedgerEntry(
                        account_id=account_id,
                        amount=amount,
                        reason=reason,
                        reference=reference,
                        idempotency_key=key,
                    )
                    session.add(existing)
                    session.flush()
                return _entry(existing)
        except IntegrityError:
            with self._store.reads() as session:
                row = session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == key))
                assert row is not None
                return _entry(row)

    def summary(self, account_id: str) -> CreditSummary:
        with self._store.reads() as session:
            return summary_in(session, account_id)

    def history(self, account_id: str, limit: int = 50, cursor: int | None = None) -> tuple[list[Entry], int | None]:
        """Entries newest first; the second value is the cursor of the next page (None at the end)."""
        query = select(LedgerEntry).where(LedgerEntry.account_id == account_id)
        if cursor is not None:
            query = query.where(LedgerEntry.id < cursor)
        with self._store.reads() as session:
            rows = session.scalars(query.order_by(LedgerEntry.id.desc()).limit(limit + 1)).all()
        entries = [_entry(row) for row in rows[:limit]]
        next_cursor = entries[-1].id if len(rows) > limit else None
        return entries, next_cursor


def summary_in(session: Session, account_id: str) -> CreditSummary:
    """Balance and held credits read in ONE statement: under READ COMMITTED every statement has its own
    snapshot, and a charge committing between two separate reads (its ledger entry not yet seen, its
    reservation already no longer held) would make the credits look larger than they are."""
    balance = (
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .where(LedgerEntry.account_id == account_id)
        .scalar_subquery()
    )
    reserved = (
        select(func.coalesce(func.sum(Reservation.amount), 0))
        .where(Reservation.account_id == account_id, Reservation.state == HELD)
        .scalar_subquery()
    )
    row = session.execute(select(balance, reserved)).one()
    return CreditSummary(balance=int(row[0] or 0), reserved=int(row[1] or 0))


def lock_account(session: Session, account_id: str) -> None:
    """Serialize the money decisions of one account until the transaction ends (Postgres; SQLite's write
    transaction is IMMEDIATE already). ``FOR NO KEY UPDATE``: inserts referencing the account (ledger
    entries, reservations of other transactions) only need ``FOR KEY SHARE`` and are not blocked by it."""
    session.execute(select(Account.id).where(Account.id == account_id).with_for_update(key_share=True))


def reserve_in(session: Session, account_id: str, job_id: str, amount: int) -> None:
    """Hold ``amount`` for the job inside a write transaction, or raise InsufficientCredits."""
    lock_account(session, account_id)
    available = summary_in(session, account_id).available
    if available < amount:
        raise InsufficientCredits(needed=amount, available=available)
    session.add(Reservation(account_id=account_id, job_id=job_id, amount=amount, state=HELD))


def settle_in(session: Session, job_id: str, charge: bool) -> bool:
    """Turn the job's held reservation into a charge or release it; True only for the one call that did."""
    reservation = session.scalar(select(Reservation).where(Reservation.job_id == job_id))
    if reservation is None or reservation.state != HELD:
        return False
    result = session.execute(
        update(Reservation)
        .where(Reservation.job_id == job_id, Reservation.state == HELD)
        .values(state=CHARGED if charge else RELEASED, settled_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    if charge and reservation.amount:
        session.add(
            LedgerEntry(
                account_id=reservation.account_id,
                amount=-reservation.amount,
                reason="image",
                reference=job_id,
                idempotency_key=f"charge:{job_id}",
            )
        )
    return True


def _entry(row: LedgerEntry) -> Entry:
    return Entry(id=row.id, amount=row.amount, reason=row.reason, reference=row.reference, created_at=row.created_at)


# --- billing (issue 13): entries written inside a caller's transaction --------------------------------


def grant_in(
    session: Session, account_id: str, amount: int, reason: str, reference: str | None, idempotency_key: str
) -> bool:
    """Add an entry inside the caller's write transaction unless one with this key exists; True if added.

    The key's unique index is the second guard: a concurrent writer of the same key fails its commit."""
    if session.scalar(select(LedgerEntry.id).where(LedgerEntry.idempotency_key == idempotency_key)) is not None:
        return False
    session.add(
        LedgerEntry(
            account_id=account_id, amount=amount, reason=reason, reference=reference, idempotency_key=idempotency_key
        )
    )
    return True
