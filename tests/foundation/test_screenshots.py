"""Writes a PNG of every place to artifacts/screenshots/ so a person can look at them."""

from pathlib import Path

from PySide6.QtGui import QImage

from app.context import AppContext
from app.views.main_window import MainWindow
from app.views.places import PLACES


def test_screenshot_of_every_place(context: AppContext, qtbot, qloop, screenshot_dir: Path) -> None:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    for spec in PLACES:
        window.open_place(spec.key)
        qtbot.wait(50)
        path = screenshot_dir / f"place-{spec.key}.png"
        assert window.grab().save(str(path))
        image = QImage(str(path))
        assert image.width() >= 1000 and image.height() >= 600
    window.sidebar.toggle_collapsed()
    window.open_place("settings")
    qtbot.wait(20)
    assert window.grab().save(str(screenshot_dir / "sidebar-collapsed.png"))
