"""A screenshot of the Studio with a queue and a filled gallery: artifacts/screenshots/studio.png."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtGui import QImage

from app.context import AppContext
from app.services.clients.studio_types import ImageRequest, JobState
from app.services.gallery import ImageMetadata
from tests.fakes.image_compute import FakeImageCompute
from tests.studio.art import art_png
from tests.studio.embedded import EmbeddedApi
from tests.studio.page_harness import open_studio

PROMPTS = [
    "A quiet valley at sunrise, soft mist, painterly",
    "Neon city skyline after rain, reflections",
    "Desert dunes under a giant pale sun",
    "Lavender hills, golden hour, film grain",
    "Coral reef sunset seen from above",
    "Aurora over a frozen lake",
]


def test_studio_screenshot(qtbot, qloop, context: AppContext, screenshot_dir: Path) -> None:  # type: ignore[no-untyped-def]
    async def fill() -> None:
        for index in range(18):
            metadata = ImageMetadata(
                prompt=PROMPTS[index % len(PROMPTS)],
                model="flux-schnell" if index % 3 else "qwen-image-lightning",
                size="1K",
                aspect="1:1",
                seed=1000 + index,
            )
            await context.gallery.save_generated(art_png(index), metadata)

    filled = asyncio.ensure_future(fill())
    qtbot.waitUntil(filled.done, timeout=20000)
    compute = FakeImageCompute(hold=True)
    page = open_studio(qtbot, context, EmbeddedApi(compute, billing=True, credits=120))
    try:
        page.resize(1440, 900)
        jobs = page.jobs

        def submit(prompt: str, count: int, size: str = "1K") -> None:
            request = ImageRequest(model="flux-schnell", prompt=prompt, count=count, size=size, seed=7)
            done = asyncio.ensure_future(jobs.submit(request))
            qtbot.waitUntil(done.done, timeout=10000)
            done.result()

        submit("Lavender hills, golden hour, film grain", 2)
        submit("A cursed image that will not render", 1)
        submit("A lighthouse at dusk, volumetric light, 35mm", 4, "2K")
        qtbot.waitUntil(lambda: len(compute.held()) == 3, timeout=10000)
        calls = compute.held()
        compute.finish(calls[0])
        compute.fail(calls[1], "the GPU ran out of memory")
        qtbot.waitUntil(lambda: sum(1 for job in jobs.jobs if job.state.terminal) == 2, timeout=10000)
        qtbot.waitUntil(lambda: page.gallery_panel.model.rowCount() == 20, timeout=10000)
        assert any(job.state == JobState.RUNNING for job in jobs.jobs)
        page.form.prompt.setPlainText("A koi pond in autumn, top-down, watercolor")
        page.form.count.setValue(2)
        loader = page.gallery_panel.loader
        grid = page.gallery_panel.grid
        qtbot.waitUntil(lambda: not loader.busy and page.gallery_panel.stack.currentWidget() is grid, timeout=10000)
        qtbot.wait(100)
        path = screenshot_dir / "studio.png"
        assert page.grab().save(str(path))
        assert QImage(str(path)).width() >= 1400

        page.open_image(page.gallery_panel.records()[3])
        qtbot.waitUntil(lambda: not page.detail.full_image().isNull(), timeout=10000)
        qtbot.wait(50)
        assert page.grab().save(str(screenshot_dir / "studio-detail.png"))
    finally:
        page.shutdown()
