"""An editable combo box whose whole field opens its list, like a plain one: a click on the text (not
only on the arrow) shows the choices; typing a name of one's own still works once the list is closed."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QComboBox


class _OpenOnClick(QObject):
    def __init__(self, combo: QComboBox) -> None:
        super().__init__(combo)
        self._combo = combo

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        try:
            line_edit = self._combo.lineEdit()
            if (
                event.type() == QEvent.Type.MouseButtonRelease
                and isinstance(event, QMouseEvent)
                and event.button() == Qt.MouseButton.LeftButton
                and self._combo.isEnabled()
                and self._combo.count() > 0
                and line_edit is not None
                and not line_edit.hasSelectedText()  # a drag selects text: leave it
            ):
                self._combo.showPopup()
        except RuntimeError:  # the combo is being deleted
            pass
        return False


def open_list_on_click(combo: QComboBox) -> None:
    """Make a click anywhere on an editable ``combo``'s field open its list."""
    line_edit = combo.lineEdit()
    if line_edit is not None:
        line_edit.installEventFilter(_OpenOnClick(combo))
