"""The price table: plans (Free, Pro, Enterprise) with their limits and monthly credits, and credit packs.

This module is the one source of prices and allowances; the server answers them (``GET /v1/plans``,
``GET /v1/packs``) and checks limits with them, the desktop shows what it is told. Public functions for
other parts of the server: ``find_plan``, ``find_pack``, ``plan_limit`` and ``check_limit`` (which raises
``PlanLimitExceeded``, answered as a 403 naming the plan, the limit and the upgrade).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Plan:
    """A plan. ``max_models``: Builder models kept at once; ``monthly_credits``: granted per paid invoice."""

    id: str
    name: str
    price_usd_month: int
    max_models: int
    priority: bool
    api_access: bool
    monthly_credits: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PLANS: tuple[Plan, ...] = (
    Plan("free", "Free", 0, 1, priority=False, api_access=False, monthly_credits=0),
    Plan("pro", "Pro", 50, 10, priority=True, api_access=False, monthly_credits=150),
    Plan("enterprise", "Enterprise", 450, 30, priority=True, api_access=True, monthly_credits=1500),
)
DEFAULT_PLAN = "free"


@dataclass(frozen=True)
class Pack:
    """A one-off credit pack; prices in US cents so no float ever reaches money."""

    id: str
    credits: int
    price_usd_cents: int

    @property
    def cents_per_credit(self) -> float:
        return self.price_usd_cents / self.credits

    def discount_percent(self, base: Pack) -> int:
        """Whole percent saved per credit against ``base`` (the smallest pack), never negative."""
        saved = 1 - self.cents_per_credit / base.cents_per_credit
        return max(0, round(saved * 100))


PACKS: tuple[Pack, ...] = (
    Pack("pack-10", 10, 500),
    Pack("pack-25", 25, 1000),
    Pack("pack-50", 50, 2000),
    Pack("pack-100", 100, 3500),
    Pack("pack-250", 250, 8000),
)
BASE_PACK = PACKS[0]

# The limits a plan sets, by the name a 403 uses: the Plan attribute each one reads.
LIMITS: dict[str, str] = {"models": "max_models", "api_access": "api_access"}


def find_plan(plan_id: str) -> Plan:
    """The plan of this id; an unknown id is the Free plan (an account never ends up with no plan)."""
    for plan in PLANS:
        if plan.id == plan_id:
            return plan
    return PLANS[0]


def known_plan(plan_id: str) -> Plan | None:
    """The plan of this id, or None (for request validation, where Free must not be a fallback)."""
    return next((plan for plan in PLANS if plan.id == plan_id), None)


def find_pack(pack_id: str) -> Pack | None:
    return next((pack for pack in PACKS if pack.id == pack_id), None)


def plan_limit(plan_id: str, limit: str) -> int:
    """The plan's number for ``limit`` ("models": models kept; "api_access": 1 or 0). KeyError for others."""
    return int(getattr(find_plan(plan_id), LIMITS[limit]))


def upgrade_for(plan_id: str, limit: str, needed: int) -> Plan | None:
    """The cheapest plan above ``plan_id`` whose ``limit`` allows ``needed``, or None when none does."""
    current = find_plan(plan_id)
    for plan in PLANS:
        if plan.price_usd_month > current.price_usd_month and int(getattr(plan, LIMITS[limit])) >= needed:
            return plan
    return None


class PlanLimitExceeded(Exception):
    """A plan's limit refused an action; the API answers 403 with ``body()``."""

    def __init__(self, plan_id: str, limit: str, allowed: int, used: int) -> None:
        self.plan = find_plan(plan_id)
        self.limit = limit
        self.allowed = allowed
        self.used = used
        self.upgrade = upgrade_for(plan_id, limit, used + 1 if limit == "models" else 1)
        what = f"keeps {allowed} model{'s' if allowed != 1 else ''}" if limit == "models" else "has no API access"
        advice = f"upgrade to {self.upgrade.name}" if self.upgrade else "remove one first"
        super().__init__(f"The {self.plan.name} plan {what}; {advice}.")

    def body(self) -> dict[str, Any]:
        """``{message, plan, limit, allowed, used, upgrade}``; ``upgrade`` is a plan id or null."""
        return {
            "message": str(self),
            "plan": self.plan.id,
            "limit": self.limit,
            "allowed": self.allowed,
            "used": self.used,
            "upgrade": self.upgrade.id if self.upgrade else None,
        }


def check_limit(plan_id: str, limit: str, used: int) -> None:
    """Raise ``PlanLimitExceeded`` when one more of ``limit`` would go over the plan ("models": ``used`` kept
    now; "api_access": ``used`` is ignored and the plan must have API access)."""
    allowed = plan_limit(plan_id, limit)
    if (limit == "api_access" and not allowed) or (limit != "api_access" and used >= allowed):
        raise PlanLimitExceeded(plan_id, limit, allowed, used)
