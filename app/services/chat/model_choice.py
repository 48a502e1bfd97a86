"""The Chat controller's provider and model choice: the picker's provider (its client warmed, its key
looked up), the custom server URL, the default model, finding local servers and listing models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.config import CHAT_CUSTOM_BASE_URL, CHAT_DEFAULT_MODEL, CHAT_DEFAULT_PROVIDER
from app.services.chat.flow import Flow, Notice
from app.services.providers.base import ProviderError

if TYPE_CHECKING:
    from app.services.chat.controller import ChatController

NO_LOCAL_SERVER = (
    "No local server answered on ports 11434 (Ollama), 1234 (LM Studio), 8080 (llama.cpp) or 8000 (vLLM). "
    "Install one (ollama.com or lmstudio.ai), start it (e.g. “ollama serve”, then “ollama pull llama3.2”; "
    "in LM Studio: Developer → Start Server) and look again."
)


def count_text(count: int, noun: str) -> str:
    """ "1 model", "3 models" (English plurals with an added s)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def model_after_listing(current: str, models: list[str]) -> str:
    """The model to use after a listing returned ``models``: ``current`` (stripped) when it is among them
    or nothing was listed, else the first one listed."""
    current = current.strip()
    return current if not models or current in models else models[0]


def _short(name: str) -> str:
    return name.removesuffix(" (local)")


class ModelChoice(Flow):
    """Provider and model choice for ``ChatController`` (which forwards its public methods here).
    ``provider_id`` is the picker's provider: a key check answered late only acts while it is still picked."""

    def __init__(self, controller: ChatController) -> None:
        super().__init__(controller)
        self.provider_id = ""

    def provider_selected(self, provider_id: str) -> None:
        """The picker shows ``provider_id``: its client is prepared off the UI thread, its key looked up
        (``key_state_changed`` now, and again when the keyring answers or the key changes)."""
        self.provider_id = provider_id
        service, keys = self.service, self.controller.keys
        if not service.is_warm(provider_id):
            self.controller.tasks.start(f"chat-warm-{provider_id}", service.warm_up(provider_id), replace=False)
        known = keys.known(provider_id)
        if known is None:
            keys.check(provider_id)  # read off the UI thread; ``keys.changed`` brings us back here
        self.controller.key_state_changed.emit(provider_id, known is False)

    def key_changed(self, provider_id: str) -> None:
        if provider_id == self.provider_id:
            self.provider_selected(provider_id)

    def default_model(self) -> tuple[str, str]:
        """(provider, model) a new chat starts with while no chat is open: the settings' defaults."""
        settings = self.controller.settings
        return settings.value(CHAT_DEFAULT_PROVIDER), settings.value(CHAT_DEFAULT_MODEL)

    @property
    def custom_base_url(self) -> str:
        return self.controller.settings.value(CHAT_CUSTOM_BASE_URL)

    def set_custom_url(self, url: str) -> None:
        if url and not url.startswith(("http://", "https://")):
            self.controller.notice.emit(Notice("The server URL must start with http:// or https://"))
            return
        self.controller.settings.put(CHAT_CUSTOM_BASE_URL, url)

    def open_key_settings(self, provider_id: str = "") -> None:
        """Opens Settings → Keys at ``provider_id`` (the picker's provider when empty)."""
        self.controller.navigator.open("settings", {"section": "keys", "provider": provider_id or self.provider_id})

    async def offer_catalog(self) -> None:
        """Offers the catalog's models of every provider (``models_offered``)."""
        for provider_id, models in (await self.controller.sources.catalog_models()).items():
            self.controller.models_offered.emit(provider_id, models)

    async def detect_local_servers(self) -> None:
        """Looks for local servers; the first found is selected with its model ("" when it serves several)."""
        controller = self.controller
        controller.models_status.emit("Looking for local servers…")
        servers = await controller.sources.local_servers()
        for server in servers:
            controller.models_offered.emit(server.provider_id, list(server.models))
        if not servers:
            controller.models_status.emit(NO_LOCAL_SERVER)
            return
        first = servers[0]
        models = list(first.models)
        controller.local_server_found.emit(first.provider_id, models[0] if len(models) == 1 else "")
        found = ", ".join(f"{_short(s.name)} ({count_text(len(s.models), 'model')})" for s in servers)
        ask = f" Pick one of {_short(first.name)}'s models." if len(models) > 1 else ""
        if not models:
            ask = f" {_short(first.name)} serves no model yet: load or pull one there."
        controller.models_status.emit(f"Found {found}.{ask}")

    async def list_models(self, provider_id: str, current_model: str) -> None:
        """Lists ``provider_id``'s models; picks the first when ``current_model`` is empty or not among them."""
        controller = self.controller
        controller.models_status.emit("Listing models…")
        try:
            models = await controller.sources.provider_models(provider_id)
        except ProviderError as error:
            controller.models_status.emit(error.message)
            return
        controller.models_offered.emit(provider_id, models)
        picked = model_after_listing(current_model, models)
        listed = f"{count_text(len(models), 'model')} listed."
        if picked != current_model.strip():
            controller.model_picked.emit(provider_id, picked)
            listed += f" Picked {picked}." if len(models) > 1 else f" Picked {picked}, the only one."
        controller.models_status.emit(listed)
