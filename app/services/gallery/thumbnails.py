"""Thumbnails made off the UI thread with Pillow and cached on disk, keyed by the source's path and mtime.

The work runs on the app's blocking pool (``Workers.blocking``) and is pure Pillow (which releases the GIL
while it decodes and resizes); no Qt call happens off the UI thread. A worker hands back the pixels already
cropped to the cell and in the byte order of a 32-bit Qt image, so the UI thread only copies them into an
image.
(A process pool was measured too: no better for scrolling stalls, slower first thumbnails because of
process start-up, and it needs ``freeze_support`` in a frozen app.)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from app.tasks import Workers

THUMBNAIL_SIZE = 256
WARM_THREADS = 2  # threads started before the first screen asks (a pool starts one per waiting call)


class ThumbnailError(Exception):
    """The source image cannot be read (missing, corrupt, not an image)."""


@dataclass(frozen=True)
class Thumbnail:
    width: int
    height: int
    pixels: bytes  # BGRA, opaque: the memory layout of a little-endian ARGB32 image
    from_cache: bool


def cache_key(source: Path, size: int) -> str:
    try:
        stat = source.stat()
    except OSError as error:
        raise ThumbnailError(f"{source.name}: {error.strerror or error}") from error
    raw = f"{os.fspath(source)}|{stat.st_mtime_ns}|{stat.st_size}|{size}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def cache_path(folder: Path, source: Path, size: int) -> Path:
    key = cache_key(source, size)
    return folder / key[:2] / f"{key}.jpg"


def _cached_or_new(folder: Path, source: Path, size: int) -> tuple[Image.Image, bool]:
    cached = cache_path(folder, source, size)
    if cached.exists():
        try:
            with Image.open(cached) as image:
                return image.convert("RGB"), True
        except (OSError, UnidentifiedImageError):
            cached.unlink(missing_ok=True)
    try:
        with Image.open(source) as image:
            image.draft("RGB", (size, size))  # JPEG sources decode at reduced scale
            image.thumbnail((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
            thumb = image.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as error:
        raise ThumbnailError(f"{source.name} cannot be read as an image") from error
    cached.parent.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_name(cached.name + f".{os.getpid()}.part")
    thumb.save(temporary, format="JPEG", quality=88)
    temporary.replace(cached)
    return thumb, False


def make_thumbnail(folder: Path, source: Path, size: int, cell: tuple[int, int] | None = None) -> Thumbnail:
    """The thumbnail of ``source`` (from the disk cache when there), cropped to fill ``cell`` if given.

    Pure Pillow and plain data: safe in any worker thread (or process).
    """
    image, from_cache = _cached_or_new(folder, source, size)
    if cell is not None:
        image = ImageOps.fit(image, cell, Image.Resampling.BILINEAR)
    return Thumbnail(image.width, image.height, image.convert("RGBA").tobytes("raw", "BGRA"), from_cache)


def _warm_up() -> None:
    Image.init()


class ThumbnailCache:
    """Thumbnails of ``size`` pixels cached as JPEG files under ``folder``, made on ``workers``' blocking pool.

    The executor is never this object's: ``Workers`` owns it and shuts it down with the app.
    """

    def __init__(self, folder: Path, workers: Workers, size: int = THUMBNAIL_SIZE) -> None:
        self.folder = folder
        self.size = size
        self._workers = workers

    def warm_up(self) -> None:
        """Start the pool's threads now (and import Pillow's plugins), so the first thumbnails do not wait."""
        executor = self._workers.blocking_executor
        for _ in range(WARM_THREADS):
            executor.submit(_warm_up)

    def cache_path(self, source: Path) -> Path:
        return cache_path(self.folder, source, self.size)

    def make(self, source: Path, cell: tuple[int, int] | None = None) -> Thumbnail:
        """Blocking: make (or read) the thumbnail in this process."""
        return make_thumbnail(self.folder, source, self.size, cell)

    def submit(self, source: Path, cell: tuple[int, int] | None = None) -> Future[Thumbnail]:
        """A ``concurrent.futures.Future`` of the thumbnail, made by a worker thread.

        Raises ``WorkersClosed`` once the app is closing."""
        return self._workers.blocking_executor.submit(make_thumbnail, self.folder, source, self.size, cell)

    async def get(self, source: Path, cell: tuple[int, int] | None = None) -> Thumbnail:
        return await self._workers.blocking(make_thumbnail, self.folder, source, self.size, cell)

    def forget(self, source: Path) -> None:
        with contextlib.suppress(ThumbnailError):
            self.cache_path(source).unlink(missing_ok=True)
