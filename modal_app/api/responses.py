"""JSON answers that always encode, and the 422 body every route answers for invalid input.

Python strings can hold unpaired UTF-16 surrogates (JSON ``"\\ud800"`` decodes to one) that UTF-8 cannot
encode; echoing one back made the validation handler itself fail with a 500. Here every string of an
answer is made encodable (an unpaired surrogate is written as the text ``\\ud800``), and the echoed input
of a validation error is shortened, so a 20 MB field is not sent back.
"""

from __future__ import annotations

import math
import re
from typing import Any

from fastapi import Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

ECHO_CHARS = 200  # of an echoed input string
ECHO_ITEMS = 20  # of an echoed list or object
ECHO_DEPTH = 4

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(text: str) -> str:
    """``text`` with each unpaired surrogate replaced by its ``\\udXXX`` escape, so UTF-8 can encode it."""
    if _LONE_SURROGATE.search(text) is None:
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _clean(value: Any, depth: int = 0, clip: bool = False) -> Any:
    """``value`` with every string encodable; with ``clip``, strings and containers shortened for an echo."""
    if isinstance(value, str):
        value = encodable(value)
        return value[:ECHO_CHARS] + "…" if clip and len(value) > ECHO_CHARS else value
    if isinstance(value, dict):
        items = list(value.items())[:ECHO_ITEMS] if clip else value.items()
        if clip and depth >= ECHO_DEPTH:
            return "{…}"
        return {encodable(str(key)): _clean(item, depth + 1, clip) for key, item in items}
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # "nan", "inf": JSON has no such numbers
    if isinstance(value, list | tuple):
        if clip and depth >= ECHO_DEPTH:
            return "[…]"
        return [_clean(item, depth + 1, clip) for item in (value[:ECHO_ITEMS] if clip else value)]
    return value


class SafeJSONResponse(JSONResponse):
    """A JSONResponse that never fails to encode: on a string UTF-8 cannot hold, or a NaN or infinity
    (which JSON cannot hold), it cleans the content and renders that."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except ValueError:  # UnicodeEncodeError, or "Out of range float values are not JSON compliant"
            return super().render(_clean(content))


def _issue(error: dict[str, Any]) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "type": str(error.get("type", "value_error")),
        "loc": [_clean(part) for part in error.get("loc", ())],
        "msg": encodable(str(error.get("msg", "invalid"))),
    }
    if "input" in error:
        try:
            issue["input"] = _clean(jsonable_encoder(error["input"]), clip=True)
        except (TypeError, ValueError):
            issue["input"] = None
    if "ctx" in error:
        issue["ctx"] = {str(key): _clean(str(value), clip=True) for key, value in error["ctx"].items()}
    return issue


async def validation_error(_request: Request, error: Exception) -> JSONResponse:
    """The 422 for any invalid request, FastAPI's shape ``{"detail": [{type, loc, msg, input, ctx}]}``:
    the last element of ``loc`` names the field; the body always encodes."""
    assert isinstance(error, RequestValidationError)
    return SafeJSONResponse(
        {"detail": [_issue(dict(issue)) for issue in error.errors()]},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )
