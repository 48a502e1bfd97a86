"""Guards against a Qt binding that leaks references to None (PySide6 6.12.0 did, and Python 3.11 aborts)."""

import sys

from PySide6.QtWidgets import QWidget


def test_calls_returning_nothing_keep_none_alive(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.setObjectName("probe")
    assert sys.getrefcount(None) - before > -100
