"""Building a ChatService on a context's database whose providers are the loopback fakes."""

from __future__ import annotations

from app.context import AppContext
from app.services.chat.service import ChatService
from app.services.providers.anthropic_provider import AnthropicProvider
from app.services.providers.base import ChatProvider
from app.services.providers.openai_compatible import OpenAICompatibleProvider
from tests.fakes.chat_servers import GOOD_KEY, ServerThread


class PriceTable:
    def __init__(self, prices: dict[str, tuple[float, float]]) -> None:
        self.prices = prices

    def price_for(self, model_id: str, provider: str | None = None) -> tuple[float, float] | None:
        """The route's price (keyed "provider/model"), else the model's (keyed by its id)."""
        routed = self.prices.get(f"{provider}/{model_id}") if provider else None
        return routed or self.prices.get(model_id)


def fake_factory(openai_server: ServerThread | None, anthropic_server: ServerThread | None = None, key: str = GOOD_KEY):  # type: ignore[no-untyped-def]
    built: dict[str, ChatProvider] = {}

    def make(provider_id: str) -> ChatProvider:
        """Like the app's ProviderPool: one provider per id, reused."""
        if provider_id not in built:
            if provider_id == "anthropic":
                assert anthropic_server is not None
                built[provider_id] = AnthropicProvider("Anthropic", anthropic_server.url, key)
            else:
                assert openai_server is not None
                built[provider_id] = OpenAICompatibleProvider(provider_id, f"{openai_server.url}/v1", key)
        return built[provider_id]

    return make


def make_service(
    context: AppContext,
    openai_server: ServerThread | None,
    anthropic_server: ServerThread | None = None,
    **kwargs,
) -> ChatService:  # type: ignore[no-untyped-def]
    return ChatService(
        context.sessions,
        fake_factory(openai_server, anthropic_server),
        tasks=context.tasks,
        workers=context.workers,
        **kwargs,
    )
