"""The Studio place: the prompt form and queue on the left, the gallery (or one image) on the right.

Only wiring lives here: services do the work (``context.studio``, ``context.studio_jobs``,
``context.gallery``), the widgets in this package show it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from pathlib import Path
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

from app.context import AppContext
from app.services.clients.studio_types import (
    AuthNeeded,
    ImageRequest,
    InvalidRequest,
    NotEnoughCredits,
    StudioError,
)
from app.services.gallery import GalleryRecord
from app.services.studio.connection import ConnectionState
from app.services.studio.enhance import PromptEnhancer
from app.services.studio.jobs import QueuedJob
from app.views.studio import background
from app.views.studio.detail_view import ImageDetail
from app.views.studio.gallery_panel import GalleryPanel
from app.views.studio.prompt_form import Availability, PromptForm
from app.views.studio.queue_panel import QueuePanel
from app.views.studio.widgets import studio_styles
from app.views.widgets.toast import Toast

log = logging.getLogger(__name__)
NO_ENHANCER = "To enhance prompts, pick a chat model in Settings → Studio."
UNDO_MS = 6000


class StudioPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.connection = context.studio
        self.jobs = context.studio_jobs
        self.gallery = context.gallery
        self.enhancer: PromptEnhancer | None = None
        self._pending_model: str | None = None
        self._names = itertools.count(1)
        self.toast: Toast | None = None
        self._unseen: QueuedJob | None = None  # finished while the person was elsewhere

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

        accent = str(context.settings.get("appearance.accent"))
        self.gallery_panel = GalleryPanel(self.gallery, context.tasks, accent)
        self.detail = ImageDetail()
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
        self._resolve_enhancer()
        context.settings.on_change(self._setting_changed)
        self._show_connection(self.connection.state.value)
        self.jobs.is_watched = self.is_watched
        for job in reversed(self.jobs.jobs):
            self.queue.add_job(job)
        self._start("studio-gallery-start", self._start_gallery())
        if self.connection.state == ConnectionState.CONNECTED:
            self._connected()
        elif self.connection.state != ConnectionState.CONNECTING:
            self._start("studio-connect", self.connection.reconnect())

    def _wire(self) -> None:
        connection, jobs = self.connection, self.jobs
        connection.state_changed.connect(self._show_connection)
        connection.models_changed.connect(lambda _table: self._connected_models())
        connection.credits_updated.connect(lambda _credits: self._update_availability())
        connection.on_connected.append(self._connected)
        jobs.job_added.connect(self.queue.add_job)
        jobs.job_changed.connect(self.queue.update_job)
        jobs.images_ready.connect(self._images_ready)
        self.form.generate_requested.connect(lambda request: self._start("studio-submit", self._submit(request)))
        self.form.enhance_requested.connect(lambda prompt: self._start("studio-enhance", self._enhance(prompt)))
        self.form.buy_credits_requested.connect(lambda: self.context.navigator.open("billing"))
        self.form.use_cloud_requested.connect(
            lambda: self.context.navigator.open("settings", {"section": "connection"})
        )
        self.queue.cancel_requested.connect(lambda key: self._start(f"studio-cancel-{key}", self._cancel(key)))
        self.queue.open_requested.connect(self._open_job)
        self.gallery_panel.open_requested.connect(self.open_image)
        self.gallery_panel.import_finished.connect(lambda report: self.show_message(report.summary()))
        self.gallery_panel.make_first_image.connect(self.form.prompt.setFocus)
        self.detail.back_requested.connect(self.show_gallery)
        self.detail.favourite_toggled.connect(self._set_favourite)
        self.detail.remix_requested.connect(self.remix)
        self.detail.delete_requested.connect(self.delete_image)
        self.detail.save_requested.connect(
            lambda record, target: self._start(f"studio-save-{next(self._names)}", self._save(record, target))
        )
        self.detail.message.connect(self.show_message)
        self.retry.clicked.connect(lambda: self._start("studio-connect", self.connection.reconnect()))
        self.settings_button.clicked.connect(lambda: self.context.navigator.open("settings"))

    def _start(self, name: str, coroutine: Any) -> asyncio.Task[Any] | None:
        return background.start(self.context.tasks, name, coroutine)

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

    def _connected(self) -> None:
        self._connected_models()
        self._start("studio-resume", self.jobs.resume())

    def _connected_models(self) -> None:
        if self.connection.models is not None:
            self.form.set_models(self.connection.models)
        if self._pending_model and self.form.select_model(self._pending_model):
            self._pending_model = None
        self._update_availability()

    def _update_availability(self) -> None:
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

    # --- jobs --------------------------------------------------------------------------------------
    async def _submit(self, request: ImageRequest) -> None:
        self.form.generate.setEnabled(False)
        try:
            await self.jobs.submit(request)
        except NotEnoughCredits as error:
            self.form.show_problem(
                f"Not enough credits: this needs {error.needed}, you have {error.available}.", buy_credits=True
            )
            await self.connection.refresh_credits()
        except InvalidRequest as error:
            self.form.show_problem(f"The Studio API refused the request — {error}")
        except AuthNeeded:
            self.form.show_problem("Your Studio session ended. Sign in again in Settings.")
        except StudioError as error:
            self.form.show_problem(str(error))
        finally:
            self._update_availability()

    async def _cancel(self, server_id: str) -> None:
        try:
            await self.jobs.cancel(server_id)
        except StudioError as error:
            self.show_message("The job could not be cancelled", str(error))

    async def _enhance(self, prompt: str) -> None:
        if self.enhancer is None or not prompt.strip():
            return
        self.form.set_enhancing(True)
        try:
            enhanced = await self.enhancer.enhance(prompt)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # any provider failure: show it, keep the prompt as it was
            log.info("prompt enhancement failed: %s", error)
            self.form.show_problem(f"Enhance failed: {error}")
        else:
            self.form.set_enhanced(enhanced)
        finally:
            self.form.set_enhancing(False)

    def _resolve_enhancer(self) -> None:
        """The enhancer: one the app set on the context, else the chat model chosen in Settings."""
        enhancer: PromptEnhancer | None = self.context.__dict__.get("prompt_enhancer")
        reason = NO_ENHANCER
        if enhancer is None:
            model = str(self.context.settings.get("studio.enhance_model"))
            if model:
                from app.services.studio.chat_enhancer import chat_enhancer

                enhancer, reason = chat_enhancer(model, self.context.chat.provider_factory, self.context.secrets)
        self.enhancer = enhancer
        self.form.set_enhancer_available(enhancer is not None, reason)

    def _setting_changed(self, key: str, _value: object) -> None:
        if key == "studio.enhance_model":
            self._resolve_enhancer()

    def is_watched(self) -> bool:
        window = self.window()
        return self.isVisible() and window.isVisible() and not window.isMinimized()

    def _images_ready(self, job: QueuedJob) -> None:
        if not self.is_watched():
            self._unseen = job  # the tray message leads here; showing the Studio opens the result

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._resolve_enhancer()  # a key or model may have been set in Settings meanwhile
        job, self._unseen = self._unseen, None
        if job is not None and job.records:
            self.open_image(job.records[0])

    def _open_job(self, server_id: str) -> None:
        job: QueuedJob | None = self.jobs.find(server_id)
        if job is not None and job.records:
            self.open_image(job.records[0])

    # --- gallery -----------------------------------------------------------------------------------
    async def _start_gallery(self) -> None:
        await self.gallery.finish_delete()  # deletions left pending by a previous run
        self.gallery_panel.reload()

    def open_image(self, record: GalleryRecord) -> None:
        self.detail.show_record(record)
        self.right.setCurrentWidget(self.detail)

    def show_gallery(self) -> None:
        self.right.setCurrentWidget(self.gallery_panel)

    def remix(self, record: GalleryRecord) -> None:
        self.form.fill_from(record)
        self.show_gallery()

    def _set_favourite(self, record: GalleryRecord, favourite: bool) -> None:
        self._start("studio-favourite", self.gallery.set_favourite(record.id, favourite))

    def delete_image(self, record: GalleryRecord) -> None:
        """Hide the image now; it is removed for good when the undo toast goes away."""
        self.show_gallery()
        self._start(f"studio-delete-{record.id}", self.gallery.delete([record.id]))
        undone = False

        def undo() -> None:
            nonlocal undone
            undone = True
            self._start(f"studio-undo-{record.id}", self.gallery.undo_delete([record.id]))

        def finished() -> None:
            if not undone:
                self._start(f"studio-purge-{record.id}", self.gallery.finish_delete([record.id]))

        toast = self.show_message(
            "Image deleted", record.prompt[:80], action_text="Undo", on_action=undo, timeout_ms=UNDO_MS
        )
        toast.closed.connect(finished)

    async def _save(self, record: GalleryRecord, target: Path) -> None:
        try:
            saved = await self.gallery.export(record, target)
        except OSError as error:
            self.show_message("The image could not be saved", str(error))
            return
        self.show_message("Image saved", str(saved))

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
            self._unseen = None  # the notification named the job to show; that one wins
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
        self.gallery_panel.shutdown()
        if self._connected in self.connection.on_connected:
            self.connection.on_connected.remove(self._connected)
        self.jobs.stop()
        self.connection.stop_server()
