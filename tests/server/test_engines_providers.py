"""OpenAI and Gemini image engines through their real SDKs against loopback fakes of the vendors' APIs."""

from __future__ import annotations

import asyncio
import base64
import io
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from PIL import Image

from modal_app.compute.base import Done, Failed, GenerationRequest, JobInputs, Pending, PollResult
from modal_app.compute.engines import EngineSettings
from modal_app.compute.gemini_images import GeminiImageCompute
from modal_app.compute.openai_images import OpenAIImageCompute
from modal_app.contract import PROVIDER_KEY_HEADER
from modal_app.local import LocalStudio
from tests.fakes import gemini_fake, openai_images_fake
from tests.fakes.chat_servers import ServerThread
from tests.fakes.images_common import Seen, png
from tests.server.conftest import bearer, running


@pytest.fixture
def openai_fake() -> Iterator[tuple[str, Seen]]:
    seen = Seen()
    server = ServerThread(openai_images_fake.openai_images_app(seen)).start()
    yield f"{server.url}/v1", seen
    server.stop()


@pytest.fixture
def gemini() -> Iterator[tuple[str, Seen]]:
    seen = Seen()
    server = ServerThread(gemini_fake.gemini_app(seen)).start()
    yield server.url, seen
    server.stop()


def request(
    model: str, prompt: str, key: str | None, *, count: int = 1, refs: tuple[bytes, ...] = ()
) -> GenerationRequest:
    return GenerationRequest(
        model=model,
        prompt=prompt,
        width=1024,
        height=1024,
        count=count,
        seed=1,
        steps=0,
        inputs=JobInputs(api_key=key, reference_images=refs),
    )


async def outcome(engine: OpenAIImageCompute | GeminiImageCompute, req: GenerationRequest) -> PollResult:
    call = await engine.submit(req)
    while isinstance(result := await engine.poll(call), Pending):
        await asyncio.sleep(0.01)
    return result


UNSAFE_IMAGE = "Google refused this prompt for safety: the image was blocked by Google's safety filters (IMAGE_SAFETY)"

# --- OpenAI ---------------------------------------------------------------------------------------------


async def test_openai_generates_with_the_jobs_key_and_maps_the_size(openai_fake: tuple[str, Seen]) -> None:
    url, seen = openai_fake
    engine = OpenAIImageCompute(base_url=url)
    req = GenerationRequest(
        "gpt-image-1", "a violet fox", 1536, 1152, 2, 1, 0, inputs=JobInputs(openai_images_fake.GOOD_KEY)
    )
    result = await outcome(engine, req)
    assert isinstance(result, Done) and len(result.images) == 2
    assert Image.open(io.BytesIO(result.images[0])).format == "PNG"
    assert seen.keys == [openai_images_fake.GOOD_KEY]
    assert (
        seen.bodies[0]["size"] == "1536x1024" and seen.bodies[0]["n"] == 2 and seen.bodies[0]["model"] == "gpt-image-1"
    )


async def test_openai_edits_with_reference_images(openai_fake: tuple[str, Seen]) -> None:
    url, seen = openai_fake
    refs = (png((1, 2, 3)), png((4, 5, 6)))
    result = await outcome(
        OpenAIImageCompute(base_url=url), request("gpt-image-1", "restyle", openai_images_fake.GOOD_KEY, refs=refs)
    )
    assert isinstance(result, Done)
    assert seen.paths == ["/v1/images/edits"] and seen.files == list(refs)


@pytest.mark.parametrize(
    ("key", "prompt", "expected"),
    [
        (
            "sk-wrong-key-000000000000",
            "a fox",
            "OpenAI rejected the API key — check or replace it in Settings → API keys (OpenAI)",
        ),
        (openai_images_fake.GOOD_KEY, "busy fox", "OpenAI is rate-limiting requests (429) — try again in 17 s"),
        (
            openai_images_fake.GOOD_KEY,
            "refuse this",
            f"OpenAI refused this prompt for safety: {openai_images_fake.SAFETY_MESSAGE}",
        ),
        (None, "a fox", "no OpenAI API key — add one in Settings → API keys (OpenAI)"),
    ],
)
async def test_openai_errors_read_as_in_chat(
    openai_fake: tuple[str, Seen], key: str | None, prompt: str, expected: str
) -> None:
    url, _seen = openai_fake
    result = await outcome(OpenAIImageCompute(base_url=url), request("gpt-image-1", prompt, key))
    assert result == Failed(expected)


async def test_openai_unreachable_and_cancel() -> None:
    from tests.fakes.chat_servers import free_port

    closed = f"http://127.0.0.1:{free_port()}/v1"
    result = await outcome(
        OpenAIImageCompute(base_url=closed), request("gpt-image-1", "a fox", openai_images_fake.GOOD_KEY)
    )
    assert isinstance(result, Failed) and result.message.startswith("could not reach OpenAI (APIConnectionError)")


# --- Gemini ---------------------------------------------------------------------------------------------


async def test_gemini_generates_with_inline_references(gemini: tuple[str, Seen]) -> None:
    url, seen = gemini
    engine = GeminiImageCompute(base_url=url, vendor_ids=lambda model: f"{model}-preview")
    refs = (png((9, 9, 9)),)
    req = GenerationRequest(
        "gemini-3-pro-image",
        "a fox in snow",
        2896,
        1632,
        2,
        1,
        0,
        inputs=JobInputs(gemini_fake.GOOD_KEY, reference_images=refs),
    )
    result = await outcome(engine, req)
    assert isinstance(result, Done) and len(result.images) == 2
    assert seen.keys == [gemini_fake.GOOD_KEY] * 2
    assert seen.paths[0].endswith("/models/gemini-3-pro-image-preview:generateContent")
    config = seen.bodies[0]["generationConfig"]
    assert config["imageConfig"] == {"aspectRatio": "16:9", "imageSize": "2K"}
    assert config["responseModalities"] == ["TEXT", "IMAGE"]
    assert seen.files == list(refs) * 2
    assert seen.bodies[0]["contents"][0]["parts"][-1] == {"text": "a fox in snow"}


@pytest.mark.parametrize(
    ("key", "prompt", "expected"),
    [
        (
            "AIzaSyWRONG-000000000000000000000",
            "a fox",
            "Google rejected the API key — check or replace it in Settings → API keys (Google)",
        ),
        (gemini_fake.GOOD_KEY, "busy fox", "Google is rate-limiting requests (429) — try again in 23 s"),
        (gemini_fake.GOOD_KEY, "refuse", "Google refused this prompt for safety: SAFETY"),
        (gemini_fake.GOOD_KEY, "unsafe-image", UNSAFE_IMAGE),
        (gemini_fake.GOOD_KEY, "words only", "Google returned no image: Here is your image."),
    ],
)
async def test_gemini_errors_read_as_in_chat(gemini: tuple[str, Seen], key: str, prompt: str, expected: str) -> None:
    url, _seen = gemini
    result = await outcome(GeminiImageCompute(base_url=url), request("gemini-2.5-flash-image", prompt, key))
    assert result == Failed(expected)


# --- through the Studio API on the Local connection --------------------------------------------------------


@pytest.fixture
async def local_api(tmp_path: Path, openai_fake: tuple[str, Seen], gemini: tuple[str, Seen]) -> AsyncIterator[tuple]:
    engines = EngineSettings(openai_base_url=openai_fake[0], google_base_url=gemini[0])
    studio = LocalStudio(tmp_path / "studio", local_image_model=None, engines=engines)
    app, token = studio.start()
    async with running(app) as client:
        yield client, token, tmp_path / "studio"


async def finished(client, token: str, job: dict) -> dict:  # type: ignore[no-untyped-def,type-arg]
    while job["state"] in ("queued", "running"):
        job = (await client.get(f"/v1/images/{job['id']}?wait=25", headers=bearer(token))).json()
    return job


async def test_local_job_uses_the_persons_key_once_and_stores_it_nowhere(
    local_api: tuple,
    openai_fake: tuple[str, Seen],
    caplog: pytest.LogCaptureFixture,  # type: ignore[type-arg]
) -> None:
    client, token, folder = local_api
    caplog.set_level(logging.DEBUG)
    key = openai_images_fake.GOOD_KEY
    table = (await client.get("/v1/image-models")).json()
    gpt = next(model for model in table["models"] if model["id"] == "gpt-image-1")
    assert (gpt["engines"], gpt["engine"], gpt["max_reference_images"]) == (["openai"], "openai", 16)
    reference = base64.b64encode(png()).decode()
    body = {"model": "gpt-image-1", "prompt": "a violet fox", "aspect_ratio": "4:3", "reference_images": [reference]}
    headers = {**bearer(token), PROVIDER_KEY_HEADER: key}
    job = await finished(client, token, (await client.post("/v1/images", json=body, headers=headers)).json())
    assert job["state"] == "completed", job["error"]
    picture = (await client.get(job["images"][0]["url"], headers=bearer(token))).content
    assert Image.open(io.BytesIO(picture)).format == "PNG"
    assert openai_fake[1].keys == [key] and openai_fake[1].paths == ["/v1/images/edits"]
    listing = (await client.get("/v1/images", headers=bearer(token))).text
    assert key not in listing and key not in str(job)
    for path in folder.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path
    assert key not in caplog.text

    # The next job without a key does not reuse the last one.
    body = {"model": "gpt-image-1", "prompt": "again"}
    job = await finished(client, token, (await client.post("/v1/images", json=body, headers=bearer(token))).json())
    assert (job["state"], job["error"]) == ("failed", "no OpenAI API key — add one in Settings → API keys (OpenAI)")


async def test_local_gemini_refusal_fails_the_job_with_the_reason(local_api: tuple) -> None:  # type: ignore[type-arg]
    client, token, _folder = local_api
    headers = {**bearer(token), PROVIDER_KEY_HEADER: gemini_fake.GOOD_KEY}
    body = {"model": "gemini-3-pro-image", "prompt": "unsafe-image please", "size": "4K", "aspect_ratio": "9:16"}
    job = await finished(client, token, (await client.post("/v1/images", json=body, headers=headers)).json())
    assert job["state"] == "failed" and job["error"] == UNSAFE_IMAGE


async def test_too_many_reference_images_is_a_422(local_api: tuple) -> None:  # type: ignore[type-arg]
    client, token, _folder = local_api
    body = {
        "model": "gemini-2.5-flash-image",
        "prompt": "x",
        "reference_images": [base64.b64encode(png()).decode()] * 4,
    }
    answer = await client.post("/v1/images", json=body, headers=bearer(token))
    assert answer.status_code == 422 and "at most 3 reference images" in answer.text
