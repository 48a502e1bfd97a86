"""Run in a subprocess (the scale is read once, before the QApplication): screenshots of Marketplace, Chat
and Studio (a gallery of striped images) at ``QT_SCALE_FACTOR``, and a JSON line of what was drawn at
which pixel ratio.

    QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=2 python -m tests.foundation.hidpi_screens OUT_DIR
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from app.context import build_context
from app.log import Redactor
from app.paths import Paths
from app.services.gallery import ImageMetadata
from app.views.studio.gallery_panel import GalleryPanel
from tests.fakes.memory_keyring import MemoryKeyring

PLACES = ("marketplace", "chat", "studio")


def striped_png(index: int) -> bytes:
    """A 768-px image with 3-px stripes: blur from stretching shows plainly in a screenshot."""
    import io

    image = Image.new("RGB", (768, 768))
    tint = (60 + 50 * index % 190, 40, 200)
    image.putdata([tint if (x // 3) % 2 else (15, 15, 25) for _y in range(768) for x in range(768)])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def pump(app: QApplication, until: object = None, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if callable(until) and until():
            return
        time.sleep(0.01)


def thumbnails(panel: GalleryPanel) -> list[QImage | None]:
    """The loaded thumbnail of each image the gallery shows (None: not there yet)."""
    return [panel.loader.image(str(record.path)) for record in panel.records()]


def main(out: Path) -> dict[str, object]:
    from app.views.main_window import MainWindow
    from app.views.theme import apply_theme

    app = QApplication([])
    apply_theme(app)
    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    folder = Path(tempfile.mkdtemp(prefix="amethyst-hidpi-"))
    context = build_context(
        Paths.resolve(folder / "data"), redactor=Redactor(), keyring_backend=MemoryKeyring(), environ={}
    )
    for index in range(4):
        saved = asyncio.ensure_future(
            context.gallery.save_generated(
                striped_png(index), ImageMetadata(prompt=f"stripes {index}", model="flux-schnell")
            )
        )
        pump(app, saved.done)
    window = MainWindow(context)
    window.resize(1280, 800)
    window.show()
    pump(app, seconds=0.3)
    facts: dict[str, object] = {"scale": float(scale), "window_ratio": window.devicePixelRatio()}
    for key in PLACES:
        window.open_place(key)
        if key == "studio":
            panel = window.page("studio").gallery_panel  # type: ignore[attr-defined]
            pump(app, lambda shown=panel: len(thumbnails(shown)) == 4 and None not in thumbnails(shown), 10)
            facts["thumbnail_ratio"] = panel.loader.ratio
            sizes = {(image.width(), image.height()) for image in thumbnails(panel) if image is not None}
            facts["thumbnail_pixels"] = sorted(sizes)
        pump(app, seconds=0.3)
        shot = window.grab()
        facts[f"{key}_pixels"] = [shot.width(), shot.height()]
        shot.save(str(out / f"hidpi-{key}-{round(float(scale) * 100)}.png"))
    logo = window.sidebar.logo.pixmap()
    facts["logo_ratio"] = logo.devicePixelRatio()
    facts["logo_pixels"] = [logo.width(), logo.height()]
    window.close()
    context.close()
    return facts


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    print(json.dumps(main(target)), flush=True)
    os._exit(0)  # the offscreen app needs no orderly teardown here
