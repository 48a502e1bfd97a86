"""The virtualized grid of cards: a QListView in icon mode whose columns stretch to fill the width."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.views.marketplace.card_delegate import CARD_SIZE, CardDelegate
from app.views.theme import PALETTE


class CardGrid(QListView):
    def __init__(self, delegate_accent: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelGrid")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWrapping(True)
        self.setSpacing(0)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        # always there, so the viewport's width (and the column count) does not change when it appears
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # cards wrap, never scroll sideways
        self.setMouseTracking(True)
        self.setStyleSheet(
            f"QListView#modelGrid {{ background: {PALETTE.base}; border: none; }}"
            " QListView#modelGrid::item, QListView#modelGrid::item:hover,"
            " QListView#modelGrid::item:selected { background: transparent; border: none; }"
        )
        self.card_delegate = CardDelegate(delegate_accent, self)
        self.setItemDelegate(self.card_delegate)
        self.setGridSize(CARD_SIZE)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """As many columns as fit; the cards share the leftover width instead of leaving a gap."""
        width = self.viewport().width() - 2
        columns = max(1, width // CARD_SIZE.width())
        size = QSize(max(CARD_SIZE.width(), width // columns), CARD_SIZE.height())
        if size != self.gridSize():
            self.card_delegate.card_size = size
            self.setGridSize(size)
        super().resizeEvent(event)
