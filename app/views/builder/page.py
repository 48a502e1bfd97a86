"""The Builder place: the models list with plan usage on the left; New model or one build on the right."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.views.builder.build_view import BuildView
from app.views.builder.new_model import NewModelForm
from app.views.widgets.empty_state import EmptyState
from modal_app.contract import Build, BuildState, BuildUsage

STATE_TEXT = {
    BuildState.QUEUED: "queued",
    BuildState.BUILDING: "building…",
    BuildState.READY: "ready",
    BuildState.FAILED: "failed",
    BuildState.CANCELLED: "cancelled",
    BuildState.STOPPED: "stopped",
}


def usage_text(usage: BuildUsage) -> str:
    if usage.limit is None:
        return f"{usage.live} live model{'s' if usage.live != 1 else ''} · no limit on this computer"
    return f"{usage.live} / {usage.limit} on {usage.plan_name}"


class BuilderPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.controller = context.builder_controller
        self.setAccessibleName("Builder")

        self.usage = QLabel("Not connected yet")
        self.usage.setProperty("role", "muted")
        self.new_button = QPushButton("New model")
        self.new_button.setProperty("role", "primary")
        self.new_button.setAccessibleName("New model")
        self.new_button.clicked.connect(self.show_new)
        self.list = QListWidget()
        self.list.setAccessibleName("Models")
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentItemChanged.connect(self._picked)
        self.list_empty = QLabel("No models yet. Press New model to describe one.")
        self.list_empty.setWordWrap(True)
        self.list_empty.setProperty("role", "muted")
        self.busy = QLabel("")
        self.busy.setProperty("role", "muted")
        left = QVBoxLayout()
        heading = QLabel("Models")
        heading.setProperty("role", "subtitle")
        left.addWidget(heading)
        left.addWidget(self.usage)
        left.addWidget(self.new_button)
        left.addWidget(self.list_empty)
        left.addWidget(self.list, 1)
        left.addStretch(0)
        left.addWidget(self.busy)
        side = QWidget()
        side.setLayout(left)
        side.setFixedWidth(280)

        self.stack = QStackedWidget()
        self.empty = EmptyState(
            "builder",
            "Build a small model from your data",
            "Describe what to predict and attach a CSV. Amethyst writes the code (a built-in template or your "
            "chat model), trains it in a sandbox and serves it for you to query.",
            "New model",
        )
        self.empty.action_clicked.connect(self.show_new)
        default_model = str(context.settings.get("studio.enhance_model") or "")
        self.new_form = NewModelForm(self.controller, default_model)
        self.build_view = BuildView(self.controller)
        for widget in (self.empty, self.new_form, self.build_view):
            self.stack.addWidget(widget)

        layout = QHBoxLayout(self)
        layout.addWidget(side)
        layout.addWidget(self.stack, 1)

        self.controller.builds_changed.connect(self._builds)
        self.controller.usage_changed.connect(lambda usage: self.usage.setText(usage_text(usage)))
        self.controller.build_changed.connect(self._build_changed)
        self.controller.submitted.connect(self.open_build)
        self.controller.busy.connect(self.busy.setText)
        self.controller.start()
        if self.controller.builds:
            self._builds(tuple(self.controller.builds.values()))
        self._update_empty()

    # --- list ----------------------------------------------------------------------------------------
    def _builds(self, builds: tuple[Build, ...]) -> None:
        current = self.list.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole) if current else None
        self.list.blockSignals(True)
        self.list.clear()
        for build in builds:
            item = QListWidgetItem(self._item_text(build))
            item.setData(Qt.ItemDataRole.UserRole, build.id)
            self.list.addItem(item)
            if build.id == keep:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self._update_empty()
        if keep and keep not in {b.id for b in builds} and self.stack.currentWidget() is self.build_view:
            self.stack.setCurrentWidget(self.empty)

    @staticmethod
    def _item_text(build: Build) -> str:
        return f"{build.description[:40]}\n{build.task.label} · {STATE_TEXT[build.state]}"

    def _build_changed(self, build: Build) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == build.id:
                item.setText(self._item_text(build))

    def _update_empty(self) -> None:
        self.list_empty.setVisible(self.list.count() == 0)
        self.list.setVisible(self.list.count() > 0)

    def _picked(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is not None:
            build = self.controller.build(item.data(Qt.ItemDataRole.UserRole))
            if build is not None:
                self.build_view.show_build(build)
                self.stack.setCurrentWidget(self.build_view)

    # --- navigation ----------------------------------------------------------------------------------
    def show_new(self) -> None:
        self.list.clearSelection()
        self.stack.setCurrentWidget(self.new_form)
        self.new_form.description.setFocus()

    def open_build(self, build: Build) -> None:
        self.build_view.show_build(build)
        self.stack.setCurrentWidget(self.build_view)
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == build.id:
                self.list.blockSignals(True)
                self.list.setCurrentRow(row)
                self.list.blockSignals(False)

    def activate(self, payload: dict[str, Any] | None = None) -> None:
        build_id = (payload or {}).get("build")
        build = self.controller.build(build_id) if build_id else None
        if build is not None:
            self.open_build(build)

    def showEvent(self, event: Any) -> None:
        self.controller.viewing = True
        super().showEvent(event)

    def hideEvent(self, event: Any) -> None:
        self.controller.viewing = False
        super().hideEvent(event)
