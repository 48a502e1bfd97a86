"""Every place walked with the Tab key (issue 20): each focusable control has a name a screen reader can read,
Tab always moves on and comes back round (no trap), every control is reached, and a focused button, check
box or radio button paints differently from the same control unfocused (the focus ring is there)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QWidget,
)

from app.views.main_window import MainWindow
from app.views.places import PLACES

MAX_STEPS = 250  # more than the most controls any place shows


def activate(window: MainWindow, qtbot) -> None:
    """Makes the window the active one again: the offscreen platform drops activation after some pages show,
    and ``:focus`` only paints (``hasFocus()``) in the active window."""
    if QApplication.activeWindow() is not window:
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def is_part_of_another(widget: QWidget) -> bool:
    """A combo box's or spin box's own line edit: focus and name belong to the box around it."""
    return widget.focusProxy() is not None or isinstance(widget.parentWidget(), (QComboBox, QAbstractSpinBox))


def tab_focusable(window: MainWindow) -> list[QWidget]:
    """The visible, enabled controls Tab may stop at, except an unchecked button of an exclusive group
    (Qt tabs to the group's checked button; the arrow keys move inside the group)."""
    found = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or not widget.isEnabled() or is_part_of_another(widget):
            continue
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus != Qt.FocusPolicy.TabFocus:
            continue
        if isinstance(widget, QAbstractButton):
            group = widget.group()
            if group is not None and group.exclusive() and group.checkedButton() not in (None, widget):
                continue
        found.append(widget)
    return found


def readable_name(widget: QWidget, window: MainWindow) -> str:
    """What a screen reader announces: the accessible name, a buddy label's text, the tooltip, or a button's
    text (Qt reads a button's text as its name)."""
    if widget.accessibleName().strip():
        return widget.accessibleName()
    for label in window.findChildren(QLabel):
        if label.buddy() is widget and label.text().strip():
            return label.text()
    if widget.toolTip().strip():
        return widget.toolTip()
    if isinstance(widget, QAbstractButton) and widget.text().replace("&", "").strip():
        return widget.text()
    return ""


def describe(widget: QWidget) -> str:
    parts = []
    node: QWidget | None = widget
    while node is not None and len(parts) < 4:
        parts.append(type(node).__name__ + (f"#{node.objectName()}" if node.objectName() else ""))
        node = node.parentWidget()
    return " < ".join(parts)


def ring_is_painted(widget: QWidget, qtbot) -> bool:
    """The focused control's grab differs from its unfocused grab; focus is given back afterwards."""
    focused = widget.grab().toImage().convertToFormat(QImage.Format.Format_ARGB32)
    widget.clearFocus()
    qtbot.waitUntil(lambda: not widget.hasFocus())
    unfocused = widget.grab().toImage().convertToFormat(QImage.Format.Format_ARGB32)
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    return focused != unfocused


def walk(window: MainWindow, key: str, qtbot) -> tuple[list[QWidget], list[str]]:
    """Presses Tab from the place's sidebar button until focus comes back to it; returns the controls
    visited in order and the problems seen."""
    problems: list[str] = []
    start = window.sidebar.buttons[key]
    activate(window, qtbot)
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(start.hasFocus)
    visited: list[QWidget] = []
    current: QWidget = start
    for _ in range(MAX_STEPS):
        activate(window, qtbot)
        qtbot.keyClick(current, Qt.Key.Key_Tab)
        following = window.focusWidget()
        if following is None or following is current:
            problems.append(f"{key}: Tab does not leave {describe(current)} (a keyboard trap)")
            return visited, problems
        if following is start:
            return visited, problems
        if following in visited:
            problems.append(f"{key}: Tab cycles without coming back to the sidebar, at {describe(following)}")
            return visited, problems
        visited.append(following)
        current = following
    problems.append(f"{key}: Tab visited {MAX_STEPS} controls without coming back to the sidebar")
    return visited, problems


def test_every_place_is_walkable_with_tab_named_and_ringed(window: MainWindow, qtbot) -> None:
    problems: list[str] = []
    for spec in PLACES:
        window.open_place(spec.key)
        qtbot.wait(30)
        visited, walk_problems = walk(window, spec.key, qtbot)
        problems += walk_problems
        for widget in tab_focusable(window):
            if not readable_name(widget, window):
                problems.append(f"{spec.key}: no accessible name, buddy label or tooltip on {describe(widget)}")
            if widget not in visited and widget is not window.sidebar.buttons[spec.key]:
                problems.append(f"{spec.key}: Tab never reaches {describe(widget)} ({readable_name(widget, window)})")
        for widget in visited:
            if isinstance(widget, QAbstractButton):
                activate(window, qtbot)
                widget.setFocus(Qt.FocusReason.TabFocusReason)
                qtbot.waitUntil(widget.hasFocus)
                if not ring_is_painted(widget, qtbot):
                    problems.append(
                        f"{spec.key}: {describe(widget)} ({readable_name(widget, window)}) paints no focus ring"
                    )
    assert not problems, "\n".join(problems)
