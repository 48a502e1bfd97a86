"""The Studio's model list: models grouped by engine; models that are not ready say why in their row."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QWidget

from app.services.clients.studio_types import ModelTable
from app.services.studio.engines import ENGINE_TITLES

MODEL_ROLE = Qt.ItemDataRole.UserRole


def short_reason(reason: str) -> str:
    """The part of a readiness reason before its dash (``needs your OpenAI API key``), for the row itself."""
    head = reason.split(" — ")[0].strip()
    return head if head and len(head) <= 48 else "not ready"


class ModelList(QComboBox):
    """A combo box whose rows are engine headings (not selectable) and their models. A model that cannot run
    now stays selectable, greyed, with its reason as tooltip: choosing it shows the reason and the fix."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items = QStandardItemModel(self)
        self.setModel(self._items)
        self.setAccessibleName("Image model")
        self.preferred: Callable[[], str] = str  # the default model (Settings → Studio); "" for none

    def fill(self, table: ModelTable) -> None:
        current = self.currentData()
        self.blockSignals(True)
        self._items.clear()
        groups: dict[str, list[QStandardItem]] = {}
        for model in table.models:
            if not model.active:
                continue
            item = QStandardItem(model.name if model.ready else f"{model.name} — {short_reason(model.reason)}")
            item.setData(model.reason, Qt.ItemDataRole.AccessibleDescriptionRole)
            item.setData(model.id, MODEL_ROLE)
            item.setToolTip(model.reason or f"{model.name} · {ENGINE_TITLES.get(model.engine, model.engine)}")
            if not model.ready:
                item.setForeground(self.palette().placeholderText())
            groups.setdefault(model.engine, []).append(item)
        for engine, items in groups.items():
            heading = QStandardItem(ENGINE_TITLES.get(engine, engine or "Other"))
            heading.setFlags(Qt.ItemFlag.NoItemFlags)  # a heading, not a choice
            font = heading.font()
            font.setBold(True)
            heading.setFont(font)
            self._items.appendRow(heading)
            for item in items:
                self._items.appendRow(item)
        index = self.findData(current) if current else -1
        if index < 0:  # the default model when ready, else the first ready model, else the first model
            ready = [model.id for model in table.models if model.active and model.ready]
            preferred = self.preferred()
            first = preferred if preferred in ready else ready[0] if ready else None
            first = first or next((m.id for m in table.models if m.active), None)
            index = self.findData(first) if first else -1
        self.setCurrentIndex(index)
        self.blockSignals(False)

    def model_count(self) -> int:
        return sum(1 for row in range(self._items.rowCount()) if self._items.item(row).data(MODEL_ROLE))
