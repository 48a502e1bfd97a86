"""The applied application stylesheet parses. Qt parses it lazily, when the first widget is polished, and a
single stray line (a merge conflict marker, a missing brace) makes it drop the whole sheet with only the
warning "Could not parse application stylesheet" on stderr: this test catches that warning."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QPushButton, QWidget

from app.views.theme import PALETTE, apply_theme, stylesheet


@pytest.fixture
def qt_warnings(qapp: QApplication) -> Iterator[list[str]]:
    """Every Qt message while the test runs (our handler in front of pytest-qt's, restored afterwards)."""
    seen: list[str] = []

    def handler(_mode: QtMsgType, _context: object, message: str) -> None:
        seen.append(message)

    previous = qInstallMessageHandler(handler)
    try:
        yield seen
    finally:
        qInstallMessageHandler(previous)
        apply_theme(qapp)  # the session's theme again, for the tests that follow


@pytest.mark.parametrize("accent", [None, "#0ea5e9"])
def test_the_applied_stylesheet_parses(qapp: QApplication, qt_warnings: list[str], accent: str | None) -> None:
    apply_theme(qapp, accent)
    widgets: list[QWidget] = [QPushButton("Go"), QLabel("text"), QLineEdit(), QComboBox()]
    for widget in widgets:
        widget.ensurePolished()  # the application stylesheet is parsed here, on first use
    assert not [m for m in qt_warnings if "Could not parse" in m], qt_warnings
    assert qapp.styleSheet() == stylesheet(PALETTE.with_accent(accent) if accent else PALETTE)


def lit_stepper_pixels(box: QWidget, top: int, bottom: int) -> int:
    """Pixels of a spin box's stepper column (inside its border, rows ``top``–``bottom``) clearly brighter
    than the field's surface."""
    from PySide6.QtGui import QColor

    image = box.grab().toImage()
    ratio = image.devicePixelRatio()
    surface = QColor(PALETTE.surface).lightness()
    count = 0
    for y in range(int((top + 3) * ratio), int((bottom - 3) * ratio)):
        for x in range(int((box.width() - 20) * ratio), int((box.width() - 3) * ratio)):
            if image.pixelColor(x, y).lightness() > surface + 60:
                count += 1
    return count


def test_spin_boxes_show_both_steppers(qapp: QApplication, qtbot) -> None:  # type: ignore[no-untyped-def]
    """QA: the Builder's predict form showed number fields without visible arrows (dark on the dark surface)."""
    from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox

    apply_theme(qapp)
    for box in (QSpinBox(), QDoubleSpinBox()):
        qtbot.addWidget(box)
        box.setRange(-100, 100)
        box.setValue(0)  # both steps possible: both arrows at full strength
        box.resize(160, 34)
        box.show()
        qtbot.waitExposed(box)
        half = box.height() // 2
        up, down = lit_stepper_pixels(box, 0, half), lit_stepper_pixels(box, half, box.height())
        assert up > 3 and down > 3, (type(box).__name__, up, down)
