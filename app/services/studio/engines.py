"""What the desktop knows about the Studio API's image engines: which keyring entry each provider engine
uses, and how each readiness ``fix`` reads as a one-click action."""

from __future__ import annotations

from dataclasses import dataclass

#: engine id → provider id in Settings → API keys (keyring entry ``provider:<id>``).
ENGINE_PROVIDERS = {"openai": "openai", "gemini": "google"}
ENGINE_TITLES = {
    "modal": "Amethyst cloud",
    "local": "On this computer",
    "openai": "OpenAI",
    "gemini": "Google Gemini",
    "comfyui": "ComfyUI",
    "a1111": "AUTOMATIC1111 / Forge",
}


@dataclass(frozen=True)
class FixAction:
    """A one-click way to make a model ready: a button label and where it leads."""

    label: str
    place: str  # the place to open ("settings")
    section: str  # the Settings section ("keys", "studio", "connection")
    detail: str = ""  # e.g. the provider or model to focus


def fix_action(fix: str) -> FixAction | None:
    """The action for a readiness ``fix`` code from ``GET /v1/image-models`` (None when there is none)."""
    kind, _, detail = fix.partition(":")
    if kind == "key":
        return FixAction("Add key", "settings", "keys", ENGINE_PROVIDERS.get(detail, detail))
    if kind == "download":
        return FixAction("Download", "settings", "studio", detail)
    if kind == "server":
        return FixAction("Set up", "settings", "studio", detail)
    if kind == "install":
        return FixAction("How to install", "settings", "studio", detail)
    if kind == "settings":
        return FixAction("Open Settings", "settings", "studio")
    return None


def provider_secret(engine: str) -> str | None:
    """The keyring entry the engine's jobs need on the Local connection, or None."""
    provider = ENGINE_PROVIDERS.get(engine)
    return f"provider:{provider}" if provider else None
