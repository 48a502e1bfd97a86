"""The generator's real code path on a tiny random diffusers pipeline, directly and through the local API."""

from __future__ import annotations

import io
from pathlib import Path

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
        "steps": 4,
    }


async def test_local_studio_generates_with_a_configured_folder(tiny_model: Path, tmp_path: Path) -> None:
    app, token = LocalStudio(tmp_path / "local", local_image_model=str(tiny_model)).start()
    async with running(app) as client:
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
    from modal_app.compute.local_compute import NO_LOCAL_MODEL

    app, token = LocalStudio(tmp_path / "local", local_image_model=None).start()
    async with running(app) as client:
        job = (
            await client.post("/v1/images", json={"model": "flux-schnell", "prompt": "x"}, headers=bearer(token))
        ).json()
        while job["state"] in ("queued", "running"):
            job = (await client.get(f"/v1/images/{job['id']}?wait=25", headers=bearer(token))).json()
    assert job["state"] == "failed"
    assert job["error"] == NO_LOCAL_MODEL
    assert NO_LOCAL_MODEL == (
        "no local image model configured — set AMETHYST_LOCAL_IMAGE_MODEL to a diffusers folder, or use the cloud"
    )
