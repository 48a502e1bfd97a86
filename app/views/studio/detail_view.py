"""One image, large, with what it was made from and what can be done with it.

The full image is decoded on the app's blocking pool (``Workers.blocking``, started as the task
``studio-detail-load``: showing another image replaces the load of the previous one) and only here; the
grid never loads full images.

At the window's minimum size the column beside the picture shrinks to ``SIDE_MIN_WIDTH``; its metadata
scrolls (the short facts first, the long prompt below them) while the actions under it always stay in view.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QGuiApplication,
    QImage,
    QImageReader,
    QKeySequence,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.services.gallery import GalleryRecord
from app.services.gallery.files import sanitize_filename, slug
from app.tasks import TaskRunner, Workers
from app.views.widgets.elided_label import ElidedLabel
from app.views.widgets.icons import icon

SAVE_FILTERS = "PNG image (*.png);;JPEG image (*.jpg *.jpeg);;WebP image (*.webp)"
SIDE_MIN_WIDTH, SIDE_MAX_WIDTH = 224, 300  # the metadata and actions column, in points
PICTURE_MIN = 120  # points: the picture gives way first, the actions never
# the short facts first: in a short window they stay in view and the long texts scroll below them
FIELDS = ("Model", "Size", "Seed", "Cost", "Created", "Prompt", "Negative", "File")


def _load_image(path: str) -> QImage:
    """Decode the image file (blocking; QImage, unlike QPixmap, may be made off the UI thread)."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    return reader.read()


class ImageDetail(QWidget):
    back_requested = Signal()
    favourite_toggled = Signal(object, bool)  # record, new value
    remix_requested = Signal(object)  # record
    delete_requested = Signal(object)  # record (already confirmed)
    save_requested = Signal(object, object)  # record, target Path
    message = Signal(str)

    def __init__(self, tasks: TaskRunner, workers: Workers, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._workers = workers
        self.record: GalleryRecord | None = None
        self._full = QImage()
        self.confirm_delete = True

        self.back = QPushButton("←  Gallery")
        self.back.setProperty("kind", "ghost")
        self.back.setToolTip("Back to the gallery (Esc)")
        # The prompt's first line, elided to the column (full text as tooltip): it never widens the page.
        self.title = ElidedLabel()
        self.title.setProperty("role", "subtitle")
        self.back.setAccessibleName("Back to the gallery")
        top = QHBoxLayout()
        top.addWidget(self.back)
        top.addWidget(self.title, 1)

        self.picture = QLabel("Loading…")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(PICTURE_MIN, PICTURE_MIN)
        self.picture.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.favourite = QPushButton(icon("star"), "Favourite")
        self.favourite.setCheckable(True)
        self.save = QPushButton(icon("folder"), "Save As…")
        self.copy = QPushButton(icon("copy"), "Copy")
        self.open_folder = QPushButton(icon("folder"), "Folder")  # two to a row: the short name fits
        self.open_folder.setToolTip("Show the image in its folder")
        self.open_folder.setAccessibleName("Show in folder")
        self.remix = QPushButton(icon("sparkles"), "Remix")
        self.remix.setProperty("kind", "primary")
        self.remix.setToolTip("Put this image's prompt and settings back into the prompt form")
        self.delete = QPushButton(icon("trash"), "Delete")
        self.delete.setProperty("kind", "danger")
        for button in (self.favourite, self.save, self.copy, self.open_folder, self.delete):
            button.setProperty("kind", button.property("kind") or "ghost")
            button.setStyleSheet("padding-left: 4px; padding-right: 4px;")  # two to a row in a 224-pt column

        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(6)
        for name in FIELDS:
            # the file name has no spaces to wrap at: elided (full path as tooltip) instead of widening
            value = ElidedLabel() if name == "File" else QLabel()
            value.setWordWrap(name != "File")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            caption = QLabel(name)
            caption.setProperty("role", "muted")
            caption.setBuddy(value)
            form.addRow(caption, value)
            self.fields[name] = value
        facts = QWidget()
        facts.setObjectName("DetailFacts")
        facts.setStyleSheet("#DetailFacts { background: transparent; }")
        facts_layout = QVBoxLayout(facts)
        facts_layout.setContentsMargins(0, 0, 0, 0)
        facts_layout.addLayout(form)
        facts_layout.addStretch(1)
        self.facts_area = QScrollArea()
        self.facts_area.setWidget(facts)
        self.facts_area.setWidgetResizable(True)
        self.facts_area.setFrameShape(QFrame.Shape.NoFrame)
        self.facts_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.facts_area.viewport().setAutoFillBackground(False)
        self.facts_area.setAccessibleName("Image details")
        info = QFrame()
        info.setProperty("role", "card")
        info.setMinimumWidth(SIDE_MIN_WIDTH)
        info.setMaximumWidth(SIDE_MAX_WIDTH)
        info.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        side = QVBoxLayout(info)
        side.setContentsMargins(14, 14, 14, 14)
        side.addWidget(self.facts_area, 1)
        # Remix across the column, the other five two to a row: three rows of actions leave the facts room
        # in a short window.
        side.addWidget(self.remix)
        actions = QGridLayout()
        actions.setSpacing(6)
        for position, button in enumerate((self.favourite, self.save, self.copy, self.open_folder, self.delete)):
            actions.addWidget(button, position // 2, position % 2)
        side.addLayout(actions)

        body = QHBoxLayout()
        body.setSpacing(14)
        body.addWidget(self.picture, 1)
        body.addWidget(info)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(body, 1)

        self.back.clicked.connect(self.back_requested)
        self.favourite.clicked.connect(self._toggle_favourite)
        self.remix.clicked.connect(lambda: self.record and self.remix_requested.emit(self.record))
        self.save.clicked.connect(self._ask_save)
        self.copy.clicked.connect(self.copy_to_clipboard)
        self.open_folder.clicked.connect(self.show_in_folder)
        self.delete.clicked.connect(self._ask_delete)
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.activated.connect(self.back_requested.emit)

    def show_record(self, record: GalleryRecord) -> None:
        self.record = record
        self._full = QImage()
        self.picture.setPixmap(QPixmap())
        self.picture.setText("Loading…")
        self.title.setText(record.prompt.split("\n", 1)[0] or record.path.name)
        self.title.setAccessibleName(f"Image: {record.prompt or record.path.name}"[:300])
        self.picture.setAccessibleName(f"Image: {record.prompt or record.path.name}"[:300])
        created = record.created.astimezone().strftime("%Y-%m-%d %H:%M")
        size = " · ".join(part for part in (record.size, record.aspect) if part)
        dims = f"{record.width}×{record.height}" if record.width else ""
        values = {
            "Prompt": record.prompt or "—",
            "Negative": record.negative_prompt or "—",
            "Model": record.model or "—",
            "Size": " · ".join(part for part in (size, dims) if part) or "—",
            "Seed": "—" if record.seed is None else str(record.seed),
            "Cost": "free" if not record.cost else f"{record.cost:g} credits",
            "Created": created,
            "File": record.path.name,
        }
        for name, value in values.items():
            self.fields[name].setText(value)
        self.fields["File"].setToolTip(str(record.path))
        self.favourite.setChecked(record.favourite)
        self._tasks.start("studio-detail-load", self._load(record))

    async def _load(self, record: GalleryRecord) -> None:
        image = await self._workers.blocking(_load_image, str(record.path))
        if self.record is not record:
            return
        if image.isNull():
            self.picture.setText("This image file cannot be read.")
            return
        self._full = image
        self._fit()

    def full_image(self) -> QImage:
        return self._full

    def _fit(self) -> None:
        if self._full.isNull():
            return
        # Scaled from the full file to the label's size in device pixels, with the ratio set: sharp at 200 %.
        ratio = self.picture.devicePixelRatioF()
        area: QSize = self.picture.size() * ratio
        mode = Qt.AspectRatioMode.KeepAspectRatio
        scaled = self._full.scaled(area, mode, Qt.TransformationMode.SmoothTransformation)
        picture = QPixmap.fromImage(scaled)
        picture.setDevicePixelRatio(ratio)
        self.picture.setPixmap(picture)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self._fit()

    def _toggle_favourite(self, checked: bool) -> None:
        if self.record is not None:
            self.favourite_toggled.emit(self.record, checked)

    def suggested_name(self) -> str:
        if self.record is None:
            return "image.png"
        return sanitize_filename(f"{slug(self.record.prompt, 48)}.png")

    def _ask_save(self) -> None:
        if self.record is None:
            return
        start = str(Path.home() / self.suggested_name())
        target, _ = QFileDialog.getSaveFileName(self, "Save image as", start, SAVE_FILTERS)
        if target:
            self.save_requested.emit(self.record, Path(target))

    def copy_to_clipboard(self) -> None:
        image = self._full if not self._full.isNull() else QImage(str(self.record.path)) if self.record else QImage()
        if image.isNull():
            self.message.emit("The image is not loaded yet.")
            return
        QGuiApplication.clipboard().setImage(image)
        self.message.emit("Image copied to the clipboard.")

    def show_in_folder(self) -> None:
        if self.record is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.record.path.parent)))

    def _ask_delete(self) -> None:
        if self.record is None:
            return
        if self.confirm_delete:
            answer = QMessageBox.question(
                self,
                "Delete image",
                "Delete this image? You can undo for a few seconds.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.delete_requested.emit(self.record)
