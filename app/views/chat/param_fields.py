"""Sampling parameters that are either set by the person or left to the provider's default.

Each is a check box with the parameter's name (unchecked: "default", nothing is sent) and, when checked,
a slider or a number field. ``value()`` is None for the provider's default.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QSlider, QVBoxLayout, QWidget

DEFAULT_TEXT = "default"


class OptionalNumber(QWidget):
    """A decimal parameter on a slider, e.g. temperature 0–2 in steps of 0.05."""

    value_changed = Signal()

    def __init__(
        self,
        label: str,
        minimum: float,
        maximum: float,
        step: float,
        start: float,
        tip: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._minimum, self._step, self._start = minimum, step, start
        self.check = QCheckBox(label)
        self.check.setToolTip(tip)
        self.shown = QLabel(DEFAULT_TEXT)
        self.shown.setProperty("role", "muted")
        self.shown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round((maximum - minimum) / step))
        self.slider.setToolTip(tip)
        self.slider.setValue(self._steps(start))
        self.slider.setVisible(False)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.check, 1)
        top.addWidget(self.shown)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.slider)
        self.check.toggled.connect(self._toggled)
        self.slider.valueChanged.connect(self._slid)

    def _steps(self, value: float) -> int:
        return round((value - self._minimum) / self._step)

    def _number(self) -> float:
        return round(self._minimum + self.slider.value() * self._step, 2)

    def value(self) -> float | None:
        return self._number() if self.check.isChecked() else None

    def set_value(self, value: float | None) -> None:
        """Shows a stored value (None: the provider's default) without emitting ``value_changed``."""
        for widget in (self.check, self.slider):
            widget.blockSignals(True)
        self.check.setChecked(value is not None)
        self.slider.setValue(self._steps(self._start if value is None else value))
        for widget in (self.check, self.slider):
            widget.blockSignals(False)
        self._show()

    def _toggled(self, _checked: bool) -> None:
        self._show()
        self.value_changed.emit()

    def _slid(self, _value: int) -> None:
        self._show()
        if self.check.isChecked():
            self.value_changed.emit()

    def _show(self) -> None:
        checked = self.check.isChecked()
        self.slider.setVisible(checked)
        self.shown.setText(f"{self._number():.2f}" if checked else DEFAULT_TEXT)
        self.shown.setProperty("role", "" if checked else "muted")
        self.shown.style().unpolish(self.shown)
        self.shown.style().polish(self.shown)


class OptionalTokens(QWidget):
    """A whole number (max tokens) typed in a field; unchecked means the provider's default.

    A validated line edit rather than a spin box: it takes the theme's input style as is, and a token
    count is typed, not stepped.
    """

    value_changed = Signal()

    def __init__(self, label: str, start: int, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._start = start
        self.check = QCheckBox(label)
        self.check.setToolTip(tip)
        self.box = QLineEdit()
        self.box.setValidator(QIntValidator(1, 1_000_000, self.box))
        self.box.setPlaceholderText(str(start))
        self.box.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.box.setFixedWidth(96)
        self.box.setVisible(False)
        self.box.setToolTip(tip)
        self.shown = QLabel(DEFAULT_TEXT)
        self.shown.setProperty("role", "muted")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check, 1)
        layout.addWidget(self.shown)
        layout.addWidget(self.box)
        self.check.toggled.connect(self._toggled)
        self.box.textChanged.connect(lambda _text: self.value_changed.emit() if self.check.isChecked() else None)

    def value(self) -> int | None:
        if not self.check.isChecked():
            return None
        text = self.box.text().strip()
        return int(text) if text.isdigit() and int(text) > 0 else None

    def set_value(self, value: int | None) -> None:
        """Shows a stored value (None: the provider's default) without emitting ``value_changed``."""
        for widget in (self.check, self.box):
            widget.blockSignals(True)
        self.check.setChecked(bool(value))
        self.box.setText(str(value) if value else "")
        self.box.setVisible(bool(value))
        self.shown.setVisible(not value)
        for widget in (self.check, self.box):
            widget.blockSignals(False)

    def _toggled(self, checked: bool) -> None:
        self.box.setVisible(checked)
        self.shown.setVisible(not checked)
        if checked and not self.box.text():
            self.box.blockSignals(True)
            self.box.setText(str(self._start))
            self.box.blockSignals(False)
        self.value_changed.emit()
