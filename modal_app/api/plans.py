"""The plans table."""

from __future__ import annotations

from fastapi import APIRouter

from modal_app.api.schemas import PlanList
from modal_app.contract import Plan
from modal_app.plans import PLANS

router = APIRouter(prefix="/v1", tags=["plans"])


@router.get("/plans", response_model=PlanList)
async def plans() -> PlanList:
    return PlanList(plans=[Plan(**plan.as_dict()) for plan in PLANS])
