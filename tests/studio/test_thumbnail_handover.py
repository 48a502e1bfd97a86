"""Gallery scrolling keeps the UI thread light: thumbnails arrive as finished, rounded images made in the
worker, a burst of arrivals is stored in one pass, and placeholder cards are painted once and blitted."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage, QPainter

from app.context import AppContext
from app.services.gallery.thumbnails import ThumbnailCache
from app.views.studio import thumbnail_loader
from app.views.studio.gallery_delegate import THUMB, GalleryDelegate
from app.views.studio.thumbnail_loader import ThumbnailLoader


def sources(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        path = folder / f"image-{number}.png"
        Image.new("RGB", (64, 48), (number * 40 % 256, 90, 160)).save(path)
        paths.append(path)
    return paths


def test_thumbnails_are_rounded_in_the_worker_and_stored_in_batches(
    context: AppContext, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    made_on: list[str] = []
    original = thumbnail_loader.rounded

    def recording(image: QImage, radius: float) -> QImage:
        made_on.append(threading.current_thread().name)
        return original(image, radius)

    monkeypatch.setattr(thumbnail_loader, "rounded", recording)
    loader = ThumbnailLoader(ThumbnailCache(tmp_path / "thumbs", context.workers), THUMB)
    passes: list[int] = []
    loader._arrived.connect(lambda: passes.append(1))
    ready: list[str] = []
    loader.ready.connect(ready.append)
    paths = [str(path) for path in sources(tmp_path / "images", 6)]
    for path in paths:
        loader.request(path)
    qtbot.waitUntil(lambda: all(loader.image(path) is not None for path in paths), timeout=20000)
    assert sorted(ready) == sorted(paths)
    assert len(made_on) == len(paths) and threading.main_thread().name not in made_on
    image = loader.image(paths[0])
    assert image is not None and image.size() == THUMB
    assert image.pixelColor(0, 0).alpha() == 0  # the corner is rounded off
    assert image.pixelColor(THUMB.width() // 2, THUMB.height() // 2).alpha() == 255
    assert len(passes) <= len(paths)  # one queued pass per batch, never more than one per arrival
    loader.deleteLater()


def test_a_burst_of_arrivals_is_stored_in_one_pass(context: AppContext, tmp_path: Path, qtbot) -> None:
    loader = ThumbnailLoader(ThumbnailCache(tmp_path / "thumbs", context.workers), THUMB)
    passes: list[int] = []
    loader._arrived.connect(lambda: passes.append(1))
    image = QImage(THUMB, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0xFF336699)
    from concurrent.futures import Future

    for number in range(5):  # five finished before the UI thread gets to them
        future: Future[tuple[QImage, bool]] = Future()
        future.set_result((image, True))
        loader._in_flight.add(f"/p{number}")
        loader._deliver(f"/p{number}", loader.ratio, future)
    qtbot.waitUntil(lambda: all(loader.image(f"/p{number}") is not None for number in range(5)), timeout=5000)
    assert passes == [1]
    assert not loader.busy
    loader.deleteLater()


def test_placeholder_cards_are_painted_once_per_size_and_ratio(context: AppContext, tmp_path: Path) -> None:
    loader = ThumbnailLoader(ThumbnailCache(tmp_path / "thumbs", context.workers), THUMB)
    delegate = GalleryDelegate(loader)
    images = []
    for ratio in (1.0, 2.0, 1.0):
        target = QImage(QSize(200, 200) * ratio, QImage.Format.Format_ARGB32_Premultiplied)
        target.setDevicePixelRatio(ratio)
        painter = QPainter(target)
        images.append(delegate._placeholder_image(painter, THUMB, broken=False))
        painter.end()
    assert images[0] is images[2]
    assert images[0].size() == THUMB and images[1].size() == THUMB * 2 and images[1].devicePixelRatio() == 2.0
    assert images[0].pixelColor(THUMB.width() // 2, 10).alpha() == 255  # the card itself is opaque
    loader.deleteLater()
