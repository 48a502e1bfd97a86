"""Where the model picker's names come from: the Marketplace catalog, a provider's own list, local servers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from app.services.providers.base import ProviderError
from app.services.providers.local import detect_local_servers
from app.services.providers.registry import PROVIDERS

if TYPE_CHECKING:
    from app.views.chat.page import ChatPage

log = logging.getLogger(__name__)


class ModelSources:
    def __init__(self, page: ChatPage) -> None:
        self.page = page

    async def load_catalog_models(self) -> None:
        """Offers the catalog's chat models in the picker, under each provider that serves them."""
        catalog = getattr(self.page.context, "catalog", None)
        if catalog is None or not hasattr(catalog, "chat_models"):
            return
        try:
            if hasattr(catalog, "load_async"):
                await catalog.load_async()
            served: dict[str, list[str]] = {}
            for entry in catalog.chat_models():
                for way in getattr(entry, "served_by", ()):
                    served.setdefault(str(way.provider), []).append(str(way.model))
        except Exception:  # the picker still works with typed names and listed models
            log.exception("could not read chat models from the catalog")
            return
        for provider_id, models in served.items():
            self.page.params.add_models(provider_id, models)

    def serving(self, model_id: str) -> tuple[str, str]:
        """(provider, model) that runs a catalog model: its first serving provider in the catalog, else
        ``maker/name`` when the maker is a provider, else OpenRouter, which serves most open models."""
        catalog = getattr(self.page.context, "catalog", None)
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

    async def detect(self) -> None:
        params = self.page.params
        params.status.setText("Looking for local servers…")
        servers = await detect_local_servers()
        for server in servers:
            params.add_models(server.provider_id, list(server.models))
        found = ", ".join(f"{s.name} ({len(s.models)} models)" for s in servers)
        params.status.setText(
            f"Found {found}." if servers else "No local server answered on ports 11434, 1234, 8080 or 8000."
        )

    async def list_models(self, provider_id: str) -> None:
        params = self.page.params
        params.status.setText("Listing models…")
        try:
            models = await self.page.service.provider_factory(provider_id).list_models()
        except ProviderError as error:
            params.status.setText(error.message)
            return
        params.add_models(provider_id, models)
        params.status.setText(f"{len(models)} models listed.")
