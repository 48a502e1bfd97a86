"""Everything about the selected model: numbers, prices with everyday examples, stars, and "Use in …"."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.services.catalog import CatalogEntry
from app.services.catalog.formatting import (
    breakable,
    format_tokens,
    licence_text,
    max_output_text,
    price_examples,
    route_limits,
    route_name,
    route_prices,
)
from app.views.theme import PALETTE
from app.views.widgets.empty_state import EmptyState
from app.views.widgets.icons import icon

KIND_NAMES = {"chat": "Chat model", "code": "Coding model", "image": "Image model", "embedding": "Embedding model"}


class StarRating(QWidget):
    """Five clickable stars; clicking the current rating again clears it. Emits ``rated(stars or 0)``."""

    rated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stars = 0
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        self.buttons: list[QToolButton] = []
        for number in range(1, 6):
            button = QToolButton()
            button.setObjectName(f"star-{number}")
            button.setProperty("kind", "ghost")
            button.setIconSize(QSize(22, 22))
            button.setStyleSheet("padding: 3px;")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setToolTip(f"Rate {number} of 5")
            button.clicked.connect(lambda _=False, n=number: self._clicked(n))
            row.addWidget(button)
            self.buttons.append(button)
        self.caption = QLabel()
        self.caption.setProperty("role", "muted")
        row.addSpacing(8)
        row.addWidget(self.caption)
        row.addStretch(1)
        self.set_stars(0)

    @property
    def stars(self) -> int:
        return self._stars

    def set_stars(self, stars: int) -> None:
        self._stars = stars
        filled = icon("star-filled", PALETTE.warning)
        empty = icon("star", PALETTE.muted)
        for number, button in enumerate(self.buttons, start=1):
            button.setIcon(filled if number <= stars else empty)
        self.caption.setText(f"Rated {stars}/5" if stars else "Click to rate")

    def _clicked(self, number: int) -> None:
        stars = 0 if number == self._stars else number
        self.set_stars(stars)
        self.rated.emit(stars)


def _fact(grid: QGridLayout, row: int, label: str) -> tuple[QLabel, QLabel]:
    name = QLabel(label)
    name.setProperty("role", "muted")
    value = QLabel()
    value.setWordWrap(True)
    value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
    grid.addWidget(value, row, 1)
    return name, value


class DetailPanel(QScrollArea):
    use_requested = Signal(str, str)  # (place, model id)
    rating_changed = Signal(str, int)  # (model id, stars; 0 clears)
    compare_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MarketplaceDetail")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedWidth(320)
        self.entry: CatalogEntry | None = None

        # The scroll area itself is the card (theme: #MarketplaceDetail): its border stays whole, bottom edge
        # included, however long the content, and the content keeps the card colour when a model is picked.
        card = QFrame()
        card.setObjectName("MarketplaceDetailCard")
        outer = QVBoxLayout(card)
        outer.setContentsMargins(0, 0, 0, 0)
        self.empty = EmptyState("info", "No model selected", "Pick a card to see its prices, limits and how to run it.")
        outer.addWidget(self.empty)

        self.body = QWidget()
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        self.provider_label = QLabel()
        self.provider_label.setProperty("role", "muted")
        self.name_label = QLabel()
        self.name_label.setProperty("role", "title")
        self.name_label.setWordWrap(True)
        self.kind_label = QLabel()
        self.kind_label.setProperty("role", "badge")
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setProperty("role", "muted")
        top = QHBoxLayout()
        top.addWidget(self.provider_label, 1)
        top.addWidget(self.kind_label)
        layout.addLayout(top)
        layout.addWidget(self.name_label)
        layout.addWidget(self.description)

        self.stars = StarRating()
        self.stars.rated.connect(lambda stars: self.entry and self.rating_changed.emit(self.entry.id, stars))
        layout.addWidget(self.stars)

        actions = QHBoxLayout()
        self.use_chat = QPushButton("Use in Chat")
        self.use_chat.setObjectName("useInChat")
        self.use_chat.setProperty("kind", "primary")
        self.use_chat.setIcon(icon("chat", PALETTE.text))
        self.use_chat.clicked.connect(lambda: self.entry and self.use_requested.emit("chat", self.entry.id))
        self.use_studio = QPushButton("Use in Studio")
        self.use_studio.setObjectName("useInStudio")
        self.use_studio.setProperty("kind", "primary")
        self.use_studio.setIcon(icon("studio", PALETTE.text))
        self.use_studio.clicked.connect(lambda: self.entry and self.use_requested.emit("studio", self.entry.id))
        self.compare = QPushButton("Compare…")
        self.compare.setObjectName("compareFromDetail")
        self.compare.setToolTip("Compare with other models: Ctrl+click cards to pick two or three")
        self.compare.clicked.connect(lambda: self.entry and self.compare_requested.emit(self.entry.id))
        actions.addWidget(self.use_chat, 1)
        actions.addWidget(self.use_studio, 1)
        actions.addWidget(self.compare)
        layout.addLayout(actions)
        self.use_reason = QLabel()
        self.use_reason.setProperty("role", "muted")
        self.use_reason.setWordWrap(True)
        layout.addWidget(self.use_reason)

        layout.addWidget(self._section("Numbers"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        labels = (
            "Context",
            "Max output",
            "Price",
            "Dimensions",
            "Modalities",
            "Released",
            "Licence",
            "Used",
        )
        pairs = {label: _fact(grid, row, label) for row, label in enumerate(labels)}
        self.fact_names = {label: pair[0] for label, pair in pairs.items()}
        self.facts = {label: pair[1] for label, pair in pairs.items()}
        layout.addLayout(grid)

        layout.addWidget(self._section("Capabilities"))
        self.capabilities = QLabel()
        self.capabilities.setWordWrap(True)
        layout.addWidget(self.capabilities)

        layout.addWidget(self._section("What it costs"))
        self.examples = QLabel()
        self.examples.setObjectName("priceExamples")
        self.examples.setWordWrap(True)
        layout.addWidget(self.examples)
        self.price_note = QLabel()
        self.price_note.setProperty("role", "muted")
        self.price_note.setWordWrap(True)
        layout.addWidget(self.price_note)

        layout.addWidget(self._section("Runs on"))
        self.served = QLabel()
        self.served.setObjectName("routes")
        self.served.setWordWrap(True)
        self.served.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.served)
        self.how_to_run = QLabel()
        self.how_to_run.setObjectName("howToRun")
        self.how_to_run.setProperty("role", "muted")
        self.how_to_run.setWordWrap(True)
        layout.addWidget(self.how_to_run)
        self.source = QLabel()
        self.source.setOpenExternalLinks(True)
        self.source.setWordWrap(True)
        layout.addWidget(self.source)
        layout.addStretch(1)
        outer.addWidget(self.body)
        self.body.hide()
        self.setWidget(card)

    @staticmethod
    def _section(text: str) -> QLabel:
        label = QLabel(text)
        label.setProperty("role", "subtitle")
        return label

    def show_entry(self, entry: CatalogEntry | None, stars: int = 0, used: int = 0) -> None:
        self.entry = entry
        self.empty.setVisible(entry is None)
        self.body.setVisible(entry is not None)
        if entry is None:
            return
        self.provider_label.setText(entry.provider.upper())
        self.kind_label.setText(KIND_NAMES[entry.kind])
        self.name_label.setText(entry.name)
        self.description.setText(entry.description)
        self.stars.set_stars(stars)
        self._show_actions(entry)
        values = {
            "Context": f"{format_tokens(entry.context_window)} tokens ({entry.context_window:,})"
            if entry.context_window
            else "—",
            "Max output": max_output_text(entry),
            "Price": route_prices(entry) or "—",
            "Dimensions": f"{entry.embedding_dimensions:,}" if entry.embedding_dimensions else "—",
            "Modalities": f"{', '.join(entry.input_modalities)} → {', '.join(entry.output_modalities)}",
            "Released": f"{entry.release_date.day} {entry.release_date:%B %Y}",
            "Licence": licence_text(entry.licence),
            "Used": f"{used} time{'s' if used != 1 else ''} in Chat or Studio" if used else "Not used yet",
        }
        for label, value in values.items():
            self.facts[label].setText(value)
            applies = value != "—"  # rows that do not apply to this kind of model are left out
            self.facts[label].setVisible(applies)
            self.fact_names[label].setVisible(applies)
        self.capabilities.setText(" · ".join(entry.capabilities) or "—")
        primary = entry.primary_route
        self.examples.setText(
            (f"Through {route_name(primary)}:\n" if primary is not None and len(entry.served_by) > 1 else "")
            + "\n".join(price_examples(entry))
        )
        note = entry.pricing.note if primary is not None else ""
        self.price_note.setText(note)
        self.price_note.setVisible(bool(note))
        ways = []
        for way in entry.served_by:
            line = f"{route_name(way)} — {breakable(way.model)}" + (f" ({way.base_url})" if way.base_url else "")
            limits = route_limits(entry, way)
            if not way.listed:
                line += f"\n   no longer listed by {route_name(way)} (since {way.delisted_on:%d %b %Y})"
            elif limits:
                line += f"\n   {limits}"
            ways.append(line)
        if entry.studio_model:
            ways.append(f"Amethyst Studio — {entry.studio_model}")
        self.served.setText("\n".join(ways) or "No provider in Amethyst runs it.")
        self.how_to_run.setText(entry.how_to_run)
        self.how_to_run.setVisible(bool(entry.how_to_run))
        self.source.setText(f'<a style="color:{PALETTE.accent_light}" href="{entry.source_url}">Provider page ↗</a>')

    def _show_actions(self, entry: CatalogEntry) -> None:
        chat_ready = entry.kind in ("chat", "code")
        studio_ready = entry.kind == "image"
        self.use_chat.setVisible(not studio_ready)
        self.use_studio.setVisible(studio_ready)
        self.use_chat.setEnabled(chat_ready and bool(entry.routes))
        gone = sorted({route_name(way) for way in entry.served_by if not way.listed})
        if entry.kind == "embedding":
            reason = "Embedding models turn text into vectors; they do not chat."
        elif studio_ready and not entry.studio_model:
            reason = "Studio will open with this model's details; it runs Studio's own image models."
        elif chat_ready and entry.served_by and not entry.routes:
            reason = f"No longer listed by {', '.join(gone)}: no route serves it now."
        elif chat_ready and not entry.served_by:
            reason = "No provider in Amethyst serves this model yet."
        else:
            reason = ""
        self.use_reason.setText(reason)
        self.use_reason.setVisible(bool(reason))

    def set_stars(self, stars: int) -> None:
        self.stars.set_stars(stars)

    def set_used(self, used: int) -> None:
        self.facts["Used"].setText(
            f"{used} time{'s' if used != 1 else ''} in Chat or Studio" if used else "Not used yet"
        )
