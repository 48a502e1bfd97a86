"""Thumbnails made off the UI thread with Pillow and cached on disk, keyed by the source's path and mtime.

``make`` is blocking and runs in a worker pool; it hands back raw RGBA pixels so the view only wraps them
in an image object (no decoding on the UI thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

THUMBNAIL_SIZE = 256


class ThumbnailError(Exception):
    """The source image cannot be read (missing, corrupt, not an image)."""


@dataclass(frozen=True)
class Thumbnail:
    width: int
    height: int
    rgba: bytes
    from_cache: bool


class ThumbnailCache:
    def __init__(self, folder: Path, size: int = THUMBNAIL_SIZE, executor: Executor | None = None) -> None:
        self.folder = folder
        self.size = size
        self._executor = executor
        self._owns_executor = executor is None

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="thumbnails")
        return self._executor

    def key(self, source: Path) -> str:
        try:
            stat = source.stat()
        except OSError as error:
            raise ThumbnailError(f"{source.name}: {error.strerror or error}") from error
        raw = f"{os.fspath(source)}|{stat.st_mtime_ns}|{stat.st_size}|{self.size}"
        return hashlib.sha1(raw.encode("utf-8")).hexdigest()

    def cache_path(self, source: Path) -> Path:
        key = self.key(source)
        return self.folder / key[:2] / f"{key}.jpg"

    def make(self, source: Path) -> Thumbnail:
        """The thumbnail of ``source``, from the disk cache when it is there (blocking)."""
        cached = self.cache_path(source)
        if cached.exists():
            try:
                with Image.open(cached) as image:
                    return _pixels(image, from_cache=True)
            except (OSError, UnidentifiedImageError):
                cached.unlink(missing_ok=True)
        try:
            with Image.open(source) as image:
                image.draft("RGB", (self.size, self.size))  # JPEG sources decode at reduced scale
                image.thumbnail((self.size, self.size), Image.Resampling.BILINEAR, reducing_gap=2.0)
                thumb = image.convert("RGB")
        except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as error:
            raise ThumbnailError(f"{source.name} cannot be read as an image") from error
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_name(cached.name + f".{os.getpid()}.part")
        thumb.save(temporary, format="JPEG", quality=88)
        temporary.replace(cached)
        return _pixels(thumb, from_cache=False)

    async def get(self, source: Path) -> Thumbnail:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self.make, source)

    def forget(self, source: Path) -> None:
        with contextlib.suppress(ThumbnailError):
            self.cache_path(source).unlink(missing_ok=True)

    def close(self) -> None:
        if self._owns_executor and self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _pixels(image: Image.Image, from_cache: bool) -> Thumbnail:
    rgba = image.convert("RGBA")
    return Thumbnail(rgba.width, rgba.height, rgba.tobytes(), from_cache)
