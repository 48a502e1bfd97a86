"""The generator's real code path on a tiny random diffusers pipeline, directly and through the local API."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from modal_app.generator import ImageGenerator
from modal_app.local import LocalStudio
from tests.server.conftest import bearer, running
from tests.server.tiny_pipeline import build_tiny_pipeline


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_pipeline(tmp_path_factory.mktemp("tiny-pipeline"))


def _request(**overrides: object) -> dict[str, object]:
    request: dict[str, object] = {
        "model": "qwen-image-lightning",
        "prompt": "a red fox in snow",
        "width": 96,
        "height": 64,
        "count": 1,
        "seed": 1234,
        "steps": 4,
    }
    request.update(overrides)
    return request


def test_size_seed_and_png_metadata(tiny_model: Path) -> None:
    generator = ImageGenerator(local_folder=str(tiny_model))
    first = generator.generate(_request())
    again = generator.generate(_request())
    other = generator.generate(_request(seed=99))
    tall = generator.generate(_request(width=64, height=128, count=2))

    image = Image.open(io.BytesIO(first["images"][0]))
    assert image.format == "PNG" and image.size == (96, 64)
    assert [Image.open(io.BytesIO(png)).size for png in tall["images"]] == [(64, 128), (64, 128)]
    assert first["images"] == again["images"]  # same seed, same pixels and metadata
    assert Image.open(io.BytesIO(other["images"][0])).tobytes() != image.tobytes()
    assert image.text["prompt"] == "a red fox in snow"  # type: ignore[attr-defined]
    assert image.text["model"] == "qwen-image-lightning"  # type: ignore[attr-defined]
    assert image.text["size"] == "96x64" and image.text["seed"] == "1234"  # type: ignore[attr-defined]
    assert first["metadata"] == {
        "model": "qwen-image-lightning",
        "width": 96,
        "height": 64,
        "seed": 1234,
        "seeds": [1234],
        "steps": 4,
        "negative_prompt": "",
    }
    assert "negative_prompt" not in image.text  # type: ignore[attr-defined]


class RecordingPipeline:
    """Wraps a loaded pipeline and keeps the keyword arguments of every call."""

    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return self.pipeline(**kwargs)


def test_negative_prompt_reaches_the_pipeline_and_the_png(tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from modal_app import generator as generator_module

    # No model takes a negative prompt today (Lightning is CFG-distilled); the path stays exact for one.
    monkeypatch.setattr(generator_module, "NEGATIVE_PROMPT_MODELS", frozenset({"qwen-image-lightning"}))
    generator = ImageGenerator(local_folder=str(tiny_model))
    recorder = RecordingPipeline(generator.load("qwen-image-lightning"))
    generator._pipelines["local"] = recorder
    plain = generator.generate(_request())
    steered = generator.generate(_request(negative_prompt="blurry, text"))
    ignored = generator.generate(_request(model="flux-schnell", negative_prompt="blurry, text"))

    assert "negative_prompt" not in recorder.calls[0]
    assert recorder.calls[1]["negative_prompt"] == "blurry, text"
    assert "negative_prompt" not in recorder.calls[2]  # FLUX.1-schnell is guidance-distilled: no negative
    image = Image.open(io.BytesIO(steered["images"][0]))
    assert image.text["negative_prompt"] == "blurry, text"  # type: ignore[attr-defined]
    assert steered["metadata"]["negative_prompt"] == "blurry, text"
    assert ignored["metadata"]["negative_prompt"] == ""
    assert image.tobytes() != Image.open(io.BytesIO(plain["images"][0])).tobytes()


def test_each_image_of_a_batch_can_be_made_again_alone(tiny_model: Path) -> None:
    generator = ImageGenerator(local_folder=str(tiny_model))
    batch = generator.generate(_request(count=3, seed=700))
    seeds = batch["metadata"]["seeds"]
    assert seeds == [700, 701, 702]
    pictures = [Image.open(io.BytesIO(png)) for png in batch["images"]]
    assert [picture.text["seed"] for picture in pictures] == ["700", "701", "702"]  # type: ignore[attr-defined]
    assert len({picture.tobytes() for picture in pictures}) == 3

    alone = generator.generate(_request(count=1, seed=seeds[2]))
    again = Image.open(io.BytesIO(alone["images"][0]))
    assert again.tobytes() == pictures[2].tobytes()


async def test_local_studio_generates_with_a_configured_folder(tiny_model: Path, tmp_path: Path) -> None:
    app, token = LocalStudio(tmp_path / "local", local_image_model=str(tiny_model)).start()
    async with running(app) as client:
        assert (await client.get("/v1/image-models")).json()["compute_ready"] is True
        body = {"model": "qwen-image-lightning", "prompt": "amethyst", "size": "1K", "seed": 5}
        job = (await client.post("/v1/images", json=body, headers=bearer(token))).json()
        while job["state"] in ("queued", "running"):
            job = (await client.get(f"/v1/images/{job['id']}?wait=25", headers=bearer(token))).json()
        assert job["state"] == "completed", job["error"]
        png = (await client.get(job["images"][0]["url"], headers=bearer(token))).content
    image = Image.open(io.BytesIO(png))
    assert image.size == (1024, 1024)
    assert image.text["prompt"] == "amethyst" and image.text["seed"] == "5"  # type: ignore[attr-defined]


async def test_local_studio_without_a_model_fails_clearly(tmp_path: Path) -> None:
    from modal_app.api.image_models import NOTHING_READY
    from modal_app.compute.engines import EngineSettings
    from modal_app.compute.local_compute import NO_LOCAL_MODEL
    from modal_app.compute.managed import NOT_DOWNLOADED

    # No local server, nothing downloaded: each local model says why and how to fix it. The provider models
    # wait only for the person's own key, which the desktop checks in its keyring (fix "key:…"), so the
    # server counts them ready; the desktop says NOTHING_READY when no key is stored either.
    app, token = LocalStudio(tmp_path / "local", local_image_model=None, engines=EngineSettings()).start()
    async with running(app) as client:
        table = (await client.get("/v1/image-models")).json()
        assert table["compute_ready"] is True
        gpt = next(model for model in table["models"] if model["id"] == "gpt-image-1")
        assert (gpt["ready"], gpt["fix"]) == (True, "key:openai")
        assert NOTHING_READY.startswith("no image engine is ready yet")
        flux = next(model for model in table["models"] if model["id"] == "flux-schnell")
        assert (flux["ready"], flux["reason"], flux["fix"]) == (False, NOT_DOWNLOADED, "download:flux-schnell")
        job = (
            await client.post("/v1/images", json={"model": "flux-schnell", "prompt": "x"}, headers=bearer(token))
        ).json()
        while job["state"] in ("queued", "running"):
            job = (await client.get(f"/v1/images/{job['id']}?wait=25", headers=bearer(token))).json()
    assert job["state"] == "failed"
    assert job["error"] == NOT_DOWNLOADED
    assert NO_LOCAL_MODEL == (
        "no local image model configured — set AMETHYST_LOCAL_IMAGE_MODEL to a diffusers folder, or use the cloud"
    )
