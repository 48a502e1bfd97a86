"""The filters beside the grid: provider, kind, capability, price, context, rating and open weights."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.services.catalog import CatalogQuery
from app.services.catalog.schema import LICENCE_FILTERS

KINDS = (("chat", "Chat"), ("code", "Code"), ("image", "Image"), ("embedding", "Embedding"))
PRICE_FROM = (("Any", None), ("$0.10", 0.1), ("$0.50", 0.5), ("$1", 1.0), ("$5", 5.0))
PRICE_TO = (("Any", None), ("Free", 0.0), ("$0.10", 0.1), ("$0.50", 0.5), ("$1", 1.0), ("$5", 5.0), ("$20", 20.0))
CONTEXT_FROM = (("Any", None), ("8K", 8_000), ("32K", 32_000), ("128K", 128_000), ("200K", 200_000), ("1M", 1_000_000))
CONTEXT_TO = (("Any", None), ("32K", 32_768), ("128K", 131_072), ("200K", 200_000), ("1M", 1_048_576))
RATINGS = (
    ("Any rating", 0),
    ("★ 1 and up", 1),
    ("★ 2 and up", 2),
    ("★ 3 and up", 3),
    ("★ 4 and up", 4),
    ("★ 5 only", 5),
)
LICENCES: tuple[tuple[str, object], ...] = (
    ("Any licence", None),
    *((label, key) for key, label in LICENCE_FILTERS.items()),
)


def _combo(options: tuple[tuple[str, object], ...], name: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(3)
    for label, value in options:
        combo.addItem(label, value)
    return combo


def _heading(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setProperty("role", "muted")
    label.setWordWrap(True)
    label.setStyleSheet("font-size: 8pt; font-weight: 600; letter-spacing: 1px;")
    return label


class FilterPanel(QScrollArea):
    """Emits ``changed`` whenever a filter moves; ``apply_to`` puts the filters into a query."""

    changed = Signal()

    def __init__(self, providers: list[str], capabilities: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MarketplaceFilters")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedWidth(226)
        body = QFrame()
        body.setProperty("role", "card")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(10, 12, 10, 12)
        layout.setSpacing(8)

        layout.addWidget(_heading("Kind"))
        kinds = QGridLayout()
        kinds.setSpacing(6)
        self.kind_buttons: dict[str, QPushButton] = {}
        for number, (kind, label) in enumerate(KINDS):
            button = QPushButton(label)
            button.setCheckable(True)
            button.setStyleSheet("padding: 5px 6px;")
            button.setObjectName(f"kind-{kind}")
            button.toggled.connect(self.changed)
            kinds.addWidget(button, number // 2, number % 2)
            self.kind_buttons[kind] = button
        layout.addLayout(kinds)

        layout.addWidget(_heading("Provider"))
        self.providers = self._checklist(providers, "providerList", visible_rows=7)
        layout.addWidget(self.providers)

        layout.addWidget(_heading("Capabilities"))
        self.capabilities = self._checklist(capabilities, "capabilityList", visible_rows=6)
        layout.addWidget(self.capabilities)

        layout.addWidget(_heading("Price · per 1M tokens or image"))
        self.price_from = _combo(PRICE_FROM, "priceFrom")
        self.price_to = _combo(PRICE_TO, "priceTo")
        layout.addLayout(self._range_row(self.price_from, self.price_to))

        layout.addWidget(_heading("Context window"))
        self.context_from = _combo(CONTEXT_FROM, "contextFrom")
        self.context_to = _combo(CONTEXT_TO, "contextTo")
        layout.addLayout(self._range_row(self.context_from, self.context_to))

        layout.addWidget(_heading("Your rating"))
        self.min_rating = _combo(RATINGS, "minRating")
        layout.addWidget(self.min_rating)

        layout.addWidget(_heading("Licence"))
        self.licence = _combo(LICENCES, "licenceFilter")
        self.licence.setAccessibleName("Licence")
        self.licence.setToolTip(
            "Open: the weights can be downloaded. Commercial OK: the licence allows commercial use."
            " Closed: reachable only through the maker's API."
        )
        layout.addWidget(self.licence)

        self.combos = (
            self.price_from,
            self.price_to,
            self.context_from,
            self.context_to,
            self.min_rating,
            self.licence,
        )
        for combo in self.combos:
            combo.currentIndexChanged.connect(self.changed)
        layout.addStretch(1)
        self.setWidget(body)

    def _checklist(self, names: list[str], object_name: str, visible_rows: int) -> QListWidget:
        widget = QListWidget()
        widget.setObjectName(object_name)
        for name in names:
            item = QListWidgetItem(name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            widget.addItem(item)
        widget.setFixedHeight(visible_rows * 26 + 8)
        # Check marks as every check box draws them (the theme's one check-box style).
        widget.setStyleSheet("QListWidget::item { padding: 3px 4px; }")
        widget.itemChanged.connect(lambda _item: self.changed.emit())
        return widget

    @staticmethod
    def _range_row(low: QComboBox, high: QComboBox) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(low, 1)
        dash = QLabel("to")
        dash.setProperty("role", "muted")
        row.addWidget(dash)
        row.addWidget(high, 1)
        return row

    # --- state ---------------------------------------------------------------------------------------------
    @staticmethod
    def _checked(widget: QListWidget) -> frozenset[str]:
        return frozenset(
            widget.item(row).text()
            for row in range(widget.count())
            if widget.item(row).checkState() == Qt.CheckState.Checked
        )

    def set_checked(self, widget: QListWidget, names: set[str]) -> None:
        for row in range(widget.count()):
            item = widget.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.text() in names else Qt.CheckState.Unchecked)

    def apply_to(self, query: CatalogQuery) -> CatalogQuery:
        return replace(
            query,
            providers=self._checked(self.providers),
            kinds=frozenset(kind for kind, button in self.kind_buttons.items() if button.isChecked()),
            capabilities=self._checked(self.capabilities),
            min_price=self.price_from.currentData(),
            max_price=self.price_to.currentData(),
            min_context=self.context_from.currentData(),
            max_context=self.context_to.currentData(),
            min_rating=self.min_rating.currentData() or 0,
            licence=self.licence.currentData(),
        )

    def clear(self) -> None:
        """Every filter back to "any", announced once."""
        self.blockSignals(True)
        try:
            for button in self.kind_buttons.values():
                button.setChecked(False)
            self.set_checked(self.providers, set())
            self.set_checked(self.capabilities, set())
            for combo in self.combos:
                combo.setCurrentIndex(0)
        finally:
            self.blockSignals(False)
        self.changed.emit()

    def set_options(self, providers: list[str], capabilities: list[str]) -> None:
        """New provider and capability lists after a refresh, keeping what was ticked."""
        for widget, names in ((self.providers, providers), (self.capabilities, capabilities)):
            ticked = self._checked(widget)
            widget.blockSignals(True)
            widget.clear()
            for name in names:
                item = QListWidgetItem(name)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if name in ticked else Qt.CheckState.Unchecked)
                widget.addItem(item)
            widget.blockSignals(False)
