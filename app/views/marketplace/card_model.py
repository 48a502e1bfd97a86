"""The list model behind the card grid: the current search result, one row per catalog entry."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.services.catalog import CatalogEntry, CatalogService
from app.services.catalog.formatting import price_summary
from app.views.widgets.qt_guard import qt_guarded

EntryRole = Qt.ItemDataRole.UserRole + 1
RatingRole = Qt.ItemDataRole.UserRole + 2
UsageRole = Qt.ItemDataRole.UserRole + 3
IdRole = Qt.ItemDataRole.UserRole + 4

AnyIndex = QModelIndex | QPersistentModelIndex


class CatalogListModel(QAbstractListModel):
    def __init__(self, catalog: CatalogService, parent: Any = None) -> None:
        super().__init__(parent)
        self._catalog = catalog
        self._entries: list[CatalogEntry] = []
        self._rows: dict[str, int] = {}

    def set_entries(self, entries: list[CatalogEntry]) -> None:
        self.beginResetModel()
        self._entries = entries
        self._rows = {entry.id: row for row, entry in enumerate(entries)}
        self.endResetModel()

    def entries(self) -> list[CatalogEntry]:
        return list(self._entries)

    def entry(self, row: int) -> CatalogEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def row_of(self, model_id: str) -> int | None:
        return self._rows.get(model_id)

    def refresh_model(self, model_id: str) -> None:
        """Repaints one card after its rating or usage count changed."""
        row = self._rows.get(model_id)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [RatingRole, UsageRole])

    @qt_guarded(default=0)
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._entries)

    @qt_guarded()
    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == EntryRole:
            return entry
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.name
        if role == IdRole:
            return entry.id
        if role == RatingRole:
            return self._catalog.rating(entry.id) or 0
        if role == UsageRole:
            return self._catalog.usage_count(entry.id)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{entry.provider} · {entry.name}\n{entry.description}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            # What a screen reader says for a card: its name, provider and price, as the card shows them.
            return f"{entry.name}, {entry.provider}, {price_summary(entry)}"
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return f"{entry.kind} model. {entry.description}"
        return None
