"""Image jobs: submit, long-poll, cancel, results, list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Response, status
from fastapi.responses import JSONResponse

from modal_app.api.deps import AuthDep, ServicesDep, field_error
from modal_app.api.schemas import ImageJobCreate, ImageJobOut, ImageJobPage, error_body, job_json
from modal_app.image_models import SIZES, find_model
from modal_app.jobs import ACTIVE_STATES, TERMINAL_STATES, IdempotencyConflict, ImageRequest
from modal_app.ledger import InsufficientCredits

router = APIRouter(prefix="/v1/images", tags=["images"])

MAX_WAIT = 60.0
JOB_STATES = (*ACTIVE_STATES, *sorted(TERMINAL_STATES))


def validate(body: ImageJobCreate) -> ImageRequest:
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
    negative_prompt = body.negative_prompt.strip()
    if negative_prompt and not model.negative_prompt:
        raise field_error("negative_prompt", f"{model.name} does not use a negative prompt")
    return ImageRequest(
        model=body.model,
        prompt=body.prompt,
        negative_prompt=negative_prompt,
        size=body.size,
        aspect_ratio=body.aspect_ratio,
        count=body.count,
        seed=body.seed,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ImageJobOut,
    responses={
        200: {"description": "The job made earlier with the same Idempotency-Key", "model": ImageJobOut},
        402: {"description": "Not enough credits: {detail: {message, needed, available}}"},
        409: {"description": "The Idempotency-Key was used with a different request"},
    },
)
async def submit(
    body: ImageJobCreate,
    auth: AuthDep,
    services: ServicesDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    request = validate(body)
    try:
        job, created = await services.monitor.submit(auth.account_id, request, idempotency_key)
    except InsufficientCredits as error:
        raise HTTPException(
            status.HTTP_402_PAYMENT_REQUIRED,
            error_body("not enough credits", needed=error.needed, available=error.available),
        ) from error
    except IdempotencyConflict as error:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "this Idempotency-Key was already used for a different request"
        ) from error
    return JSONResponse(
        ImageJobOut.of(job).model_dump(mode="json"),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


@router.get("", response_model=ImageJobPage)
async def list_jobs(
    auth: AuthDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[int | None, Query(ge=1)] = None,
    state: Annotated[str | None, Query(pattern="^(" + "|".join(JOB_STATES) + ")$")] = None,
) -> ImageJobPage:
    jobs, next_cursor = await services.monitor.read(services.jobs.list_jobs, auth.account_id, limit, cursor, state)
    return ImageJobPage(jobs=[ImageJobOut.of(job) for job in jobs], next_cursor=next_cursor)


@router.get("/{job_id}", response_model=ImageJobOut)
async def get_job(
    job_id: str,
    auth: AuthDep,
    services: ServicesDep,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT, description="seconds to wait for a state change")] = 0,
) -> JSONResponse:
    job = await services.monitor.wait(auth.account_id, job_id, wait)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such image job")
    return JSONResponse(job_json(job))


@router.post("/{job_id}/cancel", response_model=ImageJobOut)
async def cancel(job_id: str, auth: AuthDep, services: ServicesDep) -> ImageJobOut:
    job = await services.monitor.cancel(auth.account_id, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such image job")
    return ImageJobOut.of(job)


@router.get(
    "/{job_id}/result/{index}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The PNG"}},
)
async def result(job_id: str, index: int, auth: AuthDep, services: ServicesDep) -> Response:
    png = await services.monitor.read(services.jobs.image, auth.account_id, job_id, index)
    if png is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such image (the job may not be finished)")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=31536000"})
