"""A mouse click leaves no keyboard focus ring (QA of issue 20): the sidebar's Marketplace button kept its ring
after a click took the person there. Buttons take the focus from Tab, Backtab and the arrow keys only; the
ring still shows for keyboard users."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton, QApplication

from app.views.main_window import MainWindow
from app.views.places import PLACES


@pytest.fixture
def window(window: MainWindow, qtbot) -> Iterator[MainWindow]:
    """The shared window (tests/conftest.py), made the active one: ``:focus`` paints only there."""
    main = window
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=2000)
    yield main


def image(button: QAbstractButton) -> QImage:
    return button.grab().toImage().convertToFormat(QImage.Format.Format_ARGB32)


def test_a_click_on_a_sidebar_place_leaves_no_focus_ring(window: MainWindow, qtbot) -> None:
    window.open_place("chat")
    marketplace = window.sidebar.buttons["marketplace"]
    qtbot.mouseClick(marketplace, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_place == "marketplace", timeout=2000)
    assert not marketplace.hasFocus()
    unringed = image(marketplace)
    marketplace.setFocus(Qt.FocusReason.TabFocusReason)  # the keyboard still reaches it, and it shows
    qtbot.waitUntil(marketplace.hasFocus, timeout=2000)
    assert image(marketplace) != unringed


def test_the_arrow_keys_move_along_the_places_and_the_ring_follows(window: MainWindow, qtbot) -> None:
    window.open_place("marketplace")
    first = window.sidebar.buttons[PLACES[0].key]
    second = window.sidebar.buttons[PLACES[1].key]
    first.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(first.hasFocus, timeout=2000)
    qtbot.keyClick(first, Qt.Key.Key_Down)
    qtbot.waitUntil(second.hasFocus, timeout=2000)


def test_no_button_anywhere_takes_the_focus_from_a_click(window: MainWindow, qtbot) -> None:
    problems = []
    for spec in PLACES:
        window.open_place(spec.key)
        for button in window.findChildren(QAbstractButton):
            policy = button.focusPolicy()
            if button.isVisibleTo(window) and policy & Qt.FocusPolicy.ClickFocus == Qt.FocusPolicy.ClickFocus:
                problems.append(f"{spec.key}: {button.objectName() or button.text() or button.toolTip()!r}")
    assert not problems, "\n".join(problems)


def test_the_arrow_keys_move_along_a_segmented_choice(qtbot) -> None:
    from app.views.studio.widgets import CountPicker

    picker = CountPicker()
    qtbot.addWidget(picker)
    picker.show()
    qtbot.waitExposed(picker)
    picker.activateWindow()
    one, two = picker.group.button(1), picker.group.button(2)
    one.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(one.hasFocus, timeout=2000)
    qtbot.keyClick(one, Qt.Key.Key_Right)
    qtbot.waitUntil(two.hasFocus, timeout=2000)
    assert picker.value() == 2


def test_tab_goes_header_then_get_started_then_the_place(window: MainWindow, qtbot) -> None:
    from tests.foundation.test_keyboard_walk import readable_name, walk

    window.open_place("marketplace")
    assert window.get_started_card is not None and window.get_started_card.isVisibleTo(window)
    visited, problems = walk(window, "marketplace", qtbot)
    assert not problems
    names = [readable_name(widget, window) for widget in visited]
    card = next(i for i, name in enumerate(names) if "Find local servers" in name)
    search = names.index("Search models")
    header = next(i for i, name in enumerate(names) if name.startswith("Help: Get started"))
    assert header < card < search, names


def test_leaving_a_place_with_a_focused_field_rings_no_button_in_the_next(window: MainWindow, qtbot) -> None:
    """The field's page hides, and Qt hands its focus to the next control in the chain (Builder's New model
    button, Chat's New chat) as if the keyboard had gone there: the switch decides the focus instead."""
    for start, target in (("marketplace", "builder"), ("marketplace", "chat"), ("chat", "builder")):
        window.open_place(start)
        field = QApplication.focusWidget()
        assert field is not None and window.page(start).isAncestorOf(field), start
        qtbot.mouseClick(window.sidebar.buttons[target], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.current_place == target, timeout=5000)  # noqa: B023
        focused = QApplication.focusWidget()
        assert not isinstance(focused, QAbstractButton), (start, target, focused)
