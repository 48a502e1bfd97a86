"""ComfyUI and AUTOMATIC1111 engines against loopback fakes of their HTTP APIs; discovery on default ports."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from modal_app.compute.a1111 import DEFAULT_URL as A1111_URL
from modal_app.compute.a1111 import A1111Compute
from modal_app.compute.base import (
    ComputeError,
    Done,
    Failed,
    GenerationRequest,
    ImageCompute,
    JobInputs,
    Pending,
    PollResult,
)
from modal_app.compute.comfyui import DEFAULT_URL as COMFYUI_URL
from modal_app.compute.comfyui import ComfyUICompute
from modal_app.compute.engines import EngineSettings, probe_server
from modal_app.local import LocalStudio
from tests.fakes.a1111_fake import A1111State, a1111_app
from tests.fakes.chat_servers import ServerThread, free_port
from tests.fakes.comfyui_fake import ComfyState, comfyui_app
from tests.server.conftest import bearer, running


def job(prompt: str = "a lighthouse", count: int = 1, checkpoint: str = "") -> GenerationRequest:
    return GenerationRequest(
        model="comfyui",
        prompt=prompt,
        width=768,
        height=512,
        count=count,
        seed=42,
        steps=8,
        negative_prompt="blurry",
        inputs=JobInputs(checkpoint=checkpoint),
    )


async def settle(engine: ImageCompute, call: str) -> PollResult:
    while isinstance(result := await engine.poll(call), Pending):
        await asyncio.sleep(0.01)
    return result


@pytest.fixture
def comfy() -> Iterator[tuple[str, ComfyState]]:
    state = ComfyState()
    server = ServerThread(comfyui_app(state)).start()
    yield server.url, state
    server.stop()


@pytest.fixture
def forge() -> Iterator[tuple[str, A1111State]]:
    state = A1111State()
    server = ServerThread(a1111_app(state)).start()
    yield server.url, state
    server.stop()


async def test_comfyui_runs_the_builtin_workflow_with_the_first_checkpoint(comfy: tuple[str, ComfyState]) -> None:
    url, state = comfy
    engine = ComfyUICompute(url)
    try:
        call = await engine.submit(job(count=2))
        result = await settle(engine, call)
    finally:
        await engine.close()
    assert isinstance(result, Done) and len(result.images) == 2
    assert Image.open(io.BytesIO(result.images[0])).format == "PNG"
    graph = state.prompts[call]
    assert graph["4"]["inputs"]["ckpt_name"] == "sd_xl_base_1.0.safetensors"
    assert graph["5"]["inputs"] == {"width": 768, "height": 512, "batch_size": 2}
    assert graph["3"]["inputs"]["seed"] == 42 and graph["7"]["inputs"]["text"] == "blurry"


async def test_comfyui_picked_checkpoint_errors_and_cancel(comfy: tuple[str, ComfyState]) -> None:
    url, state = comfy
    engine = ComfyUICompute(url)
    try:
        call = await engine.submit(job(checkpoint="dreamshaper_8.safetensors"))
        assert state.prompts[call]["4"]["inputs"]["ckpt_name"] == "dreamshaper_8.safetensors"
        with pytest.raises(ComputeError, match="ComfyUI refused the workflow: Prompt outputs failed validation"):
            await engine.submit(job(checkpoint="missing.safetensors"))
        exploded = await settle(engine, await engine.submit(job("explode")))
        assert exploded == Failed("ComfyUI could not run the workflow: CUDA out of memory")
        state.auto_finish = False
        running_call = await engine.submit(job())
        assert isinstance(await engine.poll(running_call), Pending)
        await engine.cancel(running_call)
        assert state.interrupts == [{"prompt_id": running_call}] and state.deleted == [running_call]
    finally:
        await engine.close()


async def test_comfyui_closed_fails_the_submit_clearly() -> None:
    engine = ComfyUICompute(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(ComputeError, match=r"could not reach ComfyUI at .*; is it running\?"):
            await engine.submit(job())
    finally:
        await engine.close()


async def test_a1111_generates_drops_the_grid_and_cancel_interrupts(forge: tuple[str, A1111State]) -> None:
    url, state = forge
    engine = A1111Compute(url)
    try:
        result = await settle(engine, await engine.submit(job(count=3, checkpoint="v1-5-pruned-emaonly.safetensors")))
        assert isinstance(result, Done) and len(result.images) == 3
        assert {Image.open(io.BytesIO(png)).size for png in result.images} == {(8, 8)}  # no 16x16 grid
        body = state.bodies[0]
        assert (body["width"], body["height"], body["batch_size"], body["seed"]) == (768, 512, 3, 42)
        assert body["override_settings"] == {"sd_model_checkpoint": "v1-5-pruned-emaonly.safetensors"}

        state.hold = True
        call = await engine.submit(job())
        while state.started < 2:
            await asyncio.sleep(0.01)
        await engine.cancel(call)
        assert state.interrupts == 1
        assert await engine.poll(call) == Failed(
            "this job's engine call was lost (the Studio API restarted); please submit it again"
        )
    finally:
        await engine.close()


def _port_free(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def test_discovery_finds_servers_on_their_default_ports_and_not_when_closed() -> None:
    if not (_port_free(COMFYUI_URL) and _port_free(A1111_URL)):
        pytest.skip("a real ComfyUI or AUTOMATIC1111 (or another program) uses a default port here")
    assert await probe_server("comfyui", COMFYUI_URL) == (False, [])
    assert await probe_server("a1111", A1111_URL) == (False, [])
    comfy = ServerThread(comfyui_app(ComfyState()), port=8188).start()
    forge = ServerThread(a1111_app(A1111State()), port=7860).start()
    try:
        assert await probe_server("comfyui", COMFYUI_URL) == (
            True,
            ["sd_xl_base_1.0.safetensors", "dreamshaper_8.safetensors"],
        )
        assert await probe_server("a1111", A1111_URL) == (True, ["v1-5-pruned-emaonly.safetensors [6ce0161689]"])
    finally:
        comfy.stop()
        forge.stop()
    assert await probe_server("comfyui", COMFYUI_URL) == (False, [])


async def test_the_local_studio_reports_and_uses_a_running_comfyui(
    tmp_path: Path, comfy: tuple[str, ComfyState]
) -> None:
    url, state = comfy
    closed = f"http://127.0.0.1:{free_port()}"
    app, token = LocalStudio(tmp_path / "s", engines=EngineSettings(comfyui_url=url, a1111_url=closed)).start()
    async with running(app) as client:
        models = {model["id"]: model for model in (await client.get("/v1/image-models")).json()["models"]}
        assert (models["comfyui"]["ready"], models["comfyui"]["engine"]) == (True, "comfyui")
        a1111 = models["a1111"]
        assert (a1111["ready"], a1111["fix"]) == (False, "server:a1111")
        assert a1111["reason"] == f"AUTOMATIC1111 / Forge not found at {closed} — start it, then refresh"
        engines = {
            item["id"]: item for item in (await client.get("/v1/engines", headers=bearer(token))).json()["engines"]
        }
        assert engines["comfyui"]["state"] == "ready" and engines["comfyui"]["checkpoints"] == state.checkpoints
        assert engines["a1111"]["state"] == "not_found" and engines["openai"]["state"] == "needs_key"
        headers = {**bearer(token), "X-Engine-Checkpoint": "dreamshaper_8.safetensors"}
        body = {"model": "comfyui", "prompt": "a harbour at dawn", "seed": 9}
        made = (await client.post("/v1/images", json=body, headers=headers)).json()
        while made["state"] in ("queued", "running"):
            made = (await client.get(f"/v1/images/{made['id']}?wait=25", headers=bearer(token))).json()
        assert made["state"] == "completed", made["error"]
        (graph,) = state.prompts.values()
        assert graph["4"]["inputs"]["ckpt_name"] == "dreamshaper_8.safetensors" and graph["3"]["inputs"]["seed"] == 9
        # Cancel of a running ComfyUI job reaches ComfyUI.
        state.auto_finish = False
        made = (await client.post("/v1/images", json=body, headers=bearer(token))).json()
        cancelled = (await client.post(f"/v1/images/{made['id']}/cancel", headers=bearer(token))).json()
        assert cancelled["state"] == "cancelled" and len(state.interrupts) == 1
