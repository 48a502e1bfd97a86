"""The Modal deployment: ``modal deploy modal_app/deploy.py``.

- ``ImageGenerator``: one GPU class per image model (``model_id`` parameter), weights cached on a Volume,
  loaded once per container: on the CPU before the memory snapshot, moved to the GPU after restore.
- ``api``: the Studio API as an ASGI app, billing on, Modal compute; secrets from ``amethyst-studio-api``.

Importing this module contacts nothing: Volumes, Secrets and Images are resolved by ``modal deploy``.
No ``from __future__ import annotations`` here: Modal reads the class parameter annotations at runtime.
"""

import os
from typing import Any

import modal

APP_NAME = "amethyst-studio"
WEIGHTS_PATH = "/weights"
DATA_PATH = "/data"
API_SECRET = "amethyst-studio-api"
HF_SECRET = "amethyst-huggingface"

app = modal.App(APP_NAME)

weights_volume = modal.Volume.from_name("amethyst-model-weights", create_if_missing=True)
data_volume = modal.Volume.from_name("amethyst-studio-data", create_if_missing=True)

gpu_image = (
    modal.Image.debian_slim(python_version="3.11")
    .uv_pip_install(
        # The versions the generator is tested with (tests/server/test_generator.py, CPU build there).
        "torch==2.13.0",
        "diffusers==0.42.1",
        "transformers==5.23.0",
        "accelerate>=1.10",
        "peft>=0.17",
        "sentencepiece",
        "protobuf",
        "pillow>=10",
        "hf_transfer",
    )
    .env({"HF_HOME": WEIGHTS_PATH, "HF_HUB_ENABLE_HF_TRANSFER": "1"})
    .add_local_python_source("modal_app")
)

api_image = (
    modal.Image.debian_slim(python_version="3.11")
    .uv_pip_install(
        "fastapi==0.165.0",
        "sqlalchemy==2.1.9",
        "alembic==1.20.1",
        "argon2-cffi==25.1.0",
        "psycopg[binary]>=3.2",
        "pydantic==2.14.3",
        "pillow==13.0.0",
        "stripe==16.1.0",
    )
    .add_local_python_source("modal_app")
)


@app.cls(
    image=gpu_image,
    gpu="H100",
    volumes={WEIGHTS_PATH: weights_volume},
    secrets=[modal.Secret.from_name(HF_SECRET)],
    scaledown_window=300,
    timeout=600,
    enable_memory_snapshot=True,
)
class ImageGenerator:
    model_id: str = modal.parameter(default="qwen-image-lightning")

    @modal.enter(snap=True)
    def load(self) -> None:
        """Weights into CPU memory; this state is what the memory snapshot keeps."""
        from modal_app.generator import ImageGenerator as Pipelines

        self.pipelines = Pipelines(cache_dir=WEIGHTS_PATH, device="cpu", dtype="bfloat16")
        self.pipelines.load(self.model_id)

    @modal.enter(snap=False)
    def to_gpu(self) -> None:
        self.pipelines.move_to("cuda")

    @modal.method()
    def generate(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.pipelines.generate({**request, "model": self.model_id})


@app.function(
    image=api_image,
    secrets=[modal.Secret.from_name(API_SECRET)],
    volumes={DATA_PATH: data_volume},
    scaledown_window=300,
    # Without DATABASE_URL the API keeps SQLite on a Volume: one container; raise this with Postgres.
    max_containers=1,
)
@modal.concurrent(max_inputs=100)
@modal.asgi_app()
def api() -> Any:
    from modal_app.api import create_app
    from modal_app.settings import ServerSettings

    environ = {
        "AMETHYST_COMPUTE": "modal",
        "AMETHYST_BILLING": "on",
        "AMETHYST_STUDIO_DATA": DATA_PATH,
        "AMETHYST_MODAL_APP": APP_NAME,
        **os.environ,
    }
    return create_app(ServerSettings.from_env(environ))
