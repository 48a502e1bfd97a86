"""The sidebar: one button per place; expanded (icons and names), collapsed (icons) or closed."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.views.places import PLACES
from app.views.qt_enums import set_enum_property
from app.views.theme import PALETTE
from app.views.widgets.icons import icon, pixmap

# Qt enums are set by name (set_enum_property): the first paint does not wait for PySide's Qt namespace.

EXPANDED_WIDTH = 212
COLLAPSED_WIDTH = 60


class SidebarMode(StrEnum):
    EXPANDED = "expanded"
    COLLAPSED = "collapsed"
    CLOSED = "closed"


class Sidebar(QFrame):
    place_selected = Signal(str)
    mode_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Sidebar")
        self._mode = SidebarMode.EXPANDED
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 10, 8, 10)
        layout.setSpacing(4)

        top = QHBoxLayout()
        top.setSpacing(2)
        self.logo = QLabel()
        self.logo.setPixmap(pixmap("amethyst", 26))
        self.brand = QLabel("Amethyst")
        self.brand.setStyleSheet("font-size: 12pt; font-weight: 700;")  # fits beside the two buttons
        self.toggle_button = self._chrome_button("menu", "Collapse the sidebar (Ctrl+B)")
        self.toggle_button.clicked.connect(self.toggle_collapsed)
        self.close_button = self._chrome_button("close", "Close the sidebar")
        self.close_button.clicked.connect(lambda: self.set_mode(SidebarMode.CLOSED))
        top.addWidget(self.logo)
        top.addWidget(self.brand, 1)
        top.addWidget(self.toggle_button)
        top.addWidget(self.close_button)
        layout.addLayout(top)
        layout.addSpacing(12)

        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QToolButton] = {}
        for index, spec in enumerate(PLACES, start=1):
            button = QToolButton()
            button.setObjectName(f"place-{spec.key}")
            button.setText(spec.title)
            button.setIcon(icon(spec.icon, PALETTE.muted, active_color=PALETTE.text))
            button.setIconSize(QSize(20, 20))
            button.setCheckable(True)
            # The theme gives buttons Tab focus only (no ring after a click); Qt's arrow keys then move along
            # a group only between auto-exclusive buttons (the group still decides which one is checked).
            button.setAutoExclusive(True)
            button.setToolTip(f"{spec.title} (Ctrl+{index})")
            button.setSizePolicy(QSizePolicy.Policy.Expanding, button.sizePolicy().verticalPolicy())
            button.clicked.connect(lambda _checked=False, key=spec.key: self.place_selected.emit(key))
            self.group.addButton(button)
            self.buttons[spec.key] = button
            if spec.key == "settings":
                layout.addStretch(1)
            layout.addWidget(button)
        self._apply_mode()

    def hold_selected_in_place(self) -> None:
        """The selected item's icon and label stay where they are: the style's 1 px "pressed" shift of a
        checked button is turned off (its 3 px accent edge takes a transparent edge's room, in the theme).
        Called after the first paint: building a QStyle costs ~5 ms."""
        from PySide6.QtWidgets import QProxyStyle, QStyle

        class NoShift(QProxyStyle):
            def pixelMetric(self, metric, option=None, widget=None):  # type: ignore[no-untyped-def]
                if metric in (QStyle.PixelMetric.PM_ButtonShiftHorizontal, QStyle.PixelMetric.PM_ButtonShiftVertical):
                    return 0
                return super().pixelMetric(metric, option, widget)

        self._no_shift = NoShift()  # kept: a widget does not own a style set on it
        for button in self.buttons.values():
            button.setStyle(self._no_shift)

    def _chrome_button(self, icon_name: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setProperty("kind", "chrome")
        set_enum_property(button, "focusPolicy", "NoFocus")  # reachable with Ctrl+B; keeps focus in the place
        button.setIcon(icon(icon_name, PALETTE.muted))
        button.setIconSize(QSize(18, 18))
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        return button

    @property
    def mode(self) -> SidebarMode:
        return self._mode

    def set_mode(self, mode: SidebarMode | str) -> None:
        mode = SidebarMode(mode)
        if mode == self._mode:
            return
        self._mode = mode
        self._apply_mode()
        self.mode_changed.emit(mode.value)

    def toggle_collapsed(self) -> None:
        """Ctrl+B and the ☰ button: expanded ⇄ collapsed; a closed sidebar comes back expanded."""
        self.set_mode(SidebarMode.COLLAPSED if self._mode == SidebarMode.EXPANDED else SidebarMode.EXPANDED)

    def set_current(self, key: str) -> None:
        self.buttons[key].setChecked(True)

    def _apply_mode(self) -> None:
        expanded = self._mode == SidebarMode.EXPANDED
        closed = self._mode == SidebarMode.CLOSED
        if closed or self.parentWidget() is not None:
            # Shown with the window it is laid out in: on a sidebar without a parent yet (while the window
            # is built), setVisible(True) would open it as a window of its own (~10 ms before the first paint).
            self.setVisible(not closed)
        self.setFixedWidth(EXPANDED_WIDTH if expanded else COLLAPSED_WIDTH)
        self.brand.setVisible(expanded)
        self.logo.setVisible(expanded)
        self.close_button.setVisible(expanded)
        self.toggle_button.setToolTip("Collapse the sidebar (Ctrl+B)" if expanded else "Expand the sidebar (Ctrl+B)")
        style = "ToolButtonTextBesideIcon" if expanded else "ToolButtonIconOnly"
        for button in self.buttons.values():
            set_enum_property(button, "toolButtonStyle", style)
