"""One build: its steps with state and elapsed time, the live log (copy, save), Cancel; once ready, the URL,
endpoints, metrics, a predict form from ``/info`` and copyable curl and Python snippets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.services.builder.controller import BuilderController
from app.views.builder.log_view import LogView
from app.views.builder.ready_panel import ReadyPanel
from modal_app.contract import Build, BuildState, StepStatus

LOG_MIN_LINES = 10
STEP_MARK = {"pending": "○", "running": "◐", "done": "●", "failed": "✕", "cancelled": "–"}


def elapsed(step: StepStatus, now: datetime) -> str:
    if step.started_at is None:
        return ""
    end = step.finished_at or now
    seconds = max(0.0, (end.replace(tzinfo=None) - step.started_at.replace(tzinfo=None)).total_seconds())
    return f"{seconds:.0f} s" if seconds < 60 else f"{int(seconds // 60)} min {int(seconds % 60)} s"


class BuildView(QWidget):
    def __init__(self, controller: BuilderController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.build: Build | None = None
        self.title = QLabel("")
        self.title.setProperty("role", "subtitle")
        self.title.setWordWrap(True)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.steps_row = QHBoxLayout()
        self.step_labels: dict[str, QLabel] = {}
        self.log = LogView()
        self.paused = QLabel("Paused — scroll to the end to follow the log")
        self.paused.setProperty("role", "muted")
        self.paused.setVisible(False)
        self.log.following_changed.connect(lambda following: self.paused.setVisible(not following))
        self.copy_button = QPushButton("Copy log")
        self.save_button = QPushButton("Save log…")
        self.cancel_button = QPushButton("Cancel build")
        self.stop_button = QPushButton("Stop model")
        self.delete_button = QPushButton("Delete")
        for button in (self.copy_button, self.save_button, self.cancel_button, self.stop_button, self.delete_button):
            button.setAccessibleName(button.text())
        self.copy_button.clicked.connect(self._copy)
        self.save_button.clicked.connect(self._save)
        self.cancel_button.clicked.connect(self._cancel)
        self.stop_button.clicked.connect(self._stop)
        self.delete_button.clicked.connect(self._delete)
        self.ready = ReadyPanel(controller)
        # The ready panel (predict form, snippets) scrolls on its own above the log, and a splitter between
        # them keeps the log at least LOG_MIN_LINES tall: at 1600 × 1000 the panel had left it three lines.
        self.ready_area = QScrollArea()
        self.ready_area.setWidgetResizable(True)
        self.ready_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.ready_area.setWidget(self.ready)
        self.ready_area.setVisible(False)
        self.log.setMinimumHeight(self.log.fontMetrics().lineSpacing() * LOG_MIN_LINES)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(self.ready_area)
        self.split.addWidget(self.log)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self.steps_row)
        layout.addWidget(self.status)
        layout.addWidget(self.split, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.paused, 1)
        for button in (self.copy_button, self.save_button, self.cancel_button, self.stop_button, self.delete_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)

        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        controller.build_changed.connect(self._changed)
        controller.log_appended.connect(self._appended)

    # --- showing -------------------------------------------------------------------------------------
    def show_build(self, build: Build) -> None:
        same = self.build is not None and self.build.id == build.id
        self.build = build
        if not same:
            self.log.set_lines(self.controller.log(build.id))
            self.controller.load_log(build.id)
            self.ready.clear()
        self._render()

    def _changed(self, build: Build) -> None:
        if self.build is not None and build.id == self.build.id:
            self.build = build
            self._render()

    def _appended(self, build_id: str, _count: int) -> None:
        if self.build is not None and build_id == self.build.id:
            if self.log.lines is not self.controller.log(build_id):
                self.log.set_lines(self.controller.log(build_id))
            self.log.appended()

    def _render(self) -> None:
        build = self.build
        if build is None:
            return
        self.title.setText(build.description)
        self._render_steps()
        state = build.state
        text = {
            BuildState.QUEUED: "Queued",
            BuildState.BUILDING: f"Building · {build.step.label if build.step else ''}",
            BuildState.READY: f"Ready · {build.url}",
            BuildState.FAILED: f"Failed: {build.error}",
            BuildState.CANCELLED: "Cancelled",
            BuildState.STOPPED: "Stopped (the model no longer runs)",
        }[state]
        self.status.setText(text)
        self.status.setProperty("role", "error" if state == BuildState.FAILED else "")
        self.status.style().polish(self.status)
        self.cancel_button.setVisible(state.in_progress)
        self.stop_button.setVisible(state == BuildState.READY)
        self.delete_button.setVisible(not state.in_progress)
        if state == BuildState.READY:
            self.ready_area.setVisible(True)
            self.ready.show_build(build)
        else:
            self.ready_area.setVisible(False)
        if state.in_progress:
            self._clock.start()
        else:
            self._clock.stop()

    def _render_steps(self) -> None:
        assert self.build is not None
        now = datetime.now(UTC)
        for step in self.build.steps:
            label = self.step_labels.get(step.step.value)
            if label is None:
                label = QLabel()
                label.setObjectName("BuildStep")
                self.step_labels[step.step.value] = label
                self.steps_row.addWidget(label)
            time = elapsed(step, now)
            label.setText(f"{STEP_MARK[step.state.value]} {step.step.label}" + (f" · {time}" if time else ""))
            label.setAccessibleName(f"{step.step.label}: {step.state.value} {time}")
            label.setProperty("state", step.state.value)
            label.style().polish(label)

    def _tick(self) -> None:
        if self.build is not None:
            self._render_steps()

    # --- actions -------------------------------------------------------------------------------------
    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.log.text())

    def _save(self) -> None:
        if self.build is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the log", f"build-{self.build.id[:8]}.log", "Logs (*.log *.txt)"
        )
        if path:
            Path(path).write_text(self.log.text() + "\n", encoding="utf-8")

    def _cancel(self) -> None:
        if self.build is not None:
            self.controller.cancel(self.build.id)

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _stop(self) -> None:
        if self.build is not None and self._ask(
            "Stop the model?", "It stops answering; its place in your plan is freed."
        ):
            self.controller.cancel(self.build.id)

    def _delete(self) -> None:
        if self.build is not None and self._ask(
            "Delete the model?", "Its sandbox, files and log are removed for good."
        ):
            self.controller.delete(self.build.id)


def pretty(answer: object) -> str:
    return json.dumps(answer, indent=2, ensure_ascii=False)
