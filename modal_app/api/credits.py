"""Credits: balance, reserved and available, and the ledger history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from modal_app.api.deps import AuthDep, ServicesDep
from modal_app.api.schemas import LedgerEntryOut, LedgerPage, utc
from modal_app.contract import MAX_INT64, Credits

router = APIRouter(prefix="/v1/credits", tags=["credits"])


@router.get("", response_model=Credits)
async def credits(auth: AuthDep, services: ServicesDep) -> Credits:
    summary = await services.monitor.read(services.ledger.summary, auth.account_id)
    return Credits(
        balance=summary.balance,
        reserved=summary.reserved,
        available=summary.available,
        billing_enabled=services.settings.billing_enabled,
    )


@router.get("/history", response_model=LedgerPage)
async def history(
    auth: AuthDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[int | None, Query(ge=1, le=MAX_INT64)] = None,
) -> LedgerPage:
    entries, next_cursor = await services.monitor.read(services.ledger.history, auth.account_id, limit, cursor)
    return LedgerPage(
        entries=[
            LedgerEntryOut(
                id=e.id,
                amount=e.amount,
                reason=e.reason,
                reference=e.reference,
                created_at=utc(e.created_at),  # type: ignore[arg-type]
            )
            for e in entries
        ],
        next_cursor=next_cursor,
    )
