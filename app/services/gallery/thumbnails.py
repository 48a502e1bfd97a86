"""Thumbnails made off the UI thread with Pillow and cached on disk, keyed by the source's path and mtime
and by the pixel size made: a grid cell on a 200 % screen asks for twice the pixels of one at 100 % and gets
its own cached file, so neither is stretched from the other.

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
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from PIL import Image, ImageOps, UnidentifiedImageError

from app.tasks import Workers

T = TypeVar("T")
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


def size_text(size: int | tuple[int, int]) -> str:
    """``256`` (a bounding box) or ``352x352`` (a filled cell, in real pixels): part of the cache key."""
    return str(size) if isinstance(size, int) else f"{size[0]}x{size[1]}"


def source_key(source: Path) -> str:
    """A hex digest of the source's path, mtime and byte size: every size made of one file shares it.

    Raises ``ThumbnailError`` when the source cannot be stat'ed."""
    try:
        stat = source.stat()
    except OSError as error:
        raise ThumbnailError(f"{source.name}: {error.strerror or error}") from error
    raw = f"{os.fspath(source)}|{stat.st_mtime_ns}|{stat.st_size}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def cache_key(source: Path, size: int | tuple[int, int]) -> str:
    """The source's key and the pixel ``size`` made, e.g. ``3f…9a-352x352``."""
    return f"{source_key(source)}-{size_text(size)}"


def cache_path(folder: Path, source: Path, size: int | tuple[int, int]) -> Path:
    key = cache_key(source, size)
    return folder / key[:2] / f"{key}.jpg"


def _cached_or_new(folder: Path, source: Path, size: int | tuple[int, int]) -> tuple[Image.Image, bool]:
    """The cached thumbnail, or a new one saved: ``size`` an int bounds the long side; a (width, height) cell
    is filled exactly (centre-cropped)."""
    cached = cache_path(folder, source, size)
    if cached.exists():
        try:
            with Image.open(cached) as image:
                return image.convert("RGB"), True
        except (OSError, UnidentifiedImageError):
            cached.unlink(missing_ok=True)
    try:
        with Image.open(source) as image:
            box = (size, size) if isinstance(size, int) else size
            image.draft("RGB", box)  # JPEG sources decode at a reduced scale still at least ``box``
            if isinstance(size, int):
                image.thumbnail(box, Image.Resampling.BILINEAR, reducing_gap=2.0)
                thumb = image.convert("RGB")
            else:
                thumb = ImageOps.fit(image.convert("RGB"), box, Image.Resampling.BICUBIC)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as error:
        raise ThumbnailError(f"{source.name} cannot be read as an image") from error
    cached.parent.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_name(cached.name + f".{os.getpid()}.part")
    thumb.save(temporary, format="JPEG", quality=88)
    temporary.replace(cached)
    return thumb, False


def make_thumbnail(folder: Path, source: Path, size: int, cell: tuple[int, int] | None = None) -> Thumbnail:
    """The thumbnail of ``source`` (from the disk cache when there): at most ``size`` pixels on its long side,
    or, if ``cell`` (width, height in real pixels: the cell's points × the screen's device pixel ratio) is
    given, exactly ``cell``, made from the source at that size and centre-cropped to fill it.

    Pure Pillow and plain data: safe in any worker thread (or process). Raises ``ThumbnailError``.
    """
    image, from_cache = _cached_or_new(folder, source, cell if cell is not None else size)
    return Thumbnail(image.width, image.height, image.convert("RGBA").tobytes("raw", "BGRA"), from_cache)


def _make_then(
    then: Callable[[Thumbnail], T], folder: Path, source: Path, size: int, cell: tuple[int, int] | None
) -> T:
    return then(make_thumbnail(folder, source, size, cell))


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

    def cache_path(self, source: Path, cell: tuple[int, int] | None = None) -> Path:
        """Where the thumbnail of ``source`` (bounded by ``size``, or filling ``cell`` pixels) is cached."""
        return cache_path(self.folder, source, cell if cell is not None else self.size)

    def make(self, source: Path, cell: tuple[int, int] | None = None) -> Thumbnail:
        """Blocking: make (or read) the thumbnail in this process."""
        return make_thumbnail(self.folder, source, self.size, cell)

    def submit(self, source: Path, cell: tuple[int, int] | None = None) -> Future[Thumbnail]:
        """A ``concurrent.futures.Future`` of the thumbnail, made by a worker thread.

        Raises ``WorkersClosed`` once the app is closing."""
        return self._workers.blocking_executor.submit(make_thumbnail, self.folder, source, self.size, cell)

    def submit_then(self, source: Path, cell: tuple[int, int] | None, then: Callable[[Thumbnail], T]) -> Future[T]:
        """Like ``submit``, with ``then`` applied to the thumbnail in the same worker thread: the view turns
        it into a ready-to-draw image there, so its UI thread only stores it. ``then`` must be safe off the
        UI thread. Raises ``WorkersClosed`` once the app is closing."""
        return self._workers.blocking_executor.submit(_make_then, then, self.folder, source, self.size, cell)

    async def get(self, source: Path, cell: tuple[int, int] | None = None) -> Thumbnail:
        return await self._workers.blocking(make_thumbnail, self.folder, source, self.size, cell)

    def forget(self, source: Path) -> None:
        """Deletes every cached thumbnail of ``source`` (each pixel size) whose key still matches the file."""
        with contextlib.suppress(ThumbnailError):
            key = source_key(source)
            for cached in (self.folder / key[:2]).glob(f"{key}-*.jpg"):
                cached.unlink(missing_ok=True)
