"""API access (a plan limit): personal API tokens, for scripts that call the Studio API directly.

Signing in (the desktop) issues *session* tokens; ``POST /v1/tokens`` issues a *personal* one, shown once.
Both are bearer tokens, listed and revoked with ``GET/DELETE /v1/tokens``. With billing on, a personal token
is made and accepted only while the account's plan has API access (Enterprise): otherwise 403
``{"detail": {message, plan, limit: "api_access", allowed: 0, used, upgrade}}`` (``PlanLimitExceeded``), also
for a token made before a downgrade (``deps.current_auth``). The desktop's own session tokens never count.
With billing off (the Local connection) plans do not apply and anyone may make one.

The two bodies live here until ``modal_app.contract`` takes them (it is being split elsewhere).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, status
from pydantic import Field

from modal_app.accounts import PERSONAL_TOKEN
from modal_app.api.deps import AuthDep, ServicesDep
from modal_app.contract import Answer, RequestBody
from modal_app.plans import check_limit

router = APIRouter(prefix="/v1", tags=["accounts"])


class PersonalTokenRequest(RequestBody):
    """``POST /v1/tokens``: what the token is for, as the token list shows it."""

    label: Annotated[str, Field(min_length=1, max_length=100)]


class PersonalToken(Answer):
    """The new personal API token: its id (for ``DELETE /v1/tokens/{id}``) and the token, shown only once."""

    id: str
    label: str
    token: str


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=PersonalToken,
    responses={403: {"description": "The plan has no API access; the body names the plan and the upgrade"}},
)
async def create_personal_token(body: PersonalTokenRequest, auth: AuthDep, services: ServicesDep) -> PersonalToken:
    if services.settings.billing_enabled:
        check_limit(auth.plan, "api_access", 0)
    label = body.label.strip() or "API token"
    token, token_id = await asyncio.to_thread(services.accounts.issue_token, auth.account_id, label, PERSONAL_TOKEN)
    return PersonalToken(id=token_id, label=label, token=token)
