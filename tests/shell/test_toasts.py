"""Toasts never cover the place's input (QA of issue 12): the chat's sending toast covered the composer. They
stack without overlapping, in a free corner, are announced to screen readers and close with Esc."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.views.main_window import MainWindow
from app.views.widgets.toast import Toast, input_rects


def rect_in(widget: QWidget, host: QWidget) -> QRect:
    return QRect(widget.mapTo(host, QPoint(0, 0)), widget.size())


@pytest.mark.parametrize("direction", [Qt.LayoutDirection.LeftToRight, Qt.LayoutDirection.RightToLeft])
@pytest.mark.parametrize("key", ["chat", "marketplace", "studio", "settings"])
def test_stacked_toasts_cover_no_input_of_the_place(window: MainWindow, qtbot, key: str, direction) -> None:
    window.setLayoutDirection(direction)
    window.open_place(key)
    page = window.page(key)
    hosts = [page, window.centralWidget()]  # the chat shows its own toasts over its page; the shell over all
    for host in hosts:
        toasts = [Toast(host, f"Notice {n}", "Sending to the model… " * (n + 1)) for n in range(3)]
        for toast in toasts:
            toast.show_toast()
        inputs = input_rects(host)
        assert inputs, f"{key}: expected some input to keep clear"
        placed = [rect_in(toast, host) for toast in toasts]
        for index, area in enumerate(placed):
            assert host.rect().contains(area), f"{key}: toast {index} leaves the host"
            assert not any(area.intersects(rect) for rect in inputs), f"{key}: toast {index} covers an input"
            assert not any(area.intersects(other) for other in placed[index + 1 :]), f"{key}: toasts overlap"
        for toast in toasts:
            toast.dismiss()


def test_the_chat_composer_stays_clear_of_the_sending_toast(window: MainWindow, qtbot) -> None:
    window.open_place("chat")
    page = window.page("chat")
    composer = page.composer  # type: ignore[attr-defined]
    toast = Toast(page, "Sending", "Waiting for the model to answer")
    toast.show_toast()
    assert not rect_in(toast, page).intersects(rect_in(composer, page))


def test_a_toast_is_announced_named_and_closes_with_escape(window: MainWindow, qtbot) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    toast = window.show_toast("Image ready", "1 image saved to the gallery", timeout_ms=60_000)
    assert toast.accessibleName() == "Image ready"
    assert toast.accessibleDescription() == "1 image saved to the gallery"
    assert toast.close_button.accessibleName() == "Dismiss: Image ready"
    toast.close_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(toast.close_button.hasFocus, timeout=2000)
    with qtbot.waitSignal(toast.closed, timeout=2000):
        qtbot.keyClick(toast.close_button, Qt.Key.Key_Escape)
    assert not toast.isVisible()
