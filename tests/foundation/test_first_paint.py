"""The window's first paint comes before PySide's Qt namespace is built (~15 ms), and the shell's enum
properties are set by name through one checked helper."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QToolButton

from app.views.qt_enums import qt_namespace_built, set_enum_property

ROOT = Path(__file__).resolve().parents[2]


def python(*arguments: str) -> subprocess.CompletedProcess[str]:
    environment = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    return subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, env=environment, cwd=ROOT, timeout=120
    )


def test_the_probe_sees_the_namespace_being_built() -> None:
    script = (
        "from app.views.qt_enums import qt_namespace_built\n"
        "import PySide6.QtCore, PySide6.QtWidgets\n"
        "before = qt_namespace_built()\n"
        "from PySide6.QtCore import Qt\n"
        "print(int(before), int(qt_namespace_built()))\n"
    )
    result = python("-c", script)
    assert result.returncode == 0, result.stderr
    before, after = result.stdout.split()
    if before == "1":
        pytest.skip("this PySide builds its Qt namespace when QtCore is imported")
    assert after == "1"


def test_first_paint_happens_before_the_qt_namespace_is_built(tmp_path: Path) -> None:
    result = python("-m", "app", "--data-dir", str(tmp_path / "data"), "--first-paint-exit")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("FIRST_PAINT "))
    assert line.split()[2] == "qt_namespace=0", "something before the first paint reads PySide6.QtCore.Qt"


def test_set_enum_property_sets_keys_and_flags_by_name(qtbot) -> None:
    from PySide6.QtCore import Qt

    button = QToolButton()
    qtbot.addWidget(button)
    set_enum_property(button, "focusPolicy", "NoFocus")
    set_enum_property(button, "toolButtonStyle", "ToolButtonTextBesideIcon")
    assert button.focusPolicy() == Qt.FocusPolicy.NoFocus
    assert button.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    label = QLabel()
    qtbot.addWidget(label)
    set_enum_property(label, "alignment", "AlignRight|AlignVCenter")
    assert label.alignment() == Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    assert qt_namespace_built()


def test_set_enum_property_refuses_unknown_names_and_keys(qtbot) -> None:
    button = QToolButton()
    qtbot.addWidget(button)
    with pytest.raises(ValueError, match="no property 'focusPolicyy'"):
        set_enum_property(button, "focusPolicy" + "y", "NoFocus")
    with pytest.raises(ValueError, match=r"'NoFocuss' is not one of .*NoFocus"):
        set_enum_property(button, "focusPolicy", "NoFocuss")
    with pytest.raises(ValueError, match="not an enum property"):
        set_enum_property(button, "text", "NoFocus")
    assert button.dynamicPropertyNames() == []  # no misspelt dynamic property was left behind
