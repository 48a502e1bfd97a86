"""Reference images for models that take them: pick or drop up to the model's limit; removable thumbnails.

Files are read and checked on ``Workers.blocking`` (``reference_files.read_reference``), never on the UI
thread; ``bind(tasks, workers)`` gives the picker the app's runner and pool."""

from __future__ import annotations

import base64
from pathlib import Path

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon, QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from app.services.studio.reference_files import ReferenceImage, ReferenceProblem, read_reference
from app.tasks import TaskRunner, Workers

THUMB = 40
LOAD_TASK = "studio-reference-load"
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp)"


class ReferencePicker(QWidget):
    changed = Signal()
    problem = Signal(str)
    loaded = Signal()  # a batch of files was read (added or refused)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.limit = 0
        self._images: list[ReferenceImage] = []
        self._tasks: TaskRunner | None = None
        self._workers: Workers | None = None
        self._model_name = ""
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        self.add = QPushButton("Add…")
        self.add.setProperty("kind", "ghost")
        self.add.setAccessibleName("Add a reference image")
        self.note = QLabel()
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)  # never widens the form column
        self.note.setMinimumWidth(0)
        self._row.addWidget(self.add)
        self._row.addWidget(self.note, 1)
        self.add.clicked.connect(self._pick)
        self._thumbs: list[QToolButton] = []
        self._refresh()

    def bind(self, tasks: TaskRunner, workers: Workers) -> None:
        self._tasks, self._workers = tasks, workers

    def set_limit(self, limit: int, model_name: str) -> None:
        """How many images the chosen model takes (0 hides the row's controls and drops the images)."""
        self.limit = limit
        self._model_name = model_name
        del self._images[limit:]
        self._refresh()

    def encoded(self) -> tuple[str, ...]:
        return tuple(base64.b64encode(image.data).decode("ascii") for image in self._images[: self.limit])

    def clear(self) -> None:
        self._images.clear()
        self._refresh()

    def add_files(self, paths: list[Path]) -> None:
        """Read the files off the UI thread, then add them in order (up to the limit); ``loaded`` after."""
        if not paths:
            return
        if self._tasks is None or self._workers is None:
            raise RuntimeError("ReferencePicker.bind(tasks, workers) was not called")
        if self._tasks.running(LOAD_TASK):
            self.problem.emit("Still reading the images added before — add these again in a moment.")
            return
        self._tasks.start(LOAD_TASK, self._load(list(paths)), replace=False)

    def add_file(self, path: Path) -> None:
        self.add_files([path])

    async def _load(self, paths: list[Path]) -> None:
        assert self._workers is not None
        self.add.setEnabled(False)
        self.note.setText("Reading…")
        try:
            for path in paths:
                if len(self._images) >= self.limit:
                    self.problem.emit(f"{self._model_name} takes at most {self.limit} reference images.")
                    break
                try:
                    image = await self._workers.blocking(read_reference, path)
                except ReferenceProblem as problem:
                    self.problem.emit(str(problem))
                    break
                self._images.append(image)
                self.changed.emit()
        finally:
            self._refresh()
            self.loaded.emit()

    def _pick(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Reference images", "", IMAGE_FILTER)
        self.add_files([Path(name) for name in names])

    def _remove(self, index: int) -> None:
        if 0 <= index < len(self._images):
            del self._images[index]
            self._refresh()
            self.changed.emit()

    def _refresh(self) -> None:
        for thumb in self._thumbs:
            thumb.deleteLater()
        self._thumbs = []
        for index, image in enumerate(self._images):
            path = image.path
            pixmap = QPixmap()
            pixmap.loadFromData(image.thumbnail)
            button = QToolButton()
            button.setIcon(QIcon(pixmap))
            button.setIconSize(QSize(THUMB, THUMB))
            button.setToolTip(f"{path.name} — click to remove")
            button.setAccessibleName(f"Remove reference image {path.name}")
            button.clicked.connect(lambda _=False, at=index: self._remove(at))
            self._row.insertWidget(index, button)
            self._thumbs.append(button)
        self.add.setVisible(self.limit > 0)
        self.add.setEnabled(len(self._images) < self.limit)
        if self.limit:
            self.note.setText(f"{len(self._images)} of {self.limit} · or drop")
        else:
            self.note.setText("Not used by this model")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.limit and event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.add_files([Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()])
        event.acceptProposedAction()
