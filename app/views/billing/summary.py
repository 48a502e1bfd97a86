"""The top of the Billing place: balance, reserved and available credits, and the plan panel."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from modal_app.contract import BillingStatus

STATUS_TEXT = {"active": "active", "past_due": "payment overdue", "cancelled": "cancelled"}
LIMIT_NAMES = {"models": "Models"}
API_ACCESS_HINT = (
    "API access: personal API tokens, for scripts that call the Studio API directly. The app itself never needs it."
)


def api_access_text(allowed: bool, tokens: int | None) -> str:
    """The API access limit as the plan panel says it: personal API tokens in use, or that the plan has none."""
    if not allowed:
        return "No API access"
    if tokens is None:
        return "API access"
    return f"API access · {tokens} API token{'' if tokens == 1 else 's'}"


class StatCard(QFrame):
    def __init__(self, title: str, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        self.title = QLabel(title)
        self.title.setProperty("role", "muted")
        self.value = QLabel("—")
        self.value.setStyleSheet("font-size: 20pt; font-weight: 700;")
        hint_label = QLabel(hint)
        hint_label.setProperty("role", "muted")
        hint_label.setWordWrap(True)
        for widget in (self.title, self.value, hint_label):
            layout.addWidget(widget)
        self.setAccessibleName(title)

    def set_value(self, credits: int) -> None:
        self.value.setText(f"{credits:,}")
        self.setAccessibleName(f"{self.title.text()}: {credits} credits")


class PlanPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        top = QHBoxLayout()
        self.name = QLabel("—")
        self.name.setProperty("role", "subtitle")
        self.state = QLabel()
        self.state.setProperty("role", "muted")
        top.addWidget(self.name)
        top.addWidget(self.state)
        top.addStretch(1)
        self.manage = QPushButton("Manage subscription")
        self.manage.setAccessibleName("Manage subscription, invoices and card in the Stripe portal")
        top.addWidget(self.manage)
        self.limits = QLabel()
        self.limits.setWordWrap(True)
        self.renewal = QLabel()
        self.renewal.setProperty("role", "muted")
        self.warning = QLabel()
        self.warning.setProperty("role", "error")
        self.warning.setWordWrap(True)
        layout.addLayout(top)
        layout.addWidget(self.limits)
        layout.addWidget(self.renewal)
        layout.addWidget(self.warning)

    def show_status(self, status: BillingStatus) -> None:
        plan = status.plan
        self.name.setText(f"{plan.name} plan")
        self.state.setText(f"· {STATUS_TEXT.get(status.status, status.status)}")
        parts = []
        used = status.usage.get("models")
        limit = f"{plan.max_models}"
        parts.append(f"Models {used} / {limit}" if used is not None else f"Up to {limit} Builder models")
        parts.append(api_access_text(plan.api_access, status.usage.get("api_tokens")))
        if plan.monthly_credits:
            parts.append(f"{plan.monthly_credits} credits each month")
        self.limits.setText(" · ".join(parts))
        self.limits.setToolTip(API_ACCESS_HINT)
        if status.renews_at is not None:
            verb = "Renews" if status.status == "active" else "Paid until"
            self.renewal.setText(f"{verb} {status.renews_at.astimezone():%d %B %Y}")
        else:
            self.renewal.setText("No renewal: the Free plan costs nothing.")
        warnings = []
        if status.debt:
            warnings.append(f"{status.debt} refunded credits are owed; they are taken from your next credits.")
        if status.last_payment_failed:
            warnings.append("Your last payment failed; nothing was charged.")
        if status.status == "past_due":
            warnings.append("Your subscription payment is overdue: update your card in Manage subscription.")
        self.warning.setText(" ".join(warnings))
        self.warning.setVisible(bool(warnings))
        self.manage.setEnabled(status.customer)
        self.manage.setToolTip("" if status.customer else "Available after your first purchase")
        self.setAccessibleName(f"{plan.name} plan, {status.status}. {self.limits.text()}")
