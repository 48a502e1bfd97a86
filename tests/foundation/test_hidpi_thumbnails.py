"""Gallery thumbnails are made for the screen's pixel ratio (issue 20): a 176-point cell on a 200 % screen
shows a 352 × 352-pixel thumbnail drawn pixel for pixel, and each pixel size has its own cache file."""

from __future__ import annotations

import itertools
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage, QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QStyleOptionViewItem

from app.context import AppContext
from app.services.gallery.thumbnails import ThumbnailCache
from app.views.studio.gallery_delegate import CELL, THUMB, GalleryDelegate
from app.views.studio.gallery_model import PathRole
from app.views.studio.thumbnail_loader import ThumbnailLoader

STRIPE = 12  # source pixels: about 4 pixels in a 352-pixel thumbnail, 2 in a 176-pixel one


def striped(path: Path, size: int = 1024) -> Path:
    """A photo-sized source with fine detail: vertical stripes, which a stretched 1× thumbnail would smear."""
    image = Image.new("RGB", (size, size))
    light, dark = (230, 40, 200), (20, 20, 40)
    image.putdata([light if (x // STRIPE) % 2 else dark for _y in range(size) for x in range(size)])
    image.save(path)
    return path


def test_each_pixel_size_is_made_and_cached_apart_and_forgotten_together(context: AppContext, tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs", context.workers)
    source = striped(tmp_path / "source.png")
    one = cache.make(source, (176, 176))
    two = cache.make(source, (352, 352))
    bounded = cache.make(source)
    assert (one.width, one.height, two.width, two.height) == (176, 176, 352, 352)
    assert (bounded.width, bounded.height) == (256, 256)
    files = {cache.cache_path(source, (176, 176)), cache.cache_path(source, (352, 352)), cache.cache_path(source)}
    assert len(files) == 3 and all(path.exists() for path in files)
    again = cache.make(source, (352, 352))
    assert again.from_cache and again.pixels == cache.make(source, (352, 352)).pixels
    cache.forget(source)
    assert not any(path.exists() for path in files)


def transitions(image: QImage, y: int, start: int, end: int) -> int:
    """How often the row ``y`` changes between light and dark from ``start`` to ``end`` (pixels)."""
    light = [image.pixelColor(x, y).lightness() > 80 for x in range(start, end)]
    return sum(1 for a, b in itertools.pairwise(light) if a != b)


def paint_cell(delegate: GalleryDelegate, model: QStandardItemModel, ratio: float) -> QImage:
    target = QImage(CELL * ratio, QImage.Format.Format_ARGB32_Premultiplied)
    target.setDevicePixelRatio(ratio)
    target.fill(0)
    option = QStyleOptionViewItem()
    option.rect = QRect(QPoint(0, 0), CELL)  # type: ignore[attr-defined]
    painter = QPainter(target)
    delegate.paint(painter, option, model.index(0, 0))
    painter.end()
    return target


def test_a_thumbnail_shown_at_ratio_2_has_twice_the_pixels_of_its_cell(
    context: AppContext, tmp_path: Path, qtbot
) -> None:
    source = striped(tmp_path / "source.png")
    loader = ThumbnailLoader(ThumbnailCache(tmp_path / "thumbs", context.workers), THUMB)
    delegate = GalleryDelegate(loader)
    model = QStandardItemModel()
    item = QStandardItem()
    item.setData(str(source), PathRole)
    model.appendRow(item)

    for ratio in (2.0, 1.0, 2.0):  # and back: a window moved between a 200 % and a 100 % screen
        paint_cell(delegate, model, ratio)  # asks for the thumbnail at the painter's ratio
        qtbot.waitUntil(lambda: loader.image(str(source)) is not None, timeout=5000)
        image = loader.image(str(source))
        assert image is not None
        assert image.size() == THUMB * ratio and image.devicePixelRatio() == ratio
        assert image.deviceIndependentSize().toSize() == THUMB
        # drawn pixel for pixel: the cell on the 2× canvas holds exactly the thumbnail's pixels
        painted = paint_cell(delegate, model, ratio)
        inset = round(4 * ratio)  # the delegate's margin around the card
        drawn = painted.copy(QRect(inset, inset, image.width(), image.height()))
        assert drawn.convertToFormat(QImage.Format.Format_ARGB32) == image.convertToFormat(QImage.Format.Format_ARGB32)
        # and the whole cell carries the source's detail: stripes from edge to edge, not a shrunken copy
        middle = drawn.height() // 2
        left = transitions(drawn, middle, 0, drawn.width() // 2)
        right = transitions(drawn, middle, drawn.width() // 2, drawn.width())
        expected = 1024 / STRIPE / 2  # stripe edges in each half of the source
        assert left >= 0.8 * expected and right >= 0.8 * expected, (ratio, left, right)
    loader.deleteLater()
