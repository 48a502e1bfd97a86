"""Finding OpenAI-compatible servers on this computer: Ollama, LM Studio, llama.cpp's server, vLLM."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import httpx

from app.services.providers.registry import PROVIDERS, ProviderInfo

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 0.6


@dataclass(frozen=True)
class LocalServer:
    provider_id: str
    name: str
    base_url: str
    models: tuple[str, ...]


def local_providers() -> tuple[ProviderInfo, ...]:
    return tuple(info for info in PROVIDERS if info.local)


async def _probe(client: httpx.AsyncClient, info: ProviderInfo, base_url: str) -> LocalServer | None:
    try:
        response = await client.get(f"{base_url.rstrip('/')}/models")
        response.raise_for_status()
        payload = response.json()
        entries = payload.get("data", []) if isinstance(payload, dict) else []
        models = tuple(str(entry["id"]) for entry in entries if isinstance(entry, dict) and "id" in entry)
    except (httpx.HTTPError, ValueError, KeyError) as error:
        log.debug("no %s at %s: %s", info.name, base_url, error)
        return None
    return LocalServer(info.id, info.name, base_url, models)


async def detect_local_servers(
    candidates: dict[str, str] | None = None, timeout: float = PROBE_TIMEOUT_S
) -> list[LocalServer]:
    """Servers that answer ``GET /v1/models`` on the usual loopback ports, with the models they list.

    ``candidates`` maps provider id → base URL; by default every local provider of the registry.
    """
    urls = candidates or {info.id: info.base_url for info in local_providers()}
    infos = {info.id: info for info in PROVIDERS}
    async with httpx.AsyncClient(timeout=httpx.Timeout(timeout), trust_env=False) as client:
        found = await asyncio.gather(*(_probe(client, infos[pid], url) for pid, url in urls.items()))
    return [server for server in found if server is not None]
