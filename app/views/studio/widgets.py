"""Small widgets of the Studio: an eliding label, the 1–4 count picker, the Studio's extra styles."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QWidget

from app.views.theme import PALETTE
from app.views.widgets.elided_label import ElidedLabel
from app.views.widgets.focus import arrows_move_within

__all__ = ["ElidedLabel", "studio_styles"]


def studio_styles(accent: str = PALETTE.accent) -> str:
    """Checked toggles (seed mode, count, favourites) read as selected; quiet splitter handles."""
    return (
        f'QPushButton[kind="ghost"]:checked, QPushButton[kind="segment"]:checked {{'
        f" background: {PALETTE.accent_dark}; border: 1px solid {accent}; color: {PALETTE.text}; }}"
        f'QPushButton[kind="segment"] {{ background: {PALETTE.surface_alt}; border: 1px solid {PALETTE.border};'
        f" border-radius: 6px; padding: 4px 0; min-width: 34px; }}"
        f'QPushButton[kind="segment"]:hover {{ border-color: {accent}; }}'
        # this sheet outranks the theme's, so the keyboard focus ring is repeated here (after :checked)
        f'QPushButton[kind="ghost"]:focus, QPushButton[kind="ghost"]:checked:focus {{'
        f" border: 2px solid {PALETTE.accent_light}; }}"
        f'QPushButton[kind="segment"]:focus, QPushButton[kind="segment"]:checked:focus {{'
        f" border: 2px solid {PALETTE.accent_light}; padding: 3px 0; }}"
        "QSplitter::handle { background: transparent; }"
        f'QLabel[role="warning"] {{ color: {PALETTE.warning}; }}'
    )


class CountPicker(QWidget):
    """How many images: four segment buttons, 1 to 4."""

    valueChanged = Signal(int)

    def __init__(self, maximum: int = 4, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = QButtonGroup(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for number in range(1, maximum + 1):
            button = QPushButton(str(number))
            button.setCheckable(True)
            button.setProperty("kind", "segment")
            button.setToolTip(f"{number} image{'s' if number > 1 else ''}")
            button.setAccessibleName(f"{number} image{'s' if number > 1 else ''}")
            self.group.addButton(button, number)
            layout.addWidget(button)
        layout.addStretch(1)
        arrows_move_within(self.group)
        self.group.button(1).setChecked(True)
        self.group.idToggled.connect(self._toggled)

    def _toggled(self, number: int, checked: bool) -> None:
        if checked:
            self.valueChanged.emit(number)

    def value(self) -> int:
        return max(1, self.group.checkedId())

    def setValue(self, value: int) -> None:
        button = self.group.button(value)
        if button is not None:
            button.setChecked(True)
