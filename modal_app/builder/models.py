"""ORM tables of builds and their stored events (the server database; times are naive UTC)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from modal_app.store.models import Base, new_id, utcnow


class BuildRow(Base):
    __tablename__ = "builds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(Text)
    task: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))  # "template" or "llm"
    code_model: Mapped[str | None] = mapped_column(String(200))
    files: Mapped[str] = mapped_column(Text)  # JSON: the three files
    state: Mapped[str] = mapped_column(String(16), default="queued")
    step: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    steps: Mapped[str] = mapped_column(Text, default="[]")  # JSON: [{step, state, started_at, finished_at}]
    sandbox_kind: Mapped[str] = mapped_column(String(16))
    sandbox_id: Mapped[str | None] = mapped_column(String(128))
    url: Mapped[str | None] = mapped_column(String(500))
    port: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_builds_account_created", "account_id", "created_at"),
        Index("ix_builds_state", "state"),
    )


class BuildEventRow(Base):
    """One line of log or one change of step/state; ``id`` is the Server-Sent Event id (``Last-Event-ID``)."""

    __tablename__ = "build_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    build_id: Mapped[str] = mapped_column(ForeignKey("builds.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # "log", "step" or "state"
    data: Mapped[str] = mapped_column(Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_build_events_build_id", "build_id", "id"),)
