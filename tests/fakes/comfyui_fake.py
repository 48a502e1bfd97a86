"""A loopback fake of ComfyUI's HTTP API (``server.py`` of comfyanonymous/ComfyUI).

``POST /prompt`` queues an API-format workflow (``{"prompt_id", "number", "node_errors"}``); the prompt
"runs" until ``finish(prompt_id)`` or, when ``auto_finish``, at the next ``GET /history/{id}``. ``/view``
serves the saved image; ``/interrupt`` and ``/queue`` record what Cancel asked. A prompt with ``explode``
ends with an ``execution_error``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.fakes.images_common import png


@dataclass
class ComfyState:
    checkpoints: list[str] = field(default_factory=lambda: ["sd_xl_base_1.0.safetensors", "dreamshaper_8.safetensors"])
    auto_finish: bool = True
    prompts: dict[str, dict[str, Any]] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)
    interrupts: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def comfyui_app(state: ComfyState) -> FastAPI:
    app = FastAPI()

    @app.get("/system_stats")
    async def stats() -> dict[str, Any]:
        return {"system": {"os": "posix", "comfyui_version": "0.3.40"}, "devices": []}

    @app.get("/object_info/CheckpointLoaderSimple")
    async def checkpoints() -> dict[str, Any]:
        return {"CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": [state.checkpoints, {}]}}}}

    @app.post("/prompt")
    async def queue(request: Request) -> JSONResponse:
        body = await request.json()
        graph = body["prompt"]
        ckpt = graph["4"]["inputs"]["ckpt_name"]
        if ckpt not in state.checkpoints:
            error = {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation"}
            return JSONResponse({"error": error, "node_errors": {"4": {"errors": [{"message": ckpt}]}}}, 400)
        prompt_id = str(uuid.uuid4())
        state.prompts[prompt_id] = graph
        return JSONResponse({"prompt_id": prompt_id, "number": len(state.prompts), "node_errors": {}})

    @app.get("/history/{prompt_id}")
    async def history(prompt_id: str) -> dict[str, Any]:
        graph = state.prompts.get(prompt_id)
        if graph is None or prompt_id in state.deleted:
            return {}
        if state.auto_finish:
            state.finished.add(prompt_id)
        if prompt_id not in state.finished:
            return {}
        if "explode" in graph["6"]["inputs"]["text"]:
            messages = [["execution_error", {"prompt_id": prompt_id, "exception_message": "CUDA out of memory"}]]
            return {
                prompt_id: {"outputs": {}, "status": {"status_str": "error", "completed": False, "messages": messages}}
            }
        count = graph["5"]["inputs"]["batch_size"]
        images = [{"filename": f"amethyst_{i:05}_.png", "subfolder": "", "type": "output"} for i in range(count)]
        return {
            prompt_id: {
                "prompt": [1, prompt_id, graph, {}, ["9"]],
                "outputs": {"9": {"images": images}},
                "status": {"status_str": "success", "completed": True, "messages": []},
            }
        }

    @app.get("/view")
    async def view(filename: str, type: str = "output", subfolder: str = "") -> Response:
        return Response(png(), media_type="image/png")

    @app.post("/interrupt")
    async def interrupt(request: Request) -> Response:
        body = await request.body()
        state.interrupts.append(await request.json() if body else {})
        return Response(status_code=200)

    @app.post("/queue")
    async def edit_queue(request: Request) -> Response:
        state.deleted.extend((await request.json()).get("delete", []))
        return Response(status_code=200)

    return app
