"""Renders resources/icons/amethyst.svg into the icons the installers need.

    python installer/icons.py OUT_DIR

writes OUT_DIR/hicolor/<N>x<N>/apps/amethyst.png (16…512), OUT_DIR/hicolor/scalable/apps/amethyst.svg,
OUT_DIR/amethyst.ico (Windows) and OUT_DIR/amethyst.icns (macOS). Needs PySide6 and Pillow (both are
dependencies of the app); runs offscreen.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ROOT = Path(__file__).resolve().parents[1]


def main(out: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    source = ROOT / "resources" / "icons" / "amethyst.svg"
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        raise SystemExit(f"{source} is not a valid SVG")
    pngs = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        target = out / "hicolor" / f"{size}x{size}" / "apps" / "amethyst.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target)):
            raise SystemExit(f"could not write {target}")
        pngs.append(target)
    scalable = out / "hicolor" / "scalable" / "apps" / "amethyst.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, scalable)
    largest = Image.open(pngs[-1])
    largest.save(out / "amethyst.ico", sizes=[(s, s) for s in SIZES if s <= 256])
    largest.save(out / "amethyst.icns")
    del app


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/icons"))
