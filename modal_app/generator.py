"""The GPU side: text-to-image pipelines keyed by the image-model table, loaded once, PNGs out.

Used by the Modal class in deploy.py (on an H100) and by the local worker process (a diffusers folder
named by AMETHYST_LOCAL_IMAGE_MODEL). torch and diffusers are imported inside functions only.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

from modal_app.image_models import IMAGE_MODELS, image_seed


@dataclass(frozen=True)
class ModelSource:
    """Where a model's weights come from and how its pipeline is called."""

    repo: str
    lora_repo: str | None = None
    lora_file: str | None = None
    # FlowMatchEulerDiscreteScheduler settings the distilled weights expect (None: the repo's own).
    scheduler_config: dict[str, Any] | None = None
    call_kwargs: dict[str, Any] = field(default_factory=dict)
    # Extra call arguments when a negative prompt is given (true CFG needs a scale above 1).
    negative_call_kwargs: dict[str, Any] = field(default_factory=dict)


# The Lightning LoRA was distilled with a fixed shift of 3 and exponential time shifting.
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
        lora_file="Qwen-Image-Lightning-4steps-V1.0.safetensors",
        scheduler_config=_LIGHTNING_SCHEDULER,
        call_kwargs={"true_cfg_scale": 1.0, "negative_prompt": " "},
        negative_call_kwargs={"true_cfg_scale": 4.0},
    ),
    "flux-schnell": ModelSource(
        repo="black-forest-labs/FLUX.1-schnell",
        call_kwargs={"guidance_scale": 0.0, "max_sequence_length": 256},
    ),
}

STEPS_BY_MODEL = {model.id: model.steps for model in IMAGE_MODELS}
NEGATIVE_PROMPT_MODELS = frozenset(model.id for model in IMAGE_MODELS if model.negative_prompt)


def model_supports_negative(model_id: str) -> bool:
    return model_id in NEGATIVE_PROMPT_MODELS


def encode_png(image: Any, text: dict[str, str]) -> bytes:
    """PNG bytes of a PIL image with ``text`` written as tEXt/iTXt chunks."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for key, value in text.items():
        info.add_itxt(key, value)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


class ImageGenerator:
    """Holds loaded pipelines; ``generate`` turns a request dict into ``{"images", "metadata"}``.

    ``local_folder`` replaces the registry: every model id is served by that one diffusers folder.
    """

    def __init__(
        self,
        cache_dir: str | None = None,
        local_folder: str | None = None,
        device: str | None = None,
        dtype: str | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        self.local_folder = local_folder
        self.device = device
        self.dtype = dtype  # "bfloat16" | "float32"; default: bfloat16 on CUDA, float32 on CPU
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
            source = MODEL_SOURCES[model_id]
            extra: dict[str, Any] = {}
            if source.scheduler_config is not None:
                from diffusers import FlowMatchEulerDiscreteScheduler

                extra["scheduler"] = FlowMatchEulerDiscreteScheduler.from_config(source.scheduler_config)
            pipeline = DiffusionPipeline.from_pretrained(source.repo, dtype=dtype, cache_dir=self.cache_dir, **extra)
            if source.lora_repo:
                pipeline.load_lora_weights(source.lora_repo, weight_name=source.lora_file, cache_dir=self.cache_dir)
                pipeline.fuse_lora()
        pipeline.to(device)
        if hasattr(pipeline, "set_progress_bar_config"):
            pipeline.set_progress_bar_config(disable=True)
        self._pipelines[key] = pipeline
        return pipeline

    def move_to(self, device: str) -> None:
        """Move every loaded pipeline (after a memory snapshot restore, onto the GPU)."""
        self.device = device
        for pipeline in self._pipelines.values():
            pipeline.to(device)

    def generate(self, request: dict[str, Any]) -> dict[str, Any]:
        """Image ``i`` of a batch is drawn with ``seed + i`` on its own generator, so any one image can be
        made again alone from its recorded seed."""
        import torch

        model_id = str(request["model"])
        width, height = int(request["width"]), int(request["height"])
        count, seed = int(request.get("count", 1)), int(request["seed"])
        steps = int(request.get("steps") or STEPS_BY_MODEL.get(model_id, 4))
        negative_prompt = str(request.get("negative_prompt") or "").strip()
        pipeline = self.load(model_id)
        kwargs = {} if self.local_folder else dict(MODEL_SOURCES[model_id].call_kwargs)
        if negative_prompt and model_supports_negative(model_id):
            kwargs["negative_prompt"] = negative_prompt
            if not self.local_folder:
                kwargs.update(MODEL_SOURCES[model_id].negative_call_kwargs)
        else:
            negative_prompt = ""
        seeds = [image_seed(seed, index) for index in range(count)]
        # CPU generators give the same noise on every device, so a seed means the same image.
        generators = [torch.Generator(device="cpu").manual_seed(value) for value in seeds]
        output = pipeline(
            prompt=str(request["prompt"]),
            width=width,
            height=height,
            num_inference_steps=steps,
            num_images_per_prompt=count,
            generator=generators,
            output_type="pil",
            **kwargs,
        )
        images = []
        for index, image in enumerate(output.images):
            text = {
                "prompt": str(request["prompt"]),
                "model": model_id,
                "size": f"{image.width}x{image.height}",
                "seed": str(seeds[index]),
                "batch_seed": str(seed),
                "steps": str(steps),
                "index": str(index),
                "software": "Amethyst Studio",
            }
            if negative_prompt:
                text["negative_prompt"] = negative_prompt
            images.append(encode_png(image, text))
        metadata = {
            "model": model_id,
            "width": width,
            "height": height,
            "seed": seed,
            "seeds": seeds,
            "steps": steps,
            "negative_prompt": negative_prompt,
        }
        return {"images": images, "metadata": metadata}
