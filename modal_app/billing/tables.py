"""Billing rows of the server database (migration ``0006_billing13_billing``). Times are naive UTC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from modal_app.store.models import Base, utcnow


class StripeEvent(Base):
    """One row per Stripe event id applied; inserted in the same transaction as the event's effect, so a
    second delivery of the id fails on the primary key and changes nothing."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    created: Mapped[int] = mapped_column(BigInteger)  # the event's own ``created`` (unix seconds)
    account_id: Mapped[str | None] = mapped_column(String(32))
    applied_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class BillingAccount(Base):
    """What Stripe knows about an account: its customer, subscription and the state of that subscription.

    ``subscription_order`` is (event ``created`` × 4 + rank) of the subscription event last applied, so an
    older event delivered late (an update after the delete, an update before its create) cannot undo a
    newer state. ``debt`` is refunded credits not yet taken back (the balance never goes below reserved)."""

    __tablename__ = "billing_accounts"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    subscription_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="active")
    renews_at: Mapped[datetime | None] = mapped_column(DateTime)
    subscription_order: Mapped[int] = mapped_column(BigInteger, default=0)
    debt: Mapped[int] = mapped_column(Integer, default=0)
    last_payment_failed: Mapped[bool] = mapped_column(Boolean, default=False)


class Payment(Base):
    """A one-off pack payment by its PaymentIntent, kept so refunds know what to take back. A refund that
    arrives before its payment is known is kept here too and applied when the payment is."""

    __tablename__ = "billing_payments"

    payment_intent: Mapped[str] = mapped_column(String(255), primary_key=True)
    account_id: Mapped[str | None] = mapped_column(String(32))
    session_id: Mapped[str | None] = mapped_column(String(255))
    credits: Mapped[int] = mapped_column(Integer, default=0)
    amount_cents: Mapped[int] = mapped_column(Integer, default=0)
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)
    credits_taken_back: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending, paid, failed

    __table_args__ = (Index("ix_billing_payments_account", "account_id"),)
