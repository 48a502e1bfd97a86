"""The real prompt enhancer: the chat model named by the ``studio.enhance_model`` setting, through the Chat
providers (``ChatService.provider_factory``). ``None`` — with the reason — when it cannot run."""

from __future__ import annotations

from collections.abc import Callable

from app.services.providers.base import ChatProvider, ChatRequest, SamplingParams, Turn
from app.services.providers.factory import KeySource, has_key
from app.services.providers.registry import provider
from app.services.studio.enhance import ChatPromptEnhancer

ProviderFactory = Callable[[str], ChatProvider]


def split_model(value: str) -> tuple[str, str]:
    """``"openai/gpt-4o-mini"`` → ("openai", "gpt-4o-mini"); the provider is the part before the first slash."""
    provider_id, _, model = value.strip().partition("/")
    return provider_id, model


def chat_enhancer(
    model_setting: str, providers: ProviderFactory, secrets: KeySource
) -> tuple[ChatPromptEnhancer | None, str]:
    """The enhancer for ``model_setting`` and an empty reason, or ``None`` and why not."""
    provider_id, model = split_model(model_setting)
    if not provider_id or not model:
        return None, "To enhance prompts, pick a chat model in Settings → Studio."
    try:
        info = provider(provider_id)
    except KeyError:
        return None, f"Enhance: unknown provider {provider_id!r}; pick the model again in Settings."
    if not has_key(info, secrets):
        return None, f"Enhance needs your {info.name} key (Settings → API keys)."

    async def complete(system: str, user: str) -> str:
        request = ChatRequest(
            model=model,
            turns=[Turn("user", user)],
            system_prompt=system,
            params=SamplingParams(temperature=0.7, max_tokens=300),
        )
        parts = [chunk.text async for chunk in providers(provider_id).stream(request)]
        return "".join(parts)

    return ChatPromptEnhancer(complete), ""
