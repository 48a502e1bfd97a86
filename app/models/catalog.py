"""The Marketplace's rows in the cache database: the person's ratings, usage counts and catalog copies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ModelRating(Base):
    """The stars (1–5) the person gave a catalog model."""

    __tablename__ = "catalog_ratings"
    __table_args__ = (CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),)

    model_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    stars: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class ModelUsage(Base):
    """How often a catalog model was used in Chat or Studio."""

    __tablename__ = "catalog_usage"

    model_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class CatalogSnapshot(Base):
    """A last good copy of the catalog: ``bundled`` (the shipped file) or ``merged`` (after a refresh)."""

    __tablename__ = "catalog_snapshots"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(500), default="")
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)
