"""Billing routes: packs, Checkout, the Customer Portal, billing state, spend, and the Stripe webhook.

With billing off (the Local connection) every route here answers 404 with a message saying so. Plan limits
refused anywhere in the API (``modal_app.plans.PlanLimitExceeded``) answer 403 through ``plan_limit_exceeded``.
"""

from __future__ import annotations

import asyncio
import html
from datetime import UTC
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse

from modal_app.api.deps import AuthDep, ServicesDep, field_error
from modal_app.billing.changes import MAX_WAIT_SECONDS
from modal_app.billing.gateway import CheckoutItem, PaymentsNotConfigured, StripeFailed
from modal_app.billing.service import BillingService, BillingState
from modal_app.billing.webhooks import WebhookRejected, verify
from modal_app.contract import (
    NO_NUL,
    BillingStatus,
    CheckoutRequest,
    CheckoutSession,
    Pack,
    PackList,
    Plan,
    PortalSession,
    SpendDay,
    SpendModel,
    SpendReport,
)
from modal_app.plans import BASE_PACK, PACKS, PlanLimitExceeded, find_pack, known_plan
from modal_app.services import Services

BILLING_OFF = (
    "Billing is off on this server: it is a Local connection, where your own computer does the work and "
    "nothing costs credits. Connect to a Cloud Studio API to buy credits or a plan."
)


def billing(request: Request) -> BillingService:
    """The app's billing service (built on first use); 404 when billing is off."""
    services: Services = request.app.state.services
    if not services.settings.billing_enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, BILLING_OFF)
    service: BillingService | None = getattr(request.app.state, "billing", None)
    if service is None:
        service = request.app.state.billing = BillingService(services.store, services.settings)
    return service


BillingDep = Annotated[BillingService, Depends(billing)]
router = APIRouter(prefix="/v1", tags=["billing"], dependencies=[Depends(billing)])


async def plan_limit_exceeded(_request: Request, error: Exception) -> JSONResponse:
    """403 ``{"detail": {message, plan, limit, allowed, used, upgrade}}``."""
    assert isinstance(error, PlanLimitExceeded)
    return JSONResponse({"detail": error.body()}, status_code=status.HTTP_403_FORBIDDEN)


@router.get("/packs", response_model=PackList)
async def packs() -> PackList:
    return PackList(
        packs=tuple(
            Pack(
                id=pack.id,
                credits=pack.credits,
                price_usd_cents=pack.price_usd_cents,
                cents_per_credit=pack.cents_per_credit,
                discount_percent=pack.discount_percent(BASE_PACK),
            )
            for pack in PACKS
        )
    )


def _base(request: Request, service: BillingService) -> str:
    return (service.settings.public_url or str(request.base_url)).rstrip("/")


@router.post("/checkout", response_model=CheckoutSession)
async def checkout(
    body: CheckoutRequest,
    request: Request,
    auth: AuthDep,
    service: BillingDep,
    idempotency_key: Annotated[str, Header(min_length=8, max_length=200, pattern=NO_NUL)],
) -> CheckoutSession:
    """A Checkout Session for a pack (mode payment) or a paid plan (mode subscription). The desktop sends an
    ``Idempotency-Key`` per purchase; a retry with it answers the same session."""
    if body.pack is not None:
        pack = find_pack(body.pack)
        if pack is None:
            raise field_error("pack", f"no pack {body.pack!r}; see GET /v1/packs", body.pack)
        item = CheckoutItem("pack", pack.id, pack.credits)
    else:
        plan = known_plan(str(body.plan))
        if plan is None or plan.price_usd_month == 0:
            raise field_error("plan", f"no paid plan {body.plan!r}; see GET /v1/plans", body.plan)
        item = CheckoutItem("plan", plan.id, 0)
    state = await asyncio.to_thread(service.state, auth.account_id)
    if item.kind == "plan" and state.plan.id == item.id and state.status != "cancelled":
        raise HTTPException(status.HTTP_409_CONFLICT, f"you are on the {state.plan.name} plan already")
    email = await asyncio.to_thread(service.email, auth.account_id)
    base = _base(request, service)
    try:
        session_id, url = await asyncio.to_thread(
            lambda: service.gateway.checkout(
                account_id=auth.account_id,
                email=email,
                customer_id=state.customer_id,
                item=item,
                success_url=f"{base}/v1/billing/return?result=success&session_id={{CHECKOUT_SESSION_ID}}",
                cancel_url=f"{base}/v1/billing/return?result=cancelled",
                client_key=idempotency_key,
            )
        )
    except PaymentsNotConfigured as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from error
    except StripeFailed as error:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"Stripe: {error}") from error
    return CheckoutSession(id=session_id, url=url)


@router.post("/billing/portal", response_model=PortalSession)
async def portal(request: Request, auth: AuthDep, service: BillingDep) -> PortalSession:
    """A Customer Portal URL; 409 when the account has no Stripe customer yet (nothing bought)."""
    state = await asyncio.to_thread(service.state, auth.account_id)
    if state.customer_id is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "nothing to manage yet: buy a pack or a plan first")
    try:
        url = await asyncio.to_thread(
            service.gateway.portal, state.customer_id, f"{_base(request, service)}/v1/billing/return?result=portal"
        )
    except PaymentsNotConfigured as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from error
    except StripeFailed as error:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"Stripe: {error}") from error
    return PortalSession(url=url)


class VersionedBillingStatus(BillingStatus):
    """``GET /v1/billing``'s answer: ``BillingStatus`` and ``version``, an opaque string that changes whenever
    the balance or anything in the status changes (what ``since`` compares). Defined here until
    ``modal_app.contract`` takes it."""

    version: str


@router.get("/billing", response_model=VersionedBillingStatus)
async def billing_status(
    request: Request,
    auth: AuthDep,
    service: BillingDep,
    wait: Annotated[
        float, Query(ge=0, le=MAX_WAIT_SECONDS, description="seconds to hold the answer until the version changes")
    ] = 0,
    since: Annotated[str | None, Query(max_length=64, pattern=NO_NUL, description="the version last seen")] = None,
) -> VersionedBillingStatus:
    """The plan and its state. With ``wait`` and ``since`` (a long poll, e.g. while a Checkout is open) the
    answer comes as soon as the version differs from ``since`` (a webhook credited or changed the account),
    or after ``wait`` seconds with the same version."""

    async def read() -> BillingState:
        return await asyncio.to_thread(service.state, auth.account_id)

    if wait and since is not None:
        state = await service.changes.wait_until_changed(
            auth.account_id, read, lambda state: state.version, since, wait, gone=request.is_disconnected
        )
    else:
        state = await read()
    return VersionedBillingStatus(
        plan=Plan(**state.plan.as_dict()),
        status=state.status,
        renews_at=None if state.renews_at is None else state.renews_at.replace(tzinfo=UTC),
        customer=state.customer_id is not None,
        debt=state.debt,
        usage=state.usage,
        last_payment_failed=state.last_payment_failed,
        version=state.version,
    )


@router.get("/billing/spend", response_model=SpendReport)
async def spend(auth: AuthDep, service: BillingDep, days: Annotated[int, Query(ge=1, le=366)] = 30) -> SpendReport:
    per_day, per_model = await asyncio.to_thread(service.spend, auth.account_id, days)
    return SpendReport(
        days=tuple(SpendDay(day=day, credits=credits) for day, credits in per_day),
        models=tuple(SpendModel(model=model, credits=credits) for model, credits in per_model),
    )


RETURN_PAGES = {
    "success": ("Payment received", "Thank you. Your credits or plan appear in Amethyst in a moment."),
    "cancelled": ("Payment cancelled", "Nothing was charged. You can close this tab."),
    "portal": ("Subscription settings saved", "You can close this tab and return to Amethyst."),
}


@router.get("/billing/return", response_class=HTMLResponse, include_in_schema=False)
async def checkout_return(result: Literal["success", "cancelled", "portal"] = "success") -> HTMLResponse:
    """Where Checkout and the portal send the browser back: a page saying to return to the app."""
    title, text = RETURN_PAGES[result]
    page = (
        f"<!doctype html><meta charset=utf-8><title>Amethyst — {html.escape(title)}</title>"
        '<body style="background:#0a0a0a;color:#f5f5f5;font-family:sans-serif;text-align:center;padding:4em">'
        f'<h1 style="color:#c084fc">{html.escape(title)}</h1><p>{html.escape(text)}</p></body>'
    )
    return HTMLResponse(page)


@router.post("/stripe/webhook")
async def stripe_webhook(
    request: Request,
    services: ServicesDep,
    service: BillingDep,
    stripe_signature: Annotated[str | None, Header(max_length=2000, pattern=NO_NUL)] = None,
) -> dict[str, str]:
    """Verify the raw body's signature and apply the event once; 400 (nothing applied) when it is not
    genuine or too old, 503 when the server has no webhook secret (Stripe delivers again later)."""
    secret = services.settings.stripe_webhook_secret
    if not secret:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "webhooks are not set up (no webhook secret)")
    payload = await request.body()
    try:
        event = verify(payload, stripe_signature, secret, services.settings.stripe_webhook_tolerance)
    except WebhookRejected as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from error
    outcome, account_id = await asyncio.to_thread(service.webhooks.apply, event)
    if account_id is not None:
        service.changes.changed(account_id)  # committed: wake the account's long-polls of GET /v1/billing
    return {"id": event["id"], "outcome": outcome}
