"""A small table of spend per day, provider and model."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app.services.chat.store import UsageRow


class UsageDialog(QDialog):
    def __init__(self, rows: list[UsageRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Chat usage — last 30 days")
        self.resize(640, 420)
        layout = QVBoxLayout(self)
        total = sum(row.cost for row in rows)
        summary = QLabel(f"Total spend: ${total:.4f} over {sum(row.messages for row in rows)} replies")
        summary.setProperty("role", "subtitle")
        layout.addWidget(summary)
        headers = ["Day", "Provider", "Model", "Replies", "Tokens in", "Tokens out", "Cost"]
        self.table = QTableWidget(len(rows), len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for number, row in enumerate(rows):
            values = [
                row.day,
                row.provider,
                row.model,
                str(row.messages),
                f"{row.tokens_in:,}",
                f"{row.tokens_out:,}",
                f"${row.cost:.4f}",
            ]
            for column, value in enumerate(values):
                self.table.setItem(number, column, QTableWidgetItem(value))
        layout.addWidget(self.table)
        if not rows:
            empty = QLabel("No replies with usage yet. Costs appear once you chat with a priced model.")
            empty.setProperty("role", "muted")
            layout.addWidget(empty)
