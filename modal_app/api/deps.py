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


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


async def current_auth(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AuthContext:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first", headers={"WWW-Authenticate": "Bearer"})
    services = get_services(request)
    auth = await services.monitor.read(services.accounts.authenticate, credentials.credentials)
    if auth is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "this token is not valid (signed out, revoked, or expired after going unused); sign in again",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if auth.personal and services.settings.billing_enabled:
        # A personal API token works only while the plan has API access (a downgrade stops it at once);
        # the desktop's own sign-in tokens are not personal. PlanLimitExceeded answers a 403 naming the plan.
        check_limit(auth.plan, "api_access", 0)
    return auth


ServicesDep = Annotated[Services, Depends(get_services)]
AuthDep = Annotated[AuthContext, Depends(current_auth)]


def field_error(field: str, message: str, value: Any = None) -> RequestValidationError:
    """A 422 in FastAPI's own shape, naming the body field."""
    return RequestValidationError([{"loc": ("body", field), "msg": message, "type": "value_error", "input": value}])
