"""Image engines (issue 15): engine states, the per-job provider key header, and the managed models the
desktop downloads for the local engine."""

from __future__ import annotations

from modal_app.contract.base import Answer

PROVIDER_KEY_HEADER = "X-Provider-Key"
"""On the Local connection the desktop hands the person's own provider key for one job in this header; the
server uses it for that job's call only and never stores or logs it (a Cloud server ignores it)."""


class EngineState(Answer):
    """One image engine as ``GET /v1/engines`` reports it: ``state`` is ready, needs_key, not_found,
    not_installed or not_downloaded; ``detail`` says why and what to do; ``url`` where a local server is."""

    id: str
    name: str
    state: str
    detail: str
    url: str = ""
    checkpoints: tuple[str, ...] = ()


class EngineList(Answer):
    engines: tuple[EngineState, ...]


class ManagedModel(Answer):
    """A model the desktop can download for the managed local engine (Settings → Studio → Local model).
    The download lands in ``<Studio data folder>/models/<id>/`` and is complete when ``COMPLETE_MARKER``
    exists there; the embedded Studio API serves the model from that folder."""

    id: str  # the image-model table's id
    repo: str  # the Hugging Face repository
    name: str
    size_bytes: int  # what the allowed files add up to (checked against free disk before starting)
    licence: str
    gpu_gb: int  # 0: runs on a CPU (slowly); else "needs a GPU with N GB"
    allow_patterns: tuple[str, ...]


COMPLETE_MARKER = ".amethyst-complete"
MANAGED_FOLDER = "models"
_DIFFUSERS_FILES = (
    "model_index.json",
    "*/config.json",
    "scheduler/*",
    "tokenizer/*",
    "tokenizer_2/*",
    "*/diffusion_pytorch_model.safetensors",
    "*/diffusion_pytorch_model-*.safetensors",
    "*/diffusion_pytorch_model.safetensors.index.json",
    "text_encoder*/model.safetensors",
    "text_encoder*/model-*.safetensors",
    "text_encoder*/model.safetensors.index.json",
)
MANAGED_MODELS: tuple[ManagedModel, ...] = (
    ManagedModel(
        id="sd-turbo",
        repo="stabilityai/sd-turbo",
        name="SD-Turbo — small, runs on a CPU",
        size_bytes=5_200_000_000,
        licence="Stability AI Community License (non-commercial use)",
        gpu_gb=0,
        allow_patterns=_DIFFUSERS_FILES,
    ),
    ManagedModel(
        id="flux-schnell",
        repo="black-forest-labs/FLUX.1-schnell",
        name="FLUX.1 [schnell]",
        size_bytes=33_700_000_000,
        licence="Apache 2.0",
        gpu_gb=24,
        allow_patterns=_DIFFUSERS_FILES,
    ),
)
