"""Building the right ``ChatProvider`` for a registry entry, with its key from the keyring."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlsplit

from app.services.providers.base import ChatProvider, MissingKey, ProviderError
from app.services.providers.registry import ProviderInfo, base_url_for, provider


class KeySource(Protocol):
    def get(self, name: str) -> str | None: ...


def provider_key(info: ProviderInfo, secrets: KeySource) -> str | None:
    """The provider's stored key; a provider that takes none (a local server) never reads the keyring."""
    if not info.needs_key and not info.key_optional:
        return None
    return secrets.get(info.secret_name) or None


def has_key(info: ProviderInfo, secrets: KeySource) -> bool:
    return not info.needs_key or bool(provider_key(info, secrets))


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal")
DEFAULT_LOCAL_FIRST_BYTE_S = 300.0


def is_local_address(url: str) -> bool:
    """Whether ``url`` points at this computer or a private network (a server that may load models)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in LOCAL_HOSTS or host.endswith(".local"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


def build_provider(
    info: ProviderInfo,
    secrets: KeySource,
    *,
    custom_base_url: str = "",
    base_url: str | None = None,
    local_first_byte_s: float = DEFAULT_LOCAL_FIRST_BYTE_S,
) -> ChatProvider:
    """A provider ready to stream; raises ``MissingKey`` when the provider needs a key that is not stored.

    ``base_url`` overrides the registry (tests, or a local server found on another port). A local server
    (the registry says so, or the address is on this computer or a private network) may take
    ``local_first_byte_s`` seconds to answer: loading a big model takes minutes.
    """
    key = provider_key(info, secrets)
    if info.needs_key and not key:
        raise MissingKey(info.name)
    url = base_url or base_url_for(info, custom_base_url)
    if not url:
        raise ProviderError(f"{info.name} has no address yet. Set it in Settings → Chat.")
    # Each SDK is imported when its first provider is built: they are large (~60 MB each).
    local = info.local or is_local_address(url)
    first_byte = local_first_byte_s if local else None
    if info.protocol == "anthropic":
        from app.services.providers.anthropic_provider import AnthropicProvider

        return AnthropicProvider(info.name, url, key, first_byte_timeout=first_byte, local=local)
    from app.services.providers.openai_compatible import OpenAICompatibleProvider

    return OpenAICompatibleProvider(info.name, url, key, first_byte_timeout=first_byte, local=local)


class ProviderPool:
    """``provider id -> ChatProvider`` from the registry, keys from the keyring.

    A provider is built once per (provider, key, address) and reused: building an SDK client costs tens of
    milliseconds (TLS context, lazy imports), too much for the UI thread on every message. A changed key
    or address builds a new one. Safe to call from the database thread (``ChatService.warm_up``).
    """

    def __init__(
        self,
        secrets: KeySource,
        custom_base_url: Callable[[], str],
        local_first_byte_s: Callable[[], float] = lambda: DEFAULT_LOCAL_FIRST_BYTE_S,
    ) -> None:
        self._secrets = secrets
        self._custom_base_url = custom_base_url
        self._local_first_byte_s = local_first_byte_s
        self._providers: dict[tuple[str, str | None, str, float], ChatProvider] = {}
        self._lock = threading.Lock()

    def __call__(self, provider_id: str) -> ChatProvider:
        try:
            info = provider(provider_id)
        except KeyError as error:
            raise ProviderError(f"Unknown provider {provider_id!r}. Pick a model again.") from error
        custom = self._custom_base_url()
        wait = float(self._local_first_byte_s())
        key = (provider_id, provider_key(info, self._secrets), base_url_for(info, custom), wait)
        with self._lock:
            cached = self._providers.get(key)
            if cached is None:
                cached = self._providers[key] = build_provider(
                    info, self._secrets, custom_base_url=custom, local_first_byte_s=wait
                )
            return cached

    async def aclose(self) -> None:
        with self._lock:
            providers, self._providers = list(self._providers.values()), {}
        for chat_provider in providers:
            await chat_provider.aclose()
