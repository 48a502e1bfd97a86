"""Two or three models side by side, the best value of each comparable row marked."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.catalog import CatalogEntry
from app.services.catalog.formatting import (
    format_rate,
    format_tokens,
    licence_text,
    max_output_text,
    price_examples,
    route_prices,
)
from app.views.theme import PALETTE

Row = tuple[str, Callable[[CatalogEntry], str], Callable[[CatalogEntry], float | None] | None, bool]

ROWS: tuple[Row, ...] = (
    # label, shown text, number to compare (or None), whether higher is better
    ("Provider", lambda e: e.provider, None, False),
    ("Kind", lambda e: e.kind.title(), None, False),
    ("Context", lambda e: format_tokens(e.context_window), lambda e: e.context_window, True),
    ("Max output", max_output_text, lambda e: e.max_output_tokens, True),
    ("Price per route", lambda e: route_prices(e) or "—", None, False),
    ("Input / 1M", lambda e: format_rate(e.pricing.input), lambda e: e.pricing.input, False),
    ("Output / 1M", lambda e: format_rate(e.pricing.output), lambda e: e.pricing.output, False),
    ("Per image", lambda e: format_rate(e.pricing.per_image), lambda e: e.pricing.per_image, False),
    ("1,000-word reply", lambda e: price_examples(e)[0].split("≈")[-1].strip(), None, False),
    ("Capabilities", lambda e: ", ".join(e.capabilities) or "—", lambda e: len(e.capabilities), True),
    ("Input", lambda e: ", ".join(e.input_modalities), None, False),
    ("Licence", lambda e: licence_text(e.licence), None, False),
    ("Released", lambda e: e.release_date.isoformat(), lambda e: e.release_date.toordinal(), True),
)


class CompareDialog(QDialog):
    def __init__(self, entries: list[CatalogEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CompareDialog")
        self.setWindowTitle("Compare models")
        self.resize(260 + 240 * len(entries), 560)
        self.entries = entries
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 18)
        layout.setSpacing(10)
        title = QLabel(" vs ".join(entry.name for entry in entries))
        title.setProperty("role", "title")
        title.setWordWrap(True)
        hint = QLabel("The best value of each row is in green.")
        hint.setProperty("role", "muted")
        layout.addWidget(title)
        layout.addWidget(hint)

        self.table = QTableWidget(len(ROWS), len(entries))
        self.table.setObjectName("compareTable")
        self.table.setHorizontalHeaderLabels([entry.name for entry in entries])
        self.table.setVerticalHeaderLabels([row[0] for row in ROWS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        self.table.setShowGrid(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for row, (_, text_of, number_of, higher_is_better) in enumerate(ROWS):
            best = self._best(number_of, higher_is_better)
            for column, entry in enumerate(entries):
                item = QTableWidgetItem(text_of(entry))
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
                if best is not None and number_of is not None and number_of(entry) == best:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                    item.setForeground(QColor(PALETTE.success))
                self.table.setItem(row, column, item)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _best(self, number_of: Callable[[CatalogEntry], float | None] | None, higher: bool) -> float | None:
        """The best value when the models differ on it; ``None`` when there is nothing to single out."""
        if number_of is None:
            return None
        values = [value for value in (number_of(entry) for entry in self.entries) if value is not None]
        if len(values) < 2 or len(set(values)) == 1:
            return None
        return max(values) if higher else min(values)

    def cell(self, label: str, column: int) -> str:
        row = next(number for number, spec in enumerate(ROWS) if spec[0] == label)
        item = self.table.item(row, column)
        return item.text() if item else ""
