"""The registry's real loading and calling path (MODEL_SOURCES) on tiny random Qwen-Image and FLUX.1
pipelines in a hub cache under the real repo ids, as the weights Volume holds them after the download."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")
pytest.importorskip("peft")

from modal_app.compute.base import GenerationFailed
from modal_app.generator import DOWNLOAD_COMMAND, MODEL_SOURCES, ImageGenerator, WeightsMissing, prepare_call
from modal_app.image_models import IMAGE_MODELS
from tests.server.tiny_pipeline import build_hub_cache


@pytest.fixture(scope="module")
def hub_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hub_cache(tmp_path_factory.mktemp("hub"))


@pytest.fixture(scope="module")
def generator(hub_cache: Path) -> ImageGenerator:
    return ImageGenerator(cache_dir=str(hub_cache), device="cpu")


class Recorder:
    def __init__(self, pipeline: Any) -> None:
        self.pipeline, self.calls = pipeline, []

    def __call__(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return self.pipeline(**kwargs)


def request(model: str, **overrides: Any) -> dict[str, Any]:
    body = {"model": model, "prompt": "a red fox", "width": 64, "height": 48, "count": 2, "seed": 7, "steps": 4}
    return {**body, **overrides}


def test_qwen_image_loads_with_the_lightning_scheduler_and_a_fused_unloaded_lora(
    generator: ImageGenerator, hub_cache: Path
) -> None:
    from diffusers import DiffusionPipeline
    from safetensors.torch import load_file

    pipeline = generator.load("qwen-image-lightning")
    config = pipeline.scheduler.config
    assert (config.time_shift_type, config.use_dynamic_shifting) == ("exponential", True)
    assert config.base_shift == config.max_shift == pytest.approx(1.0986, abs=1e-4)  # log(3)
    # Fused: the attention weights moved away from the saved base; unloaded: no adapter left behind.
    base = DiffusionPipeline.from_pretrained("Qwen/Qwen-Image", cache_dir=str(hub_cache), local_files_only=True)
    fused = pipeline.transformer.transformer_blocks[0].attn.to_q.weight
    assert not fused.equal(base.transformer.transformer_blocks[0].attn.to_q.weight)
    assert not getattr(pipeline.transformer, "peft_config", None)
    assert not [name for name, _ in pipeline.transformer.named_modules() if "lora" in name]
    lora = MODEL_SOURCES["qwen-image-lightning"].lora_file
    assert lora == "Qwen-Image-Lightning-4steps-V2.0-bf16.safetensors"
    assert load_file(next(hub_cache.glob(f"models--lightx2v--Qwen-Image-Lightning/snapshots/*/{lora}")))
    assert pipeline.vae.use_tiling and pipeline.vae.use_slicing


def test_each_model_is_called_with_its_own_arguments(generator: ImageGenerator) -> None:
    calls = {}
    for model in ("qwen-image-lightning", "flux-schnell"):
        recorder = Recorder(generator.load(model))
        generator._pipelines[model] = recorder
        try:
            result = generator.generate(request(model, negative_prompt="blurry"))
        finally:
            generator._pipelines[model] = recorder.pipeline
        [calls[model]] = recorder.calls
        pictures = [Image.open(io.BytesIO(png)) for png in result["images"]]
        assert [picture.size for picture in pictures] == [(64, 48), (64, 48)]
        assert [p.text["seed"] for p in pictures] == ["7", "8"]  # type: ignore[attr-defined]
        assert "negative_prompt" not in pictures[0].text  # type: ignore[attr-defined]
    qwen, flux = calls["qwen-image-lightning"], calls["flux-schnell"]
    # No negative prompt and no blank one: true CFG stays off (one transformer pass a step).
    assert qwen["true_cfg_scale"] == 1.0 and "negative_prompt" not in qwen
    assert (flux["guidance_scale"], flux["max_sequence_length"]) == (0.0, 256) and "negative_prompt" not in flux
    for call in (qwen, flux):
        assert (call["width"], call["height"], call["num_inference_steps"]) == (64, 48, 4)
        assert call["num_images_per_prompt"] == 2 and len(call["generator"]) == 2


def test_every_offered_size_is_accepted_and_larger_is_refused() -> None:
    for model in (m for m in IMAGE_MODELS if "modal" in m.engines):  # the generator serves the GPU models
        for size in model.sizes:
            for aspect in model.aspect_ratios:
                width, height = model.dimensions(size, aspect)
                call = prepare_call(request(model.id, width=width, height=height))
                assert (call.kwargs["width"], call.kwargs["height"]) == (width, height)
        with pytest.raises(GenerationFailed, match="does not make 4096×4096"):
            prepare_call(request(model.id, width=4096, height=4096))
        with pytest.raises(GenerationFailed, match="does not make 1000×1000"):
            prepare_call(request(model.id, width=1000, height=1000))  # not a multiple of 16


def test_missing_weights_say_which_command_to_run(tmp_path: Path) -> None:
    empty = ImageGenerator(cache_dir=str(tmp_path), device="cpu")
    with pytest.raises(WeightsMissing) as raised:
        empty.load("flux-schnell")
    assert DOWNLOAD_COMMAND in raised.value.message and "flux-schnell" in raised.value.message


class _FakeHub(BaseHTTPRequestHandler):
    """Answers ``/api/models/{repo}/auth-check`` as the Hub does for a gated repo not accepted (401 with
    ``X-Error-Code: GatedRepo``), a refused token (401), or access (200)."""

    gated = {"black-forest-labs/FLUX.1-schnell"}
    refused: set[str] = set()

    def do_GET(self) -> None:
        repo = self.path.removeprefix("/api/models/").removesuffix("/auth-check")
        if repo in self.gated:
            self._answer(401, {"X-Error-Code": "GatedRepo", "X-Error-Message": "Access to model is restricted."})
        elif repo in self.refused:
            self._answer(401, {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Invalid credentials"})
        else:
            self._answer(200, {})

    def _answer(self, status: int, headers: dict[str, str]) -> None:
        body = json.dumps({"error": headers.get("X-Error-Message", "")}).encode()
        self.send_response(status)
        for key, value in {**headers, "Content-Type": "application/json"}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_hub() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_gated_flux_is_caught_before_downloading_with_what_to_do(fake_hub: str) -> None:
    from modal_app.weights import WeightsUnavailable, check_access

    check_access(MODEL_SOURCES["qwen-image-lightning"], "hf_token", endpoint=fake_hub)  # both repos open
    with pytest.raises(WeightsUnavailable) as gated:
        check_access(MODEL_SOURCES["flux-schnell"], "hf_token", endpoint=fake_hub)
    message = gated.value.message
    assert "black-forest-labs/FLUX.1-schnell is gated" in message
    assert "accept the terms at https://huggingface.co/black-forest-labs/FLUX.1-schnell" in message
    _FakeHub.refused = {"Qwen/Qwen-Image"}
    try:
        with pytest.raises(WeightsUnavailable, match="cannot be read with the token"):
            check_access(MODEL_SOURCES["qwen-image-lightning"], "hf_bad", endpoint=fake_hub)
    finally:
        _FakeHub.refused = set()
