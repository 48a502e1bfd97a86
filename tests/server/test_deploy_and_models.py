"""The deployment module imports without Modal, the image-model table and cost rule, the plans."""

from __future__ import annotations

import subprocess
import sys

import httpx
import modal
import pytest

from modal_app.generator import MODEL_SOURCES
from modal_app.image_models import ASPECT_RATIOS, IMAGE_MODELS, QWEN_IMAGE_NATIVE, dimensions, find_model, image_cost


def test_deploy_defines_the_app_class_and_api_without_contacting_modal() -> None:
    from modal_app import deploy

    assert isinstance(deploy.app, modal.App) and deploy.app.name == "amethyst-studio"
    assert isinstance(deploy.ImageGenerator, modal.Cls)
    assert isinstance(deploy.api, modal.Function)
    assert isinstance(deploy.download_weights, modal.Function)


def test_gpu_settings_read_the_deploying_shell() -> None:
    from modal_app.deploy import GpuSettings

    default = GpuSettings.from_env({})
    assert (default.min_containers, default.max_containers, default.gpu_snapshot) == (0, 4, False)
    assert default.startup_timeout > default.timeout and default.memory >= 64 * 1024
    warm = GpuSettings.from_env({"AMETHYST_GPU_MIN_CONTAINERS": "1", "AMETHYST_GPU_SNAPSHOT": "1"})
    assert (warm.min_containers, warm.gpu_snapshot) == (1, True)


def test_every_table_model_has_weights_and_the_two_required_models_exist() -> None:
    ids = {model.id for model in IMAGE_MODELS if "modal" in model.engines}  # what the GPU image serves
    assert {"qwen-image-lightning", "flux-schnell"} <= ids
    assert ids == set(MODEL_SOURCES)
    assert find_model("qwen-image-lightning").steps == 4  # type: ignore[union-attr]


def test_cost_rule() -> None:
    assert image_cost("qwen-image-lightning", "1K") == 1
    assert image_cost("qwen-image-lightning", "2K", 3) == 6
    assert image_cost("flux-schnell", "2K", 2) == 4


def test_each_model_is_offered_only_the_sizes_it_does_well() -> None:
    assert dimensions("qwen-image-lightning", "1K", "16:9") == (1344, 768)
    # Qwen-Image's own sizes per aspect ratio (QwenLM/Qwen-Image README) are its 2K tier; no 4K.
    for aspect, size in QWEN_IMAGE_NATIVE.items():
        assert dimensions("qwen-image-lightning", "2K", aspect) == size
    assert find_model("qwen-image-lightning").sizes == ("1K", "2K")  # type: ignore[union-attr]
    for model in IMAGE_MODELS:
        # The diffusion models we run ourselves make every aspect closely; a provider API makes the shapes it
        # has (gpt-image-1's 3:2 images stand in for 4:3), so those only need to be near.
        ours = bool({"modal", "local"} & set(model.engines))
        if "modal" in model.engines:
            assert model.aspect_ratios == ASPECT_RATIOS
        for size in model.sizes:
            for aspect in model.aspect_ratios:
                w, h = model.dimensions(size, aspect)
                ratio_w, ratio_h = (int(part) for part in aspect.split(":"))
                assert w % 16 == 0 and h % 16 == 0
                assert abs(w / h - ratio_w / ratio_h) < (0.05 if ours else 0.2), (model.id, aspect)
    flux = find_model("flux-schnell")
    assert flux is not None and flux.max_pixels <= 1.55e6  # FLUX.1 [schnell] duplicates subjects beyond


def test_image_model_table_imports_nothing_heavy() -> None:
    code = (
        "import sys, modal_app.image_models as m; "
        "heavy = {'torch', 'diffusers', 'fastapi', 'sqlalchemy', 'modal', 'PIL'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.sqlite_only("plans and models come from tables in code, not the database")
async def test_plans_and_image_models_are_served(api: httpx.AsyncClient) -> None:
    plans = (await api.get("/v1/plans")).json()["plans"]
    assert [(p["id"], p["price_usd_month"], p["max_models"]) for p in plans] == [
        ("free", 0, 1),
        ("pro", 50, 10),
        ("enterprise", 450, 30),
    ]
    assert plans[2]["api_access"] is True and plans[1]["priority"] is True
    served = (await api.get("/v1/image-models")).json()
    # Prices come from the server, for every size and count (the desktop computes none): ×1 models, 1/2/4 per image.
    assert served["max_count"] == 4
    assert served["models"][0]["credits"] == {"1K": [1, 2, 3, 4], "2K": [2, 4, 6, 8]}
    assert served["models"][1]["credits"] == {"1K": [1, 2, 3, 4], "2K": [2, 4, 6, 8]}
    engine = served["models"][0]["engine"]
    assert [m["id"] for m in served["models"]] == [m.id for m in IMAGE_MODELS if engine in m.engines]
    assert served["models"][0]["aspect_ratios"] == ["1:1", "9:16", "16:9", "4:3", "3:4"]
