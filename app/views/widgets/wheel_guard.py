"""The mouse wheel scrolls the page, not the value of a control the pointer happens to pass over.

Qt's combo boxes, spin boxes and sliders take a wheel event whether or not they have the focus, and a combo
box even takes the focus from the wheel (``Qt.WheelFocus``). On a scrolling page that meant a person
scrolling Settings past "Default image model" chose, and saved, another model without noticing (QA).

``guard_wheel(page)`` gives each such control under ``page`` one shared event filter: the control gets
``Qt.StrongFocus`` instead of ``Qt.WheelFocus`` (the wheel no longer focuses it), and a wheel event reaches it
only while it has the focus (clicked or tabbed to, as by a person who means to change it). Otherwise the
event is ignored, and Qt hands an ignored wheel event on to the parent: the scroll area scrolls. Controls
added to the page later are guarded when the page is next shown.

The filter sits on the guarded controls only (not on the application, where it would run Python for every
event of every widget). A scroll bar, and an open combo box's list, keep their wheel.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QComboBox, QScrollBar, QWidget

_NAME = "amethystWheelGuard"


def _guarded(widget: QObject) -> bool:
    return isinstance(widget, (QComboBox, QAbstractSpinBox, QAbstractSlider)) and not isinstance(widget, QScrollBar)


class WheelGuard(QObject):
    """The event filter of the guarded controls and of the pages holding them (see the module docstring)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pages: set[int] = set()

    def guard(self, page: QWidget) -> None:
        """Guards the controls under ``page`` now, and again whenever ``page`` is shown."""
        key = id(page)
        if key not in self._pages:
            self._pages.add(key)
            page.installEventFilter(self)
            page.destroyed.connect(lambda: self._pages.discard(key))  # an id may be reused after
        for widget in page.findChildren(QWidget):
            if _guarded(widget):
                widget.installEventFilter(self)  # installing it again is harmless: Qt keeps one
                if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Wheel:
            if _guarded(watched) and not watched.hasFocus():  # type: ignore[attr-defined]
                event.ignore()
                return True  # not delivered to the control; the ignored event goes on to its parent
        elif kind == QEvent.Type.Show and id(watched) in self._pages:
            self.guard(watched)  # type: ignore[arg-type]
        return False


def guard_wheel(page: QWidget) -> None:
    """Guards ``page``'s combo boxes, spin boxes and sliders, with the application's one ``WheelGuard``."""
    app = QCoreApplication.instance()
    guard = app.findChild(WheelGuard, _NAME) if app is not None else None
    if guard is None:
        guard = WheelGuard(app)
        guard.setObjectName(_NAME)
    guard.guard(page)
