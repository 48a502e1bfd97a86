"""Model names offered in the model picker before anything is listed from a provider or the catalog.

The picker is editable: any model id the provider serves can be typed. "Refresh" lists a provider's own
models through its API, and "Detect local servers" adds the models of Ollama, LM Studio and llama.cpp.
"""

from __future__ import annotations

SUGGESTED_MODELS: dict[str, tuple[str, ...]] = {
    "openai": ("gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "o3-mini"),
    "anthropic": ("claude-3-5-haiku-latest", "claude-sonnet-4-0", "claude-opus-4-0"),
    "google": ("gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-pro"),
    "groq": ("llama-3.3-70b-versatile", "llama-3.1-8b-instant"),
    "deepseek": ("deepseek-chat", "deepseek-reasoner"),
    "mistral": ("mistral-small-latest", "mistral-large-latest", "codestral-latest"),
    "openrouter": ("openai/gpt-4o-mini", "anthropic/claude-3.5-sonnet", "meta-llama/llama-3.3-70b-instruct"),
    "together": ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "Qwen/Qwen2.5-72B-Instruct-Turbo"),
    "cohere": ("command-r-plus", "command-r", "command-a-03-2025"),
    "huggingface": ("meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-72B-Instruct"),
    "ollama": ("llama3.2", "qwen2.5", "mistral"),
    "lmstudio": (),
    "llamacpp": (),
    "vllm": (),
    "custom": (),
}


def suggested_models(provider_id: str) -> tuple[str, ...]:
    return SUGGESTED_MODELS.get(provider_id, ())
