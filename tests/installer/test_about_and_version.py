"""One version source, the About dialog and the quiet update notice in the window."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app import __version__
from app.version import installed_version
from tests.installer.test_updates import publish


def test_package_metadata_is_the_version_source() -> None:
    assert installed_version() == __version__


def test_about_dialog_shows_versions_folder_and_licences(qtbot, context, screenshot_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from app.views.about_dialog import AboutDialog

    dialog = AboutDialog(context.paths.data_dir, context.log_file)
    qtbot.addWidget(dialog)
    dialog.show()
    assert f"Amethyst {__version__}" in dialog.findChild(type(dialog.details), "AboutTitle").text()
    assert str(context.paths.data_dir) in dialog.details.text()
    rows = {
        dialog.table.item(row, 0).text().lower().replace("_", "-"): dialog.table.item(row, 2).text()
        for row in range(dialog.table.rowCount())
    }
    assert {"pyside6-essentials", "httpx", "sqlalchemy", "certifi"} <= set(rows)
    assert "LGPL-3.0" in rows["pyside6-essentials"]
    assert "unknown" not in rows.values()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert (
        copied.startswith(f"Amethyst {__version__}\n") and "Qt 6." in copied and str(context.paths.data_dir) in copied
    )
    dialog.grab().save(str(screenshot_dir / "about-dialog.png"))


def test_update_notice_after_start_and_verified_download(  # type: ignore[no-untyped-def]
    qtbot,
    qloop,
    context,
    feed_server,
    screenshot_dir: Path,
) -> None:
    from app.views.desktop_integration import DesktopIntegration
    from app.views.main_window import MainWindow

    base, folder = feed_server
    context.settings.set("updates.feed_url", publish(folder, base, "9.0.0"))
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    integration = DesktopIntegration(window, context)
    integration.start()
    qtbot.waitUntil(lambda: getattr(integration, "toast", None) is not None, timeout=20000)
    assert integration.toast.title_label.text() == "Amethyst 9.0.0 is available"
    window.grab().save(str(screenshot_dir / "update-toast.png"))
    qtbot.mouseClick(integration.toast.action_button, Qt.MouseButton.LeftButton)
    dialog = integration.dialogs[-1]
    assert "Faster start." in dialog.notes.toPlainText()
    dialog.grab().save(str(screenshot_dir / "update-dialog.png"))
    qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.downloaded is not None, timeout=20000)
    data = dialog.downloaded.read_bytes()
    feed = json.loads((folder / "feed.json").read_text())
    assert hashlib.sha256(data).hexdigest() == next(iter(feed["downloads"].values()))["sha256"]
    assert dialog.downloaded.parent == context.paths.data_dir / "updates"
    assert dialog.download_button.text() == "Show in folder"


def test_update_check_off_sends_no_request(qtbot, qloop, context, feed_server) -> None:  # type: ignore[no-untyped-def]
    from app.views.desktop_integration import DesktopIntegration
    from app.views.main_window import MainWindow

    base, folder = feed_server
    context.settings.set("updates.feed_url", publish(folder, base, "9.0.0"))
    context.settings.set("updates.check_at_start", False)
    window = MainWindow(context)
    qtbot.addWidget(window)
    DesktopIntegration(window, context).start()
    assert not context.tasks.running("update-check")
