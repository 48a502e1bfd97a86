"""The dark purple look: one palette, one stylesheet template in resources/theme/."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from string import Template

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


@dataclass(frozen=True)
class Palette:
    base: str = "#0a0a0a"
    surface: str = "#0f0f1a"
    surface_alt: str = "#161625"
    border: str = "#26263a"
    accent: str = "#9333ea"
    accent_dark: str = "#330066"
    text: str = "#f5f5f5"
    muted: str = "#a1a1aa"
    success: str = "#22c55e"
    warning: str = "#f59e0b"
    danger: str = "#ef4444"

    def with_accent(self, accent: str) -> Palette:
        return replace(self, accent=accent, accent_dark=QColor(accent).darker(300).name())

    @property
    def accent_light(self) -> str:
        return QColor(self.accent).lighter(130).name()

    @property
    def accent_hover(self) -> str:
        return QColor(self.accent).lighter(115).name()


PALETTE = Palette()
STYLE = "Fusion"
# resources/ is a package beside app/; a plain path, as importlib.resources costs ~3 ms to import at start-up
RESOURCES_DIR = Path(__file__).resolve().parents[2] / "resources"
THEME_DIR = RESOURCES_DIR / "theme"


def create_application(program: str) -> QApplication:
    """A QApplication that Qt builds in the Fusion style (``-style``). Setting the style from Python
    (``setStyle``) returns a QStyle, whose PySide type costs ~5 ms to build before the first paint."""
    return QApplication([program, "-style", STYLE])


def stylesheet(palette: Palette = PALETTE) -> str:
    template = Template((THEME_DIR / "amethyst.qss").read_text(encoding="utf-8"))
    values = {name: getattr(palette, name) for name in palette.__dataclass_fields__}
    values.update(accent_light=palette.accent_light, accent_hover=palette.accent_hover)
    values["theme_dir"] = THEME_DIR.as_posix()  # the SVGs the stylesheet draws (drop-down arrow, check mark)
    return template.substitute(values)


def apply_theme(app: QApplication, accent: str | None = None, *, set_style: bool = True) -> Palette:
    """Palette and stylesheet; ``set_style=False`` for an application made by ``create_application``."""
    palette = PALETTE.with_accent(accent) if accent else PALETTE
    if set_style:
        app.setStyle(STYLE)
    qt_palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: palette.base,
        QPalette.ColorRole.WindowText: palette.text,
        QPalette.ColorRole.Base: palette.surface,
        QPalette.ColorRole.AlternateBase: palette.surface_alt,
        QPalette.ColorRole.Text: palette.text,
        QPalette.ColorRole.Button: palette.surface_alt,
        QPalette.ColorRole.ButtonText: palette.text,
        QPalette.ColorRole.Highlight: palette.accent,
        QPalette.ColorRole.HighlightedText: palette.text,
        QPalette.ColorRole.ToolTipBase: palette.surface_alt,
        QPalette.ColorRole.ToolTipText: palette.text,
        QPalette.ColorRole.PlaceholderText: palette.muted,
        QPalette.ColorRole.Link: palette.accent_light,
    }
    for role, colour in roles.items():
        qt_palette.setColor(role, QColor(colour))
    qt_palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#52525b"))
    qt_palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#52525b"))
    app.setPalette(qt_palette)
    app.setStyleSheet(stylesheet(palette))
    return palette
