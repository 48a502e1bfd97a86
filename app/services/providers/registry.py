"""The chat providers Amethyst knows: how to reach each and which keyring entry holds its key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Protocol = Literal["openai", "anthropic"]


@dataclass(frozen=True)
class ProviderInfo:
    id: str
    name: str
    protocol: Protocol  # which official SDK speaks to it
    base_url: str
    needs_key: bool = True
    local: bool = False
    keys_page: str = ""
    key_optional: bool = False  # works without a key, but one can be stored (a custom server's --api-key)

    @property
    def secret_name(self) -> str:
        """The keyring entry of this provider's API key."""
        return f"provider:{self.id}"


PROVIDERS: tuple[ProviderInfo, ...] = (
    ProviderInfo(
        "openai",
        "OpenAI",
        "openai",
        "https://api.openai.com/v1",
        keys_page="https://platform.openai.com/api-keys",
    ),
    ProviderInfo(
        "anthropic",
        "Anthropic",
        "anthropic",
        "https://api.anthropic.com",
        keys_page="https://console.anthropic.com/settings/keys",
    ),
    ProviderInfo(
        "google",
        "Google Gemini",
        "openai",
        "https://generativelanguage.googleapis.com/v1beta/openai/",
        keys_page="https://aistudio.google.com/apikey",
    ),
    ProviderInfo("groq", "Groq", "openai", "https://api.groq.com/openai/v1", keys_page="https://console.groq.com/keys"),
    ProviderInfo(
        "deepseek",
        "DeepSeek",
        "openai",
        "https://api.deepseek.com/v1",
        keys_page="https://platform.deepseek.com/api_keys",
    ),
    ProviderInfo(
        "mistral",
        "Mistral",
        "openai",
        "https://api.mistral.ai/v1",
        keys_page="https://console.mistral.ai/api-keys",
    ),
    ProviderInfo(
        "openrouter",
        "OpenRouter",
        "openai",
        "https://openrouter.ai/api/v1",
        keys_page="https://openrouter.ai/keys",
    ),
    ProviderInfo(
        "together",
        "Together AI",
        "openai",
        "https://api.together.xyz/v1",
        keys_page="https://api.together.ai/settings/api-keys",
    ),
    ProviderInfo(
        "cohere",
        "Cohere",
        "openai",
        "https://api.cohere.ai/compatibility/v1",
        keys_page="https://dashboard.cohere.com/api-keys",
    ),
    ProviderInfo(
        "huggingface",
        "Hugging Face",
        "openai",
        "https://router.huggingface.co/v1",
        keys_page="https://huggingface.co/settings/tokens",
    ),
    ProviderInfo("ollama", "Ollama (local)", "openai", "http://127.0.0.1:11434/v1", needs_key=False, local=True),
    ProviderInfo("lmstudio", "LM Studio (local)", "openai", "http://127.0.0.1:1234/v1", needs_key=False, local=True),
    ProviderInfo(
        "llamacpp",
        "llama.cpp server (local)",
        "openai",
        "http://127.0.0.1:8080/v1",
        needs_key=False,
        local=True,
    ),
    ProviderInfo("vllm", "vLLM (local)", "openai", "http://127.0.0.1:8000/v1", needs_key=False, local=True),
    # Any OpenAI-compatible server; its base URL is the setting ``chat.custom_base_url``, a key is optional.
    ProviderInfo("custom", "Custom OpenAI-compatible", "openai", "", needs_key=False, key_optional=True),
)

CUSTOM_BASE_URL_SETTING = "chat.custom_base_url"


def provider(provider_id: str) -> ProviderInfo:
    for info in PROVIDERS:
        if info.id == provider_id:
            return info
    raise KeyError(f"unknown provider {provider_id!r}")


def base_url_for(info: ProviderInfo, custom_base_url: str = "") -> str:
    """Where requests for ``info`` go; the custom provider's address comes from the settings."""
    if info.id == "custom":
        return custom_base_url.strip()
    return info.base_url


def keyed_providers() -> tuple[ProviderInfo, ...]:
    """Providers whose key can be stored in Settings → Keys (required or optional)."""
    return tuple(info for info in PROVIDERS if info.needs_key or info.key_optional)
