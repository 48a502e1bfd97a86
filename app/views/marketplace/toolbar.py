"""The row above the grid: the Filters fold-out button, search, sort, Compare and Refresh."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.services.catalog import SORT_LABELS
from app.views.theme import PALETTE
from app.views.widgets.icons import icon


class MarketplaceToolbar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filters_toggle = QPushButton("Filters")
        self.filters_toggle.setObjectName("filtersToggle")
        self.filters_toggle.setCheckable(True)
        self.filters_toggle.setToolTip("Show the filters (the details panel makes room for them)")
        self.filters_toggle.setVisible(False)

        self.search_box = QLineEdit()
        self.search_box.setObjectName("marketplaceSearch")
        self.search_box.setAccessibleName("Search models")
        self.search_box.setPlaceholderText("Search models, providers, capabilities…   Ctrl+K")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.addAction(icon("search", PALETTE.muted), QLineEdit.ActionPosition.LeadingPosition)
        self.search_box.setMinimumWidth(180)

        self.sort_label = QLabel("Sort")
        self.sort_label.setProperty("role", "muted")
        self.sort_combo = QComboBox()
        self.sort_combo.setObjectName("sortCombo")
        self.sort_label.setBuddy(self.sort_combo)
        self.sort_combo.setAccessibleName("Sort models by")
        self.sort_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.sort_combo.setMinimumContentsLength(12)
        for key, label in SORT_LABELS.items():
            self.sort_combo.addItem(label, key)

        self.compare_button = QPushButton("Compare")
        self.compare_button.setObjectName("compareButton")
        self.compare_button.setIcon(icon("compare", PALETTE.text))
        self.compare_button.setToolTip("Ctrl+click two or three cards, then compare them side by side")

        self.refresh_button = QPushButton("Refresh catalog")
        self.refresh_button.setObjectName("refreshButton")
        self.refresh_button.setProperty("kind", "ghost")
        self.refresh_button.setIcon(icon("refresh", PALETTE.muted))
        self.refresh_button.setToolTip("Merge the latest models and prices from the online listing")

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        row.addWidget(self.filters_toggle)
        row.addWidget(self.search_box, 1)
        row.addWidget(self.sort_label)
        row.addWidget(self.sort_combo)
        row.addWidget(self.compare_button)
        row.addWidget(self.refresh_button)
        self._compact = False
        self._refreshing = False

    def set_compact(self, compact: bool) -> None:
        """Narrow places: the Filters button appears, the labels go."""
        self._compact = compact
        self.filters_toggle.setVisible(compact)
        self.sort_label.setVisible(not compact)
        self._label_refresh()

    def set_refreshing(self, refreshing: bool) -> None:
        self._refreshing = refreshing
        self._label_refresh()

    def _label_refresh(self) -> None:
        if self._refreshing:
            self.refresh_button.setText("Cancel" if self._compact else "Cancel refresh")
        else:
            self.refresh_button.setText("" if self._compact else "Refresh catalog")

    def set_compare_count(self, count: int, most: int) -> None:
        usable = 2 <= count <= most
        self.compare_button.setText(f"Compare ({count})" if count > 1 else "Compare")
        self.compare_button.setEnabled(usable)
        self.compare_button.setProperty("kind", "primary" if usable else "")
        self.compare_button.style().unpolish(self.compare_button)
        self.compare_button.style().polish(self.compare_button)
