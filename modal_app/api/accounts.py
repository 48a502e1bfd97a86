"""Sign-up, sign-in, sign-out, tokens and /v1/me."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response, status

from modal_app.accounts import AccountError, EmailTaken, lookup_email
from modal_app.api.deps import AuthDep, ServicesDep, field_error
from modal_app.api.schemas import Credentials, SignIn, TokenList, TokenOut, account_out, utc
from modal_app.contract import NO_NUL, Me, Plan, Session
from modal_app.plans import find_plan

router = APIRouter(prefix="/v1", tags=["accounts"])


@router.post("/accounts", status_code=status.HTTP_201_CREATED, response_model=Session)
async def sign_up(body: Credentials, services: ServicesDep) -> Session:
    accounts = services.accounts
    try:
        account = await accounts.hashing.run(accounts.sign_up, body.email, body.password)
    except EmailTaken as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    except AccountError as error:  # a reserved or invalid email, a weak password: name the field and why
        raise field_error(error.field or "email", str(error)) from error
    if services.settings.signup_credits > 0:
        await asyncio.to_thread(
            services.ledger.grant,
            account.id,
            services.settings.signup_credits,
            "welcome",
            None,
            f"welcome:{account.id}",
        )
    token, _ = await asyncio.to_thread(accounts.issue_token, account.id, "sign-up")
    return Session(account=account_out(account), token=token)


@router.post(
    "/sessions",
    response_model=Session,
    responses={429: {"description": "Too many failed sign-ins for this account or address; see Retry-After"}},
)
async def sign_in(body: SignIn, request: Request, services: ServicesDep) -> Session:
    email = lookup_email(body.email)
    address = request.client.host if request.client is not None else None
    # Counted before hashing (and as a failure until it succeeds), so parallel guesses share the limit.
    wait = services.signins.attempt(email, address)
    if wait:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed sign-ins; try again in {wait} seconds",
            headers={"Retry-After": str(wait)},
        )
    accounts = services.accounts
    try:
        account = await accounts.hashing.run(accounts.verify_password, body.email, body.password)
    except AccountError as error:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(error)) from error
    services.signins.succeeded(email, address)
    token, _ = await asyncio.to_thread(accounts.issue_token, account.id, body.label or "sign-in")
    return Session(account=account_out(account), token=token)


@router.delete("/sessions/current", status_code=status.HTTP_204_NO_CONTENT)
async def sign_out(auth: AuthDep, services: ServicesDep) -> Response:
    await asyncio.to_thread(services.accounts.revoke, auth.account_id, auth.token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tokens", response_model=TokenList)
async def list_tokens(auth: AuthDep, services: ServicesDep) -> TokenList:
    tokens = await services.monitor.read(services.accounts.tokens, auth.account_id)
    return TokenList(
        tokens=[
            TokenOut(
                id=t.id,
                label=t.label,
                created_at=utc(t.created_at),  # type: ignore[arg-type]
                last_used_at=utc(t.last_used_at),
                expires_at=utc(t.expires_at),
                current=t.id == auth.token_id,
            )
            for t in tokens
        ]
    )


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(
    token_id: Annotated[str, Path(max_length=64, pattern=NO_NUL)], auth: AuthDep, services: ServicesDep
) -> Response:
    if not await asyncio.to_thread(services.accounts.revoke, auth.account_id, token_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such token")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=Me)
async def me(auth: AuthDep, services: ServicesDep) -> Me:
    account = await services.monitor.read(services.accounts.get, auth.account_id)
    if account is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "this account no longer exists")
    plan = find_plan(account.plan)
    return Me(
        account=account_out(account),
        plan=Plan(**plan.as_dict()),
        billing_enabled=services.settings.billing_enabled,
    )
