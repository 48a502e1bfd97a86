"""Image jobs: submit, long-poll, cancel, results, list."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Query, Response, status

from modal_app.api.deps import (
    AuthDep,
    BearerDep,
    ServicesDep,
    bearer_token,
    check_api_access,
    field_error,
    invalid_token,
)
from modal_app.api.responses import SafeJSONResponse
from modal_app.api.schemas import error_body, job_json, job_out
from modal_app.compute.base import JobInputs
from modal_app.compute.engines import EngineRouter, plain_engine
from modal_app.contract import MAX_COUNT, MAX_INT64, NO_NUL, PROVIDER_KEY_HEADER, ImageRequest, Job, JobPage, JobState
from modal_app.image_models import SIZES, find_model
from modal_app.jobs import IdempotencyConflict
from modal_app.ledger import InsufficientCredits
from modal_app.services import Services

router = APIRouter(prefix="/v1/images", tags=["images"])

MAX_WAIT = 60.0


def validate(body: ImageRequest) -> ImageRequest:
    """Check the request against the image-model table; a 422 names the field at fault."""
    model = find_model(body.model)
    if model is None:
        raise field_error("model", f"unknown image model {body.model!r}", body.model)
    if body.size not in SIZES:
        raise field_error("size", f"size must be one of {', '.join(SIZES)}", body.size)
    if body.size not in model.sizes:
        raise field_error("size", f"{model.name} makes {', '.join(model.sizes)} images", body.size)
    if body.aspect_ratio not in model.aspect_ratios:
        raise field_error(
            "aspect_ratio", f"aspect ratio must be one of {', '.join(model.aspect_ratios)}", body.aspect_ratio
        )
    if body.reference_image is not None and not model.reference_images:
        raise field_error("reference_image", f"{model.name} does not take a reference image")
    references = len(body.reference_images) + (body.reference_image is not None)
    if references > model.max_reference_images:
        limit = model.max_reference_images
        raise field_error(
            "reference_images",
            f"{model.name} takes at most {limit} reference image{'s' if limit != 1 else ''}"
            if limit
            else f"{model.name} does not take reference images",
        )
    negative_prompt = body.negative_prompt.strip()
    if negative_prompt and not model.negative_prompt:
        raise field_error("negative_prompt", f"{model.name} does not use a negative prompt")
    return body.model_copy(update={"negative_prompt": negative_prompt, "reference_image": None, "reference_images": ()})


def job_inputs(body: ImageRequest, services: Services, provider_key: str | None, checkpoint: str | None) -> JobInputs:
    """What this one job hands its engine besides the stored request: the reference images decoded, and on
    the Local connection the person's own provider key (a Cloud server uses its own keys and ignores it)."""
    compute = services.compute
    model = find_model(body.model)
    served = (
        compute.engine_for(body.model) is not None
        if isinstance(compute, EngineRouter)
        else model is not None and plain_engine(compute) in model.engines
    )
    if not served:
        raise field_error("model", f"no engine on this Studio API serves {body.model}", body.model)
    encoded = [*([body.reference_image] if body.reference_image else []), *body.reference_images]
    try:
        references = tuple(base64.b64decode(item, validate=True) for item in encoded)
    except (binascii.Error, ValueError) as error:
        raise field_error("reference_images", "a reference image is not valid base64") from error
    local = isinstance(compute, EngineRouter) and compute.local
    return JobInputs(
        api_key=(provider_key or None) if local else None,
        reference_images=references,
        checkpoint=(checkpoint or "") if local else "",
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Job,
    responses={
        200: {"description": "The job made earlier with the same Idempotency-Key", "model": Job},
        402: {"description": "Not enough credits: {detail: {message, needed, available}}"},
        409: {"description": "The Idempotency-Key was used with a different request"},
    },
)
async def submit(
    body: ImageRequest,
    auth: AuthDep,
    services: ServicesDep,
    idempotency_key: Annotated[str | None, Header(max_length=200, pattern=NO_NUL)] = None,
    provider_key: Annotated[
        str | None,
        Header(alias=PROVIDER_KEY_HEADER, max_length=400, pattern=NO_NUL, description="Local connection: your key"),
    ] = None,
    engine_checkpoint: Annotated[
        str | None, Header(alias="X-Engine-Checkpoint", max_length=400, pattern=NO_NUL)
    ] = None,
) -> SafeJSONResponse:
    request = validate(body)
    inputs = job_inputs(body, services, provider_key, engine_checkpoint)
    try:
        job, created = await services.monitor.submit(auth.account_id, request, idempotency_key, inputs)
    except InsufficientCredits as error:
        raise HTTPException(
            status.HTTP_402_PAYMENT_REQUIRED,
            error_body("not enough credits", needed=error.needed, available=error.available),
        ) from error
    except IdempotencyConflict as error:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "this Idempotency-Key was already used for a different request"
        ) from error
    return SafeJSONResponse(
        job_out(job).model_dump(mode="json"),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


@router.get("", response_model=JobPage)
async def list_jobs(
    auth: AuthDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[int | None, Query(ge=1, le=MAX_INT64)] = None,
    state: JobState | None = None,
) -> JobPage:
    jobs, next_cursor = await services.monitor.read(services.jobs.list_jobs, auth.account_id, limit, cursor, state)
    return JobPage(jobs=tuple(job_out(job) for job in jobs), next_cursor=next_cursor)


JobId = Annotated[str, Path(max_length=64, pattern=NO_NUL)]


@router.get("/{job_id}", response_model=Job)
async def get_job(
    job_id: JobId,
    credentials: BearerDep,
    services: ServicesDep,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT, description="seconds to wait for a state change")] = 0,
) -> SafeJSONResponse:
    # The hot path of every poll: the token and the job in one read (modal_app/job_status.py).
    read = await services.monitor.read(services.status.read, bearer_token(credentials), job_id)
    if read.auth is None:
        raise invalid_token()
    check_api_access(read.auth, services)
    job = read.job
    if wait > 0 and job is not None and not job.terminal:
        job = await services.monitor.wait(read.auth.account_id, job_id, wait)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such image job")
    return SafeJSONResponse(job_json(job))


@router.post("/{job_id}/cancel", response_model=Job)
async def cancel(job_id: JobId, auth: AuthDep, services: ServicesDep) -> Job:
    job = await services.monitor.cancel(auth.account_id, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such image job")
    return job_out(job)


@router.get(
    "/{job_id}/result/{index}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The PNG"}},
)
async def result(
    job_id: JobId, index: Annotated[int, Path(ge=0, lt=MAX_COUNT)], auth: AuthDep, services: ServicesDep
) -> Response:
    png = await services.monitor.read(services.jobs.image, auth.account_id, job_id, index)
    if png is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such image (the job may not be finished)")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=31536000"})
