"""The Marketplace place: search, filters, the card grid, details, compare, recommendations, refresh."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.config import APPEARANCE_ACCENT
from app.context import AppContext
from app.services.catalog import CatalogEntry, CatalogQuery, CatalogRefreshError
from app.views.marketplace.card_grid import CardGrid
from app.views.marketplace.card_model import CatalogListModel, EntryRole
from app.views.marketplace.compare_dialog import CompareDialog
from app.views.marketplace.detail_panel import DetailPanel
from app.views.marketplace.filter_panel import FilterPanel
from app.views.marketplace.recommend_box import RecommendBox
from app.views.marketplace.toolbar import MarketplaceToolbar
from app.views.theme import PALETTE
from app.views.widgets.empty_state import EmptyState

log = logging.getLogger(__name__)

COMPACT_BELOW = 1200  # the page beside the expanded sidebar in a 1280-px window folds its filters, for two card columns
SEARCH_DEBOUNCE_MS = 90  # a search takes < 5 ms at 10,000 models; this only skips letters typed in a burst
MAX_COMPARED = 3


class MarketplacePage(QWidget):
    results_changed = Signal(int)  # how many models the current query shows

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.catalog = context.catalog
        self._query = CatalogQuery()
        self._suggested: CatalogQuery | None = None  # what the no-match state's button searches
        accent = context.settings.value(APPEARANCE_ACCENT) or PALETTE.accent

        self.toolbar = MarketplaceToolbar()
        self.search_box = self.toolbar.search_box
        self.sort_combo = self.toolbar.sort_combo
        self.compare_button = self.toolbar.compare_button
        self.refresh_button = self.toolbar.refresh_button
        self.filters_toggle = self.toolbar.filters_toggle

        self.notice = QLabel()
        self.notice.setObjectName("catalogNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()

        self.filters = FilterPanel([], [])  # filled once the catalog has loaded
        self.recommend_box = RecommendBox()

        self.result_count = QLabel()
        self.result_count.setObjectName("resultCount")
        self.result_count.setProperty("role", "muted")
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.setObjectName("clearFilters")
        self.clear_button.setProperty("kind", "link")
        self.as_of = QLabel()
        self.as_of.setProperty("role", "muted")
        self.as_of.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        count_row = QHBoxLayout()
        count_row.addWidget(self.result_count)
        count_row.addWidget(self.clear_button)
        count_row.addStretch(1)
        count_row.addWidget(self.as_of, 1)

        self.model = CatalogListModel(self.catalog, self)
        self.grid = CardGrid(accent)
        self.grid.setModel(self.model)
        self.grid.setAccessibleName("Models")
        self.empty = EmptyState(
            "search",
            "No model matches",
            "Try fewer words, or clear the filters to see the whole catalog.",
            "Clear filters",
        )
        self.results = QStackedWidget()
        self.results.addWidget(self.grid)
        self.results.addWidget(self.empty)

        self.detail = DetailPanel()
        self.detail.setAccessibleName("Model details")

        centre = QVBoxLayout()
        centre.setSpacing(10)
        centre.addWidget(self.recommend_box)
        centre.addLayout(count_row)
        centre.addWidget(self.results, 1)
        body = QHBoxLayout()
        body.setSpacing(14)
        body.addWidget(self.filters)
        body.addLayout(centre, 1)
        body.addWidget(self.detail)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(12)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.notice)
        layout.addLayout(body, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_search)
        self.search_box.textChanged.connect(lambda _text: self._debounce.start())
        self.search_box.returnPressed.connect(self.run_search)
        self.sort_combo.currentIndexChanged.connect(lambda _i: self.run_search())
        self.filters.changed.connect(self.run_search)
        self.clear_button.clicked.connect(self.clear_filters)
        self.empty.action_clicked.connect(self._try_suggestion)
        self.grid.selectionModel().currentChanged.connect(self._current_changed)
        self.grid.selectionModel().selectionChanged.connect(lambda *_: self._update_compare_button())
        self.compare_button.clicked.connect(self.compare_selected)
        self.grid.activated.connect(self._card_activated)  # Enter or double-click: the card's main action
        self.detail.use_requested.connect(self.use_model)
        self.detail.rating_changed.connect(self._rate)
        self.detail.compare_requested.connect(lambda _model_id: self.compare_selected())
        self.recommend_box.requested.connect(self._recommend)
        self.recommend_box.model_chosen.connect(self.show_model)
        self.refresh_button.clicked.connect(self._refresh_clicked)
        self.catalog.on_change(self._catalog_changed)
        # a page closed before the window's shutdown still lets go of the catalog and its background work
        catalog, tasks, listener = self.catalog, context.tasks, self._catalog_changed

        def let_go() -> None:
            catalog.remove_listener(listener)
            tasks.cancel("catalog-load")

        self.destroyed.connect(let_go)
        self.filters_toggle.toggled.connect(lambda _on: self._arrange_panels())
        self._compact = False
        self._pending_activation: dict[str, Any] | None = None
        self._ready = False
        self._start_loading()

    # --- loading -------------------------------------------------------------------------------------------
    def _start_loading(self) -> None:
        """Reads the catalog (and opens the cache database) on the database thread, in a task."""
        if self.catalog.is_loaded:
            self._loaded()
            return
        self.result_count.setText("Loading the catalog…")
        self.context.tasks.start("catalog-load", self._load_in_background(), replace=False)

    async def _load_in_background(self) -> None:
        await self.catalog.load_async()
        self._loaded()

    def _loaded(self) -> None:
        index = self.catalog.index
        self.filters.set_options(index.providers(), index.capabilities())
        self._show_catalog_state()
        self._ready = True
        self.run_search()
        if self._pending_activation is not None:
            payload, self._pending_activation = self._pending_activation, None
            self.activate(payload)

    @property
    def ready(self) -> bool:
        return self._ready and self._pending_activation is None

    # --- place protocol ------------------------------------------------------------------------------------
    def activate(self, payload: dict[str, Any]) -> None:
        if not self._ready:
            self._pending_activation = dict(payload)
            return
        if payload.get("query"):
            self.search_box.setText(str(payload["query"]))
            self.run_search()
        if payload.get("model_id"):
            self.show_model(str(payload["model_id"]))

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def shutdown(self) -> None:
        self.catalog.remove_listener(self._catalog_changed)
        self.context.tasks.cancel("catalog-refresh")
        self.context.tasks.cancel("catalog-load")

    # --- searching -----------------------------------------------------------------------------------------
    def current_query(self) -> CatalogQuery:
        base = CatalogQuery(text=self.search_box.text(), sort=self.sort_combo.currentData())
        return self.filters.apply_to(base)

    def run_search(self) -> None:
        """Runs the query now: a few milliseconds even for 10,000 models, so it stays on this thread."""
        self._debounce.stop()
        if not self._ready:
            return  # searched as soon as the catalog arrives
        query = self.current_query()
        self._query = query
        current = self.detail.entry.id if self.detail.entry else None
        found = self.catalog.search(query)
        self.model.set_entries(found)
        total = len(self.catalog.index)
        shown = f"{len(found):,} model{'s' if len(found) != 1 else ''}"
        self.result_count.setText(shown if len(found) == total else f"{shown} of {total:,}")
        self.clear_button.setVisible(query.has_filters or bool(query.text.strip()))
        self.results.setCurrentWidget(self.grid if found else self.empty)
        if not found:
            self._say_no_match(query)
        if current is not None and (row := self.model.row_of(current)) is not None:
            self.grid.selectionModel().setCurrentIndex(
                self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
        self._update_compare_button()
        self.results_changed.emit(len(found))

    def _say_no_match(self, query: CatalogQuery) -> None:
        """'No models match "groq cheap" — try "groq" (without "cheap")', with a button that does it."""
        suggestion = self.catalog.suggestion(query)
        self._suggested = suggestion[1] if suggestion else None
        text = " ".join(query.text.split())
        what = f'"{text}"' if text else "these filters"
        if suggestion is not None:
            advice = f"try {suggestion[0]}"
        elif query.has_filters:
            advice = "try other words, or clear the filters"
        else:
            advice = "try fewer or other words"
        self.empty.set_text(
            "Nothing found",
            f"No models match {what} — {advice}. "
            'Words like "cheap", "free", "fast" and "local" search by price, speed and where a model runs.',
        )
        if self._suggested is not None:
            self.empty.set_action(f'Search "{self._suggested.text}"' if self._suggested.text else "Clear filters")
        else:
            self.empty.set_action("Clear filters" if query.has_filters else None)

    def _try_suggestion(self) -> None:
        suggested, self._suggested = self._suggested, None
        if suggested is None:
            self.clear_filters()
            return
        if not suggested.has_filters and self.current_query().has_filters:
            self.filters.blockSignals(True)
            self.filters.clear()
            self.filters.blockSignals(False)
        self.search_box.setText(suggested.text)
        self.run_search()

    def clear_filters(self) -> None:
        self.search_box.blockSignals(True)
        self.search_box.clear()
        self.search_box.blockSignals(False)
        self.filters.clear()  # emits changed once, which searches

    def show_model(self, model_id: str) -> None:
        """Selects the model's card, widening the search when the filters hide it."""
        entry = self.catalog.get(model_id)
        if entry is None:
            return
        if self.model.row_of(entry.id) is None:
            self.clear_filters()
        row = self.model.row_of(entry.id)
        if row is None:
            return
        index = self.model.index(row)
        self.grid.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.grid.scrollTo(index)

    # --- selection, details, actions -----------------------------------------------------------------------
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry: CatalogEntry | None = current.data(EntryRole) if current.isValid() else None
        if entry is None:
            self.detail.show_entry(None)
            return
        self.detail.show_entry(entry, self.catalog.rating(entry.id) or 0, self.catalog.usage_count(entry.id))

    def _card_activated(self, index: QModelIndex) -> None:
        entry: CatalogEntry | None = index.data(EntryRole)
        if entry is None or entry.kind == "embedding":
            return
        self.use_model("studio" if entry.kind == "image" else "chat", entry.id)

    def selected_entries(self) -> list[CatalogEntry]:
        rows = sorted(index.row() for index in self.grid.selectionModel().selectedIndexes())
        return [entry for row in rows if (entry := self.model.entry(row)) is not None]

    def _update_compare_button(self) -> None:
        self.toolbar.set_compare_count(len(self.grid.selectionModel().selectedIndexes()), MAX_COMPARED)

    def compare_selected(self) -> CompareDialog | None:
        entries = self.selected_entries()
        if not 2 <= len(entries) <= MAX_COMPARED:
            self._say("Ctrl+click two or three cards to compare them side by side.")
            return None
        dialog = CompareDialog(entries, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def use_model(self, place: str, model_id: str) -> None:
        entry = self.catalog.get(model_id)
        if entry is None:
            return
        payload: dict[str, Any] = {"model_id": entry.id}
        if place == "chat" and entry.routes:  # never a route its provider stopped listing
            payload.update(provider=entry.routes[0].provider, provider_model=entry.routes[0].model)
        if place == "studio" and entry.studio_model:
            payload["studio_model"] = entry.studio_model
        self.catalog.record_use(entry.id)
        self.context.navigator.open(place, payload)

    def _rate(self, model_id: str, stars: int) -> None:
        self.catalog.rate(model_id, stars or None)
        if self._query.min_rating or self._query.sort == "rating":
            self.run_search()

    def _recommend(self, text: str) -> None:
        self.recommend_box.show_results(self.catalog.recommend(text))

    def _catalog_changed(self, what: str, model_id: str | None) -> None:
        if what == "catalog":
            index = self.catalog.index
            self.filters.set_options(index.providers(), index.capabilities())
            self._show_catalog_state()
            self.run_search()
            return
        if model_id is None:
            return
        self.model.refresh_model(model_id)
        if self.detail.entry is not None and self.detail.entry.id == model_id:
            self.detail.set_stars(self.catalog.rating(model_id) or 0)
            self.detail.set_used(self.catalog.usage_count(model_id))

    # --- catalog state and refresh -------------------------------------------------------------------------
    def _show_catalog_state(self) -> None:
        loaded = self.catalog.loaded
        date = f"{loaded.as_of.day} {loaded.as_of:%b %Y}" if loaded.as_of else "an unknown date"
        refreshed = " (refreshed online)" if loaded.origin == "merged" else ""
        self.as_of.setText(f"Prices as of {date}{refreshed}")
        self.as_of.setToolTip(
            f"Merged with {loaded.refreshed_from}" if loaded.refreshed_from else "The catalog that ships with Amethyst"
        )
        if loaded.problem:
            fallback = (
                "Showing the last good copy." if loaded.entries else "No good copy is stored yet, so the list is empty."
            )
            self._say(f"The catalog file has a problem: {loaded.problem} {fallback}", error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.notice.setText(text)
        self.notice.setProperty("role", "error" if error else "muted")
        self.notice.style().unpolish(self.notice)
        self.notice.style().polish(self.notice)
        self.notice.setVisible(bool(text))

    def _refresh_clicked(self) -> None:
        if self.context.tasks.running("catalog-refresh"):
            self.context.tasks.cancel("catalog-refresh")
            return
        self.context.tasks.start("catalog-refresh", self.refresh())

    async def refresh(self) -> None:
        self.toolbar.set_refreshing(True)
        self._say("Fetching the latest model listing…")
        try:
            result = await self.catalog.refresh()
        except CatalogRefreshError as error:
            self._say(f"{error} The catalog you see is unchanged.", error=True)
        except asyncio.CancelledError:
            self._say("Refresh cancelled. The catalog you see is unchanged.")
            raise
        except Exception:  # reported, never silent
            log.exception("catalog refresh failed")
            self._say("The catalog could not be refreshed; see the log. The catalog you see is unchanged.", error=True)
        else:
            self._say(
                f"Catalog refreshed: {result.updated} models updated, {result.added} added"
                + (f", {result.skipped} listing entries skipped" if result.skipped else "")
                + (f"; no longer listed: {', '.join(result.dropped)}" if result.dropped else "")
                + "."
            )
        finally:
            self.toolbar.set_refreshing(False)

    # --- narrow windows ------------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        """Below COMPACT_BELOW pixels the filters fold behind a "Filters" button, so nothing is cramped."""
        compact = event.size().width() < COMPACT_BELOW
        if compact != self._compact:
            self._compact = compact
            self.toolbar.set_compact(compact)
            self._arrange_panels()
        super().resizeEvent(event)

    def _arrange_panels(self) -> None:
        filters_open = not self._compact or self.filters_toggle.isChecked()
        self.filters.setVisible(filters_open)
        self.detail.setVisible(not (self._compact and filters_open))

    def sizeHint(self) -> QSize:
        return QSize(1200, 780)
