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
