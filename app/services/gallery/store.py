"""The gallery's rows in the cache database: add, query (search, filter, sort), favourite, soft delete.

Blocking SQLAlchemy calls; ``GalleryService`` runs them in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import ColumnElement, and_, delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.models.gallery import GalleryImage
from app.services.gallery.metadata import ImageMetadata


@dataclass(frozen=True)
class GalleryRecord:
    id: int
    path: Path
    prompt: str
    negative_prompt: str
    model: str
    size: str
    aspect: str
    width: int
    height: int
    seed: int | None
    cost: float
    created: datetime
    favourite: bool
    job_id: str | None

    @property
    def metadata(self) -> ImageMetadata:
        return ImageMetadata(
            prompt=self.prompt,
            negative_prompt=self.negative_prompt,
            model=self.model,
            size=self.size,
            aspect=self.aspect,
            seed=self.seed,
            cost=self.cost,
            job_id=self.job_id,
            width=self.width,
            height=self.height,
        )


@dataclass(frozen=True)
class GalleryQuery:
    search: str = ""
    model: str = ""  # "" = every model
    favourites_only: bool = False
    newest_first: bool = True


_COLUMNS = (
    GalleryImage.id,
    GalleryImage.path,
    GalleryImage.prompt,
    GalleryImage.negative_prompt,
    GalleryImage.model,
    GalleryImage.size,
    GalleryImage.aspect,
    GalleryImage.width,
    GalleryImage.height,
    GalleryImage.seed,
    GalleryImage.cost,
    GalleryImage.created,
    GalleryImage.favourite,
    GalleryImage.job_id,
)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _record(row: tuple) -> GalleryRecord:  # type: ignore[type-arg]
    values = list(row)
    values[1] = Path(values[1])
    values[11] = _as_utc(values[11])
    values[12] = bool(values[12])
    return GalleryRecord(*values)


class GalleryStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add(self, path: Path, metadata: ImageMetadata, created: datetime | None = None) -> GalleryRecord:
        row = GalleryImage(
            path=str(path),
            prompt=metadata.prompt,
            negative_prompt=metadata.negative_prompt,
            model=metadata.model,
            size=metadata.size,
            aspect=metadata.aspect,
            width=metadata.width,
            height=metadata.height,
            seed=metadata.seed,
            cost=metadata.cost,
            job_id=metadata.job_id,
            created=created or datetime.now(UTC),
        )
        with self._sessions.begin() as session:
            session.add(row)
            session.flush()
            new_id = row.id
        record = self.get(new_id)
        assert record is not None
        return record

    def add_many(self, items: list[tuple[Path, ImageMetadata, datetime]]) -> int:
        """Bulk insert (benchmarks, large imports); returns how many rows were added."""
        rows = [
            {
                "path": str(path),
                "prompt": meta.prompt,
                "negative_prompt": meta.negative_prompt,
                "model": meta.model,
                "size": meta.size,
                "aspect": meta.aspect,
                "width": meta.width,
                "height": meta.height,
                "seed": meta.seed,
                "cost": meta.cost,
                "job_id": meta.job_id,
                "created": created,
                "favourite": False,
            }
            for path, meta, created in items
        ]
        if rows:
            with self._sessions.begin() as session:
                session.execute(insert(GalleryImage), rows)
        return len(rows)

    def get(self, image_id: int) -> GalleryRecord | None:
        with self._sessions() as session:
            row = session.execute(select(*_COLUMNS).where(GalleryImage.id == image_id)).first()
        return _record(tuple(row)) if row else None

    def has_path(self, path: Path) -> bool:
        with self._sessions() as session:
            return (session.scalar(select(func.count()).where(GalleryImage.path == str(path))) or 0) > 0

    def query(self, query: GalleryQuery) -> list[GalleryRecord]:
        statement = select(*_COLUMNS).where(GalleryImage.deleted_at.is_(None))
        text = query.search.strip()
        if text:
            for word in text.split():
                escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                statement = statement.where(GalleryImage.prompt.ilike(f"%{escaped}%", escape="\\"))
        if query.model:
            statement = statement.where(GalleryImage.model == query.model)
        if query.favourites_only:
            statement = statement.where(GalleryImage.favourite.is_(True))
        order = GalleryImage.created.desc() if query.newest_first else GalleryImage.created.asc()
        tie = GalleryImage.id.desc() if query.newest_first else GalleryImage.id.asc()
        statement = statement.order_by(order, tie)
        with self._sessions() as session:
            return [_record(tuple(row)) for row in session.execute(statement)]

    def models(self) -> list[str]:
        with self._sessions() as session:
            statement = (
                select(GalleryImage.model)
                .where(GalleryImage.deleted_at.is_(None), GalleryImage.model != "")
                .distinct()
                .order_by(GalleryImage.model)
            )
            return list(session.scalars(statement))

    def count(self) -> int:
        with self._sessions() as session:
            return session.scalar(select(func.count()).where(GalleryImage.deleted_at.is_(None))) or 0

    def set_favourite(self, image_id: int, favourite: bool) -> None:
        with self._sessions.begin() as session:
            statement = update(GalleryImage).where(GalleryImage.id == image_id).values(favourite=favourite)
            session.execute(statement)

    def mark_deleted(self, ids: list[int]) -> None:
        with self._sessions.begin() as session:
            session.execute(update(GalleryImage).where(GalleryImage.id.in_(ids)).values(deleted_at=datetime.now(UTC)))

    def restore(self, ids: list[int]) -> None:
        with self._sessions.begin() as session:
            session.execute(update(GalleryImage).where(GalleryImage.id.in_(ids)).values(deleted_at=None))

    def take_deleted(self, ids: list[int] | None = None) -> list[Path]:
        """Remove soft-deleted rows for good (all of them when ``ids`` is None); returns their files."""
        condition: ColumnElement[bool] = GalleryImage.deleted_at.is_not(None)
        if ids is not None:
            condition = and_(condition, GalleryImage.id.in_(ids))
        with self._sessions.begin() as session:
            paths = [Path(path) for path in session.scalars(select(GalleryImage.path).where(condition))]
            session.execute(delete(GalleryImage).where(condition))
        return paths
