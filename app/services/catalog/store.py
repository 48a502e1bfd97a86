"""The Marketplace's part of the cache database: ratings, usage counts and last good catalog copies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models.catalog import CatalogSnapshot, ModelRating, ModelUsage


@dataclass(frozen=True)
class Snapshot:
    name: str
    payload: str
    source: str


class CatalogStore:
    """Opens the database only when first asked (``sessions`` may be a factory), so it can happen off the UI."""

    def __init__(self, sessions: sessionmaker[Session] | Callable[[], sessionmaker[Session]]) -> None:
        self._factory = (lambda: sessions) if isinstance(sessions, sessionmaker) else sessions
        self._opened: sessionmaker[Session] | None = None

    @property
    def _sessions(self) -> sessionmaker[Session]:
        if self._opened is None:
            self._opened = self._factory()
        return self._opened

    def ratings(self) -> dict[str, int]:
        with self._sessions() as session:
            return dict(session.execute(select(ModelRating.model_id, ModelRating.stars)).all())

    def usage(self) -> dict[str, int]:
        with self._sessions() as session:
            return dict(session.execute(select(ModelUsage.model_id, ModelUsage.count)).all())

    def set_rating(self, model_id: str, stars: int | None) -> None:
        """Stores 1–5 stars; ``None`` removes the rating."""
        with self._sessions.begin() as session:
            row = session.get(ModelRating, model_id)
            if stars is None:
                if row is not None:
                    session.delete(row)
                return
            if row is None:
                session.add(ModelRating(model_id=model_id, stars=stars))
            else:
                row.stars = stars

    def add_use(self, model_id: str) -> int:
        """Counts one use and returns the new count."""
        with self._sessions.begin() as session:
            row = session.get(ModelUsage, model_id)
            if row is None:
                row = ModelUsage(model_id=model_id, count=0)
                session.add(row)
            row.count += 1
            return row.count

    def snapshot(self, name: str) -> Snapshot | None:
        with self._sessions() as session:
            row = session.get(CatalogSnapshot, name)
            return None if row is None else Snapshot(row.name, row.payload, row.source)

    def save_snapshot(self, name: str, payload: str, source: str) -> None:
        with self._sessions.begin() as session:
            row = session.get(CatalogSnapshot, name)
            if row is None:
                session.add(CatalogSnapshot(name=name, payload=payload, source=source))
            elif row.payload != payload or row.source != source:
                row.payload = payload
                row.source = source
