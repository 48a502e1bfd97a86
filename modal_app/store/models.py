"""ORM tables of the server database. Times are naive UTC."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from modal_app.contract import JobState


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    pass


# A 64-bit key on Postgres (BIGSERIAL) that stays SQLite's INTEGER PRIMARY KEY (the rowid, already 64-bit):
# clients page with these ids as cursors up to 2**63 - 1 (migration 0005_pg17b_bigint_keys).
Key64 = BigInteger().with_variant(Integer(), "sqlite")


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    plan: Mapped[str] = mapped_column(String(32), default="free")
    # True only for the account a local server creates for its desktop (never for a sign-up); at most one.
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        Index(
            "uq_accounts_single_local",
            "local",
            unique=True,
            sqlite_where=text("local = 1"),
            postgresql_where=text("local"),
        ),
    )


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Sliding lifetime: a token unused for ServerSettings.token_lifetime is refused (None = never used yet).
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    # "session": issued by sign-up / sign-in (the desktop, the local token); "personal": an API token made
    # for scripts with POST /v1/tokens, accepted only while the account's plan has API access (billing on).
    kind: Mapped[str] = mapped_column(String(16), default="session", server_default="session")


class LedgerEntry(Base):
    """Append-only: rows are inserted, never updated or deleted; the balance is their sum."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Key64, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(255))
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_ledger_account_id", "account_id", "id"),)


class Reservation(Base):
    """Credits held for a job in flight; state goes held → charged or held → released, once."""

    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(Key64, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(String(32), unique=True)
    amount: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="held")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("ix_reservations_account_state", "account_id", "state"),)


class ImageJob(Base):
    __tablename__ = "image_jobs"

    seq: Mapped[int] = mapped_column(Key64, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(64))
    prompt: Mapped[str] = mapped_column(Text)
    negative_prompt: Mapped[str] = mapped_column(Text, default="", server_default="")
    size: Mapped[str] = mapped_column(String(8))
    aspect_ratio: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    steps: Mapped[int] = mapped_column(Integer)
    cost: Mapped[int] = mapped_column(Integer)
    # Stored as the state's value in the same VARCHAR(16) as before (no CHECK constraint, no migration).
    state: Mapped[JobState] = mapped_column(
        Enum(JobState, native_enum=False, length=16, values_callable=lambda states: [s.value for s in states]),
        default=JobState.QUEUED,
    )
    call_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
    charged: Mapped[bool] = mapped_column(Boolean, default=False)
    image_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("account_id", "idempotency_key", name="uq_image_jobs_idempotency"),
        Index("ix_image_jobs_account_seq", "account_id", "seq"),
        Index("ix_image_jobs_state", "state"),
    )


class JobImage(Base):
    """One result image: its bytes are in the result storage under ``object_key`` (modal_app.storage).
    ``png`` holds the bytes of images written by servers before 0004, until they are moved out at start-up
    (modal_app.storage.blobs); exactly one of the two is set."""

    __tablename__ = "job_images"

    job_id: Mapped[str] = mapped_column(ForeignKey("image_jobs.id", ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    png: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    object_key: Mapped[str | None] = mapped_column(String(200))
