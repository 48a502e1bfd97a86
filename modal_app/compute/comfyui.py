"""ComfyUI, the person's own server (default ``http://127.0.0.1:8188``), through its HTTP API.

``POST /prompt`` with an API-format workflow answers ``{"prompt_id", "number", "node_errors"}`` (a 400 with
``{"error": {...}, "node_errors": {...}}`` when the workflow is refused); ``GET /history/{prompt_id}`` is
``{}`` until the prompt ran, then ``{id: {"outputs": {node: {"images": [{filename, subfolder, type}]}},
"status": {"status_str", "completed", "messages"}}}``; ``GET /view?filename=&subfolder=&type=`` serves an
image; ``POST /interrupt`` stops the running prompt and ``POST /queue {"delete": [id]}`` drops a queued one;
``GET /object_info/CheckpointLoaderSimple`` lists the checkpoints (github.com/comfyanonymous/ComfyUI,
``server.py``). The call id is ComfyUI's prompt id, so polling works after a restart of either side.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from modal_app.compute.base import (
    ComputeError,
    Done,
    Failed,
    GenerationRequest,
    ImageCompute,
    Pending,
    PollResult,
)
from modal_app.compute.images_io import as_png
from modal_app.tls import tls_context_for

DEFAULT_URL = "http://127.0.0.1:8188"
OUTPUT_NODE = "9"


def text_to_image_workflow(request: GenerationRequest, checkpoint: str) -> dict[str, Any]:
    """The built-in text-to-image graph (API format): checkpoint → prompts → KSampler → VAE decode → save."""
    return {
        "3": {
            "class_type": "KSampler",
            "inputs": {
                "seed": request.seed,
                "steps": request.steps or 20,
                "cfg": 7.0,
                "sampler_name": "euler",
                "scheduler": "normal",
                "denoise": 1.0,
                "model": ["4", 0],
                "positive": ["6", 0],
                "negative": ["7", 0],
                "latent_image": ["5", 0],
            },
        },
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": checkpoint}},
        "5": {
            "class_type": "EmptyLatentImage",
            "inputs": {"width": request.width, "height": request.height, "batch_size": request.count},
        },
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": request.prompt, "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": request.negative_prompt, "clip": ["4", 1]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        OUTPUT_NODE: {"class_type": "SaveImage", "inputs": {"filename_prefix": "amethyst", "images": ["8", 0]}},
    }


def checkpoint_names(object_info: Any) -> list[str]:
    """Checkpoint file names from ``/object_info/CheckpointLoaderSimple`` (old ``[[names], {}]`` and new
    ``["COMBO", {"options": [names]}]`` input shapes)."""
    try:
        spec = object_info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"]
    except (KeyError, TypeError):
        return []
    if isinstance(spec, list) and spec and isinstance(spec[0], list):
        return [str(name) for name in spec[0]]
    if isinstance(spec, list) and len(spec) > 1 and isinstance(spec[1], dict):
        return [str(name) for name in spec[1].get("options", [])]
    return []


class ComfyUICompute(ImageCompute):
    shared_calls = False

    def __init__(self, url: str = DEFAULT_URL, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.AsyncClient(base_url=self.url, timeout=timeout, verify=tls_context_for(self.url))
        self._client_id = uuid.uuid4().hex

    async def checkpoints(self) -> list[str]:
        """The checkpoints this ComfyUI has (raises httpx.HTTPError when it cannot be reached)."""
        response = await self._client.get("/object_info/CheckpointLoaderSimple")
        response.raise_for_status()
        return checkpoint_names(response.json())

    async def submit(self, request: GenerationRequest) -> str:
        try:
            checkpoint = request.inputs.checkpoint
            if not checkpoint:
                names = await self.checkpoints()
                if not names:
                    raise ComputeError("ComfyUI has no checkpoints — put one in ComfyUI/models/checkpoints")
                checkpoint = names[0]
            body = {"prompt": text_to_image_workflow(request, checkpoint), "client_id": self._client_id}
            response = await self._client.post("/prompt", json=body)
        except httpx.HTTPError as error:
            raise ComputeError(
                f"could not reach ComfyUI at {self.url} ({type(error).__name__}); is it running?"
            ) from error
        if response.status_code != 200:
            raise ComputeError(f"ComfyUI refused the workflow: {_error_text(response)}")
        return str(response.json()["prompt_id"])

    async def poll(self, call_id: str) -> PollResult:
        response = await self._client.get(f"/history/{call_id}")
        response.raise_for_status()
        entry = response.json().get(call_id)
        if not entry:
            return Pending()
        status = entry.get("status") or {}
        if status.get("status_str") == "error":
            return Failed(f"ComfyUI could not run the workflow: {_status_error(status)}")
        if not status.get("completed", True):
            return Pending()
        images: list[bytes] = []
        for picture in (entry.get("outputs", {}).get(OUTPUT_NODE) or {}).get("images", []):
            params = {key: picture.get(key, "") for key in ("filename", "subfolder", "type")}
            view = await self._client.get("/view", params=params)
            view.raise_for_status()
            images.append(as_png(view.content))
        if not images:
            return Failed("ComfyUI finished without saving an image")
        return Done(images=images, metadata={"engine": "comfyui"})

    async def cancel(self, call_id: str) -> None:
        # Drop it from the queue if it waits there; interrupt it if it runs (newer ComfyUI takes prompt_id).
        await self._client.post("/queue", json={"delete": [call_id]})
        await self._client.post("/interrupt", json={"prompt_id": call_id})

    async def close(self) -> None:
        await self._client.aclose()


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error.get("type") or body)
    return str(error or body)[:300]


def _status_error(status: dict[str, Any]) -> str:
    for kind, data in status.get("messages", []):
        if kind == "execution_error" and isinstance(data, dict):
            return str(data.get("exception_message") or data.get("exception_type") or "error").strip()
    return "error"
