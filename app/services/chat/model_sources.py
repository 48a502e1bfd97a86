"""Where the model picker's names come from: the Marketplace catalog, a provider's own list, local servers.

Qt-free; the chat controller asks and hands the answers to the view.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from app.services.providers.base import ChatProvider
from app.services.providers.local import LocalServer, detect_local_servers
from app.services.providers.registry import PROVIDERS

log = logging.getLogger(__name__)


class ModelSources:
    """``catalog`` is the app's ``CatalogService`` (or None): anything with ``load_async``, ``chat_models``
    and ``get``; an unreadable catalog never stops Chat, it only offers fewer names."""

    def __init__(self, catalog: Any, provider_factory: Callable[[str], ChatProvider]) -> None:
        self._catalog = catalog
        self._provider_factory = provider_factory

    async def catalog_models(self) -> dict[str, list[str]]:
        """The catalog's chat models by the provider id that serves them (model names as that provider
        knows them); empty when the catalog cannot be read."""
        catalog = self._catalog
        if catalog is None or not hasattr(catalog, "chat_models"):
            return {}
        try:
            if hasattr(catalog, "load_async"):
                await catalog.load_async()
            served: dict[str, list[str]] = {}
            for entry in catalog.chat_models():
                for way in getattr(entry, "served_by", ()):
                    served.setdefault(str(way.provider), []).append(str(way.model))
        except Exception:  # the picker still works with typed names and listed models
            log.exception("could not read chat models from the catalog")
            return {}
        return served

    def serving(self, model_id: str) -> tuple[str, str]:
        """(provider, model) that runs a catalog model: its first serving provider in the catalog, else
        ``maker/name`` when the maker is a provider, else OpenRouter, which serves most open models."""
        catalog = self._catalog
        try:
            entry = catalog.get(model_id) if catalog is not None and hasattr(catalog, "get") else None
        except Exception:  # an unreadable catalog must not stop Chat from opening
            log.exception("catalog lookup of %s failed", model_id)
            entry = None
        served = getattr(entry, "served_by", ()) if entry is not None else ()
        if served:
            return str(served[0].provider), str(served[0].model)
        maker, _, name = model_id.partition("/")
        if name and maker in {info.id for info in PROVIDERS}:
            return maker, name
        return "openrouter", model_id

    async def local_servers(self) -> list[LocalServer]:
        """The OpenAI-compatible servers answering on this machine's usual ports (Ollama, LM Studio, …)."""
        return await detect_local_servers()

    async def provider_models(self, provider_id: str) -> list[str]:
        """The provider's own model list. Raises ``ProviderError`` (no key, refused, offline)."""
        return await self._provider_factory(provider_id).list_models()
