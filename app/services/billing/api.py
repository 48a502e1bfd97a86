"""The Studio API's billing routes as typed calls on a connected ``StudioClient`` (answers validated against
``modal_app.contract``; failures are ``studio_types`` errors)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from pydantic import BaseModel

from app.services.clients.studio import LONG_POLL_SLACK, StudioClient
from modal_app.contract import (
    BillingStatus,
    CheckoutSession,
    Credits,
    LedgerHistory,
    LedgerItem,
    PackList,
    Plan,
    PortalSession,
    SpendReport,
)

HISTORY_PAGE = 200  # the server's largest page


class _Plans(BaseModel):
    plans: tuple[Plan, ...]


class VersionedStatus(BillingStatus):
    """``GET /v1/billing`` with its ``version`` (changes with the balance or the status); "" from a server
    that has no long poll (then the wait for a payment polls)."""

    version: str = ""


@dataclass(frozen=True)
class Overview:
    """Everything the Billing place shows at the top: credits, plan state, and what can be bought."""

    credits: Credits
    status: VersionedStatus
    packs: PackList
    plans: tuple[Plan, ...]


class BillingApi:
    def __init__(self, client: StudioClient) -> None:
        self.client = client

    async def overview(self) -> Overview:
        credits = await self.client.credits()
        status = await self.client.call(VersionedStatus, "GET", "/v1/billing")
        packs = await self.client.call(PackList, "GET", "/v1/packs")
        plans = await self.client.call(_Plans, "GET", "/v1/plans")
        return Overview(credits=credits, status=status, packs=packs, plans=plans.plans)

    async def state(self) -> tuple[Credits, VersionedStatus]:
        """Only what a purchase changes (what the wait for a payment looks at)."""
        return await self.client.credits(), await self.client.call(VersionedStatus, "GET", "/v1/billing")

    async def status_after(self, since: str, wait: float) -> VersionedStatus:
        """A long poll: the status as soon as its version is no longer ``since``, or after ``wait`` seconds
        (at most 25) with the same version."""
        params = {"since": since, "wait": f"{wait:g}"}
        timeout = httpx.Timeout(wait + LONG_POLL_SLACK, connect=5.0)
        return await self.client.call(VersionedStatus, "GET", "/v1/billing", params=params, timeout=timeout)

    async def checkout(self, kind: str, item: str, idempotency_key: str) -> CheckoutSession:
        """A Checkout Session for ``{kind: item}`` (kind "pack" or "plan"); retried safely with the key."""
        headers = {"Idempotency-Key": idempotency_key}
        return await self.client.call(CheckoutSession, "POST", "/v1/checkout", json={kind: item}, headers=headers)

    async def portal(self) -> str:
        return (await self.client.call(PortalSession, "POST", "/v1/billing/portal", retry=False)).url

    async def spend(self, days: int = 30) -> SpendReport:
        return await self.client.call(SpendReport, "GET", "/v1/billing/spend", params={"days": days})

    async def history_page(self, cursor: int | None = None) -> LedgerHistory:
        params: dict[str, int] = {"limit": HISTORY_PAGE}
        if cursor is not None:
            params["cursor"] = cursor
        return await self.client.call(LedgerHistory, "GET", "/v1/credits/history", params=params)

    async def history(self, limit: int = 100_000) -> list[LedgerItem]:
        """Every entry, newest first (up to ``limit``)."""
        entries: list[LedgerItem] = []
        cursor: int | None = None
        while len(entries) < limit:
            page = await self.history_page(cursor)
            entries.extend(page.entries)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        return entries
