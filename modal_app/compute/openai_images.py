"""OpenAI Images (``gpt-image-1`` class) through the official ``openai`` SDK.

``images.generate`` makes images from a prompt; with reference images ``images.edit`` takes them (up to 16
for gpt-image-1) as multipart files. gpt-image-1 accepts the sizes 1024x1024, 1536x1024 and 1024x1536 (and
"auto") and always answers base64 (``data[i].b64_json``); ``n`` is 1–10
(platform.openai.com/docs/api-reference/images). Errors map as in Chat: 401 → the key is rejected, 429 →
rate-limited with ``Retry-After``, a 400 whose code is ``moderation_blocked`` → a safety refusal with
OpenAI's reason, a transport failure → unreachable. The SDK's own retries are off: the job fails clearly and
its credits are released instead of waiting silently.
"""

from __future__ import annotations

import base64

from modal_app.compute import provider_errors as say
from modal_app.compute.base import Done, GenerationRequest
from modal_app.compute.calls import EngineFailure
from modal_app.compute.images_io import as_png, sniff_mime
from modal_app.compute.keyed import KeyedProviderCompute

KEY_WHERE = "Settings → API keys (OpenAI)"
SAFETY_CODES = {"moderation_blocked", "content_policy_violation"}


def openai_size(width: int, height: int) -> str:
    """The gpt-image-1 size nearest the requested aspect: square, landscape 3:2 or portrait 2:3."""
    if width > height * 1.15:
        return "1536x1024"
    if height > width * 1.15:
        return "1024x1536"
    return "1024x1024"


class OpenAIImageCompute(KeyedProviderCompute):
    """OpenAI Images through the official ``openai`` SDK: ``images.generate``, or ``images.edit`` with the
    job's reference images (keys and addresses: ``KeyedProviderCompute``)."""

    engine = "openai"
    provider = "OpenAI"

    async def generate(self, request: GenerationRequest) -> Done:
        import openai

        key = self.job_key(request)
        size = openai_size(request.width, request.height)
        client = openai.AsyncOpenAI(api_key=key, base_url=self._base_url, max_retries=0, timeout=self._timeout)
        try:
            model = self._vendor_ids(request.model)
            if request.inputs.reference_images:
                files = [
                    (f"reference-{index}.{sniff_mime(data).split('/')[1]}", data, sniff_mime(data))
                    for index, data in enumerate(request.inputs.reference_images)
                ]
                answer = await client.images.edit(
                    model=model,
                    image=files,
                    prompt=request.prompt,
                    n=request.count,
                    size=size,  # type: ignore[arg-type]
                )
            else:
                answer = await client.images.generate(
                    model=model,
                    prompt=request.prompt,
                    n=request.count,
                    size=size,
                    output_format="png",  # type: ignore[arg-type]
                )
        except openai.AuthenticationError as error:
            raise EngineFailure(say.key_rejected("OpenAI", KEY_WHERE)) from error
        except openai.RateLimitError as error:
            seconds = say.retry_after_seconds(error.response.headers.get("retry-after"))
            raise EngineFailure(say.rate_limited("OpenAI", seconds)) from error
        except openai.BadRequestError as error:
            if error.code in SAFETY_CODES:
                raise EngineFailure(say.safety_refusal("OpenAI", say.scrub(_message(error), key))) from error
            raise EngineFailure(f"OpenAI refused the request: {say.scrub(_message(error), key)}") from error
        except openai.APIStatusError as error:
            raise EngineFailure(f"OpenAI answered {error.status_code}: {say.scrub(_message(error), key)}") from error
        except openai.APIConnectionError as error:  # includes timeouts
            raise EngineFailure(say.unreachable("OpenAI", error)) from error
        finally:
            await client.close()
        images = [as_png(base64.b64decode(item.b64_json)) for item in answer.data or () if item.b64_json]
        if not images:
            raise EngineFailure("OpenAI returned no image")
        return Done(images=images, metadata={"engine": "openai", "size": size, "model": model})


def _message(error: Exception) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    return str(getattr(error, "message", "") or error)
