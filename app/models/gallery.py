"""The Studio's local records: images in the gallery, and image jobs sent to the Studio API.

Jobs are kept so that a restart of the app resumes watching the ones that were still running.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Float, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


def utc_now() -> datetime:
    return datetime.now(UTC)


# The server defaults are migration 0004_studio's: a new database made from these models (``create_fresh``,
# modal_app/store/schema.py) must be the one the migrations make (tests/foundation/test_fresh_schema.py).


class GalleryImage(Base):
    __tablename__ = "gallery_images"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), unique=True)
    prompt: Mapped[str] = mapped_column(Text, default="", server_default="")
    negative_prompt: Mapped[str] = mapped_column(Text, default="", server_default="")
    model: Mapped[str] = mapped_column(String(128), default="", server_default="", index=True)
    size: Mapped[str] = mapped_column(String(16), default="", server_default="")
    aspect: Mapped[str] = mapped_column(String(16), default="", server_default="")
    width: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    height: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    seed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cost: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    favourite: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    job_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # Soft delete: set while the undo toast is visible, then the row and file are removed for good.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)


class StudioJob(Base):
    __tablename__ = "studio_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_id: Mapped[str] = mapped_column(String(64), unique=True)
    connection: Mapped[str] = mapped_column(String(256), default="", server_default="")
    state: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued", index=True)
    request_json: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    cost: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="", server_default="")
    images_saved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
