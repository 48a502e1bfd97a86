"""The "What do you need?" box: a task in words, the three best models out, with score and reasons."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.services.catalog import Recommendation
from app.services.catalog.recommend import MAX_SCORE, WEIGHTS
from app.views.theme import PALETTE
from app.views.widgets.icons import icon

PART_NAMES = {
    "capability": "fit",
    "rating": "rating",
    "cost": "cost",
    "context": "context",
    "popularity": "use",
    "provider": "provider",
}


class RecommendationCard(QFrame):
    """One recommended model; clicking it shows the model in the catalog."""

    clicked = Signal(str)

    def __init__(self, rank: int, recommendation: Recommendation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_id = recommendation.entry.id
        self.setObjectName("RecommendationCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(
            f"#RecommendationCard {{ background: {PALETTE.surface_alt}; border: 1px solid {PALETTE.border};"
            f" border-radius: 10px; }} #RecommendationCard:hover {{ border-color: {PALETTE.accent}; }}"
            " #RecommendationCard QLabel { background: transparent; }"
        )
        self.setToolTip(
            "Show this model\n"
            + ", ".join(
                f"{PART_NAMES[part]} {points:.0f}/{WEIGHTS[part]}" for part, points in recommendation.points.items()
            )
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        top = QHBoxLayout()
        top.setSpacing(8)
        name = QLabel(f"{rank}. {recommendation.entry.name}")
        name.setProperty("role", "subtitle")
        provider = QLabel(recommendation.entry.provider)
        provider.setProperty("role", "muted")
        score = QLabel(f"{recommendation.score}/{MAX_SCORE}")
        score.setObjectName("score")
        score.setProperty("role", "badge")
        top.addWidget(name)
        top.addWidget(provider)
        top.addStretch(1)
        top.addWidget(score)
        layout.addLayout(top)
        summary = recommendation.summary[:1].upper() + recommendation.summary[1:]
        reasons = QLabel(
            f'<span style="color:{PALETTE.text}">{html.escape(summary)}</span>'
            f'<span style="color:{PALETTE.muted}"> — {html.escape(" · ".join(recommendation.reasons))}</span>'
        )
        reasons.setObjectName("reasons")
        reasons.setWordWrap(True)
        reasons.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(reasons)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.model_id)
        super().mouseReleaseEvent(event)


class RecommendBox(QFrame):
    requested = Signal(str)  # the task text
    model_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RecommendBox")
        self.setProperty("role", "card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        row = QHBoxLayout()
        row.setSpacing(8)
        title = QLabel("What do you need?")
        title.setProperty("role", "subtitle")
        self.task = QLineEdit()
        self.task.setObjectName("recommendInput")
        self.task.setAccessibleName("Describe the task to get a model recommendation")
        self.task.setPlaceholderText("e.g. read receipts from photos and extract JSON, cheaply")
        self.task.returnPressed.connect(self._ask)
        self.ask = QPushButton("Recommend")
        self.ask.setObjectName("recommendButton")
        self.ask.setIcon(icon("sparkles", PALETTE.text))
        self.ask.clicked.connect(self._ask)
        self.close_results = QPushButton("Hide")
        self.close_results.setProperty("kind", "ghost")
        self.close_results.clicked.connect(self.clear_results)
        self.close_results.hide()
        row.addWidget(self.task, 1)
        row.addWidget(self.ask)
        row.addWidget(self.close_results)
        heading = QHBoxLayout()
        heading.addWidget(title)
        self.hint = QLabel("The three best models for it, scored out of 75, with reasons.")
        self.hint.setProperty("role", "muted")
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        heading.addWidget(self.hint, 1)
        layout.addLayout(heading)
        layout.addLayout(row)
        self.message = QLabel()
        self.message.setProperty("role", "muted")
        self.message.hide()
        layout.addWidget(self.message)
        self.results = QVBoxLayout()
        self.results.setSpacing(6)
        layout.addLayout(self.results)
        self.cards: list[RecommendationCard] = []

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.hint.setVisible(event.size().width() >= 600)  # a clipped sentence reads worse than none
        super().resizeEvent(event)

    def _ask(self) -> None:
        text = self.task.text().strip()
        if not text:
            self.message.setText("Describe the task in a few words, e.g. “summarise long PDFs in French”.")
            self.message.show()
            return
        self.requested.emit(text)

    def show_results(self, recommendations: list[Recommendation]) -> None:
        self.clear_results()
        if not recommendations:
            self.message.setText("No model in the catalog fits that task. Try other words.")
            self.message.show()
            return
        for rank, recommendation in enumerate(recommendations, start=1):
            card = RecommendationCard(rank, recommendation)
            card.clicked.connect(self.model_chosen)
            self.results.addWidget(card)
            self.cards.append(card)
        self.close_results.show()

    def clear_results(self) -> None:
        for card in self.cards:
            self.results.removeWidget(card)
            card.deleteLater()
        self.cards = []
        self.message.hide()
        self.close_results.hide()
