"""The queue: every job with its state, elapsed time and a Cancel button, newest on top.

States arrive from the job queue's long-poll watchers (signals); the one-second timer here only redraws
the elapsed time of running jobs.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from app.services.clients.studio_types import JobState
from app.services.studio.jobs import QueuedJob
from app.views.studio.widgets import ElidedLabel
from app.views.theme import PALETTE
from app.views.widgets.notice_label import NoticeLabel

STATE_TEXT = {
    JobState.QUEUED: "Queued",
    JobState.RUNNING: "Running",
    JobState.COMPLETED: "Done",
    JobState.FAILED: "Failed",
    JobState.CANCELLED: "Cancelled",
}
STATE_COLOURS = {
    JobState.QUEUED: PALETTE.muted,
    JobState.RUNNING: PALETTE.warning,
    JobState.COMPLETED: PALETTE.success,
    JobState.FAILED: PALETTE.danger,
    JobState.CANCELLED: PALETTE.muted,
}


def format_elapsed(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class JobRow(QFrame):
    cancel_requested = Signal(str)  # server id
    open_requested = Signal(str)

    def __init__(self, job: QueuedJob, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("JobRow")
        self.job = job
        self.state = QLabel()
        self.state.setObjectName("JobState")
        self.state.setFixedWidth(78)
        self.prompt = ElidedLabel()
        self.details = NoticeLabel()
        self.details.setProperty("role", "muted")
        self.error = NoticeLabel()
        self.error.setProperty("role", "error")
        self.cancel = QPushButton("Cancel")
        self.cancel.setProperty("kind", "ghost")
        self.cancel.setToolTip("Stop this job; a reserved cost is given back")
        self.open = QPushButton("View")
        self.open.setProperty("kind", "ghost")
        # State and prompt on the first line with the buttons; the details below the prompt and any error
        # across the whole row wrap (under the buttons too), so a long message never widens the row.
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(4)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.open)
        layout = QGridLayout(self)
        layout.setContentsMargins(10, 8, 8, 8)
        layout.setHorizontalSpacing(10)
        layout.setVerticalSpacing(2)
        layout.addWidget(self.state, 0, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.prompt, 0, 1)
        layout.addLayout(buttons, 0, 2)
        layout.addWidget(self.details, 1, 1, 1, 2)
        layout.addWidget(self.error, 2, 0, 1, 3)
        layout.setColumnStretch(1, 1)
        self.cancel.clicked.connect(lambda: self.cancel_requested.emit(self.job.server_id))
        self.open.clicked.connect(lambda: self.open_requested.emit(self.job.server_id))
        self.refresh()

    def refresh(self, now: datetime | None = None) -> None:
        job = self.job
        colour = STATE_COLOURS[job.state]
        self.state.setText(f'<span style="color:{colour}">●</span>&nbsp;{STATE_TEXT[job.state]}')
        prompt = " ".join(job.request.prompt.split())
        self.prompt.setText(prompt)
        self.prompt.setToolTip(job.request.prompt)
        count = job.request.count
        parts = [job.request.model, f"{count} image{'s' if count != 1 else ''}", job.request.size]
        if job.cost:
            parts.append(f"{job.cost} credit{'s' if job.cost != 1 else ''}")
        parts.append(format_elapsed(job.elapsed(now)))
        # No break inside a part ("1 image", "2 min 05 s"): lines break only between the parts.
        self.details.setText(" · ".join(part.replace(" ", "\u00a0") for part in parts if part))
        failed = job.state == JobState.FAILED and bool(job.error)
        self.error.setText(job.error if failed else "")
        self.error.setVisible(failed)
        self.cancel.setVisible(not job.state.terminal)
        self.open.setVisible(job.state == JobState.COMPLETED and bool(job.records))


class QueuePanel(QFrame):
    cancel_requested = Signal(str)
    open_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.setMinimumHeight(200)  # room for two rows; a shorter window scrolls the Studio's left column
        self.rows: dict[str, JobRow] = {}
        title = QLabel("Queue")
        title.setProperty("role", "subtitle")
        self.summary = QLabel()
        self.summary.setProperty("role", "muted")
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.summary)
        self.empty = QLabel("No jobs yet. Each generation shows up here with its progress; you can keep working.")
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.list = QWidget()
        self.list.setObjectName("QueueList")
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(6)
        self.list_layout.addStretch(1)
        self.scroll_area = scroll = QScrollArea()
        scroll.setAccessibleName("Generation queue")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.list)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)
        self.setStyleSheet(
            f"#QueueList, #QueueList QWidget {{ background: transparent; }}"
            f"#JobRow {{ background: {PALETTE.surface_alt}; border: 1px solid {PALETTE.border}; border-radius: 8px; }}"
            f"#JobRow QLabel {{ background: transparent; border: none; }}"
        )
        self._ticker = QTimer(self, interval=1000)
        self._ticker.timeout.connect(self._tick)
        self._update_summary()

    def add_job(self, job: QueuedJob) -> None:
        if job.server_id in self.rows:
            self.update_job(job)
            return
        row = JobRow(job)
        row.cancel_requested.connect(self.cancel_requested)
        row.open_requested.connect(self.open_requested)
        self.rows[job.server_id] = row
        self.list_layout.insertWidget(0, row)  # jobs are reported oldest first, so the newest ends on top
        self._update_summary()

    def update_job(self, job: QueuedJob) -> None:
        row = self.rows.get(job.server_id)
        if row is None:
            self.add_job(job)
            return
        row.job = job
        row.refresh()
        self._update_summary()

    def active_count(self) -> int:
        return sum(1 for row in self.rows.values() if not row.job.state.terminal)

    def _update_summary(self) -> None:
        active = self.active_count()
        self.empty.setVisible(not self.rows)
        self.summary.setText(f"{active} running" if active else (f"{len(self.rows)} recent" if self.rows else ""))
        if active and not self._ticker.isActive():
            self._ticker.start()
        elif not active:
            self._ticker.stop()

    def _tick(self) -> None:
        now = datetime.now(UTC)
        for row in self.rows.values():
            if not row.job.state.terminal:
                row.refresh(now)
