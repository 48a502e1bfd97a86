"""Start Amethyst at login: an XDG autostart entry on Linux, a LaunchAgent on macOS, the Run key on Windows.

Written only while the ``startup.at_login`` setting is on, and removed when it is turned off. The entry
starts the app with ``--minimized`` when ``startup.minimized`` is on (the window stays in the tray).
"""

from __future__ import annotations

import os
import plistlib
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

ENTRY_NAME = "amethyst"
LAUNCH_AGENT_LABEL = "com.amethyst.desktop"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


def launch_command() -> list[str]:
    """How to start this very installation: the bundle's executable, or this Python with ``-m app``."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "app"]


class Autostart:
    """Writes or removes this platform's start-at-login entry. ``home`` and ``config_home`` are for tests."""

    def __init__(
        self,
        command: Sequence[str] | None = None,
        *,
        platform: str = sys.platform,
        home: Path | None = None,
        config_home: Path | None = None,
    ) -> None:
        self.command = list(command or launch_command())
        self.platform = platform
        self.home = home or Path.home()
        xdg = os.environ.get("XDG_CONFIG_HOME", "")
        self.config_home = config_home or (Path(xdg) if xdg else self.home / ".config")

    @property
    def path(self) -> Path | None:
        """The file this platform's entry lives in; None on Windows (a registry value)."""
        if self.platform.startswith("win"):
            return None
        if self.platform == "darwin":
            return self.home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
        return self.config_home / "autostart" / f"{ENTRY_NAME}.desktop"

    def enabled(self) -> bool:
        if self.platform.startswith("win"):
            return _windows_run_value() is not None
        return self.path is not None and self.path.exists()

    def apply(self, at_login: bool, minimized: bool) -> None:
        """Makes the entry match the settings. ``OSError`` when it cannot be written or removed."""
        if at_login:
            self.enable(minimized)
        elif self.enabled():
            self.disable()

    def enable(self, minimized: bool) -> None:
        arguments = [*self.command, *(["--minimized"] if minimized else [])]
        if self.platform.startswith("win"):
            _set_windows_run_value(" ".join(f'"{part}"' for part in arguments))
            return
        path = self.path
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.platform == "darwin":
            plist = {"Label": LAUNCH_AGENT_LABEL, "ProgramArguments": arguments, "RunAtLoad": True}
            path.write_bytes(plistlib.dumps(plist))
            return
        path.write_text(
            "[Desktop Entry]\n"
            "Type=Application\n"
            "Name=Amethyst\n"
            "Comment=Desktop AI studio\n"
            f"Exec={shlex.join(arguments)}\n"
            "Icon=amethyst\n"
            "Terminal=false\n"
            "X-GNOME-Autostart-enabled=true\n",
            encoding="utf-8",
        )

    def disable(self) -> None:
        if self.platform.startswith("win"):
            _delete_windows_run_value()
        elif self.path is not None:
            self.path.unlink(missing_ok=True)


# Windows only (not run on the Linux CI): the per-user Run key, which needs no administrator rights.
def _windows_run_value() -> str | None:
    import winreg  # type: ignore[import-not-found,unused-ignore]

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:  # type: ignore[attr-defined,unused-ignore]
            return str(winreg.QueryValueEx(key, "Amethyst")[0])  # type: ignore[attr-defined,unused-ignore]
    except OSError:
        return None


def _set_windows_run_value(command: str) -> None:
    import winreg  # type: ignore[import-not-found,unused-ignore]

    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:  # type: ignore[attr-defined,unused-ignore]
        winreg.SetValueEx(key, "Amethyst", 0, winreg.REG_SZ, command)  # type: ignore[attr-defined,unused-ignore]


def _delete_windows_run_value() -> None:
    import winreg  # type: ignore[import-not-found,unused-ignore]

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:  # type: ignore[attr-defined,unused-ignore]
            winreg.DeleteValue(key, "Amethyst")  # type: ignore[attr-defined,unused-ignore]
    except FileNotFoundError:
        pass
