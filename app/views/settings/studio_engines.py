"""Settings → Studio → Image engines: one line per engine with its state, why, and the fix."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.studio.engine_states import EngineRow, EngineStates

STATE_ROLES = {"ready": "success", "downloading": "", "not_ready": "muted"}


class EnginesPanel(QWidget):
    """Binds ``EngineStates``. ``fix_requested(FixAction)`` when a line's button is pressed; "Find again" and
    "Find local servers" ask the Studio API to probe ComfyUI (8188) and AUTOMATIC1111 (7860) now."""

    fix_requested = Signal(object)

    def __init__(self, states: EngineStates, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.states = states
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(6)
        self.grid.setColumnStretch(2, 1)
        layout.addLayout(self.grid)
        self.message = QLabel()
        self.message.setProperty("role", "muted")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.find_servers = QPushButton("Find local servers")
        self.find_servers.setToolTip("Look for ComfyUI on port 8188 and AUTOMATIC1111 / Forge on port 7860 now")
        self.find_servers.setAccessibleName("Find local image servers")
        row.addWidget(self.find_servers)
        row.addStretch(1)
        layout.addLayout(row)
        self.lines: dict[str, tuple[QLabel, QLabel, QLabel, QPushButton]] = {}
        self.find_servers.clicked.connect(states.refresh)
        states.changed.connect(self.show_states)
        self.show_states()

    def show_states(self) -> None:
        rows = self.states.rows
        if list(self.lines) == [row.id for row in rows]:
            for row in rows:  # the same engines: update in place (a download's percentage ticks here)
                self._fill_line(self.lines[row.id], row)
        else:
            while self.grid.count():
                item = self.grid.takeAt(0)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.hide()  # gone now, not only after deleteLater runs
                    widget.deleteLater()
            self.lines = {}
            for index, row in enumerate(rows):
                self._add_line(index, row)
        self.message.setText(self.states.message)
        self.message.setVisible(bool(self.states.message))
        self.find_servers.setEnabled(not self.states.busy)
        self.find_servers.setText("Looking…" if self.states.busy else "Find local servers")

    def _add_line(self, index: int, row: EngineRow) -> None:
        name = QLabel(row.name)
        state = QLabel()
        detail = QLabel()
        detail.setProperty("role", "muted")
        detail.setWordWrap(True)
        detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        detail.setMinimumWidth(0)
        button = QPushButton()
        button.clicked.connect(lambda _=False, engine=row.id: self._fix(engine))
        line = (name, state, detail, button)
        for column, widget in enumerate(line):
            self.grid.addWidget(widget, index, column, Qt.AlignmentFlag.AlignVCenter)
        self.lines[row.id] = line
        self._fill_line(line, row)

    def _fill_line(self, line: tuple[QLabel, QLabel, QLabel, QPushButton], row: EngineRow) -> None:
        _name, state, detail, button = line
        state.setText(row.label)
        state.setProperty("role", STATE_ROLES.get(row.state, "error"))
        state.style().unpolish(state)
        state.style().polish(state)
        state.setAccessibleName(f"{row.name}: {row.label}")
        detail.setText(row.detail)
        button.setText(row.fix.label if row.fix else "")
        button.setVisible(row.fix is not None)
        button.setAccessibleName(f"{row.fix.label} for {row.name}" if row.fix else "")

    def _fix(self, engine: str) -> None:
        row = next((row for row in self.states.rows if row.id == engine), None)
        if row is None or row.fix is None:
            return
        if row.fix.label == "Find again":
            self.states.refresh()
        else:
            self.fix_requested.emit(row.fix)

    def focus_engine(self, engine: str) -> bool:
        """Put the keyboard focus on an engine's fix (or its line); False when the engine is not listed."""
        line = self.lines.get(engine)
        if line is None:
            return False
        target = line[3] if line[3].isVisible() else self.find_servers
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        return True
