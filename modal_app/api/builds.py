"""Builds: submit, list, read, stream events (Server-Sent Events), cancel/stop, delete, predict, info."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from modal_app.api.deps import AuthDep, ServicesDep, field_error
from modal_app.api.responses import SafeJSONResponse
from modal_app.builder.code import CodeRejected, template_files
from modal_app.builder.csvdata import BadCsv, check_csv
from modal_app.builder.service import BuildService, ModelUnreachable, NeedsConfirmation, NotFound, build_out
from modal_app.builder.store import LimitReached
from modal_app.contract import MAX_INT64, NO_NUL, Build, BuildCode, BuildPage, BuildRequest, ModelInfo, TemplateRequest

router = APIRouter(prefix="/v1/builds", tags=["builds"])

MAX_PREDICT_BODY = 1_000_000
BuildId = Annotated[str, Path(max_length=64, pattern=NO_NUL)]


def _builds(services: ServicesDep) -> BuildService:
    if services.builds is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "builds are not available on this server")
    return services.builds


def _code(files: Any) -> BuildCode:
    return BuildCode(requirements_txt=files.requirements_txt, train_py=files.train_py, app_py=files.app_py)


@router.get("", response_model=BuildPage)
async def list_builds(auth: AuthDep, services: ServicesDep) -> BuildPage:
    builds = _builds(services)
    rows = await builds.list(auth.account_id)
    return BuildPage(builds=tuple(build_out(row) for row in rows), usage=await builds.usage(auth.account_id))


@router.post("/template", response_model=BuildCode)
async def template(body: TemplateRequest, auth: AuthDep) -> BuildCode:
    """The built-in template's files for a task, to show before building."""
    return _code(template_files(body.task))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Build,
    responses={403: {"description": "The plan's limit of live models is reached (the detail names both)"}},
)
async def submit(body: BuildRequest, auth: AuthDep, services: ServicesDep) -> Build:
    builds = _builds(services)
    try:
        check_csv(body.csv, body.target, body.task)
        row = await builds.submit(auth.account_id, body)
    except BadCsv as error:
        raise field_error(error.field, str(error)) from error
    except CodeRejected as error:
        raise field_error(error.field, str(error)) from error
    except NeedsConfirmation as error:
        raise field_error("confirmed", str(error), False) from error
    except LimitReached as error:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"The {error.plan} plan keeps {error.limit} live model{'s' if error.limit != 1 else ''}"
            f" ({error.live} now); stop or delete one, or change plan.",
        ) from error
    return build_out(row)


@router.get("/{build_id}", response_model=Build)
async def get_build(build_id: BuildId, auth: AuthDep, services: ServicesDep) -> Build:
    try:
        return build_out(await _builds(services).get(auth.account_id, build_id))
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such build") from error


@router.get("/{build_id}/code", response_model=BuildCode)
async def get_code(build_id: BuildId, auth: AuthDep, services: ServicesDep) -> BuildCode:
    try:
        return await _builds(services).code(auth.account_id, build_id)
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such build") from error


@router.get(
    "/{build_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "log, step and state events"}},
)
async def events(
    build_id: BuildId,
    auth: AuthDep,
    services: ServicesDep,
    last_event_id: Annotated[str | None, Header(max_length=20, pattern=NO_NUL)] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_INT64, description="resume after this event id")] = None,
) -> StreamingResponse:
    """Server-Sent Events: ``log`` (a line), ``step`` (a step's state), ``state`` (the build); resumable with
    ``Last-Event-ID``. The stream ends once the build is no longer in progress and all is sent."""
    builds = _builds(services)
    start = after or 0
    if last_event_id:
        if not last_event_id.isdigit():
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "Last-Event-ID must be an event id (digits)")
        start = int(last_event_id)
    try:
        await builds.get(auth.account_id, build_id)
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such build") from error

    async def stream() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        async for batch in builds.stream(auth.account_id, build_id, start):
            if batch is None:
                yield ": keep-alive\n\n"
            else:  # one write per stored batch, not one per line; the stored JSON goes out as it is
                yield "".join(f"id: {e.id}\nevent: {e.kind}\ndata: {e.raw}\n\n" for e in batch)
        yield "event: end\ndata: {}\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


@router.post("/{build_id}/cancel", response_model=Build)
async def cancel(build_id: BuildId, auth: AuthDep, services: ServicesDep) -> Build:
    """Cancel a build in progress, or stop a ready model (frees its place in the plan)."""
    try:
        return build_out(await _builds(services).cancel(auth.account_id, build_id))
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such build") from error


@router.delete("/{build_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def delete(build_id: BuildId, auth: AuthDep, services: ServicesDep) -> Response:
    try:
        await _builds(services).delete(auth.account_id, build_id)
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such build") from error
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _forward(
    services: ServicesDep, account_id: str, build_id: str, method: str, path: str, body: Any
) -> SafeJSONResponse:
    try:
        code, answer = await _builds(services).forward(account_id, build_id, method, path, body)
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such build") from error
    except ModelUnreachable as error:
        raise HTTPException(
            status.HTTP_504_GATEWAY_TIMEOUT if error.timeout else status.HTTP_502_BAD_GATEWAY, str(error)
        ) from error
    return SafeJSONResponse(answer, status_code=code if code < 500 else status.HTTP_502_BAD_GATEWAY)


@router.post(
    "/{build_id}/predict",
    responses={502: {"description": "The model did not answer"}, 504: {"description": "It took too long"}},
)
async def predict(build_id: BuildId, request: Request, auth: AuthDep, services: ServicesDep) -> SafeJSONResponse:
    """Pass a JSON body to the served model's ``/predict`` and its answer back (timeout: server setting)."""
    raw = await request.body()
    if len(raw) > MAX_PREDICT_BODY:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the body is larger than {MAX_PREDICT_BODY} bytes")
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the body is not JSON") from error
    if not isinstance(body, dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, 'send a JSON object, e.g. {"inputs": {...}}')
    return await _forward(services, auth.account_id, build_id, "POST", "/predict", body)


@router.get("/{build_id}/info", response_model=ModelInfo)
async def info(build_id: BuildId, auth: AuthDep, services: ServicesDep) -> ModelInfo:
    """The served model's ``/info`` (input schema and metrics), checked against ``ModelInfo``."""
    response = await _forward(services, auth.account_id, build_id, "GET", "/info", None)
    try:
        return ModelInfo.model_validate_json(bytes(response.body))
    except ValueError as error:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"the model's /info does not describe its inputs: {error}"
        ) from error
