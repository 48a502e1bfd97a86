"""Offer cards for packs and plans: dark cards with purple borders that lift and glow on hover or focus."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QGraphicsDropShadowEffect, QLabel, QPushButton, QVBoxLayout, QWidget

from app.views.theme import PALETTE

LIFT = 6  # pixels a card rises on hover


def card_style() -> str:
    p = PALETTE
    return f"""
    QFrame#OfferCard {{ background: {p.surface}; border: 1px solid {p.accent_dark}; border-radius: 12px; }}
    QFrame#OfferCard[hot="true"] {{ border: 1px solid {p.accent}; background: {p.surface_alt}; }}
    QFrame#OfferCard[current="true"] {{ border: 2px solid {p.accent}; }}
    QFrame#OfferCard QLabel {{ background: transparent; }}
    QLabel#OfferPrice {{ font-size: 18pt; font-weight: 700; }}
    QLabel#OfferTitle {{ font-size: 12pt; font-weight: 600; }}
    QLabel#OfferBadge {{ background: {p.accent_dark}; color: {p.accent_light}; border-radius: 8px;
        padding: 2px 8px; font-weight: 600; }}
    """


class OfferCard(QWidget):
    """One pack or plan. ``chosen`` is emitted by its button (Enter/Space on it too)."""

    chosen = Signal()

    def __init__(
        self, title: str, price: str, detail: str, action: str, badge: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        outer = self._outer = QVBoxLayout(self)
        outer.setContentsMargins(0, LIFT, 0, 0)
        self.frame = QFrame()
        self.frame.setObjectName("OfferCard")
        outer.addWidget(self.frame)
        layout = QVBoxLayout(self.frame)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(6)
        self._badge_text, self._action = badge, action
        self.buyable = True  # False: the button stays off whatever the place's state (e.g. Free while on Pro)
        self.badge = QLabel(badge)
        self.badge.setObjectName("OfferBadge")
        policy = self.badge.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # cards with and without a badge line up
        self.badge.setSizePolicy(policy)
        self.badge.setVisible(bool(badge))
        self.title = QLabel(title)
        self.title.setObjectName("OfferTitle")
        self.price = QLabel(price)
        self.price.setObjectName("OfferPrice")
        self.detail = QLabel(detail)
        self.detail.setProperty("role", "muted")
        self.detail.setWordWrap(True)
        self.button = QPushButton(action)
        self.button.setProperty("kind", "primary")
        self.button.setAccessibleName(f"{action}: {title}, {price}")
        self.button.clicked.connect(self.chosen)
        for widget in (self.badge, self.title, self.price, self.detail):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.button)
        self.setAccessibleName(f"{title}, {price}. {detail}")
        self._shadow = QGraphicsDropShadowEffect(self.frame)
        self._shadow.setOffset(0, 2)
        self.frame.setGraphicsEffect(self._shadow)
        self._set_hot(False)
        self.button.installEventFilter(self)

    def set_current(self, current: bool, note: str = "Current plan") -> None:
        """Mark the plan the person has: a stronger border, a badge, and no button to buy it again."""
        self.frame.setProperty("current", current)
        self.badge.setText(note if current else self._badge_text)
        self.badge.setVisible(current or bool(self._badge_text))
        self.button.setText(note if current else self._action)
        self.button.setEnabled(self.buyable and not current)
        self._repolish()

    def set_buyable(self, buyable: bool, reason: str = "") -> None:
        """Whether this can be bought here now; ``reason`` replaces the button's text when not."""
        self.buyable = buyable
        if not buyable and reason:
            self.button.setText(reason)
        self.button.setEnabled(buyable and self.frame.property("current") is not True)

    def enterEvent(self, event: QEvent) -> None:
        self._set_hot(True)
        super().enterEvent(event)  # type: ignore[arg-type]

    def leaveEvent(self, event: QEvent) -> None:
        self._set_hot(self.button.hasFocus())
        super().leaveEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in {QEvent.Type.FocusIn, QEvent.Type.FocusOut}:
            self._set_hot(event.type() == QEvent.Type.FocusIn or self.underMouse())
        return False

    def _set_hot(self, hot: bool) -> None:
        """Lift the card (its top margin moves to the bottom) and let the purple glow bloom."""
        self._outer.setContentsMargins(0, 0 if hot else LIFT, 0, LIFT if hot else 0)
        glow = QColor(PALETTE.accent)
        glow.setAlpha(170 if hot else 40)
        self._shadow.setColor(glow)
        self._shadow.setBlurRadius(32 if hot else 12)
        self.frame.setProperty("hot", hot)
        self._repolish()

    def _repolish(self) -> None:
        style = self.frame.style()
        style.unpolish(self.frame)
        style.polish(self.frame)
