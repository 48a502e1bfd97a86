"""The Studio's model list: models grouped by engine; models that are not ready say why in their row, and a
managed model that is downloading shows how far it got."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionComboBox,
    QStyleOptionViewItem,
    QStylePainter,
    QWidget,
)

from app.services.clients.studio_types import ImageModel, ModelTable
from app.services.studio.engines import ENGINE_TITLES
from app.views.widgets.qt_guard import paint_fallback, qt_guarded

if TYPE_CHECKING:
    from app.services.studio.local_models import LocalModels

MODEL_ROLE = Qt.ItemDataRole.UserRole
READY_ROLE = Qt.ItemDataRole.UserRole + 1
HEADING_GAP = 8  # pixels above an engine's heading in the open list
SHORT_REASON_CHARS = 48
_ADDRESS = re.compile(r"\s+at\s+\S+://\S+")


def short_reason(reason: str, engine_title: str = "") -> str:
    """The gist of a readiness reason for the row itself: the part before its dash or semicolon, without an
    address or the engine's own name (the heading above says it). ``ComfyUI not found at http://…— start
    it`` reads ``not found``; ``runs on the cloud; or set …`` reads ``runs on the cloud``. The whole reason
    stays in the tooltip and in the line under Generate."""
    head = re.split(r" — |; ", reason, maxsplit=1)[0].strip()
    head = _ADDRESS.sub("", head)
    if engine_title and head.startswith(engine_title + " "):
        head = head[len(engine_title) + 1 :]
    return head if head and len(head) <= SHORT_REASON_CHARS else "not ready"


class _RowDelegate(QStyledItemDelegate):
    """Paints a model that is not ready in the muted colour (the stylesheet's item colour would override
    the item's own foreground): its row reads as unavailable next to the ready ones, yet stays choosable."""

    @qt_guarded(fallback=paint_fallback)
    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        if not index.data(MODEL_ROLE) or index.data(READY_ROLE):
            super().paint(painter, option, index)
            return
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        text, item.text = item.text, ""
        widget = item.widget
        style = widget.style() if widget is not None else None
        if style is None:
            super().paint(painter, option, index)
            return
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)
        text_box = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, item, widget)
        # Its sides from the style (the item's padding), centred on the whole row like the ready rows' text.
        area = QRect(text_box.left() + 1, item.rect.top(), text_box.width() - 2, item.rect.height())
        selected = bool(item.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText
        painter.save()
        painter.setFont(item.font)
        painter.setPen(item.palette.color(role))
        shown = item.fontMetrics.elidedText(text, Qt.TextElideMode.ElideRight, area.width())
        painter.drawText(area, int(item.displayAlignment | Qt.AlignmentFlag.AlignVCenter), shown)
        painter.restore()

    @qt_guarded(default=QSize(0, 28))
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        """A heading row is taller, its text at the bottom: each group stands apart from the one above."""
        size = super().sizeHint(option, index)
        return size if index.data(MODEL_ROLE) else QSize(size.width(), size.height() + HEADING_GAP)


class ModelList(QComboBox):
    """A combo box whose rows are engine headings (not selectable) and their models. A model that cannot run
    now stays selectable, greyed, with its reason as tooltip: choosing it shows the reason and the fix.
    ``download_changed`` when the download of a listed model moved (``bind_downloads``)."""

    download_changed = Signal(str)  # model id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items = QStandardItemModel(self)
        self.setModel(self._items)
        self.setAccessibleName("Image model")
        self.setItemDelegate(_RowDelegate(self))
        self.preferred: Callable[[], str] = str  # the default model (Settings → Studio); "" for none
        self._models: dict[str, ImageModel] = {}
        self._local: LocalModels | None = None

    def bind_downloads(self, local: LocalModels) -> None:
        """Show the managed downloads of ``local`` (Settings → Studio → Local model) in the models' rows."""
        self._local = local
        local.changed.connect(self._download_moved)

    def download_percent(self, model_id: str) -> int | None:
        """How far the download of ``model_id`` got (0–100) while it runs; None when it is not downloading."""
        if self._local is None or not any(model.id == model_id for model in self._local.models):
            return None
        view = self._local.view(model_id)
        return view.percent if view.status == "downloading" else None

    def _download_moved(self, model_id: str) -> None:
        model = self._models.get(model_id)
        index = self.findData(model_id)
        if model is None or index < 0:
            return
        item = self._items.item(index)
        text = self._row_text(model)
        if item.text() != text:
            item.setText(text)
            item.setData(text, Qt.ItemDataRole.AccessibleTextRole)
        self.download_changed.emit(model_id)

    def _row_text(self, model: ImageModel) -> str:
        if model.ready:
            return model.name
        percent = self.download_percent(model.id)
        if percent is not None:
            return f"{model.name} — downloading {percent} %"
        return f"{model.name} — {short_reason(model.reason, ENGINE_TITLES.get(model.engine, ''))}"

    def fill(self, table: ModelTable) -> None:
        current = self.currentData()
        self.blockSignals(True)
        self._items.clear()
        self._models = {model.id: model for model in table.models if model.active}
        groups: dict[str, list[QStandardItem]] = {}
        for model in self._models.values():
            text = self._row_text(model)
            item = QStandardItem(text)
            item.setData(text, Qt.ItemDataRole.AccessibleTextRole)
            item.setData(model.reason, Qt.ItemDataRole.AccessibleDescriptionRole)
            item.setData(model.id, MODEL_ROLE)
            item.setData(model.ready, READY_ROLE)
            item.setToolTip(model.reason or f"{model.name} · {ENGINE_TITLES.get(model.engine, model.engine)}")
            groups.setdefault(model.engine, []).append(item)
        for engine, items in groups.items():
            heading = QStandardItem(ENGINE_TITLES.get(engine, engine or "Other"))
            heading.setFlags(Qt.ItemFlag.NoItemFlags)  # a heading, not a choice
            heading.setData(
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, Qt.ItemDataRole.TextAlignmentRole
            )
            font = heading.font()
            font.setBold(True)
            heading.setFont(font)
            self._items.appendRow(heading)
            for item in items:
                self._items.appendRow(item)
        index = self.findData(current) if current else -1
        if index < 0:  # the default model when ready, else the first ready model, else the first model
            ready = [model.id for model in self._models.values() if model.ready]
            preferred = self.preferred()
            first = preferred if preferred in ready else ready[0] if ready else None
            first = first or next(iter(self._models), None)
            index = self.findData(first) if first else -1
        self.setCurrentIndex(index)
        self.blockSignals(False)

    def paintEvent(self, event: QPaintEvent) -> None:
        """The closed box elides a long row ("… — needs your Google Gemini API key") instead of cutting it."""
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        option.currentText = option.fontMetrics.elidedText(
            option.currentText, Qt.TextElideMode.ElideRight, field.width()
        )
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)

    def model_count(self) -> int:
        return sum(1 for row in range(self._items.rowCount()) if self._items.item(row).data(MODEL_ROLE))
