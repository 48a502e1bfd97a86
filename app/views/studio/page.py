"""The Studio place: the prompt form and queue on the left, the gallery (or one image) on the right.

Only wiring lives here: the page binds to ``context.studio_controller`` (flows, notifications, the
enhancer) and shows the services it drives (``controller.connection``, ``.jobs``, ``.gallery``) with the
widgets in this package. The page does not connect to the Studio API (``controller.start`` does, at app
start-up) and stops nothing it does not own.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.config import APPEARANCE_ACCENT, STUDIO_DEFAULT_MODEL
from app.context import AppContext
from app.services.gallery import GalleryRecord
from app.services.studio.connection import ConnectionState
from app.views.studio.detail_view import ImageDetail
from app.views.studio.gallery_panel import GalleryPanel
from app.views.studio.prompt_form import Availability, PromptForm
from app.views.studio.queue_panel import QueuePanel
from app.views.studio.widgets import studio_styles
from app.views.widgets.toast import Toast

UNDO_MS = 6000


class StudioPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.controller = context.studio_controller
        self.connection = self.controller.connection
        self.jobs = self.controller.jobs
        self.gallery = self.controller.gallery
        self._pending_model: str | None = None
        self.toast: Toast | None = None
        self._shut_down = False

        self.banner_text = QLabel()
        self.banner_text.setWordWrap(True)
        self.retry = QPushButton("Retry")
        self.retry.setProperty("kind", "ghost")
        self.settings_button = QPushButton("Open Settings")
        self.settings_button.setProperty("kind", "ghost")
        self.banner = QWidget()
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(0, 0, 0, 0)
        banner_layout.addWidget(self.banner_text, 1)
        banner_layout.addWidget(self.retry)
        banner_layout.addWidget(self.settings_button)

        self.form = PromptForm()
        self.form.references.bind(context.tasks, context.workers)  # files are read off the UI thread
        self.form.model.preferred = lambda: str(context.settings.value(STUDIO_DEFAULT_MODEL))
        self.form.model.bind_downloads(context.studio_local_models)  # "downloading 43 %" in the model rows
        self.queue = QueuePanel()
        column = QWidget()
        column.setObjectName("StudioColumn")
        left_layout = QVBoxLayout(column)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(12)
        left_layout.addWidget(self.form)
        left_layout.addWidget(self.queue, 1)
        # On a short window the form and queue scroll together instead of being squeezed.
        left = QScrollArea()
        left.setObjectName("StudioLeft")
        left.setWidget(column)
        left.setWidgetResizable(True)
        left.setFrameShape(QFrame.Shape.NoFrame)
        left.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # focus belongs to the form fields, not the frame
        left.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left.setStyleSheet("#StudioLeft, #StudioColumn { background: transparent; }")
        left.setMinimumWidth(336)  # the form's narrowest plus a scroll bar
        left.setMaximumWidth(440)
        self.left = left

        accent = context.settings.value(APPEARANCE_ACCENT)
        self.gallery_panel = GalleryPanel(self.gallery, context.tasks, accent)
        self.detail = ImageDetail(context.tasks, context.workers)
        self.right = QStackedWidget()
        self.right.addWidget(self.gallery_panel)
        self.right.addWidget(self.detail)

        splitter = QSplitter()
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(self.right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([350, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

        self.setStyleSheet(studio_styles(accent))
        self._wire()
        self._show_enhancer(self.controller.enhancer is not None, self.controller.enhancer_reason)
        self._show_connection(self.connection.state.value)
        self.controller.attach_view(self.is_watched)
        for job in reversed(self.jobs.jobs):
            self.queue.add_job(job)
        self.gallery_panel.reload()
        self._connected_models()
        self.controller.view_opened()

    def _wire(self) -> None:
        connection, jobs, controller = self.connection, self.jobs, self.controller
        form = self.form
        # Every connection goes away with this page (a receiver that is deleted is disconnected by Qt).
        connection.state_changed.connect(self._show_connection)
        connection.models_changed.connect(self._connected_models)
        connection.credits_updated.connect(self._update_availability)
        jobs.job_added.connect(self.queue.add_job)
        jobs.job_changed.connect(self.queue.update_job)
        controller.enhancer_changed.connect(self._show_enhancer)
        controller.submitting.connect(self._submitting)
        controller.problem.connect(self._show_problem)
        controller.enhancing.connect(form.set_enhancing)
        controller.enhanced.connect(form.set_enhanced)
        controller.message.connect(self.show_message)
        form.generate_requested.connect(controller.generate)
        form.enhance_requested.connect(controller.enhance)
        self.form.buy_credits_requested.connect(lambda: self.context.navigator.open("billing"))
        self.form.fix_requested.connect(
            lambda fix: self.context.navigator.open("settings", {"section": fix.section, "detail": fix.detail})
        )
        self.form.use_cloud_requested.connect(
            lambda: self.context.navigator.open("settings", {"section": "connection"})
        )
        self.queue.cancel_requested.connect(controller.cancel)
        self.queue.open_requested.connect(self._open_job)
        self.gallery_panel.open_requested.connect(self.open_image)
        self.gallery_panel.import_finished.connect(lambda report: self.show_message(report.summary()))
        self.gallery_panel.make_first_image.connect(self.form.prompt.setFocus)
        # "Write a prompt" (the empty gallery's button) goes once a prompt is written (issue 12).
        self.form.prompt.textChanged.connect(
            lambda: self.gallery_panel.set_prompt_written(bool(self.form.prompt.toPlainText().strip()))
        )
        self.detail.back_requested.connect(self.show_gallery)
        self.detail.favourite_toggled.connect(controller.set_favourite)
        self.detail.remix_requested.connect(self.remix)
        self.detail.delete_requested.connect(self.delete_image)
        self.detail.save_requested.connect(controller.save)
        self.detail.message.connect(self.show_message)
        self.retry.clicked.connect(controller.retry)
        self.settings_button.clicked.connect(lambda: self.context.navigator.open("settings"))

    # --- connection --------------------------------------------------------------------------------
    def _show_connection(self, state: str) -> None:
        value = ConnectionState(state)
        problem = value in {ConnectionState.ERROR, ConnectionState.AUTH_NEEDED}
        self.banner.setVisible(problem)
        self.banner_text.setText(self.connection.error_message or value.label)
        self.banner_text.setProperty("role", "error" if value == ConnectionState.ERROR else "muted")
        self.banner_text.style().polish(self.banner_text)
        self.retry.setVisible(value == ConnectionState.ERROR)
        self.settings_button.setVisible(problem and self.connection.kind == "cloud")
        self._update_availability()

    def _connected_models(self, _table: object = None) -> None:
        if self.connection.models is not None:
            self.form.set_models(self.connection.models)
        if self._pending_model and self.form.select_model(self._pending_model):
            self._pending_model = None
        self._update_availability()

    def _update_availability(self, _credits: object = None) -> None:
        state = self.connection.state
        credits = self.connection.credits
        messages = {
            ConnectionState.CONNECTING: "Connecting to the Studio API…",
            ConnectionState.AUTH_NEEDED: "Sign in to your Studio account in Settings to generate.",
            ConnectionState.ERROR: "The Studio API cannot be reached; see the message above.",
            ConnectionState.DISCONNECTED: "Not connected to the Studio API.",
        }
        self.form.set_availability(
            Availability(
                connected=state == ConnectionState.CONNECTED,
                connection_message=messages.get(state, ""),
                billing=self.connection.billing_enabled,
                available=credits.available if credits else 0,
            )
        )

    # --- jobs and the enhancer ------------------------------------------------------------------------
    def _submitting(self, busy: bool) -> None:
        if busy:
            self.form.generate.setEnabled(False)
        else:
            self._update_availability()

    def _show_problem(self, text: str, buy_credits: bool) -> None:
        self.form.show_problem(text, buy_credits=buy_credits)

    def _show_enhancer(self, available: bool, reason: str) -> None:
        self.form.set_enhancer_available(available, reason)

    def is_watched(self) -> bool:
        """The person sees the Studio now: no notification for a finished job."""
        window = self.window()
        return self.isVisible() and window.isVisible() and not window.isMinimized()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.controller.refresh_enhancer()  # a key or model may have been set in Settings meanwhile
        job = self.controller.take_unseen()
        if job is not None and job.records:
            self.open_image(job.records[0])

    def _open_job(self, server_id: str) -> None:
        record = self.controller.first_result(server_id)
        if record is not None:
            self.open_image(record)

    # --- gallery -----------------------------------------------------------------------------------

    def open_image(self, record: GalleryRecord) -> None:
        self.detail.show_record(record)
        self.right.setCurrentWidget(self.detail)

    def show_gallery(self) -> None:
        self.right.setCurrentWidget(self.gallery_panel)

    def remix(self, record: GalleryRecord) -> None:
        self.form.fill_from(record)
        self.show_gallery()

    def delete_image(self, record: GalleryRecord) -> None:
        """Hide the image now; it is removed for good when the undo toast goes away."""
        self.show_gallery()
        self.controller.delete(record)
        undone = False

        def undo() -> None:
            nonlocal undone
            undone = True
            self.controller.undo_delete(record)

        def finished() -> None:
            if not undone:
                self.controller.finish_delete(record)

        toast = self.show_message(
            "Image deleted", record.prompt[:80], action_text="Undo", on_action=undo, timeout_ms=UNDO_MS
        )
        toast.closed.connect(finished)

    def show_message(self, title: str, body: str = "", **options: Any) -> Toast:
        if self.toast is not None and self.toast.isVisible() and not options:
            self.toast.dismiss()
        self.toast = Toast(self, title, body, **options)
        self.toast.show_toast()
        return self.toast

    # --- place protocol ----------------------------------------------------------------------------
    def activate(self, payload: dict[str, Any]) -> None:
        """Open a job's result (``{"job": server id}``, from a notification) or open with a model selected
        (``{"model_id": ...}`` or a catalog entry's ``studio_model``)."""
        job_id = str(payload.get("job") or "")
        if job_id:
            self.controller.take_unseen()  # the notification named the job to show; that one wins
            self._open_job(job_id)
            return
        model_id = str(payload.get("studio_model") or payload.get("model_id") or "")
        if not model_id:
            return
        if self.connection.models is not None and self.connection.models.get(model_id) is not None:
            self.form.select_model(model_id)
        elif self.connection.models is None:
            self._pending_model = model_id
        else:
            name = model_id.rsplit("/", 1)[-1]
            self.show_message(
                "Model not in the Studio", f"{name} cannot run in the Studio yet; pick one of its models."
            )
        self.form.prompt.setFocus()

    def focus_search(self) -> None:
        self.show_gallery()
        self.gallery_panel.focus_search()

    def shutdown(self) -> None:
        """The window closes: let go of the controller. The services run on; ``AppContext.close`` stops them."""
        if self._shut_down:
            return
        self._shut_down = True
        self.gallery_panel.shutdown()
        self.controller.detach_view()
