"""Thumbnails for the grid, made on the app's blocking pool and handed to the UI thread as QImages.

The newest requests go first (what is on screen now), at most a few run at once, and stale requests are
dropped when the person scrolls far. Decoding, scaling and the rounded corners happen in the worker (Qt
supports QPainter on a QImage in any thread); the UI thread only stores the finished image and repaints one
cell. Arrivals are handed over in batches, one per event-loop turn, so a burst of finished thumbnails
costs one pass of Python, not one queued call each.

Thumbnails are made for the device pixel ratio of the screen the grid is painted on (the delegate passes
the painter's ratio): a 176-point cell gets 352 × 352 pixels at 200 %, with the ratio set on the image, so
it is drawn pixel for pixel, never stretched. When the ratio changes (the window moved to another screen)
the images made for the old ratio are dropped and made again.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from concurrent.futures import Future
from functools import partial
from pathlib import Path
from typing import cast

from PySide6.QtCore import QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPainterPath

from app.services.gallery.thumbnails import Thumbnail, ThumbnailCache

MAX_IN_FLIGHT = 4
MAX_PENDING = 256
CACHE_IMAGES = 600


def rounded(image: QImage, radius: float) -> QImage:
    """The image with rounded, antialiased corners (``radius`` in device-independent pixels; the image's
    device pixel ratio is kept): painted once here, so cells paint without clipping."""
    ratio = image.devicePixelRatio()
    radius *= ratio
    pixels = QImage(image)  # shallow copy, drawn pixel for pixel: at its own ratio it would shrink onto `result`
    pixels.setDevicePixelRatio(1.0)
    result = QImage(image.size(), QImage.Format.Format_ARGB32_Premultiplied)
    result.fill(Qt.GlobalColor.transparent)
    path = QPainterPath()
    path.addRoundedRect(QRectF(0, 0, image.width(), image.height()), radius, radius)
    painter = QPainter(result)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setClipPath(path)
    painter.drawImage(0, 0, pixels)
    painter.end()
    result.setDevicePixelRatio(ratio)
    return result


def ready_image(thumb: Thumbnail, ratio: float, radius: float) -> tuple[QImage, bool]:
    """The image the grid draws as it is (pixels at ``ratio``, corners rounded by ``radius`` points), and
    whether the thumbnail came from the disk cache. Runs in the worker thread (QImage and QPainter on a
    QImage only: no fonts, pixmaps or widgets)."""
    return rounded(thumbnail_image(thumb, ratio), radius), thumb.from_cache


def thumbnail_image(thumb: Thumbnail, ratio: float = 1.0) -> QImage:
    """A QImage owning a copy of the worker's pixels (BGRA = little-endian ARGB32, opaque), with ``ratio``
    as its device pixel ratio (its size in points is its pixels ÷ ratio)."""
    image = QImage(thumb.width, thumb.height, QImage.Format.Format_ARGB32_Premultiplied)
    pixels = cast(memoryview, image.bits())
    row = thumb.width * 4
    if image.bytesPerLine() == row:
        pixels[: len(thumb.pixels)] = thumb.pixels
    else:
        for y in range(thumb.height):
            start = y * image.bytesPerLine()
            pixels[start : start + row] = thumb.pixels[y * row : (y + 1) * row]
    image.setDevicePixelRatio(ratio)
    return image


class ThumbnailLoader(QObject):
    """Thumbnails of ``cell`` points for the grid, made at the screen's pixel ratio (see ``set_ratio``)."""

    ready = Signal(str)  # source path; ``image(path)`` now answers
    _arrived = Signal()  # from worker threads: finished work waits in ``_inbox``

    def __init__(self, cache: ThumbnailCache, cell: QSize, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cache = cache
        self._cell = cell
        self._ratio = 1.0
        self._images: OrderedDict[str, QImage] = OrderedDict()
        self._broken: set[str] = set()
        self._pending: OrderedDict[str, None] = OrderedDict()  # newest last
        self._in_flight: set[str] = set()
        # Worker threads append (path, outcome, ratio) and signal only when the inbox was empty: one queued
        # call drains everything that finished meanwhile.
        self._inbox: list[tuple[str, object, float]] = []
        self._inbox_lock = threading.Lock()
        self._arrived.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self.cold_loads = 0
        self.radius = 10.0

    @property
    def ratio(self) -> float:
        return self._ratio

    def pixel_size(self) -> QSize:
        """The size thumbnails are made at, in real pixels: the cell's points × the ratio."""
        return QSize(round(self._cell.width() * self._ratio), round(self._cell.height() * self._ratio))

    def set_ratio(self, ratio: float) -> None:
        """Make thumbnails for ``ratio`` (a painter's device pixel ratio) from now on; cheap when unchanged.

        Images made for another ratio are dropped (they would be blurred or oversized) and requested again
        by the next paint; requests in flight for the old ratio are discarded when they arrive."""
        if ratio <= 0 or ratio == self._ratio:
            return
        self._ratio = ratio
        self._images.clear()
        self._pending.clear()

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
        pixels = self.pixel_size()
        cell = (pixels.width(), pixels.height())
        while self._pending and len(self._in_flight) < MAX_IN_FLIGHT:
            path, _ = self._pending.popitem(last=True)
            try:
                future = self._cache.submit_then(
                    Path(path), cell, partial(ready_image, ratio=self._ratio, radius=self.radius)
                )
            except RuntimeError:  # WorkersClosed, or a pool already shut down: the app is closing
                self._pending.clear()
                return
            self._in_flight.add(path)
            future.add_done_callback(partial(self._deliver, path, self._ratio))

    def _deliver(self, path: str, ratio: float, future: Future[tuple[QImage, bool]]) -> None:
        """Runs on the pool's worker thread: queue the outcome for the UI thread."""
        result: object = None if future.cancelled() else (future.exception() or future.result())
        with self._inbox_lock:
            first = not self._inbox
            self._inbox.append((path, result, ratio))
        if first:
            with contextlib.suppress(RuntimeError):  # the view was closed while this one was being made
                self._arrived.emit()

    def _on_finished(self) -> None:
        """On the UI thread: stores everything that finished since the last call, then starts more work."""
        with self._inbox_lock:
            arrived, self._inbox = self._inbox, []
        for path, result, ratio in arrived:
            self._in_flight.discard(path)
            if ratio != self._ratio:  # made for the screen the window has left: the next paint asks again
                self.ready.emit(path)
            elif isinstance(result, tuple):
                image, from_cache = result
                if not from_cache:
                    self.cold_loads += 1
                self._images[path] = image
                self.ready.emit(path)
            elif isinstance(result, Exception):
                self._broken.add(path)
                self.ready.emit(path)
        while len(self._images) > CACHE_IMAGES:
            self._images.popitem(last=False)
        self._pump()
