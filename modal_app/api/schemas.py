"""Request and response bodies of the v1 API (documented in modal_app/README.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from modal_app.image_models import image_seed
from modal_app.jobs import MAX_SEED, JobView
from modal_app.store.models import Account


def utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


class Credentials(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=8, max_length=1024)

    @field_validator("email")
    @classmethod
    def _looks_like_email(cls, value: str) -> str:
        value = value.strip()
        local, _, domain = value.partition("@")
        if not local or "." not in domain or " " in value:
            raise ValueError("enter an email address like name@example.com")
        return value


class SignIn(Credentials):
    password: str = Field(min_length=1, max_length=1024)
    label: str = Field(default="", max_length=100)


class AccountOut(BaseModel):
    id: str
    email: str
    plan: str
    local: bool
    created_at: datetime

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        return cls(
            id=account.id,
            email=account.email,
            plan=account.plan,
            local=account.local,
            created_at=utc(account.created_at),  # type: ignore[arg-type]
        )


class SessionOut(BaseModel):
    account: AccountOut
    token: str


class TokenOut(BaseModel):
    id: str
    label: str
    created_at: datetime
    last_used_at: datetime | None = None
    expires_at: datetime | None = None  # when it stops working if unused until then; None: never
    current: bool


class TokenList(BaseModel):
    tokens: list[TokenOut]


class PlanOut(BaseModel):
    id: str
    name: str
    price_usd_month: int
    max_models: int
    priority: bool
    api_access: bool


class PlanList(BaseModel):
    plans: list[PlanOut]


class MeOut(BaseModel):
    account: AccountOut
    plan: PlanOut
    billing_enabled: bool


class CreditsOut(BaseModel):
    balance: int
    reserved: int
    available: int
    billing_enabled: bool


class LedgerEntryOut(BaseModel):
    id: int
    amount: int
    reason: str
    reference: str | None
    created_at: datetime


class LedgerPage(BaseModel):
    entries: list[LedgerEntryOut]
    next_cursor: int | None


class ImageModelOut(BaseModel):
    id: str
    name: str
    provider: str
    credit_multiplier: int
    sizes: list[str]
    aspect_ratios: list[str]
    steps: int
    reference_images: bool
    negative_prompt: bool
    active: bool


class ImageModelList(BaseModel):
    models: list[ImageModelOut]
    size_credits: dict[str, int]
    # Whether this server's compute can make images now; when not, the message says why and what to do.
    compute_ready: bool = True
    compute_message: str = ""


class ImageJobCreate(BaseModel):
    model: str = Field(min_length=1, max_length=64)
    prompt: str = Field(min_length=1, max_length=4000)
    negative_prompt: str = Field(default="", max_length=4000)
    size: str = "1K"
    aspect_ratio: str = "1:1"
    count: int = Field(default=1, ge=1, le=4)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    reference_image: str | None = Field(default=None, max_length=20_000_000)

    @field_validator("prompt")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("write a prompt")
        return value


class ImageRef(BaseModel):
    index: int
    url: str
    seed: int  # this image's own seed: generating it alone with this seed gives the same image


class ImageJobOut(BaseModel):
    id: str
    state: str
    model: str
    prompt: str
    negative_prompt: str
    size: str
    aspect_ratio: str
    width: int
    height: int
    count: int
    seed: int
    cost: int
    charged: bool
    error: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    images: list[ImageRef]

    @classmethod
    def of(cls, job: JobView) -> ImageJobOut:
        return cls.model_validate(job_json(job))  # one mapping of a job to its JSON shape: job_json's


def job_json(job: JobView) -> dict[str, Any]:
    """The ImageJobOut shape as plain JSON types, built without pydantic for the status hot path."""

    def stamp(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat() + "Z"

    return {
        "id": job.id,
        "state": job.state,
        "model": job.model,
        "prompt": job.prompt,
        "negative_prompt": job.negative_prompt,
        "size": job.size,
        "aspect_ratio": job.aspect_ratio,
        "width": job.width,
        "height": job.height,
        "count": job.count,
        "seed": job.seed,
        "cost": job.cost,
        "charged": job.charged,
        "error": job.error,
        "created_at": stamp(job.created_at),
        "updated_at": stamp(job.updated_at),
        "finished_at": stamp(job.finished_at),
        "images": [
            {"index": n, "url": f"/v1/images/{job.id}/result/{n}", "seed": image_seed(job.seed, n)}
            for n in range(job.image_count)
        ],
    }


class ImageJobPage(BaseModel):
    jobs: list[ImageJobOut]
    next_cursor: int | None


class Health(BaseModel):
    status: str


def error_body(message: str, **fields: Any) -> dict[str, Any]:
    return {"message": message, **fields}
