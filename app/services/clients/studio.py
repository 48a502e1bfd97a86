"""``StudioClient``: the desktop's async HTTP client of the Studio API (local embedded or cloud, same code).

Idempotent requests (GETs, cancel, and submit — which carries an ``Idempotency-Key``) are retried with
exponential backoff on connection errors and 502/503/504. Every answer is validated strictly against the
wire contract (``modal_app.contract``) and becomes its typed value; an answer that does not fit is a
``MalformedAnswer``, never a value filled with defaults. Failures become the typed errors of
``studio_types`` with messages fit to show.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from app.services.clients.studio_types import (
    AuthNeeded,
    Credits,
    ImageRequest,
    InvalidRequest,
    Job,
    JobPage,
    MalformedAnswer,
    Me,
    ModelTable,
    NotEnoughCredits,
    NotFound,
    ServerError,
    Session,
    StudioError,
    StudioUnreachable,
)
from modal_app.contract import PROVIDER_KEY_HEADER, EngineList, Health
from modal_app.tls import tls_context_for

log = logging.getLogger(__name__)
T = TypeVar("T")
A = TypeVar("A", bound=BaseModel)

DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
LONG_POLL_SLACK = 10.0  # seconds added to ``wait`` for the read timeout of a long poll
RETRY_STATUSES = frozenset({502, 503, 504})


class _Retryable(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"status {response.status_code}")
        self.response = response


def _retryable(error: BaseException) -> bool:
    return isinstance(error, httpx.TransportError | _Retryable)


class StudioClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        attempts: int = 4,
        backoff_max: float = 4.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._attempts = attempts
        self._backoff_max = backoff_max
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=DEFAULT_TIMEOUT, transport=transport, verify=tls_context_for(self.base_url)
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- plumbing ----------------------------------------------------------------------------------
    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    async def _send(
        self, method: str, path: str, *, retry: bool, timeout: httpx.Timeout | None = None, **kwargs: Any
    ) -> httpx.Response:
        extra_headers = kwargs.pop("headers", None)

        async def once() -> httpx.Response:
            response = await self._http.request(
                method,
                path,
                headers=self._headers(extra_headers),
                timeout=timeout or DEFAULT_TIMEOUT,
                **kwargs,
            )
            if retry and response.status_code in RETRY_STATUSES:
                raise _Retryable(response)
            return response

        try:
            if not retry:
                response = await once()
            else:
                response = await self._retrying(once)
        except _Retryable as error:
            response = error.response
        except httpx.TransportError as error:
            message = f"Cannot reach the Studio API at {self.base_url} ({_describe(error)})."
            raise StudioUnreachable(message) from error
        _raise_for_status(response)
        return response

    async def _retrying(self, once: Callable[[], Awaitable[T]]) -> T:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=0.2, max=self._backoff_max),
            retry=retry_if_exception(_retryable),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await once()
        raise AssertionError("unreachable")  # pragma: no cover

    async def _answer(self, shape: type[A], method: str, path: str, *, retry: bool = True, **kwargs: Any) -> A:
        """The answer to the request, validated strictly as ``shape``. Raises ``MalformedAnswer`` when it
        does not fit (not JSON, a field missing or mistyped, an unknown job state), besides ``_send``'s."""
        response = await self._send(method, path, retry=retry, **kwargs)
        try:
            return shape.model_validate_json(response.content)
        except ValidationError as error:
            malformed = MalformedAnswer(f"{method} {path}", _first_problem(error))
            log.error("%s", malformed)
            raise malformed from error

    async def call(self, shape: type[A], method: str, path: str, *, retry: bool = True, **kwargs: Any) -> A:
        """Any route's answer validated as ``shape`` (for clients of other places, e.g. billing); raises as
        the routes below do."""
        return await self._answer(shape, method, path, retry=retry, **kwargs)

    # --- routes ------------------------------------------------------------------------------------
    async def health(self) -> bool:
        return (await self._answer(Health, "GET", "/v1/health")).status == "ok"

    async def image_models(self) -> ModelTable:
        """The server's image-model table, with what each model, size and count costs on it."""
        return await self._answer(ModelTable, "GET", "/v1/image-models")

    async def engines(self) -> EngineList:
        """``GET /v1/engines``: every image engine the server runs and its state (local servers probed now)."""
        return await self._answer(EngineList, "GET", "/v1/engines")

    async def me(self) -> dict[str, Any]:
        """``{account, plan, billing_enabled}``, validated as ``contract.Me``, as plain JSON values."""
        return (await self._answer(Me, "GET", "/v1/me")).model_dump(mode="json")

    async def credits(self) -> Credits:
        return await self._answer(Credits, "GET", "/v1/credits")

    async def sign_in(self, email: str, password: str, label: str = "Amethyst desktop") -> str:
        body = {"email": email, "password": password, "label": label}
        try:
            session = await self._answer(Session, "POST", "/v1/sessions", retry=False, json=body)
        except AuthNeeded as error:
            raise AuthNeeded("Wrong email or password.") from error
        return session.token

    async def sign_up(self, email: str, password: str) -> str:
        body = {"email": email, "password": password}
        try:
            session = await self._answer(Session, "POST", "/v1/accounts", retry=False, json=body)
        except ServerError as error:
            if error.status == 409:
                raise StudioError("An account with this email exists already; sign in instead.") from error
            raise
        return session.token

    async def sign_out(self) -> None:
        await self._send("DELETE", "/v1/sessions/current", retry=False)

    async def submit(self, request: ImageRequest, idempotency_key: str, provider_key: str | None = None) -> Job:
        """Start a job. Retried safely: the server answers the same job for the same key. ``provider_key``
        (Local connection only) is the person's own key for the model's engine, sent for this job alone."""
        body = request.model_dump(mode="json", exclude_none=True)
        headers = {"Idempotency-Key": idempotency_key}
        if provider_key:
            headers[PROVIDER_KEY_HEADER] = provider_key
        return await self._answer(Job, "POST", "/v1/images", json=body, headers=headers)

    async def job(self, job_id: str, wait: float = 0) -> Job:
        """The job; with ``wait`` the server holds the answer until the state changes (long poll)."""
        params = {"wait": f"{wait:g}"} if wait else None
        timeout = httpx.Timeout(wait + LONG_POLL_SLACK, connect=5.0)
        return await self._answer(Job, "GET", f"/v1/images/{job_id}", params=params, timeout=timeout)

    async def cancel(self, job_id: str) -> Job:
        return await self._answer(Job, "POST", f"/v1/images/{job_id}/cancel")

    async def jobs(self, limit: int = 50) -> list[Job]:
        page = await self._answer(JobPage, "GET", "/v1/images", params={"limit": limit})
        return list(page.jobs)

    async def result(self, url_or_path: str) -> bytes:
        """PNG bytes of one finished image (``images[n].url`` of a job)."""
        timeout = httpx.Timeout(60.0, connect=5.0)
        response = await self._send("GET", url_or_path, retry=True, timeout=timeout)
        if not response.content.startswith(b"\x89PNG"):
            raise StudioError("The Studio API sent an image that is not a PNG.")
        return response.content


def _first_problem(error: ValidationError) -> str:
    """The first thing wrong with an answer, in words: ``images.0.seed: Field required``."""
    first = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    more = error.error_count() - 1
    return f"{where + ': ' if where else ''}{first['msg']}" + (f" (and {more} more)" if more else "")


def _describe(error: httpx.TransportError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(error, httpx.ConnectError):
        return "connection refused or host not found"
    return type(error).__name__


def _detail(response: httpx.Response) -> Any:
    try:
        return response.json().get("detail")
    except (ValueError, AttributeError):
        return response.text[:200]


# pydantic puts this before the message of a validator's ValueError (its "value_error" type); the server's
# validators word their messages for people, so the prefix goes.
_PYDANTIC_VALUE_ERROR = "Value error, "


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    detail = _detail(response)
    if status == 401:
        raise AuthNeeded("Sign in to the Studio API again (your session ended or was revoked).")
    if status == 402:
        info = detail if isinstance(detail, dict) else {}
        raise NotEnoughCredits(int(info.get("needed", 0)), int(info.get("available", 0)))
    if status == 422:
        if isinstance(detail, list) and detail and isinstance(detail[0], dict):
            location = detail[0].get("loc") or []
            problem = str(detail[0].get("msg", "invalid"))
            raise InvalidRequest(str(location[-1]) if location else "", problem.removeprefix(_PYDANTIC_VALUE_ERROR))
        raise InvalidRequest("", str(detail or "The request was not valid."))
    if status == 404:
        raise NotFound(str(detail or "Not found."))
    message = detail.get("message") if isinstance(detail, dict) else detail
    raise ServerError(status, str(message or response.reason_phrase))
