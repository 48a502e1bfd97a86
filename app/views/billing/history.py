"""The ledger history: a virtualized table (model/view) of every entry, a type filter and CSV export."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.views.theme import PALETTE
from app.views.widgets.qt_guard import qt_guarded
from modal_app.contract import LedgerItem

log = logging.getLogger(__name__)
HEADERS = ("Date", "Amount", "Reason", "Reference")
REASON_NAMES = {
    "pack": "Credit pack",
    "plan": "Plan credits",
    "image": "Images",
    "refund": "Refund",
    "debt repaid": "Debt repaid",
}
Index = QModelIndex | QPersistentModelIndex


class LedgerModel(QAbstractTableModel):
    """Entries newest first; rows are painted only when visible, so 10,000 cost what one screen does."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[LedgerItem] = []

    def set_entries(self, entries: list[LedgerItem]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    @qt_guarded(default=0)
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    @qt_guarded(default=0)
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    @qt_guarded()
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    @qt_guarded()
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        try:  # an exception escaping a model method kills PySide
            if not index.isValid():
                return None
            entry = self.entries[index.row()]
            column = index.column()
            if role == Qt.ItemDataRole.DisplayRole:
                return (
                    entry.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                    f"{entry.amount:+d}",
                    REASON_NAMES.get(entry.reason, entry.reason),
                    entry.reference or "",
                )[column]
            if role == Qt.ItemDataRole.ForegroundRole and column == 1:
                return QColor(PALETTE.success if entry.amount > 0 else PALETTE.text)
            if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if role == Qt.ItemDataRole.UserRole:
                return entry.reason
        except Exception:
            log.exception("ledger row %s could not be shown", index.row())
        return None


class ReasonFilter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.reason = ""

    def set_reason(self, reason: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10+; invalidateFilter is deprecated there
            self.beginFilterChange()
            self.reason = reason
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.reason = reason
            self.invalidateFilter()

    @qt_guarded(default=True)
    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        if not self.reason:
            return True
        model = self.sourceModel()
        return bool(model.data(model.index(row, 0, parent), Qt.ItemDataRole.UserRole) == self.reason)


class HistoryPanel(QWidget):
    export_requested = Signal(str)  # the reason shown ("" for all)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        title = QLabel("History")
        title.setProperty("role", "subtitle")
        bar.addWidget(title)
        bar.addStretch(1)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Show entries of type")
        self.kind.addItem("All entries", "")
        for reason, name in REASON_NAMES.items():
            self.kind.addItem(name, reason)
        self.export = QPushButton("Export CSV…")
        self.export.setAccessibleName("Export the history shown as a CSV file")
        bar.addWidget(QLabel("Type"))
        bar.addWidget(self.kind)
        bar.addWidget(self.export)
        layout.addLayout(bar)

        self.model = LedgerModel()
        self.proxy = ReasonFilter()
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Credit history")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform rows: no measuring
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((150, 90, 140)):
            self.table.setColumnWidth(column, width)
        self.table.setMinimumHeight(260)
        self.empty = QLabel("No credits moved yet. Buy a pack above; every grant, charge and refund is listed here.")
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack)
        self.kind.currentIndexChanged.connect(self._filter)
        self.export.clicked.connect(lambda: self.export_requested.emit(self.proxy.reason))
        self.set_entries([])

    def set_entries(self, entries: list[LedgerItem]) -> None:
        self.model.set_entries(entries)
        self._update_empty()

    def _filter(self) -> None:
        self.proxy.set_reason(str(self.kind.currentData() or ""))
        self._update_empty()

    def _update_empty(self) -> None:
        empty = self.proxy.rowCount() == 0
        if empty and self.model.rowCount():
            self.empty.setText("No entries of this type.")
        elif empty:
            self.empty.setText("No credits moved yet. Buy a pack above; every grant, charge and refund is listed here.")
        self.stack.setCurrentWidget(self.empty if empty else self.table)
        self.export.setEnabled(not empty)
