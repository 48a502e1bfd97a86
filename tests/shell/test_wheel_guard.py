"""Scrolling a page with the wheel never changes a control the pointer passes over (QA: scrolling Settings
past "Default image model" chose and saved another image model)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QScrollBar, QSlider, QWidget

from app.context import AppContext
from app.views.places import place


def wheel(widget: QWidget, notches: int = -1) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_a_combo_box_passed_over_keeps_its_choice_until_it_has_the_focus(qtbot, qloop, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    page = place("settings").build(context)
    qtbot.addWidget(page)
    page.resize(1000, 500)
    page.show()
    qtbot.waitExposed(page)
    guarded = [
        w
        for w in page.findChildren(QWidget)
        if isinstance(w, (QComboBox, QAbstractSpinBox, QSlider)) and not isinstance(w, QScrollBar)
    ]
    assert guarded
    for widget in guarded:
        assert widget.focusPolicy() != Qt.FocusPolicy.WheelFocus, widget.accessibleName()

    combo = page.studio.provider  # "Enhance with": Off and the chat providers
    assert combo.count() > 2 and combo.currentIndex() == 0
    page.scroll_area.ensureWidgetVisible(combo)
    assert not combo.hasFocus()
    wheel(combo)
    assert combo.currentIndex() == 0, "the wheel changed a combo box the pointer only passed over"

    combo.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(combo.hasFocus)
    wheel(combo)
    assert combo.currentIndex() == 1, "a focused combo box still takes the wheel"

    later = QComboBox(page.studio)  # a control made after the page (a new row, say)
    later.addItems(["a", "b"])
    page.hide()
    page.show()
    assert later.focusPolicy() == Qt.FocusPolicy.StrongFocus
    wheel(later)
    assert later.currentIndex() == 0
