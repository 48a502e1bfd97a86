"""The engine registry: one ImageCompute that sends each job to the engine serving its model.

The image-model table (``image_models.ModelSpec.engines``) lists, per model, the engines that can serve it in
order of preference; this server has some of them (``EngineSettings``). Call ids are ``"<engine>:<id>"``; an
id without a known prefix (stored before engines existed) belongs to the default engine. ``model_state``
says, for each model, whether it can run here now and why not (local servers are probed, at most every
``PROBE_TTL`` seconds).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from modal_app.compute.base import GenerationRequest, ImageCompute, PollResult
from modal_app.contract import EngineState
from modal_app.tls import tls_context_for

if TYPE_CHECKING:
    from modal_app.image_models import ModelSpec

PROBE_TTL = 3.0
PROBE_TIMEOUT = 1.5
ENGINE_NAMES = {
    "modal": "Amethyst cloud GPUs",
    "local": "Local model",
    "openai": "OpenAI Images",
    "gemini": "Google Gemini",
    "comfyui": "ComfyUI",
    "a1111": "AUTOMATIC1111 / Forge",
}
#: Which keyring entry (Settings → API keys) each provider engine needs on the Local connection.
ENGINE_KEYS = {"openai": "openai", "gemini": "google"}
PROBES = {"comfyui": "/system_stats", "a1111": "/sdapi/v1/options"}


@dataclass
class EngineSettings:
    """Which engines a server runs and how to reach them. Keys here are the server's own (Cloud); on the
    Local connection they stay None and every job brings the person's key."""

    openai_api_key: str | None = None
    openai_base_url: str | None = None
    google_api_key: str | None = None
    google_base_url: str | None = None
    comfyui_url: str | None = None  # None: not used on this server
    a1111_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], local: bool) -> EngineSettings:
        """``OPENAI_API_KEY`` / ``GOOGLE_API_KEY`` (or ``GEMINI_API_KEY``) are read on the Cloud only; local
        servers default to their usual ports on the Local connection (``AMETHYST_COMFYUI_URL``,
        ``AMETHYST_A1111_URL`` change them, "off" turns one off)."""
        from modal_app.compute.a1111 import DEFAULT_URL as A1111_URL
        from modal_app.compute.comfyui import DEFAULT_URL as COMFYUI_URL

        def url(name: str, default: str | None) -> str | None:
            value = env.get(name, default or "")
            return None if not value or value.lower() == "off" else value

        return cls(
            openai_api_key=None if local else env.get("OPENAI_API_KEY") or None,
            openai_base_url=env.get("AMETHYST_OPENAI_BASE_URL") or None,
            google_api_key=None if local else (env.get("GOOGLE_API_KEY") or env.get("GEMINI_API_KEY") or None),
            google_base_url=env.get("AMETHYST_GOOGLE_BASE_URL") or None,
            comfyui_url=url("AMETHYST_COMFYUI_URL", COMFYUI_URL if local else None),
            a1111_url=url("AMETHYST_A1111_URL", A1111_URL if local else None),
        )


def plain_engine(compute: ImageCompute) -> str:
    """The engine a compute without a router stands for (an injected one in tests, a bare back-end)."""
    return "modal" if compute.shared_calls else "local"


def default_engine_settings(local: bool) -> EngineSettings:
    return EngineSettings.from_env(os.environ, local)


class EngineRouter(ImageCompute):
    """Routes each job by its model; ``engines`` maps engine id → compute, the first is the default."""

    def __init__(
        self,
        engines: dict[str, ImageCompute],
        find_model: Callable[[str], ModelSpec | None] | None = None,
        *,
        local: bool,
    ) -> None:
        if not engines:
            raise ValueError("an engine router needs at least one engine")
        from modal_app.image_models import find_model as table_lookup

        self.engines = engines
        self.default = next(iter(engines))
        self.local = local
        self.shared_calls = all(engine.shared_calls for engine in engines.values())
        self._find_model = find_model or table_lookup
        self._probes: dict[str, tuple[float, bool, list[str]]] = {}

    # --- routing --------------------------------------------------------------------------------------
    def engine_for(self, model_id: str) -> str | None:
        """The engine that serves ``model_id`` here: the first of the model's engines this server runs."""
        model = self._find_model(model_id)
        if model is None:
            return None
        return next((name for name in model.engines if name in self.engines), None)

    def needs_job_key(self, model_id: str) -> str | None:
        """The keyring entry a job of this model must bring (Local connection), or None."""
        name = self.engine_for(model_id)
        engine = self.engines.get(name or "")
        wants = getattr(engine, "needs_job_key", None)
        return ENGINE_KEYS.get(name or "") if wants is not None and wants() else None

    def _split(self, call_id: str) -> tuple[str, str]:
        name, sep, inner = call_id.partition(":")
        if sep and name in self.engines:
            return name, inner
        return self.default, call_id

    async def submit(self, request: GenerationRequest) -> str:
        name = self._engine_or_fail(request.model)
        return f"{name}:{await self.engines[name].submit(request)}"

    async def submit_recorded(self, request: GenerationRequest, record: Callable[[str], bool]) -> tuple[str, bool]:
        name = self._engine_or_fail(request.model)
        inner, kept = await self.engines[name].submit_recorded(request, lambda call: record(f"{name}:{call}"))
        return f"{name}:{inner}", kept

    def _engine_or_fail(self, model_id: str) -> str:
        from modal_app.compute.base import ComputeError

        name = self.engine_for(model_id)
        if name is None:
            raise ComputeError(f"no engine on this Studio API serves {model_id}")
        return name

    async def poll(self, call_id: str) -> PollResult:
        name, inner = self._split(call_id)
        return await self.engines[name].poll(inner)

    async def poll_many(self, call_ids: list[str]) -> dict[str, PollResult | BaseException]:
        groups: dict[str, list[tuple[str, str]]] = {}
        for call_id in call_ids:
            name, inner = self._split(call_id)
            groups.setdefault(name, []).append((call_id, inner))
        results: dict[str, PollResult | BaseException] = {}
        for name, pairs in groups.items():
            answers = await self.engines[name].poll_many([inner for _, inner in pairs])
            for outer, inner in pairs:
                results[outer] = answers[inner]
        return results

    async def cancel(self, call_id: str) -> None:
        name, inner = self._split(call_id)
        await self.engines[name].cancel(inner)

    def readiness(self) -> tuple[bool, str]:
        return self.engines[self.default].readiness()

    async def close(self) -> None:
        for engine in self.engines.values():
            await engine.close()

    # --- readiness ------------------------------------------------------------------------------------
    async def probe(self, name: str, force: bool = False) -> tuple[bool, list[str]]:
        """Whether the local server of engine ``name`` answers, and its checkpoints (cached PROBE_TTL s)."""
        cached = self._probes.get(name)
        if cached and not force and time.monotonic() - cached[0] < PROBE_TTL:
            return cached[1], cached[2]
        engine: Any = self.engines.get(name)
        up, checkpoints = False, list[str]()
        if engine is not None:
            up, checkpoints = await probe_server(name, engine.url)
        self._probes[name] = (time.monotonic(), up, checkpoints)
        return up, checkpoints

    async def model_state(self, model: ModelSpec) -> tuple[str, bool, str, str]:
        """(engine, ready, reason, fix) for one model on this server."""
        name = next((engine for engine in model.engines if engine in self.engines), None)
        if name is None:
            where = ", ".join(ENGINE_NAMES.get(engine, engine) for engine in model.engines)
            return "", False, f"not served by this Studio API (needs {where})", "settings"
        engine: Any = self.engines[name]
        if name in ENGINE_KEYS and getattr(engine, "needs_job_key", lambda: False)():
            # Ready as far as this server knows; the desktop checks its keyring for the key (fix "key:…").
            return name, True, "", f"key:{name}"
        if name in PROBES:
            up, checkpoints = await self.probe(name)
            if not up:
                return (
                    name,
                    False,
                    f"{ENGINE_NAMES[name]} not found at {engine.url} — start it, then refresh",
                    f"server:{name}",
                )
            if name == "comfyui" and not checkpoints:
                return (
                    name,
                    False,
                    "ComfyUI has no checkpoints — put one in ComfyUI/models/checkpoints",
                    f"server:{name}",
                )
            return name, True, "", ""
        if hasattr(engine, "model_readiness"):
            ready, reason, fix = engine.model_readiness(model.id)
            return name, ready, reason, fix
        ready, reason = engine.readiness()
        return name, ready, reason, "" if ready else "settings"

    async def engine_states(self, key_present: Callable[[str], bool] | None = None) -> list[EngineState]:
        """Every engine this server runs, as Settings → Studio shows it."""
        states = []
        for name, engine in self.engines.items():
            title = ENGINE_NAMES.get(name, name)
            url = str(getattr(engine, "url", "") or "")
            if name in PROBES:
                up, checkpoints = await self.probe(name, force=True)
                state = "ready" if up else "not_found"
                detail = f"found at {url}" if up else f"not found at {url}"
                states.append(
                    EngineState(
                        id=name, name=title, state=state, detail=detail, url=url, checkpoints=tuple(checkpoints)
                    )
                )
            elif name in ENGINE_KEYS and getattr(engine, "needs_job_key", lambda: False)():
                states.append(
                    EngineState(
                        id=name, name=title, state="needs_key", detail="uses your own key from Settings → API keys"
                    )
                )
            elif hasattr(engine, "engine_state"):  # the managed local model: installed? downloaded?
                state, detail = engine.engine_state()
                states.append(EngineState(id=name, name=title, state=state, detail=detail))
            else:
                ready, reason = engine.readiness()
                states.append(EngineState(id=name, name=title, state="ready" if ready else "not_ready", detail=reason))
        return states


async def probe_server(name: str, url: str, timeout: float = PROBE_TIMEOUT) -> tuple[bool, list[str]]:
    """Ask a ComfyUI or AUTOMATIC1111 server whether it is there; (answers, checkpoint names)."""
    try:
        async with httpx.AsyncClient(base_url=url, timeout=timeout, verify=tls_context_for(url)) as client:
            response = await client.get(PROBES[name])
            if response.status_code != 200:
                return False, []
            if name == "comfyui":
                from modal_app.compute.comfyui import checkpoint_names

                info = await client.get("/object_info/CheckpointLoaderSimple")
                return True, checkpoint_names(info.json()) if info.status_code == 200 else []
            models = await client.get("/sdapi/v1/sd-models")
            titles = [str(item.get("title", "")) for item in models.json()] if models.status_code == 200 else []
            return True, titles
    except (httpx.HTTPError, ValueError):
        return False, []


def build_engines(base: ImageCompute, base_name: str, settings: EngineSettings, *, local: bool) -> EngineRouter:
    """The router for a server: its base compute ("modal" or "local") first, then the provider APIs and,
    where configured, the person's local servers."""
    from modal_app.compute.a1111 import A1111Compute
    from modal_app.compute.comfyui import ComfyUICompute
    from modal_app.compute.gemini_images import GeminiImageCompute
    from modal_app.compute.openai_images import OpenAIImageCompute
    from modal_app.image_models import find_model

    def vendor(model_id: str) -> str:
        model = find_model(model_id)
        return model.vendor_id or model.id if model else model_id

    engines: dict[str, ImageCompute] = {base_name: base}
    if local or settings.openai_api_key:
        engines["openai"] = OpenAIImageCompute(settings.openai_api_key, settings.openai_base_url, vendor_ids=vendor)
    if local or settings.google_api_key:
        engines["gemini"] = GeminiImageCompute(settings.google_api_key, settings.google_base_url, vendor_ids=vendor)
    if settings.comfyui_url:
        engines["comfyui"] = ComfyUICompute(settings.comfyui_url)
    if settings.a1111_url:
        engines["a1111"] = A1111Compute(settings.a1111_url)
    return EngineRouter(engines, local=local)


async def gather_states(router: EngineRouter, models: list[ModelSpec]) -> list[tuple[str, bool, str, str]]:
    return list(await asyncio.gather(*(router.model_state(model) for model in models)))
