"""The plans table: Free, Pro and Enterprise with their limits (payments come with billing)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    price_usd_month: int
    max_models: int
    priority: bool
    api_access: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PLANS: tuple[Plan, ...] = (
    Plan("free", "Free", 0, 1, priority=False, api_access=False),
    Plan("pro", "Pro", 50, 10, priority=True, api_access=False),
    Plan("enterprise", "Enterprise", 450, 30, priority=True, api_access=True),
)
DEFAULT_PLAN = "free"


def find_plan(plan_id: str) -> Plan:
    for plan in PLANS:
        if plan.id == plan_id:
            return plan
    return PLANS[0]
