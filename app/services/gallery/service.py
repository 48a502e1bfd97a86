"""The gallery as the views see it: async methods over the store, files and thumbnails, and Qt signals.

Blocking work (SQLite, Pillow, file copies) runs on the app's database thread (``Workers.db``) so writes
stay ordered; thumbnails are made on the shared blocking pool (``Workers.blocking``).
"""

from __future__ import annotations

import io
import logging
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from PIL import Image, UnidentifiedImageError
from PySide6.QtCore import QObject, Signal
from sqlalchemy.orm import Session, sessionmaker

from app.services.gallery.files import IMPORTABLE_SUFFIXES, export_image, slug, unique_path
from app.services.gallery.metadata import ImageMetadata, read_metadata, write_png
from app.services.gallery.store import GalleryQuery, GalleryRecord, GalleryStore
from app.services.gallery.thumbnails import ThumbnailCache
from app.tasks import Workers

log = logging.getLogger(__name__)
T = TypeVar("T")
NOT_AN_IMAGE = "not an image file"
DAMAGED = "the file is damaged or not an image"
_UNREADABLE = (OSError, ValueError, SyntaxError, UnidentifiedImageError, Image.DecompressionBombError)


@dataclass
class ImportReport:
    added: list[GalleryRecord] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (file, reason)

    def summary(self) -> str:
        """One line for a toast, e.g. "2 images imported; 1 skipped (not readable images: a.png)"."""
        parts = [f"{len(self.added)} image{'s' if len(self.added) != 1 else ''} imported"]
        if self.skipped:
            unreadable = all(reason in (NOT_AN_IMAGE, DAMAGED) for _, reason in self.skipped)
            what = "not readable images" if unreadable else "could not be imported"
            names = ", ".join(path.name for path, _ in self.skipped[:3])
            more = f" and {len(self.skipped) - 3} more" if len(self.skipped) > 3 else ""
            parts.append(f"{len(self.skipped)} skipped ({what}: {names}{more})")
        return "; ".join(parts)


class GalleryService(QObject):
    changed = Signal()  # rows added, removed, restored or edited
    image_added = Signal(object)  # GalleryRecord

    def __init__(
        self, sessions: sessionmaker[Session], folder: Path, thumbnails_folder: Path, workers: Workers
    ) -> None:
        super().__init__()
        self.folder = folder
        self.store = GalleryStore(sessions)
        self.thumbnails = ThumbnailCache(thumbnails_folder, workers)
        self._workers = workers

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        return await self._workers.db(function, *args)

    # --- reading -----------------------------------------------------------------------------------
    async def query(self, query: GalleryQuery) -> list[GalleryRecord]:
        return await self._run(self.store.query, query)

    async def models(self) -> list[str]:
        return await self._run(self.store.models)

    async def count(self) -> int:
        return await self._run(self.store.count)

    async def get(self, image_id: int) -> GalleryRecord | None:
        return await self._run(self.store.get, image_id)

    # --- adding ------------------------------------------------------------------------------------
    def _save_generated(self, png: bytes, metadata: ImageMetadata, index: int) -> GalleryRecord:
        now = datetime.now(UTC)
        day = self.folder / now.strftime("%Y-%m-%d")
        day.mkdir(parents=True, exist_ok=True)
        with Image.open(io.BytesIO(png)) as image:
            image.load()
            metadata.width, metadata.height = image.size
            target = unique_path(day, f"{now.strftime('%H%M%S')}-{slug(metadata.prompt)}-{index + 1}.png")
            write_png(image, target, metadata)
        return self.store.add(target, metadata, created=now)

    async def save_generated(self, png: bytes, metadata: ImageMetadata, index: int = 0) -> GalleryRecord:
        """Store a generated PNG (metadata into its text chunks and the database)."""
        record = await self._run(self._save_generated, png, metadata, index)
        self.image_added.emit(record)
        self.changed.emit()
        return record

    def _import(self, files: list[Path]) -> ImportReport:
        report = ImportReport()
        target_folder = self.folder / "imported"
        target_folder.mkdir(parents=True, exist_ok=True)
        for source in files:
            try:
                self._import_one(source, target_folder, report)
            except Exception as error:  # one file never abandons the batch: reported, the rest goes on
                log.exception("import of %s failed", source)
                report.skipped.append((source, f"it could not be imported ({type(error).__name__})"))
        return report

    def _import_one(self, source: Path, target_folder: Path, report: ImportReport) -> None:
        if source.is_dir():
            return
        if source.suffix.lower() not in IMPORTABLE_SUFFIXES:
            report.skipped.append((source, NOT_AN_IMAGE))
            return
        try:
            metadata = read_metadata(source)
        except _UNREADABLE as error:
            log.info("import skipped %s: %s", source, error)
            report.skipped.append((source, DAMAGED))
            return
        created = datetime.fromtimestamp(source.stat().st_mtime, UTC)
        target = unique_path(target_folder, source.name)
        shutil.copy2(source, target)
        try:
            report.added.append(self.store.add(target, metadata, created=created))
        except BaseException:
            target.unlink(missing_ok=True)  # no orphan file in the gallery folder
            raise

    async def import_files(self, files: Iterable[Path]) -> ImportReport:
        """Copy images into the gallery, reading PNG metadata; damaged files are reported and skipped."""
        report = await self._run(self._import, [Path(file) for file in files])
        if report.added:
            self.changed.emit()
        return report

    # --- editing -----------------------------------------------------------------------------------
    async def set_favourite(self, image_id: int, favourite: bool) -> None:
        await self._run(self.store.set_favourite, image_id, favourite)
        self.changed.emit()

    async def delete(self, ids: list[int]) -> None:
        """Hide the images at once; ``undo_delete`` brings them back, ``finish_delete`` removes the files."""
        await self._run(self.store.mark_deleted, ids)
        self.changed.emit()

    async def undo_delete(self, ids: list[int]) -> None:
        await self._run(self.store.restore, ids)
        self.changed.emit()

    def _purge(self, ids: list[int] | None) -> int:
        paths = self.store.take_deleted(ids)
        for path in paths:
            self.thumbnails.forget(path)
            path.unlink(missing_ok=True)
        return len(paths)

    async def finish_delete(self, ids: list[int] | None = None) -> int:
        """Remove soft-deleted images for good (all pending ones when ``ids`` is None)."""
        return await self._run(self._purge, ids)

    async def export(self, record: GalleryRecord, target: Path) -> Path:
        return await self._run(export_image, record.path, target, record.metadata)
