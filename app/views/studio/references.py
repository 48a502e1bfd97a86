"""Reference images for models that take them: pick or drop up to the model's limit; removable thumbnails."""

from __future__ import annotations

import base64
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon, QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

THUMB = 40
MAX_BYTES = 15_000_000  # base64 of this stays under the contract's MAX_REFERENCE_IMAGE
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp)"


class ReferencePicker(QWidget):
    changed = Signal()
    problem = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.limit = 0
        self._images: list[tuple[Path, bytes]] = []
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

    def set_limit(self, limit: int, model_name: str) -> None:
        """How many images the chosen model takes (0 hides the row's controls and drops the images)."""
        self.limit = limit
        self._model_name = model_name
        del self._images[limit:]
        self._refresh()

    def encoded(self) -> tuple[str, ...]:
        return tuple(base64.b64encode(data).decode("ascii") for _path, data in self._images[: self.limit])

    def clear(self) -> None:
        self._images.clear()
        self._refresh()

    def add_file(self, path: Path) -> bool:
        if len(self._images) >= self.limit:
            self.problem.emit(f"{self._model_name} takes at most {self.limit} reference images.")
            return False
        try:
            data = path.read_bytes()
        except OSError as error:
            self.problem.emit(f"Could not read {path.name}: {error.strerror or error}")
            return False
        if len(data) > MAX_BYTES or QPixmap().loadFromData(data) is False:
            self.problem.emit(f"{path.name} is not an image the Studio can send (PNG, JPEG or WebP under 15 MB).")
            return False
        self._images.append((path, data))
        self._refresh()
        self.changed.emit()
        return True

    def _pick(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Reference images", "", IMAGE_FILTER)
        for name in names:
            if not self.add_file(Path(name)):
                break

    def _remove(self, index: int) -> None:
        if 0 <= index < len(self._images):
            del self._images[index]
            self._refresh()
            self.changed.emit()

    def _refresh(self) -> None:
        for thumb in self._thumbs:
            thumb.deleteLater()
        self._thumbs = []
        for index, (path, data) in enumerate(self._images):
            pixmap = QPixmap()
            pixmap.loadFromData(data)
            button = QToolButton()
            button.setIcon(QIcon(pixmap.scaled(THUMB * 2, THUMB * 2, Qt.AspectRatioMode.KeepAspectRatio)))
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
        for url in event.mimeData().urls():
            if url.isLocalFile() and not self.add_file(Path(url.toLocalFile())):
                break
        event.acceptProposedAction()
