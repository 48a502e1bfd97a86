"""Request body limits, enforced before a byte of an oversized or anonymous large body is kept.

FastAPI reads a route's whole body before it resolves the route's dependencies (authentication
included), so without this a 300 MB body with no token is read and parsed before the 401. This ASGI
middleware answers before the route runs:

- a declared ``Content-Length`` over ``max_body`` → 413 at once, nothing read;
- a body that may be larger than ``max_anonymous_body`` (declared so, or chunked with no length) →
  the bearer token is checked first; none or an invalid one → 401, nothing read;
- a streamed body is counted as it arrives and stopped with a 413 once it passes ``max_body``.

Refusals carry ``Connection: close`` so the server drops the rest of the upload instead of draining it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import HTTPException, status
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 32 * 1024 * 1024  # the largest request: a 20 M-character reference image plus the prompt
MAX_ANONYMOUS_BODY_BYTES = 64 * 1024  # sign-up and sign-in bodies are under 2 KiB

Authenticate = Callable[[str], Awaitable[Any]]  # a token → something truthy when it is valid


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit (FastAPI re-raises HTTPExceptions
    from body reading, so the route answers 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"the request body is larger than {limit} bytes",
            headers={"Connection": "close"},
        )


class BodyLimit:
    """The ASGI middleware described in the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        authenticate: Authenticate,
        max_body: int = MAX_BODY_BYTES,
        max_anonymous_body: int = MAX_ANONYMOUS_BODY_BYTES,
    ) -> None:
        self.app = app
        self.authenticate = authenticate
        self.max_body = max_body
        self.max_anonymous_body = max_anonymous_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        if declared is None and not chunked:
            await self.app(scope, receive, send)  # no body
            return
        length: int | None = None
        if declared is not None:
            if not declared.isdigit():
                await _refuse(scope, receive, send, status.HTTP_400_BAD_REQUEST, "invalid Content-Length")
                return
            length = int(declared)
        if length is not None and length > self.max_body:
            await _refuse(scope, receive, send, **_too_large(self.max_body))
            return
        if (length is None or length > self.max_anonymous_body) and not await self._authenticated(headers):
            message = f"sign in first: a request body over {self.max_anonymous_body} bytes needs a valid token"
            await _refuse(scope, receive, send, status.HTTP_401_UNAUTHORIZED, message, {"WWW-Authenticate": "Bearer"})
            return

        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(scope, receive, send, **_too_large(self.max_body))

    async def _authenticated(self, headers: Headers) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        return bool(await self.authenticate(token.strip()))


def _too_large(limit: int) -> dict[str, Any]:
    return {
        "status_code": status.HTTP_413_CONTENT_TOO_LARGE,
        "message": f"the request body is larger than {limit} bytes",
    }


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status_code: int, message: str, headers: dict[str, str] | None = None
) -> None:
    response = JSONResponse({"detail": message}, status_code, headers={**(headers or {}), "Connection": "close"})
    await response(scope, receive, send)
