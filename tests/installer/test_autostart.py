"""Start at login: the entry exists only while the setting is on, and starts the app minimized when asked."""

from __future__ import annotations

import configparser
import plistlib
from pathlib import Path

from app.services.autostart import Autostart


def test_xdg_entry_is_written_only_when_turned_on(tmp_path: Path) -> None:
    autostart = Autostart(["/opt/amethyst/amethyst"], platform="linux", home=tmp_path, config_home=tmp_path / "cfg")
    autostart.apply(at_login=False, minimized=True)
    assert not (tmp_path / "cfg" / "autostart").exists()
    autostart.apply(at_login=True, minimized=True)
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(tmp_path / "cfg" / "autostart" / "amethyst.desktop")
    assert entry["Desktop Entry"]["Exec"] == "/opt/amethyst/amethyst --minimized"
    assert entry["Desktop Entry"]["Type"] == "Application"
    assert autostart.enabled()
    autostart.apply(at_login=True, minimized=False)
    entry.read(tmp_path / "cfg" / "autostart" / "amethyst.desktop")
    assert entry["Desktop Entry"]["Exec"] == "/opt/amethyst/amethyst"
    autostart.apply(at_login=False, minimized=False)
    assert not autostart.enabled()
    assert not (tmp_path / "cfg" / "autostart" / "amethyst.desktop").exists()


def test_paths_with_spaces_are_quoted(tmp_path: Path) -> None:
    autostart = Autostart(["/home/a b/amethyst"], platform="linux", home=tmp_path, config_home=tmp_path)
    autostart.enable(minimized=True)
    assert "Exec='/home/a b/amethyst' --minimized" in (tmp_path / "autostart" / "amethyst.desktop").read_text()


def test_macos_launch_agent(tmp_path: Path) -> None:
    autostart = Autostart(["/Applications/Amethyst.app/Contents/MacOS/amethyst"], platform="darwin", home=tmp_path)
    autostart.apply(at_login=True, minimized=True)
    plist = plistlib.loads((tmp_path / "Library" / "LaunchAgents" / "com.amethyst.desktop.plist").read_bytes())
    assert plist["ProgramArguments"][-1] == "--minimized" and plist["RunAtLoad"] is True
    autostart.apply(at_login=False, minimized=True)
    assert not autostart.enabled()


def test_turning_the_setting_on_writes_the_entry(qtbot, context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.views.desktop_integration import DesktopIntegration
    from app.views.main_window import MainWindow

    window = MainWindow(context)
    qtbot.addWidget(window)
    autostart = Autostart(["amethyst"], platform="linux", home=tmp_path, config_home=tmp_path)
    DesktopIntegration(window, context, autostart=autostart).start()
    assert not autostart.enabled()  # off by default: nothing written
    context.settings.set("startup.at_login", True)
    assert "Exec=amethyst --minimized" in (tmp_path / "autostart" / "amethyst.desktop").read_text()
    context.settings.set("startup.minimized", False)
    assert "Exec=amethyst\n" in (tmp_path / "autostart" / "amethyst.desktop").read_text()
    context.settings.set("startup.at_login", False)
    assert not autostart.enabled()


def test_settings_page_turns_start_at_login_on(qtbot, qloop, context, tmp_path: Path, screenshot_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from app.views.settings.page import SettingsPage

    page = SettingsPage(context)
    qtbot.addWidget(page)
    page.resize(900, 1400)
    page.show()
    section = page.startup
    assert not section.minimized.isEnabled()
    section.at_login.click()
    assert context.settings.get("startup.at_login") is True and section.minimized.isEnabled()
    section.feed.setText("http://127.0.0.1:9/feed.json")
    section.feed.editingFinished.emit()
    assert context.settings.get("updates.feed_url") == "http://127.0.0.1:9/feed.json"
    section.about.click()
    assert page.about_dialog.isVisible()
    page.about_dialog.close()
    page.scroll_area.ensureWidgetVisible(section)
    section.grab().save(str(screenshot_dir / "settings-startup.png"))
