"""The deployment module imports without Modal, the image-model table and cost rule, the plans."""

from __future__ import annotations

import subprocess
import sys

import httpx
import modal
import pytest

from modal_app.generator import MODEL_SOURCES
from modal_app.image_models import ASPECT_RATIOS, IMAGE_MODELS, dimensions, find_model, image_cost


def test_deploy_defines_the_app_class_and_api_without_contacting_modal() -> None:
    from modal_app import deploy

    assert isinstance(deploy.app, modal.App) and deploy.app.name == "amethyst-studio"
    assert isinstance(deploy.ImageGenerator, modal.Cls)
    assert isinstance(deploy.api, modal.Function)


def test_every_table_model_has_weights_and_the_two_required_models_exist() -> None:
    ids = {model.id for model in IMAGE_MODELS}
    assert {"qwen-image-lightning", "flux-schnell"} <= ids
    assert ids == set(MODEL_SOURCES)
    assert find_model("qwen-image-lightning").steps == 4  # type: ignore[union-attr]


def test_cost_rule() -> None:
    assert image_cost("qwen-image-lightning", "1K") == 1
    assert image_cost("qwen-image-lightning", "2K", 3) == 6
    assert image_cost("qwen-image-lightning", "4K", 2) == 8


def test_dimensions_follow_size_and_aspect() -> None:
    assert dimensions("1K", "1:1") == (1024, 1024)
    for aspect in ASPECT_RATIOS:
        w, h = dimensions("2K", aspect)
        ratio_w, ratio_h = (int(part) for part in aspect.split(":"))
        assert w % 64 == 0 and h % 64 == 0
        assert abs(w / h - ratio_w / ratio_h) < 0.05
        assert 0.9 < (w * h) / 2048**2 < 1.1


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
    assert served["models"][0]["credits"] == {"1K": [1, 2, 3, 4], "2K": [2, 4, 6, 8], "4K": [4, 8, 12, 16]}
    assert served["models"][1]["credits"] == {"1K": [1, 2, 3, 4], "2K": [2, 4, 6, 8]}
    assert [m["id"] for m in served["models"]] == [m.id for m in IMAGE_MODELS]
    assert served["models"][0]["aspect_ratios"] == ["1:1", "9:16", "16:9", "4:3", "3:4"]
