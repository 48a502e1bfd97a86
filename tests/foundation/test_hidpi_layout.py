"""The Studio detail view at the window's minimum size (issue 20): the picture, the metadata and every
action (Remix, Favourite, Save As, Copy, Show in folder, Delete) stay inside the visible window, however
long the prompt."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QWidget

from app.context import AppContext
from app.services.gallery import ImageMetadata
from app.views.main_window import MainWindow
from app.views.studio.detail_view import PICTURE_MIN
from app.views.studio.page import StudioPage
from tests.studio.helpers import png_bytes

LONG_PROMPT = (
    "an extraordinarily detailed matte painting of a floating archipelago of crystalline islands above a "
    "storm-lit ocean, waterfalls spilling into the clouds, tiny airships, golden hour, volumetric light, "
    "photorealistic, 8k, trending"
)


def fully_shown(widget: QWidget, window: QWidget) -> bool:
    """The whole widget lies inside the window and no parent clips any of it."""
    in_window = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
    return window.rect().contains(in_window) and widget.visibleRegion().boundingRect() == widget.rect()


def test_detail_view_keeps_metadata_and_actions_visible_at_the_minimum_size(
    context: AppContext, qtbot, screenshot_dir: Path
) -> None:
    saved = asyncio.ensure_future(
        context.gallery.save_generated(
            png_bytes((90, 60, 200)),
            ImageMetadata(
                prompt=LONG_PROMPT,
                model="flux-schnell",
                seed=7,
                size="1K",
                aspect="1:1",
                negative_prompt="blurry, low quality, watermark, text, extra fingers",
            ),
        )
    )
    qtbot.waitUntil(saved.done)
    record = saved.result()
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    window.resize(window.minimumSize())
    qtbot.waitExposed(window)
    window.open_place("studio")
    page = window.page("studio")
    assert isinstance(page, StudioPage)
    page.open_image(record)
    qtbot.waitUntil(lambda: page.right.currentWidget() is page.detail)
    qtbot.waitUntil(lambda: not page.detail.full_image().isNull(), timeout=5000)
    detail = page.detail

    def all_shown() -> None:  # once the posted layout passes ran, however long they take
        assert window.size() == window.minimumSize()
        hidden = [
            button.text()
            for button in (detail.remix, detail.favourite, detail.save, detail.copy, detail.open_folder, detail.delete)
            if not fully_shown(button, window)
        ]
        assert not hidden, f"cut off at the minimum window size: {hidden}"
        for name in ("Model", "Size", "Seed"):
            assert fully_shown(detail.fields[name], window), name
        assert detail.picture.width() >= PICTURE_MIN and fully_shown(detail.picture, window)

    qtbot.waitUntil(all_shown)
    window.grab().save(str(screenshot_dir / "studio-detail-minimum-size.png"))
