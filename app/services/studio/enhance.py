"""Prompt enhancement: a chat model rewrites a short prompt into a richer one, which the person can edit.

The Studio takes any ``PromptEnhancer``; ``ChatPromptEnhancer`` adapts a plain "complete this chat" call
from the Chat providers into one.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

ENHANCE_INSTRUCTIONS = (
    "You rewrite prompts for a text-to-image model. Keep the person's subject and intent; add concrete "
    "detail about composition, lighting, style, colour and lens where it helps. One paragraph, under 80 "
    "words, no preamble, no quotes, no lists. Answer with the rewritten prompt only."
)


@runtime_checkable
class PromptEnhancer(Protocol):
    async def enhance(self, prompt: str) -> str: ...


def clean_enhanced(text: str) -> str:
    """Strip what chat models like to add around an answer: labels, quotes, code fences."""
    text = text.strip().strip("`").strip()
    text = re.sub(r"^(?:enhanced |improved |rewritten )?prompt\s*:\s*", "", text, flags=re.IGNORECASE)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'“”":
        text = text[1:-1]
    return text.strip().strip("“”").strip()


class ChatPromptEnhancer:
    """``complete(system, user) -> answer`` is a one-shot chat call with the model chosen in Settings."""

    def __init__(self, complete: Callable[[str, str], Awaitable[str]]) -> None:
        self._complete = complete

    async def enhance(self, prompt: str) -> str:
        answer = clean_enhanced(await self._complete(ENHANCE_INSTRUCTIONS, prompt.strip()))
        return answer or prompt
