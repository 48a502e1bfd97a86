"""The GPU side: text-to-image pipelines keyed by the image-model table, loaded once, PNGs out.

Used by the Modal class in deploy.py (on an H100) and by the local worker process (a diffusers folder
named by AMETHYST_LOCAL_IMAGE_MODEL). torch and diffusers are imported inside functions only.

Checked against diffusers 0.42.1 (``QwenImagePipeline.__call__``: ``true_cfg_scale`` > 1 *and* a negative
prompt turn true CFG on, a second transformer pass a step; ``FluxPipeline.__call__``; ``AutoencoderMixin``'s
``enable_tiling``/``enable_slicing``; ``LoraBaseMixin.fuse_lora``/``unload_lora_weights``) and
huggingface_hub 2.4 (``local_files_only`` resolves ``refs/main`` of the hub cache, never the network).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

from modal_app.compute.base import GenerationFailed
from modal_app.image_models import IMAGE_MODELS, find_model, image_seed

#: zlib level of the PNGs: level 1 encodes a 1024² image in ~0.13 s instead of ~0.7 s at Pillow's
#: default (6), for files ~10 % larger.
PNG_COMPRESS_LEVEL = 1
#: Every side a multiple of this: VAE factor 8 × the 2×2 latent packing of Qwen-Image and FLUX.
SIDE_MULTIPLE = 16
DOWNLOAD_COMMAND = "modal run modal_app/deploy.py::download_weights"


class WeightsMissing(GenerationFailed):
    """The model's weights are not in the weights cache (the one-off download was not run)."""


@dataclass(frozen=True)
class ModelSource:
    """Where a model's weights come from and how its pipeline is called."""

    repo: str
    lora_repo: str | None = None
    lora_file: str | None = None
    # FlowMatchEulerDiscreteScheduler settings the distilled weights expect (None: the repo's own).
    scheduler_config: dict[str, Any] | None = None
    call_kwargs: dict[str, Any] = field(default_factory=dict)
    # Hugging Face repos whose terms an account must accept before it may download them.
    gated: bool = False

    @property
    def repos(self) -> tuple[str, ...]:
        return (self.repo, self.lora_repo) if self.lora_repo else (self.repo,)


# The Lightning LoRA was distilled with a fixed shift of 3 and exponential time shifting
# (lightx2v/Qwen-Image-Lightning's reference script, generate_with_diffusers.py).
_LIGHTNING_SCHEDULER: dict[str, Any] = {
    "num_train_timesteps": 1000,
    "shift": 1.0,
    "use_dynamic_shifting": True,
    "base_shift": math.log(3),
    "max_shift": math.log(3),
    "base_image_seq_len": 256,
    "max_image_seq_len": 8192,
    "time_shift_type": "exponential",
    "shift_terminal": None,
    "invert_sigmas": False,
    "stochastic_sampling": False,
    "use_karras_sigmas": False,
    "use_exponential_sigmas": False,
    "use_beta_sigmas": False,
}


# Keyed by the ids of modal_app.image_models.IMAGE_MODELS (a test checks they match).
MODEL_SOURCES: dict[str, ModelSource] = {
    "qwen-image-lightning": ModelSource(
        repo="Qwen/Qwen-Image",
        lora_repo="lightx2v/Qwen-Image-Lightning",
        # V2.0: the authors' retrain that reduces V1's over-saturation; bf16 like the pipeline.
        lora_file="Qwen-Image-Lightning-4steps-V2.0-bf16.safetensors",
        scheduler_config=_LIGHTNING_SCHEDULER,
        # CFG-distilled: one transformer pass a step and no negative prompt (the reference uses 1.0).
        call_kwargs={"true_cfg_scale": 1.0},
    ),
    "flux-schnell": ModelSource(
        repo="black-forest-labs/FLUX.1-schnell",
        call_kwargs={"guidance_scale": 0.0, "max_sequence_length": 256},
        gated=True,
    ),
}

STEPS_BY_MODEL = {model.id: model.steps for model in IMAGE_MODELS}
NEGATIVE_PROMPT_MODELS = frozenset(model.id for model in IMAGE_MODELS if model.negative_prompt)


def model_supports_negative(model_id: str) -> bool:
    return model_id in NEGATIVE_PROMPT_MODELS


def encode_png(image: Any, text: dict[str, str]) -> bytes:
    """PNG bytes of a PIL image with ``text`` written as iTXt chunks, compressed fast (level 1)."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for key, value in text.items():
        info.add_itxt(key, value)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


@dataclass(frozen=True)
class PreparedCall:
    """One request turned into the pipeline's keyword arguments (generators aside) and what the PNGs say."""

    model_id: str
    prompt: str
    negative_prompt: str
    width: int
    height: int
    steps: int
    seed: int
    seeds: tuple[int, ...]
    kwargs: dict[str, Any]


def prepare_call(request: dict[str, Any], registry: bool = True) -> PreparedCall:
    """The pipeline call for ``request`` (a ``GenerationRequest.as_dict()``).

    With ``registry`` (the model sources, not a local folder) the model's own call arguments are added and
    sizes are checked against the image-model table: a side not a multiple of 16 or an image larger than
    the model is offered at raises GenerationFailed (a GPU must not be run out of memory by a request).
    A negative prompt is passed only to models whose table row says it steers them.
    """
    model_id = str(request["model"])
    width, height = int(request["width"]), int(request["height"])
    count, seed = int(request.get("count", 1)), int(request["seed"])
    steps = int(request.get("steps") or STEPS_BY_MODEL.get(model_id, 4))
    negative = str(request.get("negative_prompt") or "").strip()
    kwargs: dict[str, Any] = {}
    if registry:
        spec = find_model(model_id)
        if spec is None or model_id not in MODEL_SOURCES:
            raise GenerationFailed(f"this image worker does not serve the model {model_id!r}")
        if width % SIDE_MULTIPLE or height % SIDE_MULTIPLE or width * height > spec.max_pixels:
            raise GenerationFailed(f"{spec.name} does not make {width}×{height} images")
        kwargs.update(MODEL_SOURCES[model_id].call_kwargs)
    if negative and model_supports_negative(model_id):
        kwargs["negative_prompt"] = negative
    else:
        negative = ""
    kwargs.update(
        prompt=str(request["prompt"]),
        width=width,
        height=height,
        num_inference_steps=steps,
        num_images_per_prompt=count,
        output_type="pil",
    )
    seeds = tuple(image_seed(seed, index) for index in range(count))
    return PreparedCall(model_id, str(request["prompt"]), negative, width, height, steps, seed, seeds, kwargs)


def package(call: PreparedCall, images: list[Any]) -> dict[str, Any]:
    """The worker's answer: ``{"images": [PNG bytes…], "metadata": {…}}``, each PNG carrying its text."""
    pngs = []
    for index, image in enumerate(images):
        text = {
            "prompt": call.prompt,
            "model": call.model_id,
            "size": f"{image.width}x{image.height}",
            "seed": str(call.seeds[index]),
            "batch_seed": str(call.seed),
            "steps": str(call.steps),
            "index": str(index),
            "software": "Amethyst Studio",
        }
        if call.negative_prompt:
            text["negative_prompt"] = call.negative_prompt
        pngs.append(encode_png(image, text))
    metadata = {
        "model": call.model_id,
        "width": call.width,
        "height": call.height,
        "seed": call.seed,
        "seeds": list(call.seeds),
        "steps": call.steps,
        "negative_prompt": call.negative_prompt,
    }
    return {"images": pngs, "metadata": metadata}


def failure_message(error: BaseException) -> str:
    """What the person is told when generating raised ``error`` (no traceback, no internals)."""
    if isinstance(error, GenerationFailed):
        return error.message
    if type(error).__name__ == "OutOfMemoryError" or "out of memory" in str(error).lower():
        return "the GPU ran out of memory making these images; try fewer images or a smaller size"
    first_line = (str(error).strip().splitlines() or [""])[0][:200]
    return f"image generation failed: {type(error).__name__}" + (f": {first_line}" if first_line else "")


class ImageGenerator:
    """Holds loaded pipelines; ``generate`` turns a request dict into ``{"images", "metadata"}``.

    ``local_folder`` replaces the registry: every model id is served by that one diffusers folder.
    With ``local_files_only`` (the default) the registry's weights come from ``cache_dir`` alone (a hub
    cache filled by ``modal_app.weights.download_model``); missing weights raise WeightsMissing.
    """

    def __init__(
        self,
        cache_dir: str | None = None,
        local_folder: str | None = None,
        device: str | None = None,
        dtype: str | None = None,
        local_files_only: bool = True,
    ) -> None:
        self.cache_dir = cache_dir
        self.local_folder = local_folder
        self.device = device
        self.dtype = dtype  # "bfloat16" | "float32"; default: bfloat16 on CUDA, float32 on CPU
        self.local_files_only = local_files_only
        self._pipelines: dict[str, Any] = {}

    def _device(self) -> str:
        if self.device is None:
            import torch

            self.device = "cuda" if torch.cuda.is_available() else "cpu"
        return self.device

    def load(self, model_id: str) -> Any:
        """The pipeline for ``model_id``, loaded on first use and kept."""
        key = "local" if self.local_folder else model_id
        if key in self._pipelines:
            return self._pipelines[key]
        import torch
        from diffusers import DiffusionPipeline

        device = self._device()
        dtype = getattr(torch, self.dtype or ("bfloat16" if device == "cuda" else "float32"))
        if self.local_folder:
            pipeline = DiffusionPipeline.from_pretrained(self.local_folder, dtype=dtype)
        else:
            pipeline = self._load_registered(model_id, dtype)
            # Decode in tiles (bounded memory at any size) and one image of a batch at a time. Not for a
            # local folder: tiles can move a pixel by one level between a batch and a lone image on the
            # CPU, and a person's own model is the one place where a seed remakes an image exactly.
            pipeline.vae.enable_tiling()
            pipeline.vae.enable_slicing()
        pipeline.to(device)
        if hasattr(pipeline, "set_progress_bar_config"):
            pipeline.set_progress_bar_config(disable=True)
        self._pipelines[key] = pipeline
        return pipeline

    def _load_registered(self, model_id: str, dtype: Any) -> Any:
        from diffusers import DiffusionPipeline

        source = MODEL_SOURCES[model_id]
        extra: dict[str, Any] = {}
        if source.scheduler_config is not None:
            from diffusers import FlowMatchEulerDiscreteScheduler

            extra["scheduler"] = FlowMatchEulerDiscreteScheduler.from_config(source.scheduler_config)
        where = {"cache_dir": self.cache_dir, "local_files_only": self.local_files_only}
        try:
            pipeline = DiffusionPipeline.from_pretrained(source.repo, dtype=dtype, **where, **extra)
            if source.lora_repo:
                pipeline.load_lora_weights(source.lora_repo, weight_name=source.lora_file, **where)
        except OSError as error:  # diffusers and huggingface_hub raise OSError subclasses for missing files
            if not self.local_files_only:
                raise
            raise WeightsMissing(
                f"the weights of {model_id} are not in the weights volume; run `{DOWNLOAD_COMMAND}` once"
            ) from error
        if source.lora_repo:
            pipeline.fuse_lora()
            # Fusing wrote the LoRA into the base weights; the adapter layers would stay resident (and run
            # on every step) until unloaded.
            pipeline.unload_lora_weights()
        return pipeline

    def move_to(self, device: str) -> None:
        """Move every loaded pipeline (after a memory snapshot restore, onto the GPU)."""
        self.device = device
        for pipeline in self._pipelines.values():
            pipeline.to(device)

    def generate(self, request: dict[str, Any]) -> dict[str, Any]:
        """Image ``i`` of a batch is drawn with ``seed + i`` on its own generator, so any one image can be
        made again alone from its recorded seed. Raises GenerationFailed for a request the model refuses."""
        import torch

        call = prepare_call(request, registry=not self.local_folder)
        pipeline = self.load(call.model_id)
        # CPU generators give the same noise on every device, so a seed means the same image.
        generators = [torch.Generator(device="cpu").manual_seed(value) for value in call.seeds]
        output = pipeline(generator=generators, **call.kwargs)
        return package(call, list(output.images))
