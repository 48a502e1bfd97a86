"""The Billing place: credits, plan and limits, packs and plans to buy, spend charts and the ledger.

It binds to ``BillingController`` (``context.billing_controller``) and only shows its state: a gate while
billing is not available (Local connection, signed out, connecting, error), else the billing view.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.services.billing.api import Overview
from app.services.billing.controller import BillingState
from app.views.billing.cards import OfferCard, card_style
from app.views.billing.chart import BarChart
from app.views.billing.gates import LocalGate, SignInGate
from app.views.billing.history import HistoryPanel
from app.views.billing.summary import PlanPanel, StatCard
from app.views.widgets.empty_state import EmptyState
from modal_app.contract import LedgerItem, SpendReport

FolderChooser = Callable[[QWidget], Path | None]


def choose_folder(parent: QWidget) -> Path | None:
    folder = QFileDialog.getExistingDirectory(parent, "Export the history into…")
    return Path(folder) if folder else None


class BillingPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.controller = context.billing_controller
        self.choose_folder: FolderChooser = choose_folder  # tests hand in a folder without a dialog
        self.setStyleSheet(card_style())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)

        self.local_gate = LocalGate()
        self.sign_in_gate = SignInGate()
        self.waiting_gate = EmptyState("billing", "Connecting to the Studio API…", "Your credits appear in a moment.")
        self.error_gate = EmptyState("billing", "The Studio API cannot be reached", "", "Try again")
        self.main = self._build_main()
        for widget in (self.local_gate, self.sign_in_gate, self.waiting_gate, self.error_gate, self.main):
            self.stack.addWidget(widget)

        self.local_gate.action_clicked.connect(lambda: context.navigator.open("settings", {"section": "connection"}))
        if self.error_gate.action_button is not None:
            self.error_gate.action_button.clicked.connect(self.controller.connection.start_reconnect)
        self.sign_in_gate.submitted.connect(self.controller.sign_in)
        self.controller.state_changed.connect(self._show_state)
        self.controller.overview_changed.connect(self._show_overview)
        self.controller.history_changed.connect(self._show_history)
        self.controller.history_loading.connect(self._history_loading)
        self.controller.spend_changed.connect(self._show_spend)
        self.controller.problem.connect(self._show_problem)
        self.controller.message.connect(self._show_message)
        self.controller.caution.connect(self._show_caution)
        self._show_state(self.controller.state.value)
        if self.controller.overview is not None:
            self._show_overview(self.controller.overview)
            self._show_history(self.controller.history)
        if self.controller.spend is not None:
            self._show_spend(self.controller.spend)

    # --- building ----------------------------------------------------------------------------------
    def _build_main(self) -> QScrollArea:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(24, 18, 24, 24)
        column.setSpacing(16)

        self.notice = QLabel()
        self.notice.setWordWrap(True)
        # server and checkout texts: never read as rich text, and an address shown here can be copied
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.notice.hide()
        column.addWidget(self.notice)

        self.waiting = QFrame()
        self.waiting.setProperty("role", "card")
        row = QHBoxLayout(self.waiting)
        row.setContentsMargins(16, 12, 16, 12)
        self.waiting_label = QLabel("Waiting for payment… Finish paying in your browser; this updates by itself.")
        self.waiting_label.setWordWrap(True)
        progress = QProgressBar()
        progress.setRange(0, 0)
        progress.setMaximumWidth(120)
        progress.setAccessibleName("Waiting for the payment")
        self.reopen = QPushButton("Open checkout again")
        self.cancel = QPushButton("Cancel")
        self.cancel.setAccessibleName("Stop waiting for the payment")
        row.addWidget(self.waiting_label, 1)
        row.addWidget(progress)
        row.addWidget(self.reopen)
        row.addWidget(self.cancel)
        self.waiting.hide()
        column.addWidget(self.waiting)
        self.cancel.clicked.connect(self._cancel_wait)
        self.reopen.clicked.connect(self.controller.reopen_checkout)

        stats = QHBoxLayout()
        stats.setSpacing(12)
        self.balance = StatCard("Balance", "Credits in your account")
        self.reserved = StatCard("Reserved", "Held for images being made")
        self.available = StatCard("Available", "What you can spend now")
        self.plan_panel = PlanPanel()
        for card in (self.balance, self.reserved, self.available):
            stats.addWidget(card, 1)
        stats.addWidget(self.plan_panel, 2)
        column.addLayout(stats)
        self.plan_panel.manage.clicked.connect(self.controller.manage_subscription)

        column.addWidget(_heading("Credit packs", "One-off; credits never expire."))
        self.packs_grid = QGridLayout()
        self.packs_grid.setSpacing(12)
        column.addLayout(self.packs_grid)
        column.addWidget(_heading("Plans", "Monthly; cancel any time in Manage subscription."))
        self.plans_row = QHBoxLayout()
        self.plans_row.setSpacing(12)
        column.addLayout(self.plans_row)

        column.addWidget(_heading("Spending", "Credits charged for images over the last 30 days."))
        charts = QHBoxLayout()
        charts.setSpacing(12)
        self.per_day = BarChart("Per day", "No credits spent in the last 30 days.")
        self.per_model = BarChart("Per model", "No images made in the last 30 days.")
        charts.addWidget(self.per_day, 3)
        charts.addWidget(self.per_model, 2)
        column.addLayout(charts)

        self.history = HistoryPanel()
        self.history.export_requested.connect(self._export)
        column.addWidget(self.history)
        scroll.setWidget(body)
        self.pack_cards: dict[str, OfferCard] = {}
        self.plan_cards: dict[str, OfferCard] = {}
        return scroll

    # --- showing -----------------------------------------------------------------------------------
    def _show_state(self, value: str) -> None:
        state = BillingState(value)
        connection = self.controller.connection
        if state == BillingState.LOCAL:
            self.stack.setCurrentWidget(self.local_gate)
        elif state == BillingState.SIGNED_OUT:
            self.sign_in_gate.url.setText(str(self.context.settings.get("connection.cloud_url")))
            self.stack.setCurrentWidget(self.sign_in_gate)
        elif state == BillingState.CONNECTING:
            self.stack.setCurrentWidget(self.waiting_gate)
        elif state == BillingState.ERROR:
            self.error_gate.body_label.setText(connection.error_message or "Check Settings → Connection.")
            self.stack.setCurrentWidget(self.error_gate)
        else:
            self.stack.setCurrentWidget(self.main)
        waiting = state == BillingState.WAITING
        self.waiting.setVisible(waiting)
        for card in [*self.pack_cards.values(), *self.plan_cards.values()]:
            card.button.setEnabled(card.buyable and not waiting and card.frame.property("current") is not True)

    def _show_overview(self, overview: Overview) -> None:
        credits, status = overview.credits, overview.status
        self.balance.set_value(credits.balance)
        self.reserved.set_value(credits.reserved)
        self.available.set_value(credits.available)
        self.plan_panel.show_status(status)
        if not self.pack_cards:
            for index, pack in enumerate(overview.packs.packs):
                card = OfferCard(
                    f"{pack.credits} credits",
                    _dollars(pack.price_usd_cents),
                    f"{pack.cents_per_credit:.0f}¢ per credit",
                    "Buy",
                    f"Save {pack.discount_percent}%" if pack.discount_percent else "",
                )
                card.chosen.connect(lambda item=pack.id: self.controller.buy("pack", item))
                self.pack_cards[pack.id] = card
                self.packs_grid.addWidget(card, 0, index)
        for plan in overview.plans:
            existing = self.plan_cards.get(plan.id)
            if existing is not None:
                card = existing
            else:
                features = [f"{plan.max_models} Builder model{'s' if plan.max_models != 1 else ''}"]
                if plan.monthly_credits:
                    features.append(f"{plan.monthly_credits} credits a month")
                if plan.priority:
                    features.append("priority queue")
                if plan.api_access:
                    features.append("API access")
                price = "Free" if not plan.price_usd_month else f"${plan.price_usd_month} / month"
                card = OfferCard(plan.name, price, " · ".join(features), f"Choose {plan.name}")
                card.chosen.connect(lambda item=plan.id: self.controller.buy("plan", item))
                self.plan_cards[plan.id] = card
                self.plans_row.addWidget(card, 1)
            # Leaving a paid plan for Free goes through Manage subscription (Stripe cancels it there).
            card.buyable = plan.price_usd_month > 0
            card.set_current(plan.id == status.plan.id)
            if not card.buyable and plan.id != status.plan.id:
                card.set_buyable(False, "Via Manage subscription")
        self._show_state(self.controller.state.value)

    def _show_history(self, entries: list[LedgerItem]) -> None:
        self.history.set_entries(entries)

    def _history_loading(self, loading: bool) -> None:
        if loading and not self.history.model.rowCount():
            self.history.empty.setText("Loading the history…")

    def _show_spend(self, report: SpendReport) -> None:
        self.per_day.set_bars([(date.fromisoformat(d.day).strftime("%m-%d"), d.credits) for d in report.days])
        self.per_model.set_bars([(m.model, m.credits) for m in report.models[:8]])

    def _show_problem(self, text: str) -> None:
        if self.stack.currentWidget() is self.sign_in_gate:
            self.sign_in_gate.show_error(text)
        self.notice.setProperty("role", "error")
        self._set_notice(text)

    def _show_message(self, title: str, body: str) -> None:
        self.notice.setProperty("role", "success")
        self._set_notice(f"{title}. {body}")

    def _show_caution(self, title: str, body: str) -> None:
        self.notice.setProperty("role", "warning")
        self._set_notice(f"{title}. {body}")

    def _cancel_wait(self) -> None:
        self.controller.cancel_wait()
        self.notice.hide()  # what it said was about this checkout ("open this address to pay")

    def _set_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.style().unpolish(self.notice)
        self.notice.style().polish(self.notice)
        self.notice.show()

    def _export(self, reason: str) -> None:
        folder = self.choose_folder(self)
        if folder is not None:
            self.controller.export_csv(folder, reason)

    # --- place protocol ----------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.controller.view_opened()

    def activate(self, _payload: dict[str, Any]) -> None:
        self.controller.view_opened()

    def shutdown(self) -> None:
        """The window is closing: stop waiting for a payment (the webhook credits it all the same)."""
        self.controller.view_closed()

    def closeEvent(self, event: Any) -> None:
        self.controller.view_closed()  # no wait for a payment outlives the place
        super().closeEvent(event)


def _heading(title: str, note: str) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 6, 0, 0)
    label = QLabel(title)
    label.setProperty("role", "subtitle")
    hint = QLabel(note)
    hint.setProperty("role", "muted")
    row.addWidget(label)
    row.addWidget(hint)
    row.addStretch(1)
    return box


def _dollars(cents: int) -> str:
    return f"${cents // 100}" if cents % 100 == 0 else f"${cents / 100:.2f}"
