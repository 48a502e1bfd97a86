"""A small table of spend per day, provider and model."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app.services.chat.store import UsageRow
from app.views.chat.message_html import cost_text

MODEL_COLUMN = 2
NUMBER_COLUMNS = (3, 4, 5, 6)


class UsageDialog(QDialog):
    def __init__(self, rows: list[UsageRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Chat usage — last 30 days")
        self.resize(640, 420)
        layout = QVBoxLayout(self)
        total = sum(row.cost for row in rows)
        summary = QLabel(f"Total spend: {cost_text(total)} over {sum(row.messages for row in rows)} replies")
        summary.setProperty("role", "subtitle")
        layout.addWidget(summary)
        headers = ["Day", "Provider", "Model", "Replies", "Tokens in", "Tokens out", "Cost"]
        self.table = QTableWidget(len(rows), len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setStyleSheet("QTableWidget::item { padding: 0 10px; }")  # numbers off the frame's edge
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(MODEL_COLUMN, QHeaderView.ResizeMode.Stretch)
        for number, row in enumerate(rows):
            values = [
                row.day,
                row.provider,
                row.model,
                str(row.messages),
                f"{row.tokens_in:,}",
                f"{row.tokens_out:,}",
                cost_text(row.cost) if row.cost else "—",
            ]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column in NUMBER_COLUMNS:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == MODEL_COLUMN:
                    item.setToolTip(value)
                if column == NUMBER_COLUMNS[-1] and not row.cost:
                    item.setToolTip("No price: a local model, or one the catalog does not list")
                self.table.setItem(number, column, item)
        layout.addWidget(self.table)
        if not rows:
            empty = QLabel("No replies with usage yet. Costs appear once you chat with a priced model.")
            empty.setProperty("role", "muted")
            layout.addWidget(empty)
