"""A loopback fake of the AUTOMATIC1111 / Forge API (``modules/api/api.py``): ``txt2img``, ``options``,
``sd-models``, ``interrupt``. ``txt2img`` answers base64 PNGs (a grid first when the batch has several) and an
``info`` JSON string; it waits for ``release`` while ``hold`` is set, so Cancel can be tested mid-request."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request

from tests.fakes.images_common import png


@dataclass
class A1111State:
    checkpoint: str = "v1-5-pruned-emaonly.safetensors [6ce0161689]"
    hold: bool = False
    release: asyncio.Event | None = None
    bodies: list[dict[str, Any]] = field(default_factory=list)
    interrupts: int = 0
    started: int = 0


def a1111_app(state: A1111State) -> FastAPI:
    app = FastAPI()

    @app.get("/sdapi/v1/options")
    async def options() -> dict[str, Any]:
        return {"sd_model_checkpoint": state.checkpoint, "samples_format": "png"}

    @app.get("/sdapi/v1/sd-models")
    async def models() -> list[dict[str, Any]]:
        return [{"title": state.checkpoint, "model_name": "v1-5-pruned-emaonly", "filename": "/m/v1-5.safetensors"}]

    @app.post("/sdapi/v1/txt2img")
    async def txt2img(request: Request) -> dict[str, Any]:
        body = await request.json()
        state.bodies.append(body)
        state.started += 1
        if state.hold:
            state.release = state.release or asyncio.Event()
            await state.release.wait()
        count = int(body.get("batch_size", 1))
        pictures = [png((count, index, 9)) for index in range(count)]
        if count > 1:
            pictures.insert(0, png((0, 0, 0), (16, 16)))  # the grid
        info = {"seed": body.get("seed"), "sd_model_name": "v1-5-pruned-emaonly"}
        return {
            "images": [base64.b64encode(picture).decode() for picture in pictures],
            "parameters": body,
            "info": json.dumps(info),
        }

    @app.post("/sdapi/v1/interrupt")
    async def interrupt() -> dict[str, Any]:
        state.interrupts += 1
        if state.release is not None:
            state.release.set()
        return {}

    return app
