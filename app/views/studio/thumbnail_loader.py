"""Thumbnails for the grid, loaded in the gallery's worker pool and handed to the UI thread as QImages.

The newest requests go first (what is on screen now), at most a few run at once, and stale requests are
dropped when the person scrolls far. Decoding and scaling happen in the worker; the UI thread only stores
the finished image and repaints one cell.
"""

from __future__ import annotations

from collections import OrderedDict
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage

from app.services.gallery.thumbnails import Thumbnail, ThumbnailCache, ThumbnailError

MAX_IN_FLIGHT = 4
MAX_PENDING = 256
CACHE_IMAGES = 600


def rgba_image(thumb: Thumbnail) -> QImage:
    """A QImage that owns a copy of the pixels (the bytes-wrapping constructor breaks refcounts in threads)."""
    image = QImage(thumb.width, thumb.height, QImage.Format.Format_RGBA8888)
    pixels = image.bits()
    if image.bytesPerLine() == thumb.width * 4:
        pixels[: len(thumb.rgba)] = thumb.rgba
    else:  # padded rows (never for 32-bit pixels, but stay correct)
        row = thumb.width * 4
        for y in range(thumb.height):
            start = y * image.bytesPerLine()
            pixels[start : start + row] = thumb.rgba[y * row : (y + 1) * row]
    return image


class ThumbnailLoader(QObject):
    ready = Signal(str)  # source path; ``image(path)`` now answers
    _finished = Signal(str, object)  # emitted from worker threads, delivered on the UI thread

    def __init__(self, cache: ThumbnailCache, cell: QSize, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cache = cache
        self._cell = cell
        self._images: OrderedDict[str, QImage] = OrderedDict()
        self._broken: set[str] = set()
        self._pending: OrderedDict[str, None] = OrderedDict()  # newest last
        self._in_flight: set[str] = set()
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self.cold_loads = 0

    def image(self, path: str) -> QImage | None:
        image = self._images.get(path)
        if image is not None:
            self._images.move_to_end(path)
        return image

    def is_broken(self, path: str) -> bool:
        return path in self._broken

    def request(self, path: str) -> None:
        """Ask for the thumbnail of ``path`` (cheap to call from paint; repeated calls coalesce)."""
        if path in self._images or path in self._broken or path in self._in_flight:
            return
        self._pending[path] = None
        self._pending.move_to_end(path)
        while len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)
        self._pump()

    def forget(self, path: str) -> None:
        self._images.pop(path, None)
        self._broken.discard(path)

    def clear_pending(self) -> None:
        self._pending.clear()

    @property
    def busy(self) -> bool:
        return bool(self._pending or self._in_flight)

    def _pump(self) -> None:
        while self._pending and len(self._in_flight) < MAX_IN_FLIGHT:
            path, _ = self._pending.popitem(last=True)
            self._in_flight.add(path)
            future = self._cache.executor.submit(self._load, path)
            future.add_done_callback(lambda done, key=path: self._deliver(key, done))

    def _load(self, path: str) -> QImage:
        """Runs in a worker thread: Pillow thumbnail (disk-cached) → QImage scaled to the cell."""
        thumb: Thumbnail = self._cache.make(Path(path))
        image = rgba_image(thumb)
        # Cover the cell: scale to fill it, then keep the centre (a gallery of equal tiles).
        image = image.scaled(
            self._cell, Qt.AspectRatioMode.KeepAspectRatioByExpanding, Qt.TransformationMode.SmoothTransformation
        )
        x = max(0, (image.width() - self._cell.width()) // 2)
        y = max(0, (image.height() - self._cell.height()) // 2)
        image = image.copy(x, y, min(image.width(), self._cell.width()), min(image.height(), self._cell.height()))
        if not thumb.from_cache:
            self.cold_loads += 1
        return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)

    def _deliver(self, path: str, future: Future[QImage]) -> None:
        result: object = None if future.cancelled() else (future.exception() or future.result())
        try:
            self._finished.emit(path, result)
        except RuntimeError:
            pass  # the loader was deleted (the view closed) while this thumbnail was being made

    def _on_finished(self, path: str, result: object) -> None:
        self._in_flight.discard(path)
        if isinstance(result, QImage):
            self._images[path] = result
            while len(self._images) > CACHE_IMAGES:
                self._images.popitem(last=False)
            self.ready.emit(path)
        elif isinstance(result, ThumbnailError | OSError | ValueError):
            self._broken.add(path)
            self.ready.emit(path)
        self._pump()
