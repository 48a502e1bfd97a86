"""The gallery: search, model and favourite filters, sort, import, and the virtualized thumbnail grid.

One ``QListView`` in icon mode over ``GalleryListModel``; cells are painted by ``GalleryDelegate``, so
10,000 images cost 10,000 small records, not 10,000 widgets.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QSize, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.gallery import GalleryQuery, GalleryRecord, GalleryService, ImportReport
from app.services.gallery.files import IMPORTABLE_SUFFIXES
from app.tasks import TaskRunner
from app.views.studio.gallery_delegate import CELL, THUMB, GalleryDelegate
from app.views.studio.gallery_model import GalleryListModel
from app.views.studio.thumbnail_loader import ThumbnailLoader
from app.views.widgets.empty_state import EmptyState
from app.views.widgets.icons import icon

ALL_MODELS = "All models"
SEARCH_DEBOUNCE_MS = 150
COMPACT_WIDTH = 600  # below this the toolbar takes two rows


class GalleryGrid(QListView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GalleryGrid")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setGridSize(CELL)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setMouseTracking(True)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setSpacing(0)


class GalleryPanel(QWidget):
    open_requested = Signal(object)  # GalleryRecord
    import_finished = Signal(object)  # ImportReport
    make_first_image = Signal()

    def set_prompt_written(self, written: bool) -> None:
        """The empty gallery's "Write a prompt" button shows only while the prompt box is empty."""
        self._prompt_written = written
        if self.empty.action_button is not None:
            self.empty.action_button.setVisible(not written)

    def __init__(self, gallery: GalleryService, tasks: TaskRunner, accent: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gallery = gallery
        self._tasks = tasks
        self.setAcceptDrops(True)
        gallery.thumbnails.warm_up()
        self.loader = ThumbnailLoader(gallery.thumbnails, THUMB, self)
        self.model = GalleryListModel(self)
        self.loader.ready.connect(self.model.refresh_path)
        self._query = GalleryQuery()
        self._total = 0
        self._imports = 0
        self._shut_down = False

        self.search = QLineEdit(placeholderText="Search prompts   Ctrl+K")
        self.search.setAccessibleName("Search the gallery by prompt")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.model_filter = QComboBox()
        self.model_filter.setAccessibleName("Show images made by model")
        self.model_filter.addItem(ALL_MODELS)
        self.model_filter.setMinimumWidth(120)
        self.search.setMinimumWidth(160)
        self.favourites = QPushButton(icon("star"), "Favourites")
        self.favourites.setCheckable(True)
        self.favourites.setAccessibleName("Show favourites only")
        self.favourites.setProperty("kind", "ghost")
        self.sort = QComboBox()
        self.sort.setAccessibleName("Sort the gallery")
        self.sort.addItems(["Newest first", "Oldest first"])
        self.import_button = QPushButton(icon("plus"), "")
        self.import_button.setProperty("kind", "ghost")
        self.import_button.setToolTip("Import images from your computer (or drop them here)")
        self.import_button.setAccessibleName("Import images")
        self.count_label = QLabel()
        self.count_label.setProperty("role", "muted")

        # Wide: one row. Narrow: the search gets a row of its own above the filters (see resizeEvent).
        self.search_row = QHBoxLayout()
        self.filter_row = QHBoxLayout()
        self.filter_row.setSpacing(8)
        self.filter_row.addWidget(self.search, 1)
        self.filter_row.addWidget(self.model_filter, 0)
        self.filter_row.addWidget(self.favourites)
        self.filter_row.addWidget(self.sort)
        self.filter_row.addWidget(self.import_button)
        self.compact = False
        bar = QVBoxLayout()
        bar.setSpacing(8)
        bar.addLayout(self.search_row)
        bar.addLayout(self.filter_row)

        self.grid = GalleryGrid()
        self.grid.setModel(self.model)
        self.grid.setAccessibleName("Gallery")
        self.grid.setItemDelegate(GalleryDelegate(self.loader, accent, self.grid))
        self.grid.activated.connect(self._open_index)
        self.grid.clicked.connect(self._open_index)

        self.empty = EmptyState(
            "studio",
            "Your gallery is empty",
            "Describe an image in the prompt box on the left and press Generate (Ctrl+Enter). "
            "Finished images appear here; you can also drop image files here to import them.",
            "Write a prompt",
        )
        self.empty.action_clicked.connect(self.make_first_image)
        self._prompt_written = False
        self.no_match = EmptyState(
            "search",
            "No images match",
            "Try other words, another model, or clear the filters.",
            "Clear filters",
        )
        self.no_match.action_clicked.connect(self.clear_filters)
        self.stack = QStackedWidget()
        for widget in (self.grid, self.empty, self.no_match):
            self.stack.addWidget(widget)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(bar)
        layout.addWidget(self.count_label)
        layout.addWidget(self.stack, 1)

        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.model_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.favourites.toggled.connect(lambda _on: self.reload())
        self.sort.currentIndexChanged.connect(lambda _i: self.reload())
        self.import_button.clicked.connect(self._pick_files)
        gallery.changed.connect(self.reload)

    # --- loading -----------------------------------------------------------------------------------
    def current_query(self) -> GalleryQuery:
        model = self.model_filter.currentText()
        return GalleryQuery(
            search=self.search.text(),
            model="" if model == ALL_MODELS else model,
            favourites_only=self.favourites.isChecked(),
            newest_first=self.sort.currentIndex() == 0,
        )

    def reload(self) -> None:
        """Query again (off the UI thread); a newer reload replaces an older one still running."""
        self._tasks.start("gallery-reload", self._reload())

    async def _reload(self) -> None:
        query = self.current_query()
        records = await self.gallery.query(query)
        models = await self.gallery.models()
        self._total = await self.gallery.count()
        if query != self.current_query():
            return  # the filters changed meanwhile; a newer reload is on its way
        self._set_models(models)
        self.loader.clear_pending()
        self.model.set_records(records)
        self._query = query
        self._show_state()

    def _set_models(self, models: list[str]) -> None:
        current = self.model_filter.currentText()
        wanted = [ALL_MODELS, *models]
        if [self.model_filter.itemText(i) for i in range(self.model_filter.count())] == wanted:
            return
        self.model_filter.blockSignals(True)
        self.model_filter.clear()
        self.model_filter.addItems(wanted)
        self.model_filter.setCurrentIndex(max(0, wanted.index(current) if current in wanted else 0))
        self.model_filter.blockSignals(False)

    def _show_state(self) -> None:
        shown = self.model.rowCount()
        if self._total == 0:
            self.stack.setCurrentWidget(self.empty)
            self.count_label.setText("")
        elif shown == 0:
            self.stack.setCurrentWidget(self.no_match)
            self.count_label.setText(f"0 of {self._total} images")
        else:
            self.stack.setCurrentWidget(self.grid)
            noun = "image" if self._total == 1 else "images"
            self.count_label.setText(
                f"{self._total} {noun}" if shown == self._total else f"{shown} of {self._total} {noun}"
            )

    def clear_filters(self) -> None:
        self.search.clear()
        self.favourites.setChecked(False)
        self.model_filter.setCurrentIndex(0)
        self.reload()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(self.model.record(index.row()))

    def records(self) -> list[GalleryRecord]:
        return self.model.records()

    # --- import --------------------------------------------------------------------------------------
    def _pick_files(self) -> None:
        patterns = " ".join(f"*{suffix}" for suffix in sorted(IMPORTABLE_SUFFIXES))
        files, _ = QFileDialog.getOpenFileNames(self, "Import images", str(Path.home()), f"Images ({patterns})")
        if files:
            self.import_files([Path(file) for file in files])

    def import_files(self, files: list[Path]) -> None:
        self._imports += 1
        self._tasks.start(f"gallery-import-{self._imports}", self._import(files))

    async def _import(self, files: list[Path]) -> None:
        report: ImportReport = await self.gallery.import_files(files)
        self.import_finished.emit(report)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            self.import_files(files)
            event.acceptProposedAction()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.set_compact(event.size().width() < COMPACT_WIDTH)

    def set_compact(self, compact: bool) -> None:
        """On a narrow pane the search takes its own row and Favourites shows only its star."""
        if compact == self.compact:
            return
        self.compact = compact
        if compact:
            self.filter_row.removeWidget(self.search)
            self.search_row.addWidget(self.search)
            self.filter_row.insertStretch(3, 1)
        else:
            self.search_row.removeWidget(self.search)
            stretch = self.filter_row.itemAt(3)
            if stretch is not None and stretch.spacerItem() is not None:
                self.filter_row.removeItem(stretch)
            self.filter_row.insertWidget(0, self.search, 1)
        self.favourites.setText("" if compact else "Favourites")
        self.favourites.setToolTip("Show favourites only" if compact else "")

    def shutdown(self) -> None:
        """Stop following the gallery (the page or the window closes). Safe to call again."""
        if self._shut_down:
            return
        self._shut_down = True
        self._debounce.stop()
        self.gallery.changed.disconnect(self.reload)
        self._tasks.cancel("gallery-reload")
        self.loader.clear_pending()

    def sizeHint(self) -> QSize:
        return QSize(CELL.width() * 4 + 24, 600)
