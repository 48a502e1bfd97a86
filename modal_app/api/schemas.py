"""Server-side bodies of the v1 API (documented in modal_app/README.md).

What the desktop reads lives once in ``modal_app.contract``; this module adds the bodies only the server
handles (credentials, tokens, ledger pages) and the mappings from database rows to contract answers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from modal_app.contract import Account, Job, Plan, RequestBody
from modal_app.image_models import image_seed
from modal_app.jobs import JobRow
from modal_app.store.models import Account as AccountRow


def utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


class Credentials(RequestBody):
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


def account_out(account: AccountRow) -> Account:
    """The contract's ``Account`` of a database row."""
    return Account(
        id=account.id,
        email=account.email,
        plan=account.plan,
        local=account.local,
        created_at=utc(account.created_at),  # type: ignore[arg-type]
    )


class TokenOut(BaseModel):
    id: str
    label: str
    created_at: datetime
    last_used_at: datetime | None = None
    expires_at: datetime | None = None  # when it stops working if unused until then; None: never
    current: bool


class TokenList(BaseModel):
    tokens: list[TokenOut]


class PlanList(BaseModel):
    plans: list[Plan]


class LedgerEntryOut(BaseModel):
    id: int
    amount: int
    reason: str
    reference: str | None
    created_at: datetime


class LedgerPage(BaseModel):
    entries: list[LedgerEntryOut]
    next_cursor: int | None


def job_out(job: JobRow) -> Job:
    """The contract's ``Job`` of a job row, validated from ``job_json``: the one mapping of a job to its
    answer, so every route answers a job in the same bytes."""
    return Job.model_validate(job_json(job), strict=False)  # job_json gives times as ISO strings


def job_json(job: JobRow) -> dict[str, Any]:
    """The one conversion of a job row (the server's record) to the contract's ``Job`` shape, as plain JSON
    types built without pydantic for the status hot path (``tests/server/test_contract.py`` validates it
    strictly against the contract for every state). Times are the row's naive UTC with a ``Z``."""

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


def error_body(message: str, **fields: Any) -> dict[str, Any]:
    return {"message": message, **fields}
