"""The bases every body of the contract builds on: strict request bodies, strict but tolerant answers,
the limits shared by several areas, and the health answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

MAX_INT64 = 2**63 - 1  # the largest cursor: the paging keys are 64-bit on SQLite and Postgres (BIGINT)
# Text that can reach a database column holds no NUL (U+0000): PostgreSQL's text types cannot store it
# (SQLite's can), so it is refused at the door on both, as a 422 naming the field rather than a 500.
NO_NUL = r"^[^\x00]*$"  # for path, query and header parameters; request bodies check every text field

STRICT_BODY = ConfigDict(strict=True, extra="forbid", frozen=True)
"""The configuration of every request body (strict types, unknown fields refused)."""


class RequestBody(BaseModel):
    """Base of request bodies: strict types, unknown fields are a 422 that names them, and no text field
    holds a NUL character (see ``NO_NUL``)."""

    model_config = STRICT_BODY

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text must not contain NUL characters (U+0000)")
        return value


class Answer(BaseModel):
    """Base of answers: strict types, every field required, unknown (newer) fields ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class Health(Answer):  # ``GET /v1/health``: "ok" while the server answers (no docstring: it is the schema's text)
    status: str
