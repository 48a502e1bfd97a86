"""Google Gemini image models through the official ``google-genai`` SDK.

One ``models.generate_content`` call per image (the image models answer one image per candidate), with
``response_modalities=["TEXT", "IMAGE"]`` and ``image_config`` (``aspect_ratio``, ``image_size`` 1K/2K/4K);
reference images go before the prompt as inline parts. The image comes back as a part's ``inline_data``
(bytes and MIME type) (ai.google.dev/gemini-api/docs/image-generation). A refusal is a
``prompt_feedback.block_reason`` or a candidate ``finish_reason`` such as ``SAFETY``/``IMAGE_SAFETY`` with a
``finish_message``. Errors are ``google.genai.errors.APIError`` with ``code`` and ``status``: an invalid key
is a 400 ``INVALID_ARGUMENT`` whose message names the key (or 401/403), quota is 429
``RESOURCE_EXHAUSTED`` (a ``Retry-After`` header or a ``RetryInfo.retryDelay`` detail says when to retry).
"""

from __future__ import annotations

import asyncio
from typing import Any

from modal_app.compute import provider_errors as say
from modal_app.compute.base import Done, GenerationRequest
from modal_app.compute.calls import EngineFailure
from modal_app.compute.images_io import as_png, sniff_mime
from modal_app.compute.keyed import KeyedProviderCompute

KEY_WHERE = "Settings → API keys (Google)"
FINISH_WORDS = {
    "SAFETY": "the answer was blocked by Google's safety filters",
    "IMAGE_SAFETY": "the image was blocked by Google's safety filters",
    "PROHIBITED_CONTENT": "the request touches content Google prohibits",
    "IMAGE_PROHIBITED_CONTENT": "the image touches content Google prohibits",
    "SPII": "the answer may contain sensitive personal information",
    "RECITATION": "the answer would recite protected material",
    "BLOCKLIST": "the request contains blocked terms",
}
BLOCKING_FINISH = {
    "SAFETY",
    "IMAGE_SAFETY",
    "PROHIBITED_CONTENT",
    "BLOCKLIST",
    "SPII",
    "RECITATION",
    "IMAGE_PROHIBITED_CONTENT",
}


class GeminiImageCompute(KeyedProviderCompute):
    """Gemini image models through the official ``google-genai`` SDK, reference images as inline parts
    (keys and addresses: ``KeyedProviderCompute``)."""

    engine = "gemini"
    provider = "Google"

    async def generate(self, request: GenerationRequest) -> Done:
        from google import genai
        from google.genai import types

        key = self.job_key(request)
        options = types.HttpOptions(
            base_url=self._base_url,
            timeout=int(self._timeout * 1000),  # milliseconds
            retry_options=types.HttpRetryOptions(attempts=1),
        )
        client = genai.Client(api_key=key, http_options=options)
        parts: list[Any] = [
            types.Part.from_bytes(data=data, mime_type=sniff_mime(data)) for data in request.inputs.reference_images
        ]
        parts.append(request.prompt)
        aspect = _aspect(request.width, request.height)
        config = types.GenerateContentConfig(
            response_modalities=["TEXT", "IMAGE"],
            image_config=types.ImageConfig(aspect_ratio=aspect, image_size=_size(request.width, request.height)),
        )
        model = self._vendor_ids(request.model)
        try:
            answers = await asyncio.gather(
                *(
                    client.aio.models.generate_content(model=model, contents=parts, config=config)
                    for _ in range(request.count)
                )
            )
        except Exception as error:
            raise EngineFailure(_describe(error, key)) from error
        finally:
            await client.aio.aclose()
        images = [_image(answer, key) for answer in answers]
        return Done(images=images, metadata={"engine": "gemini", "model": model, "aspect_ratio": aspect})


def _aspect(width: int, height: int) -> str:
    ratio = width / height
    return min(("1:1", "9:16", "16:9", "4:3", "3:4"), key=lambda name: abs(_ratio(name) - ratio))


def _ratio(name: str) -> float:
    w, h = name.split(":")
    return int(w) / int(h)


def _size(width: int, height: int) -> str:
    edge = (width * height) ** 0.5
    return "4K" if edge > 3000 else "2K" if edge > 1500 else "1K"


def _image(answer: Any, key: str) -> bytes:
    feedback = getattr(answer, "prompt_feedback", None)
    if feedback is not None and feedback.block_reason:
        reason = feedback.block_reason_message or str(getattr(feedback.block_reason, "value", feedback.block_reason))
        raise EngineFailure(say.safety_refusal("Google", say.scrub(str(reason), key)))
    texts: list[str] = []
    for candidate in answer.candidates or ():
        for part in (candidate.content.parts if candidate.content else None) or ():
            if part.inline_data is not None and part.inline_data.data:
                try:
                    return as_png(part.inline_data.data)
                except ValueError as error:
                    raise EngineFailure(f"Google returned an unreadable image: {error}") from error
            if part.text:
                texts.append(part.text)
        finish = str(getattr(candidate.finish_reason, "value", candidate.finish_reason) or "")
        if finish in BLOCKING_FINISH:
            # The SDK does not carry the Gemini API's finishMessage over (google-genai 3.x), so name the reason.
            said = candidate.finish_message or FINISH_WORDS.get(finish, "blocked by Google's filters") + f" ({finish})"
            raise EngineFailure(say.safety_refusal("Google", say.scrub(said, key)))
    said = " ".join(texts).strip()
    raise EngineFailure("Google returned no image" + (f": {say.scrub(said, key)[:300]}" if said else ""))


def _describe(error: Exception, key: str) -> str:
    from google.genai import errors

    if isinstance(error, errors.APIError):
        message = say.scrub(str(error.message or ""), key)
        if error.code in (401, 403) or "API key" in (error.message or "") or "API_KEY" in str(error.details):
            return say.key_rejected("Google", KEY_WHERE)
        if error.code == 429:
            return say.rate_limited("Google", _retry_after(error))
        return f"Google answered {error.code} {error.status or ''}: {message}".replace("  ", " ")
    import httpx

    if isinstance(error, (httpx.TransportError, OSError, TimeoutError)):
        return say.unreachable("Google", error)
    return f"Google image generation failed: {type(error).__name__}"


def _retry_after(error: Any) -> int | None:
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None:
        seconds = say.retry_after_seconds(headers.get("retry-after"))
        if seconds is not None:
            return seconds
    details = error.details.get("error", {}).get("details", []) if isinstance(error.details, dict) else []
    for detail in details if isinstance(details, list) else ():
        if isinstance(detail, dict) and "retryDelay" in detail:
            return say.retry_after_seconds(str(detail["retryDelay"]))
    return None
