"""CPU-side work per image job on the GPU worker, with tiny random pipelines: request → pipeline call
arguments, PNG encoding of 1024² images, the answer's metadata. The diffusion itself is not timed (a tiny
random model says nothing about an H100); on a GPU machine with the real weights in a hub cache,
``--cache DIR`` adds the warm 1024² latency per model against the 2 s goal.

Prints ``calibration_ms`` (a fixed CPU workload) so results from different machines can be compared.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._calibration import calibration_ms

ROUNDS = 20


def _median_ms(fn: Any, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def _cpu_side() -> dict[str, float]:
    import numpy as np
    from PIL import Image

    from modal_app.generator import package, prepare_call

    request = {"model": "qwen-image-lightning", "prompt": "a lighthouse at dusk", "width": 1328, "height": 1328}
    request |= {"count": 4, "seed": 11, "steps": 4}
    noise = np.random.default_rng(0).integers(0, 256, (1024, 1024, 3), dtype=np.uint8)
    # Smooth content, like a generated image (noise would make PNG look far slower than it is).
    gradient = np.linspace(0, 255, 1024, dtype=np.uint8)
    picture = Image.fromarray(((noise // 8) + gradient[None, :, None] // 2).astype(np.uint8))
    call = prepare_call(request)
    one = prepare_call({**request, "count": 1})
    return {
        "prepare_call_ms": _median_ms(lambda: prepare_call(request)),
        "png_1024_ms": _median_ms(lambda: package(one, [picture])),
        "package_4x1024_ms": _median_ms(lambda: package(call, [picture] * 4), rounds=5),
    }


def _tiny_pipelines() -> dict[str, float]:
    """Request → images through the real registry path on tiny pipelines (mostly torch's CPU overhead)."""
    from modal_app.generator import ImageGenerator
    from tests.server.tiny_pipeline import build_hub_cache

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="amethyst-bench-generator-") as folder:
        generator = ImageGenerator(cache_dir=str(build_hub_cache(Path(folder))), device="cpu")
        for model in ("qwen-image-lightning", "flux-schnell"):
            request = {"model": model, "prompt": "a fox", "width": 64, "height": 48, "count": 1, "seed": 1}
            generator.generate(request)  # load and warm up
            results[f"tiny_{model}_job_ms"] = _median_ms(lambda r=request: generator.generate(r), rounds=5)
    return results


def _warm_latency(cache: str) -> dict[str, float]:
    from modal_app.generator import ImageGenerator
    from modal_app.image_models import IMAGE_MODELS

    generator = ImageGenerator(cache_dir=cache)
    results: dict[str, float] = {}
    for model in IMAGE_MODELS:
        width, height = model.dimensions("1K", "1:1")
        request = {"model": model.id, "prompt": "a lighthouse", "width": width, "height": height, "seed": 3}
        generator.generate({**request, "count": 1})
        results[f"{model.id}_warm_1024_ms"] = _median_ms(lambda r=request: generator.generate(r), rounds=5)
    return results


def main(args: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench generator")
    parser.add_argument("--cache", help="a hub cache with the real weights (GPU machine): warm latency")
    parser.add_argument("--no-tiny", action="store_true", help="skip the tiny-pipeline round trips")
    options = parser.parse_args(args or [])
    result: dict[str, Any] = {"name": "generator", "calibration_ms": calibration_ms()}
    result |= _cpu_side()
    try:
        import diffusers  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        result["tiny"] = "skipped: torch/diffusers not installed (make generator)"
    else:
        if not options.no_tiny:
            result |= _tiny_pipelines()
        if options.cache:
            result |= _warm_latency(options.cache)
            result["goal_ms"] = 2000
    return result
