"""Reading a chat export back: every field's type and range is checked before anything is stored.

An export is untrusted input (edited by hand, written by another tool, damaged): a value of the wrong type
would otherwise reach SQLite (which stores ``"abc"`` in an integer column) and later break the view. The
file is decoded as UTF-8 with or without a byte-order mark, validated strictly with pydantic, and any
problem raises ``ImportFailed`` with one sentence saying where and what.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

FORMAT = "amethyst.chat"
VERSION = 1
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_TOKENS = 10**12  # far above any real count, far below SQLite's 64-bit integer limit
MAX_COST = 10**9


class ImportFailed(ValueError):
    """The file is not a chat export this app can read; the message says why."""


Name = Annotated[str, Field(max_length=200)]
ProviderId = Annotated[str, Field(max_length=40)]
Count = Annotated[int, Field(ge=0, le=MAX_TOKENS)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class SessionFields(_Strict):
    title: Annotated[str, Field(min_length=1, max_length=200)] = "Imported chat"
    provider: ProviderId = "openai"
    model: Name = ""
    system_prompt: str = ""
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    top_p: Annotated[float, Field(ge=0, le=1)] | None = None
    max_tokens: Annotated[int, Field(ge=1, le=MAX_TOKENS)] | None = None
    frequency_penalty: Annotated[float, Field(ge=-2, le=2)] | None = None
    presence_penalty: Annotated[float, Field(ge=-2, le=2)] | None = None
    failover_provider: ProviderId | None = None
    failover_model: Name | None = None


class MessageFields(_Strict):
    role: Literal["user", "assistant", "system"]
    content: str
    status: Literal["complete", "streaming", "interrupted", "error"] = "complete"
    provider: ProviderId | None = None
    model: Name | None = None
    tokens_in: Count | None = None
    tokens_out: Count | None = None
    estimated: bool = False
    cost: Annotated[float, Field(ge=0, le=MAX_COST)] | None = None
    error: str | None = None
    note: str | None = None
    reasoning: str | None = None
    finish_reason: Annotated[str, Field(max_length=40)] | None = None
    created_at: datetime | None = None

    @field_validator("cost")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value


class ExportFile(_Strict):
    format: Literal["amethyst.chat"]
    version: Annotated[int, Field(ge=1, le=VERSION)]
    session: SessionFields
    messages: list[MessageFields]


def _where(location: tuple[int | str, ...]) -> str:
    if len(location) >= 2 and location[0] == "messages" and isinstance(location[1], int):
        rest = ".".join(str(part) for part in location[2:])
        return f"Message {location[1] + 1}" + (f", field “{rest}”" if rest else "")
    return "Field “" + ".".join(str(part) for part in location) + "”"


def _explain(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    message = str(first.get("msg", "is not valid")).rstrip(".")
    more = error.error_count() - 1
    extra = f" ({more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
    return f"{_where(tuple(first.get('loc', ())))}: {message}.{extra}"


def decode(raw: bytes) -> str:
    """The text of an export: UTF-8, a leading byte-order mark ignored."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFailed(f"This file is not UTF-8 text (bad byte at position {error.start}).") from error


def parse(text: str) -> ExportFile:
    """The validated export in ``text``; raises ``ImportFailed`` with the first problem found."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFailed(f"This file is not valid JSON (line {error.lineno}).") from error
    except RecursionError as error:
        raise ImportFailed("This file is nested too deeply to be a chat export.") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportFailed("This JSON file is not an Amethyst chat export.")
    version = data.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise ImportFailed("This export comes from a newer version of Amethyst.")
    if not isinstance(data.get("session"), dict) or not isinstance(data.get("messages"), list):
        raise ImportFailed("The export is missing its session or messages.")
    try:
        # Strict JSON-mode validation: a string is never taken for a number, nor a number for a string.
        return ExportFile.model_validate_json(json.dumps(data), strict=True)
    except ValidationError as error:
        raise ImportFailed(f"This chat export cannot be imported. {_explain(error)}") from error


def rows(export: ExportFile) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Session fields for ``ChatStore.create_session`` and message rows for ``ChatStore.add_messages``."""
    fields = export.session.model_dump(exclude_unset=True)
    fields["title"] = " ".join(str(fields.get("title", "Imported chat")).split())[:200] or "Imported chat"
    messages: list[dict[str, Any]] = []
    for message in export.messages:
        row = message.model_dump(exclude_none=True)
        if row.get("created_at") is not None and row["created_at"].tzinfo is not None:
            row["created_at"] = row["created_at"].replace(tzinfo=None)
        # A reply that was streaming when exported cannot still be streaming here.
        if row["status"] == "streaming":
            row["status"] = "interrupted"
        messages.append(row)
    return fields, messages


def load_export(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Reads, decodes and validates the export at ``path``; raises ``ImportFailed`` or ``OSError``."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFailed("This file is too large to be a chat export (over 200 MB).")
    return rows(parse(decode(path.read_bytes())))
