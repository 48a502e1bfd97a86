"""A loopback fake of OpenAI's Images API (``POST /v1/images/generations`` and ``/v1/images/edits``).

Shapes from platform.openai.com/docs/api-reference/images: the answer is ``{"created", "data": [{"b64_json"}],
"usage"}``; errors are ``{"error": {"message", "type", "param", "code"}}``. Behaviour by prompt: a prompt
containing ``refuse`` gets the 400 ``moderation_blocked`` refusal, ``busy`` a 429 with ``Retry-After: 17``,
``hang`` never answers; any key but ``GOOD_KEY`` gets 401 ``invalid_api_key``.
"""

from __future__ import annotations

import asyncio
import base64
import time
from email.parser import BytesParser
from email.policy import default

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.images_common import Seen, png

GOOD_KEY = "sk-test-openai-images-0123456789"
SAFETY_MESSAGE = (
    "Your request was rejected as a result of our safety system. "
    "Your prompt may contain text that is not allowed by our safety system."
)


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], list[bytes]]:
    """Text fields and uploaded files of a multipart/form-data body (stdlib ``email`` parser)."""
    message = BytesParser(policy=default).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, str] = {}
    files: list[bytes] = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            files.append(payload)
        else:
            fields[str(part.get_param("name", header="content-disposition"))] = payload.decode()
    return fields, files


def _error(
    status: int, message: str, kind: str, code: str | None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def openai_images_app(seen: Seen) -> FastAPI:
    app = FastAPI()

    async def answer(request: Request, prompt: str, n: int) -> JSONResponse:
        key = request.headers.get("authorization", "").removeprefix("Bearer ")
        seen.keys.append(key)
        seen.paths.append(request.url.path)
        if key != GOOD_KEY:
            shown = key[:3] + "*" * 8 + key[-4:]
            return _error(401, f"Incorrect API key provided: {shown}.", "invalid_request_error", "invalid_api_key")
        if "refuse" in prompt:
            return _error(400, SAFETY_MESSAGE, "image_generation_user_error", "moderation_blocked")
        if "busy" in prompt:
            return _error(
                429, "Rate limit reached for gpt-image-1.", "requests", "rate_limit_exceeded", {"Retry-After": "17"}
            )
        if "hang" in prompt:
            await asyncio.sleep(3600)
        image = base64.b64encode(png()).decode()
        return JSONResponse(
            {"created": int(time.time()), "data": [{"b64_json": image}] * n, "usage": {"total_tokens": 1}}
        )

    @app.post("/v1/images/generations")
    async def generations(request: Request) -> JSONResponse:
        body = await request.json()
        seen.bodies.append(body)
        return await answer(request, str(body.get("prompt", "")), int(body.get("n", 1)))

    @app.post("/v1/images/edits")
    async def edits(request: Request) -> JSONResponse:
        fields, files = parse_multipart(request.headers["content-type"], await request.body())
        seen.files.extend(files)
        seen.bodies.append(fields)
        return await answer(request, fields.get("prompt", ""), int(fields.get("n", "1")))

    return app
