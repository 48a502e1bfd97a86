"""The one-off weights download into the hub cache on the weights Volume (``download_weights`` in deploy.py).

Checked against huggingface_hub 2.4: ``HfApi.auth_check`` (GET ``/api/models/{repo}/auth-check``) raises
``GatedRepoError`` for a gated repo the token's account has not accepted (401 without a token, 403 with
one, both with ``X-Error-Code: GatedRepo``) and ``RepositoryNotFoundError`` (its parent) for a wrong name or
a refused token; ``hf_hub_download`` fetches one file. And diffusers 0.42.1: ``DiffusionPipeline.download``
fetches exactly the files ``from_pretrained`` will read (the components of ``model_index.json``,
safetensors only), so FLUX.1-schnell's 24 GB single-file checkpoint beside its diffusers folders is skipped.
Downloads go through Xet (``HF_XET_HIGH_PERFORMANCE=1`` in the image; ``hf_transfer`` is no longer used).
"""

from __future__ import annotations

from modal_app.compute.base import GenerationFailed
from modal_app.generator import MODEL_SOURCES, ModelSource

HF_SECRET_HINT = "the Modal secret amethyst-huggingface (HF_TOKEN)"


class WeightsUnavailable(GenerationFailed):
    """A repository cannot be downloaded with this token; the message says what the person must do."""


def check_access(source: ModelSource, token: str | None, endpoint: str | None = None) -> None:
    """Raise WeightsUnavailable, with what to do, unless ``token`` may download every repo of ``source``."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    api = HfApi(endpoint=endpoint, token=token or False)
    for repo in source.repos:
        try:
            api.auth_check(repo)
        except GatedRepoError as error:
            raise WeightsUnavailable(
                f"{repo} is gated on Hugging Face: sign in with the account whose token is in {HF_SECRET_HINT}, "
                f"accept the terms at https://huggingface.co/{repo}, then run the download again"
                + ("" if token else f" (no HF_TOKEN was set: create {HF_SECRET_HINT} first)")
            ) from error
        except RepositoryNotFoundError as error:
            raise WeightsUnavailable(
                f"{repo} cannot be read with the token in {HF_SECRET_HINT}: check the token "
                f"(a read token of an account that can see https://huggingface.co/{repo})"
            ) from error


def download_model(model_id: str, cache_dir: str, token: str | None, endpoint: str | None = None) -> list[str]:
    """Download the weights of ``model_id`` into the hub cache ``cache_dir``; returns the repos fetched.

    Raises WeightsUnavailable before any byte is fetched when a repo is gated or refused (see
    check_access). Files already in the cache are not fetched again, so running it twice is cheap.
    """
    from diffusers import DiffusionPipeline
    from huggingface_hub import hf_hub_download

    source = MODEL_SOURCES[model_id]
    check_access(source, token, endpoint)
    DiffusionPipeline.download(source.repo, cache_dir=cache_dir, token=token)
    if source.lora_repo and source.lora_file:
        hf_hub_download(source.lora_repo, source.lora_file, cache_dir=cache_dir, token=token, endpoint=endpoint)
    return list(source.repos)
