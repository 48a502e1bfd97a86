"""AUTOMATIC1111 / Forge, the person's own server (default ``http://127.0.0.1:7860``, started with ``--api``).

``POST /sdapi/v1/txt2img`` runs the whole generation in one request and answers ``{"images": [base64 PNG],
"parameters": {...}, "info": "<json>"}``; ``override_settings.sd_model_checkpoint`` picks a checkpoint for
that request; ``GET /sdapi/v1/options`` tells the current one; ``POST /sdapi/v1/interrupt`` stops the running
generation (github.com/AUTOMATIC1111/stable-diffusion-webui, ``modules/api/api.py``). The request runs as an
in-process task; Cancel cancels it and interrupts the server.
"""

from __future__ import annotations

import base64
import json

import httpx

from modal_app.compute.base import Done, GenerationRequest
from modal_app.compute.calls import EngineFailure, TaskCompute
from modal_app.compute.images_io import as_png
from modal_app.tls import tls_context_for

DEFAULT_URL = "http://127.0.0.1:7860"


class A1111Compute(TaskCompute):
    engine = "a1111"

    def __init__(self, url: str = DEFAULT_URL, timeout: float = 900.0) -> None:
        super().__init__()
        self.url = url.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=self.url, timeout=httpx.Timeout(timeout, connect=5.0), verify=tls_context_for(self.url)
        )

    async def generate(self, request: GenerationRequest) -> Done:
        body: dict[str, object] = {
            "prompt": request.prompt,
            "negative_prompt": request.negative_prompt,
            "width": request.width,
            "height": request.height,
            "steps": request.steps or 20,
            "seed": request.seed,
            "batch_size": request.count,
            "n_iter": 1,
            "cfg_scale": 7.0,
        }
        if request.inputs.checkpoint:
            body["override_settings"] = {"sd_model_checkpoint": request.inputs.checkpoint}
        try:
            response = await self._client.post("/sdapi/v1/txt2img", json=body)
        except httpx.HTTPError as error:
            raise EngineFailure(
                f"could not reach AUTOMATIC1111 at {self.url} ({type(error).__name__}); is it running with --api?"
            ) from error
        if response.status_code != 200:
            raise EngineFailure(f"AUTOMATIC1111 answered {response.status_code}: {response.text[:300]}")
        answer = response.json()
        images = [as_png(base64.b64decode(item.split(",", 1)[-1])) for item in answer.get("images") or ()]
        if not images:
            raise EngineFailure("AUTOMATIC1111 returned no image")
        metadata: dict[str, object] = {"engine": "a1111"}
        try:
            info = json.loads(answer.get("info") or "{}")
            metadata["checkpoint"] = info.get("sd_model_name", "")
        except (ValueError, AttributeError):
            pass
        # With a batch, AUTOMATIC1111 puts a grid of the batch first: the last ``count`` images are the pictures.
        return Done(images=images[-request.count :], metadata=metadata)

    async def interrupt(self, call_id: str) -> None:
        await self._client.post("/sdapi/v1/interrupt")

    async def close(self) -> None:
        await super().close()
        await self._client.aclose()
