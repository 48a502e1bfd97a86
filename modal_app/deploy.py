"""The Modal deployment: ``modal deploy modal_app/deploy.py`` (after the once-only steps in README.md).

- ``download_weights``: a one-off CPU function that downloads every model's weights into the hub cache on
  the Volume and commits it: ``modal run modal_app/deploy.py::download_weights`` (hours of timeout, the HF
  secret; a gated repo the token's account has not accepted stops it with a message saying what to do).
- ``ImageGenerator``: one GPU class per image model (``model_id`` parameter). ``@modal.enter`` only loads
  from the Volume (never downloads): on the CPU before the memory snapshot, moved to the GPU after restore.
- ``api``: the Studio API as an ASGI app, billing on, Modal compute; secrets from ``amethyst-studio-api``.

Checked against modal 1.6.4 (``App.cls``: ``startup_timeout`` bounds start-up apart from ``timeout``,
``memory`` in MiB and ``cpu`` in cores are reservations, ``min_containers``/``max_containers``,
``enable_memory_snapshot`` with ``@modal.enter(snap=True)``; GPU memory snapshots are alpha, behind
``experimental_options={"enable_gpu_snapshot": True}``, so they are opt-in here: AMETHYST_GPU_SNAPSHOT=1).
Deploy-time knobs are read from the deploying shell's environment (GpuSettings.from_env).

Importing this module contacts nothing: Volumes, Secrets and Images are resolved by ``modal deploy``.
No ``from __future__ import annotations`` here: Modal reads the class parameter annotations at runtime.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import modal

APP_NAME = "amethyst-studio"
WEIGHTS_PATH = "/weights"
#: The hub cache alone lives on the Volume (not the whole HF home: no token, no Xet chunk cache there).
HUB_CACHE = f"{WEIGHTS_PATH}/hub"
DATA_PATH = "/data"
API_SECRET = "amethyst-studio-api"
HF_SECRET = "amethyst-huggingface"
DEFAULT_MODEL = "qwen-image-lightning"


@dataclass(frozen=True)
class GpuSettings:
    """How the GPU class is deployed; ``from_env`` reads the deploying shell's AMETHYST_GPU_* variables."""

    gpu: str = "H100"
    #: Warm containers per model kept even when idle (each bills GPU time around the clock).
    min_containers: int = 0
    #: Upper bound of GPU containers per model: the most a burst (or a bug) can bill at once.
    max_containers: int = 4
    #: Seconds an idle container stays up after its last job.
    scaledown_window: int = 300
    #: Seconds one generation may run (a batch of 4 at the largest size takes well under a minute).
    timeout: int = 600
    #: Seconds a container may take to start: read ~58 GB from the Volume, fuse the LoRA, snapshot.
    startup_timeout: int = 1800
    #: MiB of RAM reserved: Qwen-Image holds ~58 GB in CPU memory before the snapshot.
    memory: int = 96 * 1024
    cpu: float = 8.0
    gpu_snapshot: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "GpuSettings":
        default = cls()
        return cls(
            gpu=env.get("AMETHYST_GPU", default.gpu),
            min_containers=int(env.get("AMETHYST_GPU_MIN_CONTAINERS", default.min_containers)),
            max_containers=int(env.get("AMETHYST_GPU_MAX_CONTAINERS", default.max_containers)),
            scaledown_window=int(env.get("AMETHYST_GPU_SCALEDOWN", default.scaledown_window)),
            gpu_snapshot=env.get("AMETHYST_GPU_SNAPSHOT", "") in {"1", "true", "yes", "on"},
        )


gpu_settings = GpuSettings.from_env(os.environ)

app = modal.App(APP_NAME)

weights_volume = modal.Volume.from_name("amethyst-model-weights", create_if_missing=True)
data_volume = modal.Volume.from_name("amethyst-studio-data", create_if_missing=True)

gpu_image = (
    modal.Image.debian_slim(python_version="3.11")
    .uv_pip_install(
        # The versions the generator is tested with (tests/server/test_model_sources.py, CPU build there).
        "torch==2.13.0",
        "diffusers==0.42.1",
        "transformers==5.24.0",
        "accelerate>=1.10",
        "peft==0.21.2",
        "huggingface_hub==2.4.0",
        "hf_xet>=1.8",
        "sentencepiece",
        "protobuf",
        "pillow>=10",
    )
    .env(
        {
            "HF_HUB_CACHE": HUB_CACHE,
            # Xet's high-performance mode (huggingface_hub ≥ 1.0; replaces HF_HUB_ENABLE_HF_TRANSFER).
            "HF_XET_HIGH_PERFORMANCE": "1",
        }
    )
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


@app.function(
    image=gpu_image,
    volumes={WEIGHTS_PATH: weights_volume},
    secrets=[modal.Secret.from_name(HF_SECRET)],
    timeout=4 * 3600,  # ~60 GB once; Xet usually needs minutes, a slow mirror far longer
    cpu=8.0,
    memory=8 * 1024,
)
def download_weights(model_id: str = "") -> list[str]:
    """Download one model's weights (or every model's, by default) into the Volume and commit them.

    Run once before the first deploy, and again after a model or LoRA file changes:
    ``modal run modal_app/deploy.py::download_weights`` (or ``… --model-id flux-schnell``).
    """
    from modal_app.generator import MODEL_SOURCES
    from modal_app.weights import download_model

    fetched: list[str] = []
    for model in [model_id] if model_id else list(MODEL_SOURCES):
        fetched += download_model(model, HUB_CACHE, os.environ.get("HF_TOKEN"))
        weights_volume.commit()  # each model is kept even if a later one fails
    return fetched


@app.cls(
    image=gpu_image,
    gpu=gpu_settings.gpu,
    volumes={WEIGHTS_PATH: weights_volume},
    cpu=gpu_settings.cpu,
    memory=gpu_settings.memory,
    min_containers=gpu_settings.min_containers,
    max_containers=gpu_settings.max_containers,
    scaledown_window=gpu_settings.scaledown_window,
    timeout=gpu_settings.timeout,
    startup_timeout=gpu_settings.startup_timeout,
    enable_memory_snapshot=True,
    experimental_options={"enable_gpu_snapshot": True} if gpu_settings.gpu_snapshot else None,
)
class ImageGenerator:
    model_id: str = modal.parameter(default=DEFAULT_MODEL)

    @modal.enter(snap=True)
    def load(self) -> None:
        """Weights from the Volume (never the network) into memory; this state is what the snapshot keeps.

        CPU snapshots (the default) cannot hold GPU memory, so the weights stay on the CPU until
        ``to_gpu``; with GPU snapshots they go to the GPU here and the restore brings them back there.
        """
        from modal_app.generator import ImageGenerator as Pipelines

        device = "cuda" if gpu_settings.gpu_snapshot else "cpu"
        self.pipelines = Pipelines(cache_dir=HUB_CACHE, device=device, dtype="bfloat16")
        self.pipelines.load(self.model_id)

    @modal.enter(snap=False)
    def to_gpu(self) -> None:
        if not gpu_settings.gpu_snapshot:
            self.pipelines.move_to("cuda")

    @modal.method()
    def generate(self, request: dict[str, Any]) -> dict[str, Any]:
        """PNGs for ``request``; every failure leaves as GenerationFailed with a message for the person
        (the API image has no torch to unpickle torch's exceptions), the traceback stays in Modal's log."""
        from modal_app.compute.base import GenerationFailed
        from modal_app.generator import failure_message

        try:
            return self.pipelines.generate({**request, "model": self.model_id})
        except Exception as error:
            import traceback

            traceback.print_exc()
            raise GenerationFailed(failure_message(error)) from None


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


def set_warm_containers(model_id: str = DEFAULT_MODEL, count: int = 1) -> None:
    """Keep ``count`` containers of one model warm (``min_containers`` of that class instance only), from a
    shell with Modal credentials; a redeploy returns to the decorator's value, so run it after each deploy.
    Each warm H100 bills around the clock (see README.md)."""
    generator = modal.Cls.from_name(APP_NAME, "ImageGenerator")(model_id=model_id)
    generator.update_autoscaler(min_containers=count)
