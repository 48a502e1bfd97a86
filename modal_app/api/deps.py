"""Route dependencies: the process's services and the authenticated caller."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from modal_app.accounts import AuthContext
from modal_app.plans import check_limit
from modal_app.services import Services

_bearer = HTTPBearer(auto_error=False, description="A Studio API token (amt_…)")


async def get_services(request: Request) -> Services:
    # async: FastAPI runs a plain ``def`` dependency on a worker thread, a hop per request for a lookup.
    return request.app.state.services  # type: ignore[no-any-return]


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    """The token of an ``Authorization: Bearer …`` header; raises the 401 "sign in first" without one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first", headers={"WWW-Authenticate": "Bearer"})
    return credentials.credentials


def invalid_token() -> HTTPException:
    """The 401 for a token that is unknown, revoked or expired."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "this token is not valid (signed out, revoked, or expired after going unused); sign in again",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def current_auth(request: Request, credentials: BearerDep) -> AuthContext:
    token = bearer_token(credentials)
    services = await get_services(request)
    auth = await services.monitor.read(services.accounts.authenticate, token)
    if auth is None:
        raise invalid_token()
    check_api_access(auth, services)
    return auth


def check_api_access(auth: AuthContext, services: Services) -> None:
    """A personal API token works only while the plan has API access (a downgrade stops it at once); the
    desktop's own sign-in tokens are not personal. Raises PlanLimitExceeded (a 403 naming the plan)."""
    if auth.personal and services.settings.billing_enabled:
        check_limit(auth.plan, "api_access", 0)


ServicesDep = Annotated[Services, Depends(get_services)]
AuthDep = Annotated[AuthContext, Depends(current_auth)]


def field_error(field: str, message: str, value: Any = None) -> RequestValidationError:
    """A 422 in FastAPI's own shape, naming the body field."""
    return RequestValidationError([{"loc": ("body", field), "msg": message, "type": "value_error", "input": value}])
