"""The gallery with 10,000 images: first visible thumbnails (cold and warm disk cache) and UI stalls.

The bench makes 10,000 small PNGs once (kept in the temp folder for later runs), registers them in a
fresh cache database, and shows the real ``GalleryPanel``. "First thumbnails" is the time from asking the
panel to load until every cell on the first screen shows its thumbnail. The stall figure is the longest
gap between ticks of a 1 ms heartbeat timer while the grid scrolls from top to bottom at 60 frames a
second (new thumbnails loading all the way).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._calibration import calibration_ms

IMAGES = 10_000
IMAGE_SIZE = (96, 96)
SCROLL_PIXELS_PER_FRAME = 240
FRAME_MS = 16


def _image_folder() -> Path:
    folder = Path(tempfile.gettempdir()) / f"amethyst-bench-gallery-{IMAGES}"
    done = folder / ".complete"
    if done.exists():
        return folder
    from PIL import Image, ImageDraw, PngImagePlugin

    folder.mkdir(parents=True, exist_ok=True)
    base = Image.linear_gradient("L").resize(IMAGE_SIZE)
    for index in range(IMAGES):
        colour = ((index * 37) % 256, (index * 91) % 256, (index * 53) % 256)
        image = Image.merge("RGB", (base.point(lambda v, c=colour[0]: (v + c) % 256), base, base.rotate(90)))
        ImageDraw.Draw(image).ellipse((20, 20, 60 + index % 30, 60 + index % 30), fill=colour)
        info = PngImagePlugin.PngInfo()
        info.add_itxt("prompt", f"bench image {index}")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", pnginfo=info, compress_level=1)
        (folder / f"image-{index:05d}.png").write_bytes(buffer.getvalue())
    done.write_text("ok")
    return folder


def _register(context: Any, folder: Path) -> None:
    from app.services.gallery.metadata import ImageMetadata

    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = []
    for index in range(IMAGES):
        meta = ImageMetadata(
            prompt=f"bench image {index}",
            model=("flux-schnell", "qwen-image-lightning")[index % 2],
            size="1K",
            aspect="1:1",
            seed=index,
            width=IMAGE_SIZE[0],
            height=IMAGE_SIZE[1],
        )
        items.append((folder / f"image-{index:05d}.png", meta, start + timedelta(seconds=index)))
    context.gallery.store.add_many(items)


async def _first_screen(panel: Any, started: float) -> float:
    """Milliseconds from ``started`` until every visible cell has its thumbnail."""
    grid, loader, model = panel.grid, panel.loader, panel.model
    while model.rowCount() == 0:
        await asyncio.sleep(0.001)
    viewport = grid.viewport().rect()
    visible = []
    for row in range(min(model.rowCount(), 400)):
        if grid.visualRect(model.index(row)).intersects(viewport):
            visible.append(str(model.record(row).path))
    while not all(loader.image(path) is not None for path in visible):
        await asyncio.sleep(0.001)
    return (time.perf_counter() - started) * 1000


async def _scroll_stalls(app: Any, panel: Any) -> float:
    from PySide6.QtCore import QTimer

    bar = panel.grid.verticalScrollBar()
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    heartbeat = QTimer(interval=1)
    heartbeat.timeout.connect(beat)
    done = asyncio.get_running_loop().create_future()

    def frame() -> None:
        if bar.value() >= bar.maximum():
            scroller.stop()
            if not done.done():
                done.set_result(None)
            return
        bar.setValue(bar.value() + SCROLL_PIXELS_PER_FRAME)

    scroller = QTimer(interval=FRAME_MS)
    scroller.timeout.connect(frame)
    await asyncio.sleep(0.2)
    last[0] = time.perf_counter()
    heartbeat.start()
    scroller.start()
    await done
    await asyncio.sleep(0.2)
    heartbeat.stop()
    import os

    if os.environ.get("BENCH_DEBUG"):
        worst = sorted(gaps[1:])[-10:]
        print("worst gaps", [round(g, 1) for g in worst], "beats", len(gaps), "cold loads", panel.loader.cold_loads)
    return max(gaps[1:]) if len(gaps) > 1 else 0.0


def _time_ui_work(paints: list[float]) -> None:
    """Measure the UI thread's own work per frame: grid paints and thumbnail arrivals."""
    from app.views.studio.gallery_panel import GalleryGrid
    from app.views.studio.thumbnail_loader import ThumbnailLoader

    def timed(original: Any) -> Any:
        def wrapper(self: Any, *args: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(self, *args)
            finally:
                paints.append((time.perf_counter() - started) * 1000)

        return wrapper

    GalleryGrid.paintEvent = timed(GalleryGrid.paintEvent)  # type: ignore[method-assign]
    ThumbnailLoader._on_finished = timed(ThumbnailLoader._on_finished)  # type: ignore[method-assign]


async def _run(app: Any, data_dir: Path) -> dict[str, Any]:
    from app.context import build_context
    from app.paths import Paths
    from app.views.studio.gallery_panel import GalleryPanel
    from app.views.theme import PALETTE

    folder = _image_folder()
    context = build_context(Paths.resolve(data_dir), environ={})
    _register(context, folder)
    results: dict[str, Any] = {}
    try:
        for label in ("cold", "warm"):
            panel = GalleryPanel(context.gallery, context.tasks, PALETTE.accent)
            panel.resize(1280, 800)
            panel.show()
            started = time.perf_counter()
            panel.reload()
            results[f"first_thumbs_{label}_ms"] = round(await _first_screen(panel, started), 1)
            if label == "warm":
                ui_work: list[float] = []
                _time_ui_work(ui_work)
                results["max_stall_ms"] = round(await _scroll_stalls(app, panel), 1)
                results["max_ui_work_ms"] = round(max(ui_work, default=0.0), 1)
                results["frames"] = len(ui_work)
            panel.shutdown()
            panel.close()
            panel.deleteLater()
            await asyncio.sleep(0.05)
    finally:
        context.close()
    return results


def main() -> dict[str, Any]:
    import qasync
    from PySide6.QtWidgets import QApplication

    from app.views.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    app.setQuitOnLastWindowClosed(False)  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory(prefix="amethyst-bench-gallery-") as folder:
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        try:
            results = loop.run_until_complete(_run(app, Path(folder)))
        finally:
            asyncio.set_event_loop(None)
            with contextlib.suppress(RuntimeError):
                loop.close()
    return {"name": "gallery", "images": IMAGES, **results, "calibration_ms": calibration_ms()}
