"""A loopback fake of the Gemini API's ``POST /{v1beta|v1}/models/{model}:generateContent`` for image models.

Shapes from ai.google.dev/api/generate-content: the answer is ``{"candidates": [{"content": {"parts":
[{"text"}, {"inlineData": {"mimeType", "data"}}], "role": "model"}, "finishReason": "STOP"}], "usageMetadata"}``;
errors are ``{"error": {"code", "message", "status", "details"}}``. Behaviour by prompt: ``refuse`` → a
``promptFeedback.blockReason`` of ``SAFETY``; ``unsafe-image`` → a candidate finishing ``IMAGE_SAFETY`` with a
``finishMessage``; ``busy`` → 429 ``RESOURCE_EXHAUSTED`` with ``Retry-After: 23``; ``words`` → text only.
A key other than ``GOOD_KEY`` gets Google's 400 ``API_KEY_INVALID``.
"""

from __future__ import annotations

import base64

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.images_common import Seen, png

GOOD_KEY = "AIzaSyTEST-gemini-images-0123456789abcd"
FINISH_MESSAGE = "The generated image may violate our policies on harmful content."


def gemini_app(seen: Seen) -> FastAPI:
    app = FastAPI()

    @app.post("/{version}/models/{model_action}")  # the SDK's api_version: v1beta or v1
    async def generate(version: str, model_action: str, request: Request) -> JSONResponse:
        key = request.headers.get("x-goog-api-key", "")
        seen.keys.append(key)
        seen.paths.append(request.url.path)
        body = await request.json()
        seen.bodies.append(body)
        if key != GOOD_KEY:
            error = {
                "code": 400,
                "message": "API key not valid. Please pass a valid API key.",
                "status": "INVALID_ARGUMENT",
                "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}],
            }
            return JSONResponse({"error": error}, status_code=400)
        parts = body["contents"][0]["parts"]
        for part in parts:
            if "inlineData" in part:
                data = part["inlineData"]["data"]  # the SDK sends URL-safe base64 without padding
                seen.files.append(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
        prompt = " ".join(part.get("text", "") for part in parts)
        if "busy" in prompt:
            error = {
                "code": 429,
                "message": "Resource has been exhausted (e.g. check quota).",
                "status": "RESOURCE_EXHAUSTED",
            }
            return JSONResponse({"error": error}, status_code=429, headers={"Retry-After": "23"})
        if "refuse" in prompt:
            return JSONResponse({"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {}})
        content_parts: list[dict[str, object]] = [{"text": "Here is your image."}]
        finish = {"finishReason": "STOP"}
        if "unsafe-image" in prompt:
            content_parts = []
            finish = {"finishReason": "IMAGE_SAFETY", "finishMessage": FINISH_MESSAGE}
        elif "words" not in prompt:
            content_parts.append({"inlineData": {"mimeType": "image/png", "data": base64.b64encode(png()).decode()}})
        candidate = {"content": {"parts": content_parts, "role": "model"}, "index": 0, **finish}
        return JSONResponse({"candidates": [candidate], "usageMetadata": {"promptTokenCount": 5}})

    return app
