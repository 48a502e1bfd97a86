"""The gallery's rows for Qt's model/view: one ``GalleryRecord`` per row, thumbnails fetched lazily."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.services.gallery.store import GalleryRecord
from app.views.widgets.qt_guard import qt_guarded

RecordRole = Qt.ItemDataRole.UserRole + 1
PathRole = Qt.ItemDataRole.UserRole + 2


class GalleryListModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._records: list[GalleryRecord] = []
        self._rows_by_path: dict[str, int] = {}

    @qt_guarded(default=0)
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    @qt_guarded()
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record = self._records[index.row()]
        if role == RecordRole:
            return record
        if role == PathRole:
            return str(record.path)
        if role == Qt.ItemDataRole.DisplayRole:
            return record.prompt or record.path.name
        if role == Qt.ItemDataRole.ToolTipRole:
            details = " · ".join(part for part in (record.model, record.size, record.aspect) if part)
            prompt = record.prompt or record.path.name
            return f"{prompt[:200]}\n{details}" if details else prompt[:200]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            # A screen reader reads the image by its prompt (the file's name when it has none).
            return (record.prompt or record.path.name)[:300]
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            parts = [part for part in (record.model, record.size, record.aspect) if part]
            return ("Favourite. " if record.favourite else "") + " · ".join(parts)
        return None

    def set_records(self, records: list[GalleryRecord]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self._rows_by_path = {str(record.path): row for row, record in enumerate(self._records)}
        self.endResetModel()

    def records(self) -> list[GalleryRecord]:
        return list(self._records)

    def record(self, row: int) -> GalleryRecord:
        return self._records[row]

    def row_of_id(self, image_id: int) -> int:
        return next((row for row, record in enumerate(self._records) if record.id == image_id), -1)

    def refresh_path(self, path: str) -> None:
        row = self._rows_by_path.get(path)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
